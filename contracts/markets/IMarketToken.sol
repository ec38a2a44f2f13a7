// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IMarketToken
/// @notice The public surface of a security token that the money-flow contracts (offering,
///         settlement, buy-back) use, and nothing more: ERC-20 views, ERC-1594
///         issue/transferFromWithData/redeemFrom, the ERC-1404 decision and its message, the roles.
/// @dev SecurityToken implements all of it. A market contract never reads the token's storage
///      and never bypasses its compliance decision: every share it moves goes through `issue`,
///      `transferFromWithData` or `redeemFrom`, which run the decision again.
interface IMarketToken {
    /// @notice ERC-20 decimals.
    function decimals() external view returns (uint8);
    /// @notice ERC-20 balance.
    function balanceOf(address account) external view returns (uint256);
    /// @notice ERC-20 allowance.
    function allowance(address owner, address spender) external view returns (uint256);
    /// @notice ERC-1594 transferFrom with data (the market contract is the spender).
    function transferFromWithData(address from, address to, uint256 value, bytes calldata data) external;
    /// @notice ERC-1594 issuance (the caller must hold ISSUER_ROLE on the token).
    function issue(address to, uint256 value, bytes calldata data) external;
    /// @notice ERC-1594 redemption of `from`'s tokens with the caller's allowance.
    function redeemFrom(address from, uint256 value, bytes calldata data) external;
    /// @notice ERC-1404: the restriction code of moving `value` from `from` to `to` now
    ///         (`from == 0`: issuance, `to == 0`: redemption).
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8);
    /// @notice ERC-1404: the message of a restriction code.
    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory);
    /// @notice The investor registry the token reads (immutable).
    function registry() external view returns (address);
    /// @notice OpenZeppelin AccessControl role check.
    function hasRole(bytes32 role, address account) external view returns (bool);
}
