// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {IRecordDates, MAX_RECORD_SUPPLY} from "../interfaces/IRecordDates.sol";
import {IShareholderVoting} from "../interfaces/IShareholderVoting.sol";

/// @title ShareholderVoting
/// @notice Ballots of one security token, weighted by balances at a record date of that token.
/// @dev Rules, in one place:
///      - Weight = `token.balanceOfAt(voter, recordDateId)`. Record dates are fixed by the token
///        before the first block at or after the date, so tokens bought (or borrowed) in that
///        block or later carry no weight, and moving tokens after voting adds none: the vote is
///        recorded against the wallet that held at the record date, once per ballot.
///      - Wallet recovery: a wallet the controller recovered (`token.successorOf(w) != w`) can no
///        longer vote, appoint or act as anyone's proxy; its successor casts its vote, once,
///        with `voteFor`.
///      - Freeze policy (the same as dividends): while the wallet that stands for a record-date
///        position (`successorOf(voter)`) is frozen, fully on the token or as an investor in the
///        registry, that position's vote is kept but cannot be cast (`InvestorFrozen`); it can
///        be once the freeze is lifted, while the ballot is open. A frozen wallet cannot act as
///        a proxy either.
///      - Proxy: a holder may appoint one proxy per ballot; the first of the two to vote counts.
///      - Excluded wallets (treasury) are left out of the eligible supply and cannot vote.
///      - Tallies are stored as weight + 1 (written at creation) so that a vote never pays for a
///        zero-to-nonzero storage write on its option: the issuer pays that once per option.
///      - Nothing loops over holders; views loop over at most MAX_OPTIONS options.
contract ShareholderVoting is IShareholderVoting {
    /// @notice The role, on the token, allowed to create ballots.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Most options per ballot.
    uint256 public constant MAX_OPTIONS = 16;
    /// @notice Most excluded wallets per ballot.
    uint256 public constant MAX_EXCLUDED = 16;
    /// @notice Largest record-date supply a ballot accounts for: 2^208 - 1, the same limit as the
    ///         token's supply (IRecordDates.MAX_RECORD_SUPPLY).
    uint256 public constant MAX_SUPPLY = MAX_RECORD_SUPPLY;

    uint256 private constant _BPS = 10_000;

    /// @dev Slot 0 is all a vote reads from the ballot; it then writes one tally slot.
    struct Ballot {
        // slot 0
        uint32 recordDateId;
        uint40 start;
        uint40 end;
        uint8 optionCount;
        uint16 quorumBps;
        uint16 thresholdBps;
        // slot 1
        uint208 eligibleSupply;
        // slot 2
        bytes32 documentHash;
        // slots 3..18: weight + 1 per option
        uint256[MAX_OPTIONS] tally;
    }

    /// @notice The security token whose record dates and roles this contract uses.
    IRecordDates public immutable token;
    /// @notice The investor registry of the token (fixed when the token was deployed).
    IInvestorRegistry public immutable registry;

    uint256 private _count;
    mapping(uint256 id => Ballot) private _ballots;
    /// @dev Voted flags, one bit per ballot, 256 ballots per word and wallet.
    mapping(address voter => mapping(uint256 word => uint256 bits)) private _votedBits;
    mapping(uint256 id => mapping(address account => bool)) private _excluded;
    mapping(uint256 id => mapping(address holder => address proxy)) private _proxies;

    /// @param token_ The security token (IRecordDates); its registry is read once, here.
    constructor(IRecordDates token_) {
        token = token_;
        registry = IInvestorRegistry(token_.registry());
    }

    // ------------------------------------------------------------------------------------------
    // Issuer
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IShareholderVoting
    function createBallot(BallotParams calldata p) external returns (uint256 id) {
        if (!token.hasRole(ISSUER_ROLE, msg.sender)) revert NotIssuer(msg.sender);
        uint256 optionCount = p.options.length;
        if (optionCount < 2 || optionCount > MAX_OPTIONS) revert InvalidOptionCount(optionCount);
        if (p.end <= p.start || p.end <= block.timestamp) revert InvalidWindow(p.start, p.end);
        if (p.quorumBps > _BPS || p.thresholdBps > _BPS) revert InvalidBps(p.quorumBps, p.thresholdBps);
        uint256 n = p.excluded.length;
        if (n > MAX_EXCLUDED) revert TooManyExcluded(n, MAX_EXCLUDED);
        uint256 recordId = p.recordDateId;
        _requirePassed(recordId);

        id = ++_count;
        uint256 word = id >> 8;
        uint256 mask = 1 << (id & 0xff);
        uint256 eligible = token.totalSupplyAt(recordId);
        if (eligible > MAX_RECORD_SUPPLY) revert SupplyTooLarge(eligible, MAX_RECORD_SUPPLY);
        for (uint256 i; i < n; ++i) {
            address w = p.excluded[i];
            if (_excluded[id][w]) revert DuplicateExcluded(w);
            _excluded[id][w] = true;
            _votedBits[w][word] |= mask;
            eligible -= token.balanceOfAt(w, recordId);
        }
        if (eligible == 0) revert NothingEligible();

        Ballot storage b = _ballots[id];
        b.recordDateId = SafeCast.toUint32(recordId);
        b.start = SafeCast.toUint40(p.start);
        b.end = SafeCast.toUint40(p.end);
        b.optionCount = uint8(optionCount);
        b.quorumBps = p.quorumBps;
        b.thresholdBps = p.thresholdBps;
        b.eligibleSupply = uint208(eligible);
        if (p.documentHash != bytes32(0)) b.documentHash = p.documentHash;
        for (uint256 i; i < optionCount; ++i) {
            b.tally[i] = 1;
        }
        emit BallotCreated(id, recordId, eligible, p);
    }

    // ------------------------------------------------------------------------------------------
    // Holders
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IShareholderVoting
    function vote(uint256 ballotId, uint8 option) external returns (uint256 weight) {
        Ballot storage b = _known(ballotId);
        // One call: the record-date weight, the successor and its token-level freeze.
        (uint256 balance, address successor, bool frozen) = token.recordPosition(msg.sender, b.recordDateId);
        if (successor != msg.sender) revert WalletSuperseded(msg.sender, successor);
        return _cast(b, ballotId, msg.sender, option, balance, msg.sender, frozen);
    }

    /// @inheritdoc IShareholderVoting
    function voteFor(uint256 ballotId, address voter, uint8 option) external returns (uint256 weight) {
        Ballot storage b = _known(ballotId);
        uint256 recordId = b.recordDateId;
        (uint256 balance, address successor, bool frozen) = token.recordPosition(voter, recordId);
        if (successor == voter) {
            // Not recovered: only the proxy this holder appointed for this ballot...
            if (msg.sender == voter || _proxies[ballotId][voter] != msg.sender) {
                revert NotAuthorized(ballotId, voter, msg.sender);
            }
            // ...and only while that proxy is itself in good standing: not recovered (its key
            // may be in a thief's hands), not frozen on the token or in the registry.
            (, address proxySuccessor, bool proxyFrozen) = token.recordPosition(msg.sender, recordId);
            if (proxySuccessor != msg.sender) revert WalletSuperseded(msg.sender, proxySuccessor);
            if (proxyFrozen || InvestorRecords.isFrozen(registry.recordOf(msg.sender))) {
                revert InvestorFrozen(ballotId, msg.sender);
            }
        } else if (successor != msg.sender) {
            // Recovered: only the successor (never a proxy the lost wallet appointed).
            revert NotAuthorized(ballotId, voter, msg.sender);
        }
        weight = _cast(b, ballotId, voter, option, balance, successor, frozen);
        emit VoteCastOnBehalf(ballotId, voter, msg.sender);
    }

    /// @inheritdoc IShareholderVoting
    function appointProxy(uint256 ballotId, address proxy) external {
        Ballot storage b = _ballots[ballotId];
        if (b.optionCount == 0) revert UnknownBallot(ballotId);
        if (block.timestamp >= b.end) revert VotingClosed(ballotId, b.end);
        address successor = token.successorOf(msg.sender);
        if (successor != msg.sender) revert WalletSuperseded(msg.sender, successor);
        if (_votedBits[msg.sender][ballotId >> 8] & (1 << (ballotId & 0xff)) != 0) {
            if (_excluded[ballotId][msg.sender]) revert ExcludedVoter(ballotId, msg.sender);
            revert AlreadyVoted(ballotId, msg.sender);
        }
        _proxies[ballotId][msg.sender] = proxy;
        emit ProxyAppointed(ballotId, msg.sender, proxy);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IShareholderVoting
    function ballot(uint256 id) external view returns (BallotInfo memory info) {
        Ballot storage b = _known(id);
        info.recordDateId = b.recordDateId;
        info.start = b.start;
        info.end = b.end;
        info.optionCount = b.optionCount;
        info.quorumBps = b.quorumBps;
        info.thresholdBps = b.thresholdBps;
        info.eligibleSupply = b.eligibleSupply;
        info.documentHash = b.documentHash;
    }

    /// @inheritdoc IShareholderVoting
    function ballotCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IShareholderVoting
    function tally(uint256 id, uint8 option) external view returns (uint256) {
        Ballot storage b = _known(id);
        if (option >= b.optionCount) revert InvalidOption(id, option);
        return b.tally[option] - 1;
    }

    /// @inheritdoc IShareholderVoting
    function tallies(uint256 id) external view returns (uint256[] memory result) {
        Ballot storage b = _known(id);
        uint256 n = b.optionCount;
        result = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            result[i] = b.tally[i] - 1;
        }
    }

    /// @inheritdoc IShareholderVoting
    function turnout(uint256 id) public view returns (uint256 total) {
        Ballot storage b = _known(id);
        uint256 n = b.optionCount;
        for (uint256 i; i < n; ++i) {
            total += b.tally[i] - 1;
        }
    }

    /// @inheritdoc IShareholderVoting
    function quorumReached(uint256 id) external view returns (bool) {
        Ballot storage b = _known(id);
        return _quorum(b, turnout(id));
    }

    /// @inheritdoc IShareholderVoting
    function outcome(uint256 id) external view returns (Outcome memory o) {
        Ballot storage b = _known(id);
        uint256 n = b.optionCount;
        uint256 best;
        for (uint256 i; i < n; ++i) {
            uint256 t = b.tally[i] - 1;
            o.turnout += t;
            if (t > best) {
                best = t;
                o.winningOption = uint8(i);
                o.tie = false;
            } else if (t == best && t != 0) {
                o.tie = true;
            }
        }
        o.ended = block.timestamp >= b.end;
        o.quorumReached = _quorum(b, o.turnout);
        o.passed = o.ended && o.quorumReached && !o.tie && o.turnout != 0
            && best * _BPS >= uint256(b.thresholdBps) * o.turnout;
    }

    /// @inheritdoc IShareholderVoting
    function hasVoted(uint256 id, address voter) external view returns (bool) {
        return _votedBits[voter][id >> 8] & (1 << (id & 0xff)) != 0;
    }

    /// @inheritdoc IShareholderVoting
    function isExcluded(uint256 id, address account) external view returns (bool) {
        return _excluded[id][account];
    }

    /// @inheritdoc IShareholderVoting
    function proxyOf(uint256 id, address holder) external view returns (address) {
        return _proxies[id][holder];
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev Count `voter`'s record-date `weight` for `option`. `standing` is the wallet that now
    ///      stands for `voter` (its successor) and `frozen` its token-level freeze; its registry
    ///      freeze is read here, last, so that refusals for other reasons cost no registry call.
    function _cast(
        Ballot storage b,
        uint256 id,
        address voter,
        uint8 option,
        uint256 weight,
        address standing,
        bool frozen
    ) private returns (uint256) {
        uint256 optionCount = b.optionCount;
        if (block.timestamp < b.start) revert VotingNotOpen(id, b.start);
        if (block.timestamp >= b.end) revert VotingClosed(id, b.end);
        if (option >= optionCount) revert InvalidOption(id, option);
        uint256 word = id >> 8;
        uint256 mask = 1 << (id & 0xff);
        uint256 bits = _votedBits[voter][word];
        if (bits & mask != 0) {
            if (_excluded[id][voter]) revert ExcludedVoter(id, voter);
            revert AlreadyVoted(id, voter);
        }
        if (weight == 0) revert NoVotingWeight(id, voter);
        if (frozen || InvestorRecords.isFrozen(registry.recordOf(standing))) revert InvestorFrozen(id, standing);
        _votedBits[voter][word] = bits | mask;
        b.tally[option] += weight;
        emit VoteCast(id, voter, option, weight);
        return weight;
    }

    function _known(uint256 id) private view returns (Ballot storage b) {
        b = _ballots[id];
        if (b.optionCount == 0) revert UnknownBallot(id);
    }

    function _quorum(Ballot storage b, uint256 total) private view returns (bool) {
        return total * _BPS >= uint256(b.quorumBps) * b.eligibleSupply;
    }

    /// @dev Record date `recordId` exists and has passed (the token reverts for an unknown id).
    function _requirePassed(uint256 recordId) private view {
        try token.recordDate(recordId) returns (uint64 timestamp) {
            if (block.timestamp < timestamp) revert RecordDateNotPassed(recordId);
        } catch {
            revert RecordDateNotPassed(recordId);
        }
    }
}
