// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {GuardedAccessControl} from "../access/GuardedAccessControl.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {IERC1594} from "../interfaces/IERC1594.sol";
import {IERC1644} from "../interfaces/IERC1644.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IRecordDates, MAX_RECORD_SUPPLY} from "../interfaces/IRecordDates.sol";
import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {Restrictions} from "../compliance/Restrictions.sol";
import {TokenDocuments} from "./TokenDocuments.sol";
import {HolderWords, CountryWords, ConfigWords} from "./TokenWords.sol";

/// @title SecurityToken
/// @notice An ERC-20 security token of the ERC-1400 family: issuance and redemption (ERC-1594),
///         documents (ERC-1643), controller operations (ERC-1644), ERC-1404 restriction codes,
///         per-token transfer rules over a shared investor registry, freezes, pause, wallet
///         recovery and record dates for corporate actions.
/// @dev Every balance change passes through `_update`, which asks the single compliance decision
///      (`_restriction`) unless a controller operation is running. What a transfer reads sits in
///      few slots: the token configuration with the balance cap (one slot), the receiver's country
///      rule and count (one slot), one state slot per wallet (`HolderWords`), and one registry
///      call returning both parties' records.
contract SecurityToken is ERC20, GuardedAccessControl, TokenDocuments, IERC1594, IERC1644, IERC1404, IRecordDates {
    using InvestorRecords for uint256;
    using HolderWords for uint256;
    using CountryWords for uint256;
    using ConfigWords for uint256;
    using Checkpoints for Checkpoints.Trace224;

    // ------------------------------------------------------------------ roles

    /// @notice Issues and redeems, manages documents, fixes record dates.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Sets transfer rules and freezes wallets or amounts.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Forced transfers and redemptions, wallet recovery (the documented bypass).
    bytes32 public constant CONTROLLER_ROLE = keccak256("CONTROLLER_ROLE");
    /// @notice Pauses and unpauses every non-controller movement.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    // ------------------------------------------------------------------ errors

    /// @notice The zero address was given where a wallet is required.
    error ZeroAddress();
    /// @notice A zero amount was given where it makes no sense.
    error ZeroAmount();
    /// @notice Issuance has been closed for good.
    error IssuanceClosed();
    /// @notice The compliance decision refused the movement: `code` is the ERC-1404 code.
    error TransferRestricted(uint8 code, string reason);
    /// @notice A share in basis points above 10,000.
    error InvalidBps(uint256 bps);
    /// @notice Country codes are ISO 3166-1 numeric, 1..999.
    error InvalidCountry(uint256 country);
    /// @notice Batch arrays differ in length.
    error LengthMismatch(uint256 a, uint256 b);
    /// @notice Freezing `requested` more would freeze more than `wallet` holds.
    error FreezeExceedsBalance(address wallet, uint256 requested, uint256 available);
    /// @notice Unfreezing more than is frozen.
    error UnfreezeExceedsFrozen(address wallet, uint256 requested, uint256 frozen);
    /// @notice The token is already in the requested pause state.
    error PauseUnchanged(bool paused);
    /// @notice A record date must lie strictly in the future.
    error RecordDateNotInFuture(uint256 timestamp, uint256 nowTimestamp);
    /// @notice Record date `id` (at `timestamp`) has not passed yet; one may be pending at a time.
    error RecordDatePending(uint256 id, uint256 timestamp);
    /// @notice Record date `id` does not exist or has not passed yet.
    error RecordDateNotReached(uint256 id);
    /// @notice The recovery target must be a verified wallet not itself recovered.
    error RecoveryTargetInvalid(address wallet);
    /// @notice `wallet` was already recovered to another wallet.
    error AlreadyRecovered(address wallet, address successor);
    /// @notice A recovered wallet stays frozen for good: its balance, dividends and votes follow
    ///         `successor` (see recoverWallet).
    error RecoveredWalletStaysFrozen(address wallet, address successor);
    /// @notice Record date `id` is not the latest one or has already passed: it cannot be cancelled.
    error RecordDateNotPending(uint256 id);

    // ------------------------------------------------------------------ events

    /// @notice The transfer rules were changed by `operator`.
    event RulesUpdated(address indexed operator, Rules rules);
    /// @notice The rule for `country` was changed.
    event CountryRuleUpdated(address indexed operator, uint16 indexed country, bool listed, uint32 maxHolders);
    /// @notice `wallet` was fully frozen (`frozen` true) or unfrozen on this token.
    event WalletFrozen(address indexed operator, address indexed wallet, bool frozen);
    /// @notice The frozen part of `wallet`'s balance changed to `frozenAmount`.
    event FrozenAmountChanged(address indexed operator, address indexed wallet, uint256 frozenAmount);
    /// @notice The compliance officer approved (`approved` true) or withdrew `operator` as an
    ///         operator of this token: a contract (an exchange pair, a settlement contract) that
    ///         may spend allowances without being a verified investor.
    event ApprovedOperatorSet(address indexed officer, address indexed operator, bool approved);
    /// @notice Issuance was closed for good.
    event IssuanceFinalized(address indexed operator);
    /// @notice The pending record date `id` (at `timestamp`) was cancelled; the next one scheduled
    ///         takes its id.
    event RecordDateCancelled(uint256 indexed id, uint64 timestamp);
    /// @notice The controller moved the whole balance of a lost wallet to its investor's new wallet.
    event WalletRecovered(
        address indexed controller,
        address indexed lostWallet,
        address indexed newWallet,
        uint256 amount,
        uint256 frozenAmount,
        bytes operatorData
    );

    // ------------------------------------------------------------------ state

    /// @notice Per-token transfer rules set by the compliance officer.
    /// @param requireAccreditation Receivers must carry the registry's accredited flag.
    /// @param countryAllowList True: only listed countries may receive. False: listed countries may not.
    /// @param maxHolders Maximum number of wallets with a balance (0 = no limit).
    /// @param holdingPeriod Seconds after the last issuance to a wallet before it may transfer (0 = none).
    /// @param maxBalance Maximum balance of one wallet (0 = no limit).
    /// @param maxBalanceBps Maximum balance of one wallet as basis points of supply (0 = no limit).
    /// @param minPosition Minimum position in token units (0 = none): a wallet that holds nothing
    ///        must receive at least this much, and a movement out of a wallet may not leave it a
    ///        non-zero balance below it. Must be m x 10^e with m <= 32,767 and e <= 31.
    struct Rules {
        bool requireAccreditation;
        bool countryAllowList;
        uint24 maxHolders;
        uint32 holdingPeriod;
        uint256 maxBalance;
        uint16 maxBalanceBps;
        uint256 minPosition;
    }

    uint256 private constant _PAUSED = 1;
    uint256 private constant _REQUIRE_ACCREDITATION = 2;
    uint256 private constant _ALLOW_LIST = 4;
    uint256 private constant _ISSUANCE_CLOSED = 8;
    uint256 private constant _HAS_CAP = 16;

    /// @notice The largest total supply: `MAX_RECORD_SUPPLY` (2^208 - 1, IRecordDates.sol), the
    ///         one limit the corporate actions share (their per-holder arithmetic multiplies a
    ///         balance by a deposit or a weight).
    uint256 internal constant MAX_SUPPLY = MAX_RECORD_SUPPLY;

    IInvestorRegistry private immutable _registry;
    uint8 private immutable _decimals;

    uint256 private _config; // ConfigWords
    uint256 private _maxBalance; // the absolute rule as configured
    uint32 private _supplyRecordId; // latest record date for which total supply was saved
    mapping(address wallet => uint256 word) private _holders; // HolderWords
    mapping(uint16 country => uint256 word) private _countries; // CountryWords
    mapping(uint256 id => uint64) private _recordDates;
    mapping(address wallet => Checkpoints.Trace224) private _balanceHistory;
    Checkpoints.Trace224 private _supplyHistory;
    mapping(address lost => address successor) private _successors;

    /// @dev Everything the compliance decision and the bookkeeping read for one movement.
    ///      The parties and the value travel on the stack beside it.
    struct Move {
        uint256 fromRecord;
        uint256 toRecord;
        uint256 fromBalance;
        uint256 toBalance;
        uint256 sender; // HolderWords
        uint256 receiver; // HolderWords
        uint256 receiverCountry; // CountryWords, loaded only when the receiver's cache is stale
        bool countryAllowed; // the receiver's country passes the block/allow list
        bool countryCached; // countryAllowed came from the receiver's cache
    }

    /// @param name_ ERC-20 name.
    /// @param symbol_ ERC-20 symbol.
    /// @param decimals_ ERC-20 decimals (0 for shares).
    /// @param registry_ The investor registry this token reads.
    /// @param admin Receives DEFAULT_ADMIN_ROLE; it grants the other roles.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address registry_, address admin)
        ERC20(name_, symbol_)
    {
        if (registry_ == address(0)) revert ZeroAddress();
        _registry = IInvestorRegistry(registry_);
        _decimals = decimals_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ================================================================== views

    /// @notice ERC-20 decimals chosen at deployment.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IRecordDates
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @notice Number of wallets holding a non-zero balance.
    function holderCount() external view returns (uint256) {
        return _config.holderCount();
    }

    /// @notice Number of holding wallets counted under `country`, its rule and limit.
    function countryRule(uint16 country) external view returns (bool listed, uint32 maxHolders, uint32 holders) {
        uint256 r = _countries[country];
        return (r.listed(), uint32(r.holderLimit()), uint32(r.holdersCounted()));
    }

    /// @notice The transfer rules in force.
    function rules() external view returns (Rules memory r) {
        uint256 c = _config;
        r.requireAccreditation = c.hasFlag(_REQUIRE_ACCREDITATION);
        r.countryAllowList = c.hasFlag(_ALLOW_LIST);
        r.maxHolders = uint24(c.maxHolders());
        r.holdingPeriod = uint32(c.holdingPeriod());
        r.maxBalance = _maxBalance;
        r.maxBalanceBps = uint16(c.maxBalanceBps());
        r.minPosition = c.minPosition();
    }

    /// @notice Whether every non-controller movement is paused.
    function paused() external view returns (bool) {
        return _config.hasFlag(_PAUSED);
    }

    /// @notice Token-level freeze state of `wallet`: full freeze, frozen amount, last issuance time.
    function walletState(address wallet) external view returns (bool frozen, uint256 frozenAmount, uint256 acquiredAt) {
        uint256 h = _holders[wallet];
        return (h.isWalletFrozen(), h.frozenAmount(), h.acquiredAt());
    }

    /// @inheritdoc IERC1594
    function isIssuable() external view returns (bool) {
        return !_config.hasFlag(_ISSUANCE_CLOSED);
    }

    /// @inheritdoc IERC1644
    /// @dev Always true: holders of CONTROLLER_ROLE may force transfers; the admin controls that role.
    function isControllable() external pure returns (bool) {
        return true;
    }

    /// @inheritdoc IERC1594
    function canTransfer(address to, uint256 value, bytes calldata) external view returns (bool, bytes1, bytes32) {
        return _verdict(_detect(msg.sender, to, value));
    }

    /// @inheritdoc IERC1594
    /// @dev Asked by the spender (`msg.sender`): unless it is `from` itself, the spender is checked
    ///      first (SPENDER_FROZEN, SPENDER_NOT_ALLOWED), then the allowance, then the decision.
    function canTransferFrom(address from, address to, uint256 value, bytes calldata)
        external
        view
        returns (bool, bytes1, bytes32)
    {
        if (from == address(0)) return _verdict(Restrictions.INVALID_SENDER);
        uint256 c = _config;
        (Move memory m, uint8 code) = _load(c, from, to, msg.sender == from ? address(0) : msg.sender);
        if (code != Restrictions.SUCCESS) return _verdict(code);
        if (allowance(from, msg.sender) < value) return _verdict(Restrictions.INSUFFICIENT_ALLOWANCE);
        if (to == address(0)) return _verdict(Restrictions.INVALID_RECEIVER);
        return _verdict(_restriction(c, m, from, to, value));
    }

    /// @inheritdoc IERC1404
    /// @dev `from == address(0)` asks whether `value` may be issued to `to`.
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8) {
        return _detect(from, to, value);
    }

    /// @inheritdoc IERC1404
    function messageForTransferRestriction(uint8 restrictionCode) external pure returns (string memory) {
        return Restrictions.message(restrictionCode);
    }

    /// @notice ERC-1066 status byte of a restriction code.
    function statusForTransferRestriction(uint8 restrictionCode) external pure returns (bytes1) {
        return Restrictions.status(restrictionCode);
    }

    // ------------------------------------------------------------------ record dates

    /// @inheritdoc IRecordDates
    function latestRecordDateId() external view returns (uint256) {
        return _config.recordId();
    }

    /// @inheritdoc IRecordDates
    function recordDate(uint256 id) external view returns (uint64) {
        uint64 t = _recordDates[id];
        if (t == 0) revert RecordDateNotReached(id);
        return t;
    }

    /// @inheritdoc IRecordDates
    function balanceOfAt(address account, uint256 id) external view returns (uint256) {
        _requirePassed(id);
        return _balanceAt(account, _holders[account], id);
    }

    /// @inheritdoc IRecordDates
    /// @dev One cold read of the wallet's state word answers all three for a wallet never
    ///      recovered (a recovered one adds the read of its successor's word); skipping the
    ///      passed check saves the read of the record date (the caller checked it once).
    function recordPosition(address account, uint256 id)
        external
        view
        returns (uint256 balance, address successor, bool successorFrozen)
    {
        uint256 h = _holders[account];
        balance = _balanceAt(account, h, id);
        successor = _successorOf(account, h);
        successorFrozen = (successor == account ? h : _holders[successor]).isWalletFrozen();
    }

    /// @inheritdoc IRecordDates
    function totalSupplyAt(uint256 id) external view returns (uint256) {
        _requirePassed(id);
        if (_supplyRecordId < id) return totalSupply();
        return _supplyHistory.lowerLookup(uint32(id));
    }

    /// @inheritdoc IRecordDates
    /// @dev A wallet never recovered answers from its state word, which a vote has just read
    ///      through `balanceOfAt` (a warm read instead of a cold one).
    function successorOf(address wallet) external view returns (address) {
        return _successorOf(wallet, _holders[wallet]);
    }

    // ================================================================== ERC-1594

    /// @inheritdoc IERC1594
    function transferWithData(address to, uint256 value, bytes calldata) external {
        _transfer(msg.sender, to, value);
    }

    /// @notice ERC-20 transferFrom. Unless the spender is `from` itself, it must be a verified
    ///         investor (registry record, valid KYC) not frozen on this token or in the registry
    ///         and not recovered, or an operator approved on this token (`setApprovedOperator`)
    ///         not frozen on it; then the allowance is spent and the compliance decision applies.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spendAndMove(from, to, value, false);
        return true;
    }

    /// @inheritdoc IERC1594
    /// @dev The spender check of `transferFrom` applies.
    function transferFromWithData(address from, address to, uint256 value, bytes calldata) external {
        _spendAndMove(from, to, value, false);
    }

    /// @inheritdoc IERC1594
    /// @dev Issuance closed, a zero amount and the supply limit are also answered by the compliance
    ///      decision (codes 18, 20, 19), so `detectTransferRestriction(address(0), to, value)`
    ///      predicts this call.
    function issue(address to, uint256 value, bytes calldata data) external onlyRole(ISSUER_ROLE) {
        if (to == address(0)) revert ZeroAddress();
        if (value == 0) revert ZeroAmount();
        _mint(to, value);
        emit Issued(msg.sender, to, value, data);
    }

    /// @notice Close issuance for good; `isIssuable` is false afterwards.
    function closeIssuance() external onlyRole(ISSUER_ROLE) {
        if (_config.hasFlag(_ISSUANCE_CLOSED)) revert IssuanceClosed();
        _config |= _ISSUANCE_CLOSED;
        emit IssuanceFinalized(msg.sender);
    }

    /// @inheritdoc IERC1594
    function redeem(uint256 value, bytes calldata data) external {
        if (value == 0) revert ZeroAmount();
        _burn(msg.sender, value);
        emit Redeemed(msg.sender, msg.sender, value, data);
    }

    /// @inheritdoc IERC1594
    /// @dev The spender check of `transferFrom` applies.
    function redeemFrom(address from, uint256 value, bytes calldata data) external {
        if (value == 0) revert ZeroAmount();
        _spendAndMove(from, address(0), value, true);
        emit Redeemed(msg.sender, from, value, data);
    }

    // ================================================================== ERC-1644 and recovery

    /// @inheritdoc IERC1644
    function controllerTransfer(
        address from,
        address to,
        uint256 value,
        bytes calldata data,
        bytes calldata operatorData
    ) external onlyRole(CONTROLLER_ROLE) {
        if (value == 0) revert ZeroAmount();
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _forcedMove(from, to, value);
        emit ControllerTransfer(msg.sender, from, to, value, data, operatorData);
    }

    /// @inheritdoc IERC1644
    function controllerRedeem(address tokenHolder, uint256 value, bytes calldata data, bytes calldata operatorData)
        external
        onlyRole(CONTROLLER_ROLE)
    {
        if (value == 0) revert ZeroAmount();
        if (tokenHolder == address(0)) revert ERC20InvalidSender(address(0));
        _forcedMove(tokenHolder, address(0), value);
        emit ControllerRedemption(msg.sender, tokenHolder, value, data, operatorData);
    }

    /// @notice Move the whole balance of a lost wallet, with its frozen part and holding-period
    ///         clock, to a new verified wallet of the same investor. The lost wallet is frozen on
    ///         this token and `successorOf(lost)` points to the new wallet from then on, so that
    ///         corporate actions fixed before the recovery pay and count the new wallet.
    /// @param operatorData The court order or ticket reference, recorded in the event.
    function recoverWallet(address lost, address newWallet, bytes calldata operatorData)
        external
        onlyRole(CONTROLLER_ROLE)
    {
        if (lost == address(0) || newWallet == address(0)) revert ZeroAddress();
        if (_successors[lost] != address(0)) revert AlreadyRecovered(lost, _successors[lost]);
        if (
            newWallet == lost || _successors[newWallet] != address(0) || _holders[newWallet].isWalletFrozen()
                || !_registry.recordOf(newWallet).isVerified(block.timestamp)
        ) revert RecoveryTargetInvalid(newWallet);

        uint256 old = _holders[lost];
        uint256 amount = balanceOf(lost);
        if (amount != 0) _forcedMove(lost, newWallet, amount);
        // The transfer released the lost wallet's frozen part; it follows the balance instead.
        _holders[lost] = _holders[lost].withWalletFrozen(true).withRecovered();
        uint256 target = _holders[newWallet];
        if (old.frozenAmount() != 0) {
            // Both parts are below 2^128 but their sum need not be: the checked writer reverts
            // (PackedFieldOverflow) rather than spill into the holding-period clock.
            uint256 frozenNow = target.frozenAmount() + old.frozenAmount();
            target = target.withFrozenAmount(frozenNow);
            emit FrozenAmountChanged(msg.sender, newWallet, frozenNow);
        }
        if (old.acquiredAt() > target.acquiredAt()) target = target.withAcquiredAt(old.acquiredAt());
        _holders[newWallet] = target;
        _successors[lost] = newWallet;
        emit WalletFrozen(msg.sender, lost, true);
        emit WalletRecovered(msg.sender, lost, newWallet, amount, old.frozenAmount(), operatorData);
    }

    // ================================================================== compliance administration

    /// @notice Replace the transfer rules of this token.
    function setRules(Rules calldata r) external onlyRole(COMPLIANCE_ROLE) {
        if (r.maxBalanceBps > 10_000) revert InvalidBps(r.maxBalanceBps);
        uint256 c = _config;
        if (r.countryAllowList != c.hasFlag(_ALLOW_LIST)) c = _bumpEpoch(c);
        uint256 flags = (c & (_PAUSED | _ISSUANCE_CLOSED)) | (r.requireAccreditation ? _REQUIRE_ACCREDITATION : 0)
            | (r.countryAllowList ? _ALLOW_LIST : 0)
            | (r.maxBalance != 0 || r.maxBalanceBps != 0 ? _HAS_CAP : 0);
        c = c.withFlags(flags).withMaxHolders(r.maxHolders).withHoldingPeriod(r.holdingPeriod);
        c = c.withMaxBalanceBps(r.maxBalanceBps).withMinPosition(r.minPosition);
        _config = c.withBalanceCap(_capFor(totalSupply(), r.maxBalance, r.maxBalanceBps));
        _maxBalance = r.maxBalance;
        emit RulesUpdated(msg.sender, r);
    }

    /// @notice Set the rule for one country: `listed` means blocked (block-list mode) or allowed
    ///         (allow-list mode); `maxHolders` limits holders counted under it (0 = no limit).
    function setCountryRule(uint16 country, bool listed, uint32 maxHolders) external onlyRole(COMPLIANCE_ROLE) {
        if (_setCountryRule(country, listed, maxHolders)) _config = _bumpEpoch(_config);
    }

    /// @notice Set the rules of many countries at once.
    function setCountryRules(uint16[] calldata countries, bool[] calldata listed, uint32[] calldata maxHolders)
        external
        onlyRole(COMPLIANCE_ROLE)
    {
        uint256 n = countries.length;
        if (listed.length != n) revert LengthMismatch(n, listed.length);
        if (maxHolders.length != n) revert LengthMismatch(n, maxHolders.length);
        bool listingChanged;
        for (uint256 i; i < n; ++i) {
            if (_setCountryRule(countries[i], listed[i], maxHolders[i])) listingChanged = true;
        }
        if (listingChanged) _config = _bumpEpoch(_config); // one epoch bump, one write, for the batch
    }

    /// @notice Approve `operator` (or withdraw the approval) to spend allowances on this token
    ///         without a registry record: an exchange pair, a settlement or offering contract.
    ///         A full freeze of the operator on this token still stops it.
    function setApprovedOperator(address operator, bool approved) external onlyRole(COMPLIANCE_ROLE) {
        if (operator == address(0)) revert ZeroAddress();
        _holders[operator] = _holders[operator].withApprovedOperator(approved);
        emit ApprovedOperatorSet(msg.sender, operator, approved);
    }

    /// @notice Whether `operator` is approved to spend allowances without a registry record.
    function isApprovedOperator(address operator) external view returns (bool) {
        return _holders[operator].isApprovedOperator();
    }

    /// @notice Freeze (or unfreeze) `wallet` fully on this token; only the controller can move it then.
    function setWalletFrozen(address wallet, bool frozen) external onlyRole(COMPLIANCE_ROLE) {
        if (wallet == address(0)) revert ZeroAddress();
        uint256 h = _holders[wallet];
        if (!frozen && h.isRecovered()) revert RecoveredWalletStaysFrozen(wallet, _successorOf(wallet, h));
        _holders[wallet] = h.withWalletFrozen(frozen);
        emit WalletFrozen(msg.sender, wallet, frozen);
    }

    /// @notice Freeze `amount` more of `wallet`'s balance.
    function freezePartial(address wallet, uint256 amount) external onlyRole(COMPLIANCE_ROLE) {
        if (amount == 0) revert ZeroAmount();
        uint256 h = _holders[wallet];
        uint256 frozenNow = h.frozenAmount();
        uint256 balance = balanceOf(wallet);
        if (frozenNow + amount > balance) revert FreezeExceedsBalance(wallet, amount, balance - frozenNow);
        _holders[wallet] = h.withFrozenAmount(frozenNow + amount);
        emit FrozenAmountChanged(msg.sender, wallet, frozenNow + amount);
    }

    /// @notice Release `amount` of `wallet`'s frozen balance.
    function unfreezePartial(address wallet, uint256 amount) external onlyRole(COMPLIANCE_ROLE) {
        if (amount == 0) revert ZeroAmount();
        uint256 h = _holders[wallet];
        uint256 frozenNow = h.frozenAmount();
        if (amount > frozenNow) revert UnfreezeExceedsFrozen(wallet, amount, frozenNow);
        _holders[wallet] = h.withFrozenAmount(frozenNow - amount);
        emit FrozenAmountChanged(msg.sender, wallet, frozenNow - amount);
    }

    /// @notice Pause every movement except controller operations.
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_config.hasFlag(_PAUSED)) revert PauseUnchanged(true);
        _config |= _PAUSED;
        emit Pausable.Paused(msg.sender);
    }

    /// @notice Lift the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_config.hasFlag(_PAUSED)) revert PauseUnchanged(false);
        _config &= ~_PAUSED;
        emit Pausable.Unpaused(msg.sender);
    }

    /// @notice Fix a record date at `timestamp` (strictly in the future). Balances at it are those
    ///         before the first block whose timestamp reaches it. One record date may be pending at a time.
    /// @return id The new record date's id.
    function scheduleRecordDate(uint64 timestamp) external onlyRole(ISSUER_ROLE) returns (uint256 id) {
        if (timestamp <= block.timestamp) revert RecordDateNotInFuture(timestamp, block.timestamp);
        uint256 c = _config;
        if (c.passedRecordId(block.timestamp) != c.recordId()) revert RecordDatePending(c.recordId(), c.recordTime());
        id = c.recordId() + 1;
        _config = c.withRecord(id, timestamp);
        _recordDates[id] = timestamp;
        emit RecordDateScheduled(id, timestamp);
    }

    /// @notice Cancel the pending record date `id` (the latest one, not yet reached). Nothing was
    ///         saved for it: balances are saved only for passed record dates. The next record date
    ///         scheduled takes the same id.
    function cancelRecordDate(uint256 id) external onlyRole(ISSUER_ROLE) {
        uint256 c = _config;
        if (id == 0 || id != c.recordId() || block.timestamp >= c.recordTime()) revert RecordDateNotPending(id);
        uint64 timestamp = _recordDates[id];
        delete _recordDates[id];
        uint256 previous = id - 1;
        _config = c.withRecord(previous, _recordDates[previous]); // passed (or none when id was 1)
        emit RecordDateCancelled(id, timestamp);
    }

    // ================================================================== internals

    function _checkDocumentManager() internal view override {
        _checkRole(ISSUER_ROLE);
    }

    /// @dev The spender's verdict from its state word `h` and registry record `r` (0 for an
    ///      approved operator, whose record is not read): frozen or recovered first, then neither
    ///      verified nor approved.
    function _spenderCode(uint256 h, uint256 r) private view returns (uint8) {
        if (h & HolderWords.FROZEN_OR_RECOVERED != 0 || r & (1 << InvestorRecords.FROZEN_SHIFT) != 0) {
            return Restrictions.SPENDER_FROZEN;
        }
        if (!h.isApprovedOperator() && !r.hasValidKyc(block.timestamp)) return Restrictions.SPENDER_NOT_ALLOWED;
        return Restrictions.SUCCESS;
    }

    /// @dev transferFrom, transferFromWithData and redeemFrom (`redemption`, `to` is zero): the
    ///      spender check (skipped when the owner spends its own allowance) with the parties'
    ///      records in the same registry call, the allowance, then the decision and bookkeeping.
    function _spendAndMove(address from, address to, uint256 value, bool redemption) private {
        address spender = msg.sender;
        uint256 c = _config;
        (Move memory m, uint8 code) = _load(c, from, to, spender == from ? address(0) : spender);
        if (code != Restrictions.SUCCESS) revert TransferRestricted(code, Restrictions.message(code));
        _spendAllowance(from, spender, value);
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0) && !redemption) revert ERC20InvalidReceiver(address(0));
        code = _restriction(c, m, from, to, value);
        if (code != Restrictions.SUCCESS) revert TransferRestricted(code, Restrictions.message(code));
        _apply(c, m, from, to, value);
    }

    function _verdict(uint8 code) private pure returns (bool, bytes1, bytes32) {
        return (code == Restrictions.SUCCESS, Restrictions.status(code), bytes32(uint256(code)));
    }

    /// @dev Balance of `account` (state word `h`) at a passed record date `id`: the value saved on
    ///      its first move after the date, or the current balance if it has not moved since.
    function _balanceAt(address account, uint256 h, uint256 id) private view returns (uint256) {
        if (h.savedRecordId() < id) return balanceOf(account);
        return _balanceHistory[account].lowerLookup(uint32(id));
    }

    /// @dev The end of `wallet`'s recovery chain (`h` is its state word; only a recovered wallet has one).
    function _successorOf(address wallet, uint256 h) private view returns (address) {
        if (!h.isRecovered()) return wallet;
        address next = _successors[wallet];
        while (next != address(0)) {
            wallet = next;
            next = _successors[wallet];
        }
        return wallet;
    }

    function _requirePassed(uint256 id) private view {
        uint64 t = _recordDates[id];
        if (t == 0 || block.timestamp < t) revert RecordDateNotReached(id);
    }

    /// @dev Store one country's rule; true when its listing changed (cached verdicts are stale then).
    function _setCountryRule(uint16 country, bool listed, uint32 maxHolders) private returns (bool listingChanged) {
        if (country == 0 || country > InvestorRecords.MAX_COUNTRY) revert InvalidCountry(country);
        uint256 old = _countries[country];
        listingChanged = old.listed() != listed;
        _countries[country] = old.withRule(listed, maxHolders);
        emit CountryRuleUpdated(msg.sender, country, listed, maxHolders);
    }

    /// @dev Invalidate every cached country verdict (wraps after 2^24 listing changes).
    function _bumpEpoch(uint256 c) private pure returns (uint256) {
        return c.withCountryEpoch((c.countryEpoch() + 1) & type(uint24).max);
    }

    /// @dev The tag a cached country verdict carries: the current epoch + 1 (0 means no verdict).
    function _epochTag(uint256 c) private pure returns (uint256) {
        unchecked {
            return c.countryEpoch() + 1; // a 24-bit field: cannot overflow
        }
    }

    function _capFor(uint256 supply, uint256 maxBalance, uint256 bps) private pure returns (uint256 cap) {
        cap = maxBalance == 0 ? type(uint256).max : maxBalance;
        if (bps != 0) cap = Math.min(cap, Math.mulDiv(supply, bps, 10_000));
    }

    /// @dev Both parties' registry records in one static call (returns 0 for the zero address).
    function _recordsOf(address a, address b) private view returns (uint256 recordA, uint256 recordB) {
        address reg = address(_registry);
        bytes4 selector = IInvestorRegistry.recordsOf.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 4), a)
            mstore(add(p, 36), b)
            if iszero(staticcall(gas(), reg, p, 68, p, 64)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            if lt(returndatasize(), 64) { revert(0, 0) }
            recordA := mload(p)
            recordB := mload(add(p, 32))
        }
    }

    /// @dev Both parties' records and the spender's verdict: an approved operator is judged by its
    ///      state word alone (two records from the registry), any other spender by its record too
    ///      (three records in one call).
    function _loadWithSpender(Move memory m, address from, address to, address spender)
        private
        view
        returns (uint8)
    {
        uint256 h = _holders[spender];
        uint256 r;
        if (h.isApprovedOperator()) (m.fromRecord, m.toRecord) = _recordsOf(from, to);
        else (m.fromRecord, m.toRecord, r) = _registry.recordsOfThree(from, to, spender);
        return _spenderCode(h, r);
    }

    /// @dev Load everything a decision about moving `value` from `from` to `to` needs, and the
    ///      verdict on `spender` (zero: no spender to check).
    ///      The country rule is read from the receiver's cached verdict when the receiver holds
    ///      tokens under the same country and no listing changed since the verdict was cached.
    function _load(uint256 c, address from, address to, address spender)
        private
        view
        returns (Move memory m, uint8 spenderCode)
    {
        if (spender == address(0)) (m.fromRecord, m.toRecord) = _recordsOf(from, to);
        else spenderCode = _loadWithSpender(m, from, to, spender);
        if (from != address(0)) (m.sender, m.fromBalance) = (_holders[from], balanceOf(from));
        if (to == address(0)) return (m, spenderCode);
        uint256 receiver = _holders[to];
        uint256 toBalance = balanceOf(to);
        m.receiver = receiver;
        m.toBalance = toBalance;
        uint16 country = m.toRecord.country();
        if (
            toBalance != 0 && receiver.cacheEpoch() == _epochTag(c) && receiver.countedCountry() == country
        ) {
            m.countryAllowed = receiver.cachedCountryAllowed();
            m.countryCached = true;
        } else {
            uint256 rule = _countries[country];
            m.receiverCountry = rule;
            m.countryAllowed = rule.listed() == c.hasFlag(_ALLOW_LIST);
        }
    }

    /// @dev Frozen on this token (state word `h`) or in the registry (record `r`), without a branch.
    function _eitherFrozen(uint256 h, uint256 r) private pure returns (bool) {
        return ((h >> HolderWords.FROZEN_SHIFT) | (r >> InvestorRecords.FROZEN_SHIFT)) & 1 != 0;
    }

    /// @dev The compliance decision for a public query (from == 0 means issuance).
    function _detect(address from, address to, uint256 value) private view returns (uint8) {
        if (to == address(0)) return Restrictions.INVALID_RECEIVER;
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        return _restriction(c, m, from, to, value);
    }

    /// @dev The one compliance decision. Checks run in a fixed order; the first failing rule wins.
    ///      Issuance is `from == 0`, redemption `to == 0` (only sender-side rules apply to it).
    ///      Arithmetic is unchecked where it cannot overflow: balances and values are at most the
    ///      supply (< 2^208), timestamps and periods fit 40 and 32 bits.
    function _restriction(uint256 c, Move memory m, address from, address to, uint256 value)
        private
        view
        returns (uint8)
    {
        unchecked {
            if (c.hasFlag(_PAUSED)) return Restrictions.PAUSED;
            if (from != address(0)) {
                if (_eitherFrozen(m.sender, m.fromRecord)) return Restrictions.SENDER_FROZEN;
                if (m.fromBalance < value) return Restrictions.INSUFFICIENT_BALANCE;
                uint256 left = m.fromBalance - value;
                if (left < m.sender.frozenAmount()) return Restrictions.FROZEN_BALANCE;
                // Minimum position: no movement leaves a non-zero remainder below it (a self-transfer
                // moves nothing). This runs on every transfer, so ConfigWords.minPosition is inlined
                // and 0 < left < minimum is one unsigned comparison, left - 1 < minimum - 1
                // (minimum >= 1 whenever the field is set). Literals: ConfigWords.MIN_POSITION_SHIFT
                // (200) and the 20-bit field, MinPosition's 15-bit mantissa and 5-bit exponent.
                bool remainderBelowMinimum;
                assembly ("memory-safe") {
                    let f := and(shr(200, c), 0xfffff)
                    if f {
                        let minimum := mul(and(f, 0x7fff), exp(10, shr(15, f)))
                        remainderBelowMinimum := and(lt(sub(left, 1), sub(minimum, 1)), iszero(eq(from, to)))
                    }
                }
                if (remainderBelowMinimum) return Restrictions.REMAINDER_BELOW_MIN_POSITION;
                if (to == address(0)) return Restrictions.SUCCESS;
                if (!m.fromRecord.hasValidKyc(block.timestamp)) return Restrictions.SENDER_NOT_VERIFIED;
                if (block.timestamp < m.fromRecord.lockupUntil()) return Restrictions.SENDER_LOCKED;
                uint256 holding = c.holdingPeriod();
                if (holding != 0 && block.timestamp < m.sender.acquiredAt() + holding) {
                    return Restrictions.HOLDING_PERIOD;
                }
            } else {
                if (to == address(0)) return Restrictions.INVALID_SENDER;
                if (c.hasFlag(_ISSUANCE_CLOSED)) return Restrictions.ISSUANCE_CLOSED;
                if (value == 0) return Restrictions.ZERO_ISSUANCE;
                if (value > MAX_SUPPLY - totalSupply()) return Restrictions.SUPPLY_LIMIT;
            }
            if (_eitherFrozen(m.receiver, m.toRecord)) return Restrictions.RECEIVER_FROZEN;
            if (!m.toRecord.hasValidKyc(block.timestamp)) return Restrictions.RECEIVER_NOT_VERIFIED;
            if (c.hasFlag(_REQUIRE_ACCREDITATION) && m.toRecord.flags() & InvestorRecords.FLAG_ACCREDITED == 0) {
                return Restrictions.NOT_ACCREDITED;
            }
            if (!m.countryAllowed) return Restrictions.COUNTRY_NOT_ALLOWED;
            if (from == to) return Restrictions.SUCCESS;
            if (m.toBalance == 0 && value != 0) {
                // A wallet that holds nothing must receive at least the minimum position.
                if (c & ConfigWords.MIN_POSITION_MASK != 0 && value < c.minPosition()) {
                    return Restrictions.BELOW_MIN_POSITION;
                }
                bool senderLeaves = from != address(0) && m.fromBalance == value;
                uint256 maxHolders = c.maxHolders();
                if (!senderLeaves && maxHolders != 0 && c.holderCount() >= maxHolders) return Restrictions.MAX_HOLDERS;
                uint256 limit = m.receiverCountry.holderLimit();
                if (
                    limit != 0 && m.receiverCountry.holdersCounted() >= limit
                        && !(senderLeaves && m.sender.countedCountry() == m.toRecord.country())
                ) return Restrictions.MAX_HOLDERS_COUNTRY;
            }
            if (c.hasFlag(_HAS_CAP)) {
                // Issuance (primary allocation, decided by the issuer) is held to the absolute cap only;
                // the share-of-supply cap binds what investors accumulate by transfer.
                if (from != address(0)) {
                    if (m.toBalance + value > c.balanceCap()) return Restrictions.MAX_BALANCE;
                } else {
                    uint256 cap = _maxBalance;
                    if (cap != 0 && m.toBalance + value > cap) return Restrictions.MAX_BALANCE;
                }
            }
            return Restrictions.SUCCESS;
        }
    }

    /// @dev Every ERC-20 balance change (transfer, transferFrom, mint, burn) comes here and must
    ///      pass the compliance decision.
    function _update(address from, address to, uint256 value) internal override {
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        uint8 code = _restriction(c, m, from, to, value);
        if (code != Restrictions.SUCCESS) revert TransferRestricted(code, Restrictions.message(code));
        _apply(c, m, from, to, value);
    }

    /// @dev The controller's movement: the documented bypass of the decision, same bookkeeping.
    function _forcedMove(address from, address to, uint256 value) private {
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        if (m.fromBalance < value) revert ERC20InsufficientBalance(from, m.fromBalance, value);
        _apply(c, m, from, to, value);
    }

    /// @dev Bookkeeping of a decided movement, then the ERC-20 balance change. Storage is written
    ///      only when something changes: a holder appears or leaves, a record date has passed since
    ///      the wallet last moved, an issuance starts a holding period, a verdict is cached.
    function _apply(uint256 c, Move memory m, address from, address to, uint256 value) private {
        unchecked {
            uint256 sender = m.sender;
            uint256 receiver = m.receiver;
            bool configChanged;

            // Record dates: save the pre-movement balance once per wallet per passed record date.
            uint256 rid = c.passedRecordId(block.timestamp);
            if (rid != 0) {
                if (from != address(0) && sender.savedRecordId() < rid) {
                    _balanceHistory[from].push(uint32(rid), SafeCast.toUint224(m.fromBalance));
                    sender = sender.withSavedRecordId(rid);
                }
                if (to != address(0) && to != from && receiver.savedRecordId() < rid) {
                    _balanceHistory[to].push(uint32(rid), SafeCast.toUint224(m.toBalance));
                    receiver = receiver.withSavedRecordId(rid);
                }
                if ((from == address(0) || to == address(0)) && _supplyRecordId < rid) {
                    _supplyHistory.push(uint32(rid), SafeCast.toUint224(totalSupply()));
                    _supplyRecordId = uint32(rid);
                }
            }

            if (value != 0) {
                if (from != to) {
                    // Holder counts, per token and per country (under the country a wallet joined with).
                    if (to != address(0)) {
                        if (m.toBalance == 0) {
                            uint16 country = m.toRecord.country();
                            receiver = receiver.withCountedCountry(country);
                            _countries[country] = m.receiverCountry.moveHolders(true);
                            c = c.withHolderCount(c.holderCount() + 1);
                            configChanged = true;
                        }
                        if (from == address(0)) receiver = receiver.withAcquiredAt(block.timestamp);
                    }
                    if (from != address(0)) {
                        if (m.fromBalance == value) {
                            uint16 country = sender.countedCountry();
                            _countries[country] = _countries[country].moveHolders(false);
                            sender = sender.withCountedCountry(0);
                            c = c.withHolderCount(c.holderCount() - 1);
                            configChanged = true;
                        }
                        // A controller may move frozen tokens: the frozen part never exceeds the balance.
                        uint256 left = m.fromBalance - value;
                        if (sender.frozenAmount() > left) {
                            sender = sender.withFrozenAmount(left);
                            emit FrozenAmountChanged(msg.sender, from, left);
                        }
                    }
                }
            }

            // Cache the receiver's country verdict while it holds tokens under its registry country.
            if (!m.countryCached) {
                if (
                    to != address(0) && to != from && m.toBalance + value != 0
                        && receiver.countedCountry() == m.toRecord.country()
                ) receiver = receiver.withCountryCache(_epochTag(c), m.countryAllowed);
            }

            if (sender != m.sender) _holders[from] = sender;
            if (receiver != m.receiver) _holders[to] = receiver;
            ERC20._update(from, to, value);
            if (from == address(0) || to == address(0)) {
                // Issuance and redemption change the supply: the share-of-supply cap follows it.
                if (c.maxBalanceBps() != 0) {
                    c = c.withBalanceCap(_capFor(totalSupply(), _maxBalance, c.maxBalanceBps()));
                    configChanged = true;
                }
            }
            if (configChanged) _config = c;
        }
    }

    /// @inheritdoc IRecordDates
    function hasRole(bytes32 role, address account)
        public
        view
        override(AccessControl, IRecordDates)
        returns (bool)
    {
        return super.hasRole(role, account);
    }
}
