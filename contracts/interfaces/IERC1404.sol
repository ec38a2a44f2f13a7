// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IERC1404: simple restricted token standard
interface IERC1404 {
    /// @notice Restriction code for moving `value` from `from` to `to` now (0 = no restriction).
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8);
    /// @notice Human-readable message for a restriction code.
    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory);
}
