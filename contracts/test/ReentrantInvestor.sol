// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ReentrantInvestor
/// @notice A contract wallet that acts on a market contract (subscribe, refund, tender, trade)
///         through `act`, and when paid through a CallbackToken's `onTokenReceived` hook tries
///         the configured call again (a re-entry). The re-entry's result is recorded, not
///         bubbled, so the outer call can succeed and a test can check that it was paid once.
///         Test use only.
contract ReentrantInvestor {
    /// @notice Where the re-entry goes.
    address public target;
    /// @notice The re-entry's calldata (empty: no re-entry).
    bytes public reentryData;
    /// @notice Payments received through the hook.
    uint256 public paymentsReceived;
    /// @notice Re-entries attempted and those that succeeded (should stay 0).
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    /// @notice Revert data of the last failed re-entry.
    bytes public lastReentryError;

    /// @notice Emitted on each re-entry attempt.
    event Reentered(bool success, bytes data);

    /// @notice Re-enter `target_` with `data` when paid (empty `data`: just accept payments).
    /// @param target_ The contract to re-enter.
    /// @param data The calldata of the re-entry.
    function configure(address target_, bytes calldata data) external {
        target = target_;
        reentryData = data;
    }

    /// @notice Call `to` with `data` as this wallet; reverts bubble.
    /// @param to The contract called.
    /// @param data The calldata.
    /// @return ret The call's return data.
    function act(address to, bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        (ok, ret) = to.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /// @notice CallbackToken's hook: count the payment and try the re-entry.
    function onTokenReceived(address, uint256) external {
        paymentsReceived += 1;
        if (reentryData.length == 0) return;
        reentryAttempts += 1;
        (bool ok, bytes memory ret) = target.call(reentryData);
        if (ok) reentrySuccesses += 1;
        else lastReentryError = ret;
        emit Reentered(ok, ret);
    }
}
