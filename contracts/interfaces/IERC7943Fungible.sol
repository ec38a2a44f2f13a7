// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title IERC7943Fungible: ERC-7943 (uRWA) for ERC-20 based tokens
/// @notice Account eligibility (`canSend`, `canReceive`), a transfer pre-flight (`canTransfer`),
///         an absolute frozen amount per account and a forced transfer. ERC-165 id 0x3edbb4c4.
interface IERC7943Fungible is IERC165 {
    /// @notice `amount` was moved from `from` to `to` by a forced transfer.
    event ForcedTransfer(address indexed from, address indexed to, uint256 amount);
    /// @notice The frozen amount of `account` is now `amount`.
    event Frozen(address indexed account, uint256 amount);

    /// @notice `account` may not send.
    error ERC7943CannotSend(address account);
    /// @notice `account` may not receive.
    error ERC7943CannotReceive(address account);
    /// @notice Moving `amount` from `from` to `to` is not allowed by the token's rules.
    error ERC7943CannotTransfer(address from, address to, uint256 amount);
    /// @notice `amount` is within the balance of `account` but above its `unfrozen` part.
    error ERC7943InsufficientUnfrozenBalance(address account, uint256 amount, uint256 unfrozen);

    /// @notice Move `amount` from `from` to `to` by authority (restricted); reverts on failure.
    function forcedTransfer(address from, address to, uint256 amount) external returns (bool result);

    /// @notice Set the frozen amount of `account` to `amount` (absolute; may exceed its balance).
    function setFrozenTokens(address account, uint256 amount) external returns (bool result);

    /// @notice Whether `account` may send tokens; never reverts, independent of any amount.
    function canSend(address account) external view returns (bool allowed);

    /// @notice Whether `account` may receive tokens; never reverts, independent of any amount.
    function canReceive(address account) external view returns (bool allowed);

    /// @notice The frozen amount of `account` (may exceed its balance).
    function getFrozenTokens(address account) external view returns (uint256 amount);

    /// @notice Whether the token's permissioned rules allow moving `amount` from `from` to `to`
    ///         now (a plain balance or allowance shortfall is not such a rule).
    function canTransfer(address from, address to, uint256 amount) external view returns (bool allowed);
}
