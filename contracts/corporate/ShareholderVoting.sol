// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {GuardedAccessControl} from "../access/GuardedAccessControl.sol";
import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {IRecordDates, MAX_RECORD_SUPPLY} from "../interfaces/IRecordDates.sol";
import {IShareholderVoting} from "../interfaces/IShareholderVoting.sol";

/// @title ShareholderVoting
/// @notice Ballots of an issuer's security tokens, each weighted by balances at a record date of
///         the token it names. One contract serves every token of the issuer, so adding a token
///         deploys only the token (and one `setTokenServed` call).
/// @dev Rules, in one place:
///      - Shared, keyed by token: a ballot stores its token in the slot every vote reads. Ids are
///        one sequence for all tokens, and so are the voted flags (one bit per id).
///      - Authority: this contract's DEFAULT_ADMIN_ROLE (the issuer) only admits or dismisses
///        tokens; creating a ballot needs ISSUER_ROLE on the token it names. An issuer of token A
///        holds no right over token B's ballots. A served token must read this contract's
///        registry (checked on admission), which every vote reads for freezes.
///      - Weight = `token.balanceOfAt(voter, recordDateId)` of the ballot's token. Record dates are fixed by the token
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
///        zero-to-nonzero storage write on its option: the issuer pays that once per option. A
///        zero tally therefore marks an option the ballot does not have (how a vote checks it).
///      - Nothing loops over holders; views loop over at most MAX_OPTIONS options.
contract ShareholderVoting is IShareholderVoting, GuardedAccessControl {
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

    /// @dev Slots 0 and 1 are all a vote reads from the ballot; it then writes one tally slot.
    struct Ballot {
        // slot 0
        address token;
        uint40 start;
        uint40 end;
        uint16 thresholdBps;
        // slot 1
        uint208 eligibleSupply;
        uint32 recordDateId;
        uint16 quorumBps;
        // slot 2
        bytes32 documentHash;
        // slots 3..18: weight + 1 per option, 0 past the last option (the option count)
        uint256[MAX_OPTIONS] tally;
    }

    /// @dev The investor registry of every token served (fixed at deployment).
    IInvestorRegistry private immutable _registry;

    uint256 private _count;
    mapping(address token => bool) private _served;
    mapping(uint256 id => Ballot) private _ballots;
    /// @dev Voted flags, one bit per ballot, 256 ballots per word and wallet.
    mapping(address voter => mapping(uint256 word => uint256 bits)) private _votedBits;
    mapping(uint256 id => mapping(address account => bool)) private _excluded;
    mapping(uint256 id => mapping(address holder => address proxy)) private _proxies;

    /// @param registry_ The investor registry the issuer's tokens read.
    /// @param admin The first holder of DEFAULT_ADMIN_ROLE (admits tokens).
    constructor(IInvestorRegistry registry_, address admin) {
        _registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------------------------------
    // Admin
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IShareholderVoting
    function setTokenServed(address token, bool served) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (served) {
            address tokenRegistry = IRecordDates(token).registry();
            if (tokenRegistry != address(_registry)) {
                revert RegistryMismatch(token, tokenRegistry, address(_registry));
            }
        }
        if (_served[token] == served) return;
        _served[token] = served;
        emit TokenServed(token, served);
    }

    /// @inheritdoc IShareholderVoting
    function isTokenServed(address token) external view returns (bool) {
        return _served[token];
    }

    /// @inheritdoc IShareholderVoting
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @notice ERC-165: IShareholderVoting, IAccessControl and IERC165.
    /// @param interfaceId The interface identifier.
    /// @return Whether this contract implements it.
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl) returns (bool) {
        return interfaceId == type(IShareholderVoting).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------
    // Issuer of the token a ballot names
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IShareholderVoting
    function createBallot(BallotParams calldata p) external returns (uint256 id) {
        IRecordDates token = IRecordDates(p.token);
        if (!_served[address(token)]) revert TokenNotServed(address(token));
        if (!token.hasRole(ISSUER_ROLE, msg.sender)) revert NotIssuer(address(token), msg.sender);
        uint256 optionCount = p.options.length;
        if (optionCount < 2 || optionCount > MAX_OPTIONS) revert InvalidOptionCount(optionCount);
        if (p.end <= p.start || p.end <= block.timestamp) revert InvalidWindow(p.start, p.end);
        if (p.quorumBps > _BPS || p.thresholdBps > _BPS) revert InvalidBps(p.quorumBps, p.thresholdBps);
        uint256 n = p.excluded.length;
        if (n > MAX_EXCLUDED) revert TooManyExcluded(n, MAX_EXCLUDED);
        uint256 recordId = p.recordDateId;
        _requirePassed(token, recordId);

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
        b.token = address(token);
        b.recordDateId = SafeCast.toUint32(recordId);
        b.start = SafeCast.toUint40(p.start);
        b.end = SafeCast.toUint40(p.end);
        b.quorumBps = p.quorumBps;
        b.thresholdBps = p.thresholdBps;
        b.eligibleSupply = uint208(eligible);
        if (p.documentHash != bytes32(0)) b.documentHash = p.documentHash;
        for (uint256 i; i < optionCount; ++i) {
            b.tally[i] = 1;
        }
        emit BallotCreated(id, address(token), recordId, eligible, p);
    }

    // ------------------------------------------------------------------------------------------
    // Holders
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IShareholderVoting
    function vote(uint256 ballotId, uint8 option) external returns (uint256 weight) {
        Ballot storage b = _known(ballotId);
        // One call: the record-date weight, the successor and its token-level freeze.
        (uint256 balance, address successor, bool frozen) =
            IRecordDates(b.token).recordPosition(msg.sender, b.recordDateId);
        if (successor != msg.sender) revert WalletSuperseded(msg.sender, successor);
        return _cast(b, ballotId, msg.sender, option, balance, msg.sender, frozen);
    }

    /// @inheritdoc IShareholderVoting
    function voteFor(uint256 ballotId, address voter, uint8 option) external returns (uint256 weight) {
        Ballot storage b = _known(ballotId);
        IRecordDates token = IRecordDates(b.token);
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
            if (proxyFrozen || InvestorRecords.isFrozen(_registry.recordOf(msg.sender))) {
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
        address token = b.token;
        if (token == address(0)) revert UnknownBallot(ballotId);
        if (block.timestamp >= b.end) revert VotingClosed(ballotId, b.end);
        address successor = IRecordDates(token).successorOf(msg.sender);
        if (successor != msg.sender) revert WalletSuperseded(msg.sender, successor);
        if (_votedBits[msg.sender][ballotId >> 8] & (1 << (ballotId & 0xff)) != 0) {
            if (_excluded[ballotId][msg.sender]) revert ExcludedVoter(ballotId, msg.sender);
            revert AlreadyVoted(ballotId, msg.sender);
        }
        _proxies[ballotId][msg.sender] = proxy;
        emit ProxyAppointed(ballotId, token, msg.sender, proxy);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IShareholderVoting
    function ballot(uint256 id) external view returns (BallotInfo memory info) {
        Ballot storage b = _known(id);
        info.token = b.token;
        info.recordDateId = b.recordDateId;
        info.start = b.start;
        info.end = b.end;
        info.optionCount = uint8(_optionCount(b));
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
        if (option >= MAX_OPTIONS || b.tally[option] == 0) revert InvalidOption(id, option);
        return b.tally[option] - 1;
    }

    /// @inheritdoc IShareholderVoting
    function tallies(uint256 id) external view returns (uint256[] memory result) {
        Ballot storage b = _known(id);
        uint256 n = _optionCount(b);
        result = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            result[i] = b.tally[i] - 1;
        }
    }

    /// @inheritdoc IShareholderVoting
    function turnout(uint256 id) public view returns (uint256 total) {
        Ballot storage b = _known(id);
        uint256 n = _optionCount(b);
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
        uint256 n = _optionCount(b);
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
        if (block.timestamp < b.start) revert VotingNotOpen(id, b.start);
        if (block.timestamp >= b.end) revert VotingClosed(id, b.end);
        // Options the ballot has hold weight + 1 >= 1 (see the rules above).
        if (option >= MAX_OPTIONS) revert InvalidOption(id, option);
        uint256 counted = b.tally[option];
        if (counted == 0) revert InvalidOption(id, option);
        uint256 word = id >> 8;
        uint256 mask = 1 << (id & 0xff);
        uint256 bits = _votedBits[voter][word];
        if (bits & mask != 0) {
            if (_excluded[id][voter]) revert ExcludedVoter(id, voter);
            revert AlreadyVoted(id, voter);
        }
        if (weight == 0) revert NoVotingWeight(id, voter);
        if (frozen || InvestorRecords.isFrozen(_registry.recordOf(standing))) revert InvestorFrozen(id, standing);
        _votedBits[voter][word] = bits | mask;
        b.tally[option] = counted + weight;
        emit VoteCast(id, b.token, voter, option, weight);
        return weight;
    }

    function _known(uint256 id) private view returns (Ballot storage b) {
        b = _ballots[id];
        if (b.token == address(0)) revert UnknownBallot(id);
    }

    /// @dev The number of options: the tallies up to the first zero (views only; a vote reads
    ///      the one tally it writes).
    function _optionCount(Ballot storage b) private view returns (uint256 n) {
        while (n < MAX_OPTIONS && b.tally[n] != 0) ++n;
    }

    function _quorum(Ballot storage b, uint256 total) private view returns (bool) {
        return total * _BPS >= uint256(b.quorumBps) * b.eligibleSupply;
    }

    /// @dev Record date `recordId` of `token` exists and has passed (the token reverts for an unknown id).
    function _requirePassed(IRecordDates token, uint256 recordId) private view {
        try token.recordDate(recordId) returns (uint64 timestamp) {
            if (block.timestamp < timestamp) revert RecordDateNotPassed(recordId);
        } catch {
            revert RecordDateNotPassed(recordId);
        }
    }
}
