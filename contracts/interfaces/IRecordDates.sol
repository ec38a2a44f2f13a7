// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The largest record-date supply the corporate actions accept: 2^208 - 1. Distributions and
///      ballots keep the eligible supply (and a distribution its deposit and running totals) in
///      208-bit fields, so a token read by them must never let its total supply exceed this.
///      One constant for both sides: the token's supply limit and the corporate accounting.
uint256 constant MAX_RECORD_SUPPLY = type(uint208).max;

/// @title IRecordDates
/// @notice Record dates (snapshots) of a security token, read by dividends and ballots.
/// @dev A record date is a future timestamp fixed by the issuer. Balances "at" record date `id`
///      are the balances after the last block whose timestamp is below `recordDate(id)`:
///      tokens received in the first block at or after the record date carry no entitlement.
interface IRecordDates {
    /// @notice Record date `id` was scheduled for `timestamp`.
    event RecordDateScheduled(uint256 indexed id, uint64 timestamp);

    /// @notice Number of record dates scheduled so far; ids run from 1 to this value.
    function latestRecordDateId() external view returns (uint256);

    /// @notice The timestamp of record date `id` (reverts for an unknown id).
    function recordDate(uint256 id) external view returns (uint64);

    /// @notice Balance of `account` at record date `id`; reverts unless that date has passed.
    function balanceOfAt(address account, uint256 id) external view returns (uint256);

    /// @notice Total supply at record date `id`; reverts unless that date has passed.
    function totalSupplyAt(uint256 id) external view returns (uint256);

    /// @notice The wallet that now stands for `wallet` after controller recoveries (itself if none).
    function successorOf(address wallet) external view returns (address);

    /// @notice `balanceOfAt(account, id)`, `successorOf(account)` and whether that successor is
    ///         fully frozen on this token, in one call, for a consumer that checked once, when it
    ///         fixed its terms, that record date `id` has passed (dividends, ballots). It does NOT
    ///         check it again: for a record date that has not passed (or does not exist) the
    ///         balance answered is the current one.
    /// @return balance The record-date balance of `account`.
    /// @return successor The wallet that now stands for `account` (itself if never recovered).
    /// @return successorFrozen Whether `successor` is fully frozen on this token now.
    function recordPosition(address account, uint256 id)
        external
        view
        returns (uint256 balance, address successor, bool successorFrozen);

    /// @notice The investor registry the token reads.
    function registry() external view returns (address);

    /// @notice Whether `account` holds `role` on the token (OpenZeppelin AccessControl).
    function hasRole(bytes32 role, address account) external view returns (bool);
}
