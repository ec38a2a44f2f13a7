// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The distributor entry points this attacker aims at.
interface IDistributorTarget {
    function claim(uint256 id) external returns (uint256);
    function claimFor(uint256 id, address holder) external returns (uint256);
}

/// @dev The voting entry point this wallet uses.
interface IVotingTarget {
    function vote(uint256 ballotId, uint8 option) external returns (uint256);
}

/// @title ReentrantClaimer
/// @notice A contract holder that tries to re-enter the dividend distributor when it is paid,
///         through ETH (receive) or an ERC-20 callback (onTokenReceived). The re-entry's result is
///         recorded, not bubbled, so the outer claim can succeed and the test can check that the
///         holder got exactly one share. Modes also cover a receiver that reverts or burns gas.
///         Test use only.
contract ReentrantClaimer {
    /// @notice What to do when paid.
    enum Mode {
        Accept, // take the payment
        ReenterClaim, // call distributor.claim(id) again
        ReenterClaimFor, // call distributor.claimFor(id, this) again
        Revert, // refuse the payment
        BurnGas // loop until out of gas
    }

    /// @notice The distributor under attack.
    IDistributorTarget public distributor;
    /// @notice The distribution id to re-enter.
    uint256 public targetId;
    /// @notice Current behaviour on payment.
    Mode public mode;
    /// @notice Number of payments received (ETH or callback token).
    uint256 public paymentsReceived;
    /// @notice Number of re-entry attempts made.
    uint256 public reentryAttempts;
    /// @notice Number of re-entry attempts that succeeded (should stay 0).
    uint256 public reentrySuccesses;
    /// @notice Revert data of the last failed re-entry.
    bytes public lastReentryError;

    /// @notice Emitted on each re-entry attempt with its result.
    event Reentered(bool success, bytes data);

    /// @notice Aim at `distributor_` / distribution `id` with behaviour `mode_`.
    /// @param distributor_ The distributor.
    /// @param id The distribution.
    /// @param mode_ The behaviour when paid.
    function configure(address distributor_, uint256 id, Mode mode_) external {
        distributor = IDistributorTarget(distributor_);
        targetId = id;
        mode = mode_;
    }

    /// @notice Claim distribution `id` from `distributor_` as this contract.
    /// @param distributor_ The distributor.
    /// @param id The distribution.
    /// @return amount What the distributor reported paying.
    function claim(address distributor_, uint256 id) external returns (uint256 amount) {
        return IDistributorTarget(distributor_).claim(id);
    }

    /// @notice Vote on `ballotId` of `voting` as this contract.
    /// @param voting The voting contract.
    /// @param ballotId The ballot.
    /// @param option The option.
    /// @return weight The weight counted.
    function vote(address voting, uint256 ballotId, uint8 option) external returns (uint256 weight) {
        return IVotingTarget(voting).vote(ballotId, option);
    }

    receive() external payable {
        _onPayment();
    }

    /// @notice ERC-20 callback of CallbackToken.
    function onTokenReceived(address, uint256) external {
        _onPayment();
    }

    function _onPayment() private {
        paymentsReceived += 1;
        Mode m = mode;
        if (m == Mode.Revert) revert("ReentrantClaimer: refused");
        if (m == Mode.BurnGas) {
            uint256 i;
            while (true) {
                unchecked {
                    ++i;
                }
            }
        }
        if (m == Mode.ReenterClaim || m == Mode.ReenterClaimFor) {
            reentryAttempts += 1;
            bytes memory data = m == Mode.ReenterClaim
                ? abi.encodeCall(IDistributorTarget.claim, (targetId))
                : abi.encodeCall(IDistributorTarget.claimFor, (targetId, address(this)));
            (bool ok, bytes memory ret) = address(distributor).call(data);
            if (ok) reentrySuccesses += 1;
            else lastReentryError = ret;
            emit Reentered(ok, ret);
        }
    }
}
