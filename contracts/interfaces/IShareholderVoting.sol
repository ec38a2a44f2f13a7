// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IShareholderVoting
/// @notice Shareholder ballots of an issuer's security tokens. Voting weight is the balance at a
///         record date of the token a ballot names (see IRecordDates); one vote per holder wallet
///         per ballot. One contract serves every token of an issuer (the tokens its admin
///         admitted, all on one investor registry).
interface IShareholderVoting {
    /// @notice What the issuer gives `createBallot`.
    /// @param token The security token whose holders vote (admitted with `setTokenServed`); the
    ///        caller needs its ISSUER_ROLE.
    /// @param title Short title (emitted, not stored).
    /// @param documentURI Where the resolution or circular is published (emitted, not stored).
    /// @param documentHash Hash of that document (stored).
    /// @param options Option labels, 2 to MAX_OPTIONS (emitted, not stored; the count is stored).
    /// @param recordDateId Record date of the token whose balances are the weights (must have passed).
    /// @param start Voting opens at this unix time (may be now or in the past: open at once).
    /// @param end Voting closes at this unix time (exclusive); must be after start and now.
    /// @param quorumBps Turnout needed, in basis points of the eligible supply.
    /// @param thresholdBps Share of the votes cast the leading option needs to pass, in basis points;
    ///        0 means plurality (the unique leader wins).
    /// @param excluded Wallets that do not vote and are left out of the eligible supply (treasury).
    struct BallotParams {
        address token;
        string title;
        string documentURI;
        bytes32 documentHash;
        string[] options;
        uint256 recordDateId;
        uint64 start;
        uint64 end;
        uint16 quorumBps;
        uint16 thresholdBps;
        address[] excluded;
    }

    /// @notice A ballot as the views report it.
    struct BallotInfo {
        address token;
        uint256 recordDateId;
        uint64 start;
        uint64 end;
        uint8 optionCount;
        uint16 quorumBps;
        uint16 thresholdBps;
        uint256 eligibleSupply;
        bytes32 documentHash;
    }

    /// @notice The result of a ballot, as it stands (final once `ended`).
    /// @param ended Voting has closed.
    /// @param quorumReached turnout * 10000 >= quorumBps * eligibleSupply.
    /// @param tie Two or more options share the highest tally (no winner).
    /// @param winningOption The option with the highest tally (meaningful unless tie or no votes).
    /// @param passed Ended, quorum reached, a unique leader, and that leader has at least
    ///        thresholdBps of the votes cast (any share when thresholdBps is 0).
    struct Outcome {
        bool ended;
        bool quorumReached;
        bool tie;
        uint8 winningOption;
        bool passed;
        uint256 turnout;
    }

    /// @notice The admin admitted (`served` true) or dismissed `token`: only admitted tokens get new
    ///         ballots; those already created run to their end either way.
    event TokenServed(address indexed token, bool served);
    /// @notice Ballot `id` of `token` was created from `params` (title, document, option labels,
    ///         window, quorum, threshold and excluded wallets); `eligibleSupply` is the
    ///         denominator of the quorum.
    event BallotCreated(
        uint256 indexed id,
        address indexed token,
        uint256 indexed recordDateId,
        uint256 eligibleSupply,
        BallotParams params
    );
    /// @notice `voter` (the wallet whose record-date balance is the weight) voted `option` with
    ///         `weight` on ballot `ballotId` of `token`.
    event VoteCast(
        uint256 indexed ballotId, address indexed token, address indexed voter, uint8 option, uint256 weight
    );
    /// @notice The vote of `voter` on ballot `ballotId` was cast by `caller` (its proxy or its
    ///         successor after a wallet recovery); always follows the VoteCast it qualifies.
    event VoteCastOnBehalf(uint256 indexed ballotId, address indexed voter, address indexed caller);
    /// @notice `holder` appointed `proxy` to vote for it on ballot `ballotId` of `token`
    ///         (address(0): revoked).
    event ProxyAppointed(
        uint256 indexed ballotId, address indexed token, address indexed holder, address proxy
    );

