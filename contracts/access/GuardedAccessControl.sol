// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title GuardedAccessControl
/// @notice OpenZeppelin AccessControl that refuses the zero address as a role holder and never
///         lets the last default admin go (by revoke or renounce).
abstract contract GuardedAccessControl is AccessControl {
    /// @notice A role cannot be granted to the zero address.
    error RoleToZeroAddress(bytes32 role);
    /// @notice The last holder of DEFAULT_ADMIN_ROLE cannot be removed.
    error LastAdmin(address account);

    uint256 private _adminCount;

    /// @notice Number of accounts holding DEFAULT_ADMIN_ROLE.
    function adminCount() external view returns (uint256) {
        return _adminCount;
    }

    function _grantRole(bytes32 role, address account) internal virtual override returns (bool granted) {
        if (account == address(0)) revert RoleToZeroAddress(role);
        granted = super._grantRole(role, account);
        if (granted && role == DEFAULT_ADMIN_ROLE) ++_adminCount;
    }

    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == DEFAULT_ADMIN_ROLE) {
            if (_adminCount == 1) revert LastAdmin(account);
            --_adminCount;
        }
    }
}
