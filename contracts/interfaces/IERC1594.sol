// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IERC1594: core security token standard (issuance, redemption, transfer pre-checks)
interface IERC1594 {
    /// @notice `value` tokens were issued to `to` by `operator`.
    event Issued(address indexed operator, address indexed to, uint256 value, bytes data);
    /// @notice `value` tokens of `from` were redeemed by `operator`.
    event Redeemed(address indexed operator, address indexed from, uint256 value, bytes data);

    /// @notice Transfer with attached data (e.g. an off-chain authorisation reference).
    function transferWithData(address to, uint256 value, bytes calldata data) external;
    /// @notice transferFrom with attached data.
    function transferFromWithData(address from, address to, uint256 value, bytes calldata data) external;
    /// @notice Whether new tokens can still be issued.
    function isIssuable() external view returns (bool);
    /// @notice Issue `value` new tokens to `to`.
    function issue(address to, uint256 value, bytes calldata data) external;
    /// @notice Redeem `value` of the caller's tokens.
    function redeem(uint256 value, bytes calldata data) external;
    /// @notice Redeem `value` of `from`'s tokens using the caller's allowance.
    function redeemFrom(address from, uint256 value, bytes calldata data) external;
    /// @notice Would `transfer(to, value)` from the caller succeed? Returns an ERC-1066 status
    ///         and the ERC-1404 restriction code as the application-specific reason.
    function canTransfer(address to, uint256 value, bytes calldata data)
        external
        view
        returns (bool, bytes1, bytes32);
    /// @notice Would `transferFrom(from, to, value)` by the caller succeed?
    function canTransferFrom(address from, address to, uint256 value, bytes calldata data)
        external
        view
        returns (bool, bytes1, bytes32);
}
