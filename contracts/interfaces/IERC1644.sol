// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IERC1644: controller token operations (court orders, regulatory actions)
interface IERC1644 {
    /// @notice The controller moved `value` from `from` to `to`, bypassing the transfer rules.
    event ControllerTransfer(
        address controller, address indexed from, address indexed to, uint256 value, bytes data, bytes operatorData
    );
    /// @notice The controller redeemed `value` of `tokenHolder`'s tokens.
    event ControllerRedemption(
        address controller, address indexed tokenHolder, uint256 value, bytes data, bytes operatorData
    );

    /// @notice Whether controller operations are enabled on this token.
    function isControllable() external view returns (bool);
    /// @notice Forced transfer by the controller.
    function controllerTransfer(address from, address to, uint256 value, bytes calldata data, bytes calldata operatorData)
        external;
    /// @notice Forced redemption by the controller.
    function controllerRedeem(address tokenHolder, uint256 value, bytes calldata data, bytes calldata operatorData)
        external;
}