    /// @notice `account` does not hold ISSUER_ROLE on `token`.
    error NotIssuer(address token, address account);
    /// @notice `token` was not admitted by this contract's admin (`setTokenServed`).
    error TokenNotServed(address token);
    /// @notice `token` reads the registry `tokenRegistry`, not this contract's `registry`.
    error RegistryMismatch(address token, address tokenRegistry, address registry);
    /// @notice The record date has not passed yet (or does not exist).
    error RecordDateNotPassed(uint256 recordDateId);
    /// @notice Fewer than two or more than MAX_OPTIONS options.
    error InvalidOptionCount(uint256 count);
    /// @notice end must be after start and after now.
    error InvalidWindow(uint64 start, uint64 end);
    /// @notice quorumBps or thresholdBps above 10000.
    error InvalidBps(uint16 quorumBps, uint16 thresholdBps);
    /// @notice More than MAX_EXCLUDED excluded wallets.
    error TooManyExcluded(uint256 count, uint256 max);
    /// @notice `account` appears twice in the excluded list.
    error DuplicateExcluded(address account);
    /// @notice Excluded wallets hold the whole supply at the record date.
    error NothingEligible();
    /// @notice No ballot `id`.
    error UnknownBallot(uint256 id);
    /// @notice Ballot `id` opens at `start`.
    error VotingNotOpen(uint256 id, uint64 start);
    /// @notice Ballot `id` closed at `end`.
    error VotingClosed(uint256 id, uint64 end);
    /// @notice Ballot `id` has no option `option`.
    error InvalidOption(uint256 id, uint8 option);
    /// @notice `voter` already voted on ballot `id`.
    error AlreadyVoted(uint256 id, address voter);
    /// @notice `voter` is excluded from ballot `id`.
    error ExcludedVoter(uint256 id, address voter);
    /// @notice `voter` held nothing at the record date of ballot `id`.
    error NoVotingWeight(uint256 id, address voter);
    /// @notice `wallet` was recovered by the controller to `successor`: only the successor acts for it.
    error WalletSuperseded(address wallet, address successor);
    /// @notice `caller` is neither the proxy nor the successor of `voter` on ballot `id`.
    error NotAuthorized(uint256 id, address voter, address caller);
    /// @notice `wallet` is frozen, fully on the token or as an investor in the registry: the vote
    ///         it stands for (or casts as a proxy) on ballot `id` cannot be cast while it lasts.
    error InvestorFrozen(uint256 id, address wallet);
    /// @notice The token's record-date supply is above the 208-bit limit a ballot accounts for.
    error SupplyTooLarge(uint256 supply, uint256 max);

    /// @notice Admin (DEFAULT_ADMIN_ROLE of this contract): admit `token` (`served` true) so that
    ///         its issuers may create ballots here, or stop new ones (false). The token must read
    ///         this contract's registry. Emits TokenServed when the answer changes.
    /// @param token The security token.
    /// @param served Whether new ballots of `token` may be created.
    function setTokenServed(address token, bool served) external;

    /// @notice Whether `token` is admitted (new ballots of it may be created).
    function isTokenServed(address token) external view returns (bool);

    /// @notice The investor registry every served token reads (fixed at deployment).
    function registry() external view returns (address);

    /// @notice Create a ballot of `p.token` (which must be served); the caller needs that token's
    ///         ISSUER_ROLE. Costs the same whatever the number of holders (at most MAX_EXCLUDED
    ///         balances are read).
    /// @param p See BallotParams.
    /// @return id The new ballot's id (1, 2, ...; one sequence for every token served).
    function createBallot(BallotParams calldata p) external returns (uint256 id);

    /// @notice Vote `option` on ballot `ballotId` with the caller's record-date balance. Refused
    ///         for a recovered wallet (WalletSuperseded) and while the caller is frozen on the
    ///         token or in the registry (InvestorFrozen).
    /// @param ballotId The ballot.
    /// @param option Index into the ballot's options.
    /// @return weight The weight counted.
    function vote(uint256 ballotId, uint8 option) external returns (uint256 weight);

    /// @notice Cast `voter`'s vote as its proxy for this ballot, or as its successor after a wallet
    ///         recovery (the lost wallet's record-date weight, once). A proxy must not have been
    ///         recovered (WalletSuperseded) nor be frozen (InvestorFrozen); the wallet that stands
    ///         for `voter` (`successorOf(voter)`) must not be frozen either (InvestorFrozen).
    /// @param ballotId The ballot.
    /// @param voter The wallet whose record-date balance is the weight.
    /// @param option Index into the ballot's options.
    /// @return weight The weight counted.
    function voteFor(uint256 ballotId, address voter, uint8 option) external returns (uint256 weight);

    /// @notice Appoint `proxy` to cast the caller's vote on ballot `ballotId` (address(0) revokes).
    ///         The caller may still vote itself until the proxy has voted.
    /// @param ballotId The ballot (must not have closed).
    /// @param proxy The wallet that may vote for the caller.
    function appointProxy(uint256 ballotId, address proxy) external;

    /// @notice Ballot `id` (reverts for an unknown id).
    function ballot(uint256 id) external view returns (BallotInfo memory);

    /// @notice Number of ballots created, all tokens together; ids run from 1 to this value.
    function ballotCount() external view returns (uint256);

    /// @notice Weight counted for `option` on ballot `id`.
    function tally(uint256 id, uint8 option) external view returns (uint256);

    /// @notice Weights counted for every option of ballot `id`, in option order.
    function tallies(uint256 id) external view returns (uint256[] memory);

    /// @notice Sum of the weights of the votes cast on ballot `id`.
    function turnout(uint256 id) external view returns (uint256);

    /// @notice Whether turnout has reached the quorum of ballot `id`.
    function quorumReached(uint256 id) external view returns (bool);

    /// @notice The result of ballot `id` as it stands.
    function outcome(uint256 id) external view returns (Outcome memory);

    /// @notice Whether `voter`'s vote on ballot `id` was cast (true for excluded wallets).
    function hasVoted(uint256 id, address voter) external view returns (bool);

    /// @notice Whether `account` is excluded from ballot `id`.
    function isExcluded(uint256 id, address account) external view returns (bool);

    /// @notice The proxy `holder` appointed for ballot `id` (address(0) if none).
    function proxyOf(uint256 id, address holder) external view returns (address);
}
