// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title ClientTimelock
/// @notice Test client only: OpenZeppelin's TimelockController unchanged, compiled in the project
///         so the governor test deploys it.
contract ClientTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and executing.
    /// @param proposers Who may schedule (the governor).
    /// @param executors Who may execute (address(0): anyone).
    /// @param admin Optional admin (address(0): self-administered).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
