// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {GuardedAccessControl} from "../access/GuardedAccessControl.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943Fungible.sol";
import {MAX_RECORD_SUPPLY} from "../interfaces/IRecordDates.sol";
import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {Restrictions} from "../compliance/Restrictions.sol";
import {TokenDocuments} from "./TokenDocuments.sol";
import {HolderWords, CountryWords, ConfigWords, RegimeWords, AffiliateSales} from "./TokenWords.sol";

/// @title SecurityTokenBase
/// @notice What the token core (`SecurityToken`) and its admin module (`SecurityTokenAdmin`)
///         share: every state variable (one storage layout: the module runs on the token's
///         storage by delegatecall), the roles, errors, events, and the internal machinery of the
///         one compliance decision (`_restriction`) and its bookkeeping (`_apply`).
/// @dev No immutables here: the module is shared code and holds no per-token data. The registry
///      comes through `_registryAddress()` (an immutable in the core; the core's own
///      `registry()` view, asked through `address(this)`, in the module).
/// @notice The core's entry for the admin module's forced moves: move ERC-5805 voting units
///         (callable only by the token itself, i.e. from code it delegatecalls).
interface ITokenVotingUnits {
    function moveVotingUnits(address from, address to, uint256 value) external;
}

abstract contract SecurityTokenBase is ERC20, GuardedAccessControl, TokenDocuments {
    using InvestorRecords for uint256;
    using HolderWords for uint256;
    using CountryWords for uint256;
    using ConfigWords for uint256;
    using Checkpoints for Checkpoints.Trace224;
    using InvestorRecords for uint256;
    using HolderWords for uint256;
    using CountryWords for uint256;
    using ConfigWords for uint256;
    using Checkpoints for Checkpoints.Trace224;
    using RegimeWords for uint256;

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
    /// @notice A regime may require of receivers only the flags accredited (1), qualified
    ///         purchaser (2), QIB (32) and EU qualified (64); its affiliate volume rule needs bps
    ///         in 1..10,000 and a window, or neither.
    error InvalidRegime(uint8 requiredFlags, uint16 affiliateVolumeBps, uint32 affiliateWindow);

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
    /// @notice The regime rules were replaced by `operator`: `regime` is the packed word (RegimeWords
    ///         layout, with the non-accredited count; rules all zero: no regime).
    event RegimeSet(address indexed operator, uint256 regime);
    /// @notice `wallet`'s regime class counts were recounted: it is now counted as non-accredited
    ///         (`nonAccredited`) and as non-qualified in its country (`nonQualified`) or not.
    event HolderClassesRecounted(address indexed wallet, bool nonAccredited, bool nonQualified);
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

    /// @notice The regime rules the regulatory presets need (`setRegime`); all zero means none,
    ///         and a token without a regime pays nothing for them on its transfers.
    /// @param usPersonBlockedUntil Reg S distribution compliance period end (unix seconds; 0 =
    ///        none): before it no transfer goes to a receiver with the US_PERSON flag, nor an
    ///        issuance unless `accreditationUsOnly` (a Reg D tranche beside the Reg S one).
    /// @param accreditationUsOnly The token's requireAccreditation binds receivers with the
    ///        US_PERSON flag only (Reg D for U.S. persons beside Reg S offshore).
    /// @param requiredFlags Registry flags every receiver must hold: any of accredited (1),
    ///        qualified purchaser (2), QIB (32), EU qualified (64).
    /// @param maxNonAccredited Holders without the accredited flag, at most (0 = no limit).
    /// @param maxNonQualifiedPerCountry Holders without EU_QUALIFIED per country, at most (0 = no limit).
    /// @param resalePeriod Seconds after a wallet's last issuance during which it may transfer only
    ///        to an ISSUER_ROLE wallet, an accredited or a RESALE_EXEMPT receiver (0 = none); the
    ///        receiver inherits the remaining period (its clock moves to the sender's).
    /// @param affiliateVolumeBps An affiliate's sales within `affiliateWindow`, at most these basis
    ///        points of the supply outstanding (0 = none).
    /// @param affiliateWindow Seconds; the volume rule counts sales in two aligned buckets of this
    ///        length (see AffiliateSales: never looser than a rolling window).
    struct Regime {
        uint40 usPersonBlockedUntil;
        bool accreditationUsOnly;
        uint8 requiredFlags;
        uint24 maxNonAccredited;
        uint16 maxNonQualifiedPerCountry;
        uint32 resalePeriod;
        uint16 affiliateVolumeBps;
        uint32 affiliateWindow;
    }

    uint256 internal constant _PAUSED = 1;
    uint256 internal constant _REQUIRE_ACCREDITATION = 2;
    uint256 internal constant _ALLOW_LIST = 4;
    uint256 internal constant _ISSUANCE_CLOSED = 8;
    uint256 internal constant _HAS_CAP = 16;
    /// @dev A regime is set: folded into the pause test, so a token without one pays nothing.
    uint256 internal constant _HAS_REGIME = 32;
    /// @dev The registry flags a regime may require of every receiver.
    uint256 internal constant _REQUIRABLE_FLAGS = InvestorRecords.FLAG_ACCREDITED
        | InvestorRecords.FLAG_QUALIFIED_PURCHASER | InvestorRecords.FLAG_QIB | InvestorRecords.FLAG_EU_QUALIFIED;

    /// @notice The largest total supply: `MAX_RECORD_SUPPLY` (2^208 - 1, IRecordDates.sol), the
    ///         one limit the corporate actions share (their per-holder arithmetic multiplies a
    ///         balance by a deposit or a weight).
    uint256 internal constant MAX_SUPPLY = MAX_RECORD_SUPPLY;

    uint256 internal _config; // ConfigWords
    uint256 internal _maxBalance; // the absolute rule as configured
    uint32 internal _supplyRecordId; // latest record date for which total supply was saved
    mapping(address wallet => uint256 word) internal _holders; // HolderWords
    mapping(uint16 country => uint256 word) internal _countries; // CountryWords
    mapping(uint256 id => uint64) internal _recordDates;
    mapping(address wallet => Checkpoints.Trace224) internal _balanceHistory;
    Checkpoints.Trace224 internal _supplyHistory;
    mapping(address lost => address successor) internal _successors;
    uint256 internal _regime; // RegimeWords
    mapping(address affiliate => uint256 word) internal _affiliateSales; // AffiliateSales

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

    /// @dev The investor registry this token reads.
    function _registryAddress() internal view virtual returns (address);

    /// @dev The regime's code for a movement whose other rules passed (`_regimeRestriction` on
    ///      `_regimeQuery`): the core asks the admin module (a static call), keeping its code small.
    function _regimeCode(Move memory m, address from, address to, uint256 value) internal view virtual returns (uint8);

    /// @dev `_regimeReceiverCode(_regime, record, false)`, asked of the module by the core.
    function _regimeReceiverCodeOf(uint256 record) internal view virtual returns (uint8);

    /// @dev `_regimeBookkeeping` on `m` (the core runs it in the admin module by delegatecall and
    ///      reloads what it may have written).
    function _regimeBookkeepingHook(Move memory m, address from, address to, uint256 value) internal virtual;


    /// @dev ERC-5805 bookkeeping of a balance change (OpenZeppelin Votes' `_transferVotingUnits`).
    function _moveVotingUnits(address from, address to, uint256 value) internal virtual;

    // ================================================================== internals

    /// @dev Store `wallet`'s frozen amount (state word `h`) and say so in both events.
    function _setFrozenAmount(address wallet, uint256 h, uint256 amount) internal {
        _holders[wallet] = h.withFrozenAmount(amount);
        emit IERC7943Fungible.Frozen(wallet, amount);
        emit FrozenAmountChanged(msg.sender, wallet, amount);
    }

    /// @dev `canReceive` on loaded state: the receiver-side eligibility rules of `_restriction`.
    ///      With a regime, its receiver rules too (required flags; a U.S. person during the Reg S period).
    function _receivable(uint256 c, Move memory m) internal view returns (bool) {
        if (_eitherFrozen(m.receiver, m.toRecord) || !m.toRecord.hasValidKyc(block.timestamp)) return false;
        if (_accreditationMissing(c, m.toRecord)) return false;
        if (c.hasFlag(_HAS_REGIME) && _regimeReceiverCodeOf(m.toRecord) != Restrictions.SUCCESS) return false;
        return m.countryAllowed;
    }

    /// @dev The token requires accreditation and `record` lacks it, unless the regime limits the
    ///      requirement to U.S. persons and `record` is not one (the regime word is read only then).
    function _accreditationMissing(uint256 c, uint256 record) internal view returns (bool) {
        return c.hasFlag(_REQUIRE_ACCREDITATION) && record.flags() & InvestorRecords.FLAG_ACCREDITED == 0
            && !(record.flags() & InvestorRecords.FLAG_US_PERSON == 0 && _regime.accreditationUsOnly());
    }

    /// @dev What the regime's rules read beside the loaded `Move`: the core gathers it and the
    ///      admin module decides on it (`regimeRestriction`, `regimeBookkeeping`).
    struct RegimeQuery {
        address from;
        address to;
        uint256 value;
        uint256 regime; // RegimeWords
        uint256 affiliateSales; // AffiliateSales of `from`, read only when the volume rule is set
        uint256 supply;
        bool toIsIssuer; // `to` holds ISSUER_ROLE, read only when the resale rule is set
    }

    /// @dev Gather the regime's inputs for moving `value` from `from` to `to`.
    function _regimeQuery(address from, address to, uint256 value) internal view returns (RegimeQuery memory q) {
        uint256 r = _regime;
        q.from = from;
        q.to = to;
        q.value = value;
        q.regime = r;
        if (r.affiliateVolumeBps() != 0) q.affiliateSales = _affiliateSales[from];
        q.supply = totalSupply();
        if (r.resalePeriod() != 0) q.toIsIssuer = hasRole(ISSUER_ROLE, to);
    }

    /// @dev The regime's receiver rules on `record` (`issuance`: the receiver gets new tokens).
    function _regimeReceiverCode(uint256 r, uint256 record, bool issuance) internal view returns (uint8) {
        uint256 flags = record.flags();
        if (
            flags & InvestorRecords.FLAG_US_PERSON != 0 && block.timestamp < r.usPersonBlockedUntil()
                && !(issuance && r.accreditationUsOnly())
        ) return Restrictions.US_PERSON_RESTRICTED;
        uint256 missing = r.requiredFlags() & ~flags;
        if (missing != 0) {
            if (missing & InvestorRecords.FLAG_QIB != 0) return Restrictions.NOT_QIB;
            if (missing & InvestorRecords.FLAG_QUALIFIED_PURCHASER != 0) return Restrictions.NOT_QUALIFIED_PURCHASER;
            if (missing & InvestorRecords.FLAG_EU_QUALIFIED != 0) return Restrictions.NOT_EU_QUALIFIED;
            return Restrictions.NOT_ACCREDITED;
        }
        return Restrictions.SUCCESS;
    }

    /// @dev The regime's rules, after every other rule has passed (`_restriction` runs them last).
    ///      Returns SUCCESS_REGIME_BOOKKEEPING when the movement is allowed and the regime has to
    ///      record it (an affiliate's sale, a resale clock the receiver inherits).
    function _regimeRestriction(Move memory m, RegimeQuery memory q) internal view returns (uint8 code) {
        unchecked {
            if (q.from == q.to) return Restrictions.SUCCESS; // a self-transfer moves nothing
            // A holder counted in a class that leaves (redemption included) is uncounted.
            bool countedLeaves = q.from != address(0) && m.fromBalance == q.value && q.value != 0
                && m.sender & HolderWords.COUNTED_CLASSES != 0;
            if (q.to == address(0)) {
                return countedLeaves ? Restrictions.SUCCESS_REGIME_BOOKKEEPING : Restrictions.SUCCESS;
            }
            if (countedLeaves) code = Restrictions.SUCCESS_REGIME_BOOKKEEPING;
            uint256 r = q.regime;
            uint8 receiverCode = _regimeReceiverCode(r, m.toRecord, q.from == address(0));
            if (receiverCode != Restrictions.SUCCESS) return receiverCode;
            uint256 toFlags = m.toRecord.flags();
            if (q.from != address(0)) {
                // Reg CF 227.501(a): within the period only to the issuer, an accredited investor
                // or an exempt transferee (family member, trust: the officer's RESALE_EXEMPT flag).
                uint256 resale = r.resalePeriod();
                uint256 acquired = m.sender.acquiredAt();
                if (resale != 0 && block.timestamp < acquired + resale) {
                    if (
                        toFlags & (InvestorRecords.FLAG_ACCREDITED | InvestorRecords.FLAG_RESALE_EXEMPT) == 0
                            && !q.toIsIssuer
                    ) return Restrictions.RESALE_RESTRICTED;
                    if (m.receiver.acquiredAt() < acquired) code = Restrictions.SUCCESS_REGIME_BOOKKEEPING;
                }
                // Rule 144(e): an affiliate's sales in the window at most bps of the supply.
                uint256 bps = r.affiliateVolumeBps();
                if (bps != 0 && m.fromRecord.flags() & InvestorRecords.FLAG_AFFILIATE != 0) {
                    (uint256 previous, uint256 current) =
                        AffiliateSales.sums(q.affiliateSales, block.timestamp / r.affiliateWindow());
                    if (previous + current + q.value > Math.mulDiv(q.supply, bps, 10_000)) {
                        return Restrictions.AFFILIATE_VOLUME;
                    }
                    code = Restrictions.SUCCESS_REGIME_BOOKKEEPING;
                }
            }
            if (m.toBalance == 0 && q.value != 0) {
                // Class caps on holders entering; a sender leaving that was counted in the same
                // class (and country) makes room for the receiver.
                bool senderLeaves = q.from != address(0) && m.fromBalance == q.value;
                uint256 maxNonAccredited = r.maxNonAccredited();
                if (
                    maxNonAccredited != 0 && toFlags & InvestorRecords.FLAG_ACCREDITED == 0
                        && r.nonAccreditedCount() >= maxNonAccredited
                        && !(senderLeaves && m.sender & HolderWords.COUNTED_NON_ACCREDITED != 0)
                ) return Restrictions.MAX_NON_ACCREDITED;
                uint256 maxNonQualified = r.maxNonQualifiedPerCountry();
                if (
                    maxNonQualified != 0 && toFlags & InvestorRecords.FLAG_EU_QUALIFIED == 0
                        && m.receiverCountry.nonQualifiedCounted() >= maxNonQualified
                        && !(
                            senderLeaves && m.sender & HolderWords.COUNTED_NON_QUALIFIED != 0
                                && m.sender.countedCountry() == m.toRecord.country()
                        )
                ) return Restrictions.MAX_NON_QUALIFIED_COUNTRY;
                // The receiver enters a class whose cap is set: it is counted.
                if (
                    (maxNonAccredited != 0 && toFlags & InvestorRecords.FLAG_ACCREDITED == 0)
                        || (maxNonQualified != 0 && toFlags & InvestorRecords.FLAG_EU_QUALIFIED == 0)
                ) code = Restrictions.SUCCESS_REGIME_BOOKKEEPING;
            }
        }
    }

    /// @dev The regime's bookkeeping of an allowed movement (`_restriction` said
    ///      SUCCESS_REGIME_BOOKKEEPING), before `_apply`, on the loaded `m` (kept current): count an
    ///      affiliate's sale; move the receiver's resale clock to the sender's while the sender's
    ///      period runs (the receiver inherits the restriction); count the class changes.
    function _regimeBookkeeping(uint256 c, Move memory m, address from, address to, uint256 value) internal {
        uint256 r = _regime;
        if (from != address(0) && to != address(0)) {
            if (r.affiliateVolumeBps() != 0 && m.fromRecord.flags() & InvestorRecords.FLAG_AFFILIATE != 0) {
                _affiliateSales[from] =
                    AffiliateSales.afterSale(_affiliateSales[from], block.timestamp / r.affiliateWindow(), value);
            }
            uint256 acquired = m.sender.acquiredAt();
            if (block.timestamp < acquired + r.resalePeriod() && m.receiver.acquiredAt() < acquired) {
                m.receiver = m.receiver.withAcquiredAt(acquired);
                _holders[to] = m.receiver;
            }
        }
        _regimeCount(c, m, from, to, value);
    }

    /// @dev Count the class changes of a movement before `_apply` (which reads `m` as updated): a
    ///      receiver entering is counted in the classes whose cap is set (a regime must be set); a
    ///      sender leaving comes out of those it was counted in.
    function _regimeCount(uint256 c, Move memory m, address from, address to, uint256 value) internal {
        if (value == 0 || from == to) return;
        if (to != address(0) && m.toBalance == 0 && c.hasFlag(_HAS_REGIME)) {
            (uint256 h, uint256 cw) = _countClassesIn(m.receiver, m.receiverCountry, m.toRecord);
            if (h != m.receiver) {
                m.receiver = h;
                m.receiverCountry = cw;
                _holders[to] = h;
                _countries[m.toRecord.country()] = cw;
            }
        }
        if (from != address(0) && m.fromBalance == value && m.sender & HolderWords.COUNTED_CLASSES != 0) {
            uint16 country = m.sender.countedCountry();
            (uint256 h, uint256 cw) = _countClassesOut(m.sender, _countries[country]);
            m.sender = h;
            _holders[from] = h;
            _countries[country] = cw;
            // The receiver's country word, if the same one, is read again
            if (to != address(0) && m.toBalance == 0 && country == m.toRecord.country()) m.receiverCountry = cw;
        }
    }

    /// @dev A decision that is not SUCCESS: revert with the restriction, or (the regime's
    ///      SUCCESS_REGIME_BOOKKEEPING) do the regime's bookkeeping before `_apply`.
    function _regimeVerdict(uint8 code, uint256 c, Move memory m, address from, address to, uint256 value) internal {
        if (code != Restrictions.SUCCESS_REGIME_BOOKKEEPING) _revertRestricted(code);
        _regimeBookkeepingHook(m, from, to, value);
        _apply(c, m, from, to, value);
    }

    /// @dev Revert with the restriction `code` and its message.
    function _revertRestricted(uint8 code) internal view virtual;

    /// @dev A holder entering (state word `h`, country word `cw`, registry record `record`) is
    ///      counted in the regime's classes whose cap is set; the counted bits stay in its word.
    ///      The counts are 32-bit fields that move by one (at most one count per holding wallet:
    ///      they cannot reach 2^32) and come down only for a wallet whose bit says it was counted:
    ///      plain additions and subtractions in place cannot spill or wrap.
    function _countClassesIn(uint256 h, uint256 cw, uint256 record) internal returns (uint256, uint256) {
        unchecked {
            uint256 r = _regime;
            uint256 flags = record.flags();
            if (r.maxNonAccredited() != 0 && flags & InvestorRecords.FLAG_ACCREDITED == 0) {
                _regime = r + (1 << RegimeWords.NON_ACCREDITED_SHIFT);
                h |= HolderWords.COUNTED_NON_ACCREDITED;
            }
            if (r.maxNonQualifiedPerCountry() != 0 && flags & InvestorRecords.FLAG_EU_QUALIFIED == 0) {
                cw += 1 << CountryWords.NON_QUALIFIED_SHIFT;
                h |= HolderWords.COUNTED_NON_QUALIFIED;
            }
            return (h, cw);
        }
    }

    /// @dev A holder leaving (or recounted) comes out of the classes it was counted in, whatever
    ///      its registry status says now; `cw` is the word of the country it was counted under.
    function _countClassesOut(uint256 h, uint256 cw) internal returns (uint256, uint256) {
        unchecked {
            if (h & HolderWords.COUNTED_NON_ACCREDITED != 0) _regime -= 1 << RegimeWords.NON_ACCREDITED_SHIFT;
            if (h & HolderWords.COUNTED_NON_QUALIFIED != 0) cw -= 1 << CountryWords.NON_QUALIFIED_SHIFT;
            return (h & ~HolderWords.COUNTED_CLASSES, cw);
        }
    }

    /// @dev Balance of `account` (state word `h`) at a passed record date `id`: the value saved on
    ///      its first move after the date, or the current balance if it has not moved since.
    function _balanceAt(address account, uint256 h, uint256 id) internal view returns (uint256) {
        if (h.savedRecordId() < id) return balanceOf(account);
        return _balanceHistory[account].lowerLookup(uint32(id));
    }

    /// @dev The end of `wallet`'s recovery chain (`h` is its state word; only a recovered wallet has one).
    function _successorOf(address wallet, uint256 h) internal view returns (address) {
        if (!h.isRecovered()) return wallet;
        address next = _successors[wallet];
        while (next != address(0)) {
            wallet = next;
            next = _successors[wallet];
        }
        return wallet;
    }

    function _requirePassed(uint256 id) internal view {
        uint64 t = _recordDates[id];
        if (t == 0 || block.timestamp < t) revert RecordDateNotReached(id);
    }

    /// @dev Store one country's rule; true when its listing changed (cached verdicts are stale then).
    function _setCountryRule(uint16 country, bool listed, uint32 maxHolders) internal returns (bool listingChanged) {
        if (country == 0 || country > InvestorRecords.MAX_COUNTRY) revert InvalidCountry(country);
        uint256 old = _countries[country];
        listingChanged = old.listed() != listed;
        _countries[country] = old.withRule(listed, maxHolders);
        emit CountryRuleUpdated(msg.sender, country, listed, maxHolders);
    }

    /// @dev Invalidate every cached country verdict (wraps after 2^24 listing changes).
    function _bumpEpoch(uint256 c) internal pure returns (uint256) {
        return c.withCountryEpoch((c.countryEpoch() + 1) & type(uint24).max);
    }

    /// @dev The tag a cached country verdict carries: the current epoch + 1 (0 means no verdict).
    function _epochTag(uint256 c) internal pure returns (uint256) {
        unchecked {
            return c.countryEpoch() + 1; // a 24-bit field: cannot overflow
        }
    }

    function _capFor(uint256 supply, uint256 maxBalance, uint256 bps) internal pure returns (uint256 cap) {
        cap = maxBalance == 0 ? type(uint256).max : maxBalance;
        if (bps != 0) cap = Math.min(cap, Math.mulDiv(supply, bps, 10_000));
    }

    /// @dev Both parties' registry records in one static call (returns 0 for the zero address).
    function _recordsOf(address a, address b) internal view returns (uint256 recordA, uint256 recordB) {
        address reg = _registryAddress();
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
        internal
        view
        returns (uint8)
    {
        uint256 h = _holders[spender];
        uint256 r;
        if (h.isApprovedOperator()) (m.fromRecord, m.toRecord) = _recordsOf(from, to);
        else (m.fromRecord, m.toRecord, r) = IInvestorRegistry(_registryAddress()).recordsOfThree(from, to, spender);
        return _spenderCode(h, r);
    }

    /// @dev Load everything a decision about moving `value` from `from` to `to` needs, and the
    ///      verdict on `spender` (zero: no spender to check).
    ///      The country rule is read from the receiver's cached verdict when the receiver holds
    ///      tokens under the same country and no listing changed since the verdict was cached.
    function _load(uint256 c, address from, address to, address spender)
        internal
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
    function _eitherFrozen(uint256 h, uint256 r) internal pure returns (bool) {
        return ((h >> HolderWords.FROZEN_SHIFT) | (r >> InvestorRecords.FROZEN_SHIFT)) & 1 != 0;
    }

    /// @dev The compliance decision for a public query (from == 0 means issuance).
    function _detect(address from, address to, uint256 value) internal view returns (uint8) {
        if (to == address(0)) return Restrictions.INVALID_RECEIVER;
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        return Restrictions.publicCode(_restriction(c, m, from, to, value));
    }

    /// @dev The one compliance decision. Checks run in a fixed order; the first failing rule wins.
    ///      Issuance is `from == 0`, redemption `to == 0` (only sender-side rules apply to it).
    ///      Arithmetic is unchecked where it cannot overflow: balances and values are at most the
    ///      supply (< 2^208), timestamps and periods fit 40 and 32 bits.
    function _restriction(uint256 c, Move memory m, address from, address to, uint256 value)
        internal
        view
        returns (uint8)
    {
        unchecked {
            // One test for both: a token without a regime pays nothing for it. With one, the
            // decision without it runs first and the regime's rules after it.
            if (c & (_PAUSED | _HAS_REGIME) != 0) {
                if (c.hasFlag(_PAUSED)) return Restrictions.PAUSED;
                uint8 code = _restriction(c & ~_HAS_REGIME, m, from, to, value);
                if (code != Restrictions.SUCCESS) return code;
                return _regimeCode(m, from, to, value);
            }
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
                // Nested, not a third operand: an accredited receiver pays no extra test.
                if (_accreditationMissing(c, m.toRecord)) return Restrictions.NOT_ACCREDITED;
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
    function _update(address from, address to, uint256 value) internal virtual override {
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        uint8 code = _restriction(c, m, from, to, value);
        if (code != Restrictions.SUCCESS) return _regimeVerdict(code, c, m, from, to, value);
        _apply(c, m, from, to, value);
    }

    /// @dev The controller's movement (controllerTransfer, forcedTransfer, controllerRedeem,
    ///      recoverWallet): the documented bypass of the decision, same bookkeeping, but a receiver
    ///      must be eligible (`canReceive`). Frozen tokens taken are released first (Frozen before
    ///      Transfer, in `_apply`); a move to a wallet emits ForcedTransfer after Transfer.
    ///      Recovery (`checkReceiver` false) has checked its target itself: a verified wallet of the
    ///      same investor, whatever the country rules say now (the court order decides).
    function _forcedMove(address from, address to, uint256 value, bool checkReceiver) internal {
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        if (m.fromBalance < value) revert ERC20InsufficientBalance(from, m.fromBalance, value);
        if (checkReceiver && !_receivable(c, m)) revert IERC7943Fungible.ERC7943CannotReceive(to);
        _regimeCount(c, m, from, to, value);
        _apply(c, m, from, to, value);
        if (to != address(0)) emit IERC7943Fungible.ForcedTransfer(from, to, value);
    }

    /// @dev Bookkeeping of a decided movement, then the ERC-20 balance change. Storage is written
    ///      only when something changes: a holder appears or leaves, a record date has passed since
    ///      the wallet last moved, an issuance starts a holding period, a verdict is cached.
    function _apply(uint256 c, Move memory m, address from, address to, uint256 value) internal {
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
                        // A controller may move frozen tokens: what it takes beyond the unfrozen part
                        // comes off the frozen amount (a frozen amount above the balance keeps its
                        // excess); announced before the Transfer event, as ERC-7943 requires.
                        uint256 frozenNow = sender.frozenAmount();
                        if (frozenNow > m.fromBalance - value) {
                            uint256 unfrozen = m.fromBalance > frozenNow ? m.fromBalance - frozenNow : 0;
                            uint256 frozenLeft = frozenNow - (value - unfrozen);
                            sender = sender.withFrozenAmount(frozenLeft);
                            emit IERC7943Fungible.Frozen(from, frozenLeft);
                            emit FrozenAmountChanged(msg.sender, from, frozenLeft);
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
            if (from != address(0) && to != address(0)) _moveBalances(from, to, value, m.fromBalance, m.toBalance);
            else ERC20._update(from, to, value); // issuance and redemption also change the supply
            if (from == address(0) || to == address(0)) {
                // Issuance and redemption change the supply: the share-of-supply cap follows it.
                if (c.maxBalanceBps() != 0) {
                    c = c.withBalanceCap(_capFor(totalSupply(), _maxBalance, c.maxBalanceBps()));
                    configChanged = true;
                }
            }
            if (configChanged) _config = c;
            // ERC-5805 votes: only when a party delegates, or the supply changes (its checkpoints)
            if ((sender | receiver) & HolderWords.DELEGATING != 0 || from == address(0) || to == address(0)) {
                _moveVotingUnits(from, to, value);
            }
        }
    }

    /// @dev ERC20._update for a transfer whose balances `_load` already read (and the decision
    ///      or the forced path checked: `fromBalance >= value`): write them without reading them
    ///      again. OpenZeppelin's ERC20 keeps them in its first state variable,
    ///      `mapping(address => uint256) _balances` at slot 0 (this contract lists ERC20 first;
    ///      tests/contracts/test_token_storage.py reads the slots back). A self-transfer changes
    ///      nothing. Balances are at most the supply (< 2^208): no overflow.
    function _moveBalances(address from, address to, uint256 value, uint256 fromBalance, uint256 toBalance)
        internal
    {
        assembly ("memory-safe") {
            if iszero(eq(from, to)) {
                mstore(0x20, 0)
                mstore(0x00, from)
                sstore(keccak256(0x00, 0x40), sub(fromBalance, value))
                mstore(0x00, to)
                sstore(keccak256(0x00, 0x40), add(toBalance, value))
            }
        }
        emit Transfer(from, to, value);
    }

    /// @dev The spender's verdict from its state word `h` and registry record `r` (0 for an
    ///      approved operator, whose record is not read): frozen or recovered first, then neither
    ///      verified nor approved.
    function _spenderCode(uint256 h, uint256 r) internal view returns (uint8) {
        if (h & HolderWords.FROZEN_OR_RECOVERED != 0 || r & (1 << InvestorRecords.FROZEN_SHIFT) != 0) {
            return Restrictions.SPENDER_FROZEN;
        }
        if (!h.isApprovedOperator() && !r.hasValidKyc(block.timestamp)) return Restrictions.SPENDER_NOT_ALLOWED;
        return Restrictions.SUCCESS;
    }
}
