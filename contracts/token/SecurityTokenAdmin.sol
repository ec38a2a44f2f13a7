// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC1594} from "../interfaces/IERC1594.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IERC1644} from "../interfaces/IERC1644.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943Fungible.sol";
import {IRecordDates} from "../interfaces/IRecordDates.sol";
import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {Restrictions} from "../compliance/Restrictions.sol";
import {SecurityTokenBase, ITokenVotingUnits} from "./SecurityTokenBase.sol";
import {SecurityTokenQueries} from "./SecurityTokenQueries.sol";
import {HolderWords, CountryWords, ConfigWords, RegimeWords} from "./TokenWords.sol";

/// @title SecurityTokenAdmin
/// @notice The security token's rarely called administration, run by delegatecall from the token
///         (`SecurityToken` forwards these entry points here) on the token's storage: transfer
///         rules and country rules, freezes and the frozen amount, approved operators, pause,
///         closing issuance, record-date administration, controller operations, wallet recovery
///         and documents, and the rarely called views (rules, country rules, wallet states, the
///         ERC-1404, ERC-1594 and ERC-7943 queries). The token's `fallback` forwards every
///         selector it does not implement here. Roles are checked against the token's
///         AccessControl storage.
/// @dev Holds no per-token data (no immutables): one module can serve many tokens. Called
///      directly, it runs on its own empty storage, where nobody holds a role.
contract SecurityTokenAdmin is SecurityTokenBase, IERC1644 {
    using InvestorRecords for uint256;
    using HolderWords for uint256;
    using CountryWords for uint256;
    using ConfigWords for uint256;
    using RegimeWords for uint256;

    /// @notice The state views and compliance queries (`SecurityTokenQueries`) this module
    ///         forwards to: deployed here, one per module, and fixed for its life.
    address public immutable queries;

    /// @dev Deploys the queries contract this module's fallback reaches.
    constructor() ERC20("", "") {
        queries = address(new SecurityTokenQueries());
    }

    /// @notice Every view the token's fallback brings here that this module does not implement
    ///         (state views, the ERC-1404, ERC-1594 and ERC-7943 questions, restriction messages,
    ///         the regime's rules) runs in `queries` by delegatecall, still on the token's
    ///         storage; its answer or revert is passed on.
    /// @dev `queries` is an immutable deployed by this module's constructor, and every function of
    ///      it is a view or pure: no caller can redirect this call or write through it.
    fallback() external {
        address target = queries;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @notice The token's ERC-165 answer (`SecurityToken.supportsInterface` asks it): true for
    ///         IERC7943Fungible, IERC20, IERC20Metadata, IERC20Permit, IVotes, IERC6372, IERC5267,
    ///         IAccessControl, IERC165 and the token's own IERC1594, IERC1643, IERC1644, IERC1404
    ///         and IRecordDates.
    function tokenSupportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC7943Fungible).interfaceId || interfaceId == type(IERC20).interfaceId
            || interfaceId == type(IERC20Metadata).interfaceId || interfaceId == type(IERC1594).interfaceId
            || interfaceId == type(IERC1643).interfaceId || interfaceId == type(IERC1644).interfaceId
            || interfaceId == type(IERC1404).interfaceId || interfaceId == type(IRecordDates).interfaceId
            || interfaceId == type(IERC6372).interfaceId || interfaceId == type(IVotes).interfaceId
            || interfaceId == type(IERC20Permit).interfaceId || interfaceId == type(IERC5267).interfaceId
            || interfaceId == type(IAccessControl).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    /// @notice Close issuance for good; `isIssuable` is false afterwards.
    function closeIssuance() external onlyRole(ISSUER_ROLE) {
        if (_config.hasFlag(_ISSUANCE_CLOSED)) revert IssuanceClosed();
        _config |= _ISSUANCE_CLOSED;
        emit IssuanceFinalized(msg.sender);
    }

    /// @inheritdoc IERC1644
    /// @dev Overrides pause, freezes (tokens frozen are released first: Frozen before Transfer),
    ///      lockups, holding periods and caps, but not the receiver's eligibility: a receiver that
    ///      `canReceive` refuses (no record, KYC expired, frozen, not accredited when required,
    ///      country not allowed) reverts with ERC7943CannotReceive. Emits ForcedTransfer too.
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
        _forcedMove(from, to, value, true);
        emit IERC1644.ControllerTransfer(msg.sender, from, to, value, data, operatorData);
    }

    /// @notice ERC-7943 operation.
    /// @dev The controller's movement of `controllerTransfer` (same checks, same bookkeeping,
    ///      events Frozen when frozen tokens are taken, Transfer, ForcedTransfer), without the
    ///      ERC-1644 event and its data.
    function forcedTransfer(address from, address to, uint256 amount)
        external
        onlyRole(CONTROLLER_ROLE)
        returns (bool)
    {
        if (amount == 0) revert ZeroAmount();
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _forcedMove(from, to, amount, true);
        return true;
    }

    /// @notice ERC-1644 controller operation.
    function controllerRedeem(address tokenHolder, uint256 value, bytes calldata data, bytes calldata operatorData)
        external
        onlyRole(CONTROLLER_ROLE)
    {
        if (value == 0) revert ZeroAmount();
        if (tokenHolder == address(0)) revert ERC20InvalidSender(address(0));
        _forcedMove(tokenHolder, address(0), value, false);
        emit IERC1644.ControllerRedemption(msg.sender, tokenHolder, value, data, operatorData);
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
                || !IInvestorRegistry(_registryAddress()).recordOf(newWallet).isVerified(block.timestamp)
        ) revert RecoveryTargetInvalid(newWallet);

        uint256 old = _holders[lost];
        uint256 amount = balanceOf(lost);
        if (amount != 0) _forcedMove(lost, newWallet, amount, false);
        // The transfer released the lost wallet's frozen part; all of it (an excess above the
        // balance included) follows the balance instead.
        uint256 lostWord = _holders[lost];
        if (lostWord.frozenAmount() != 0) _setFrozenAmount(lost, lostWord, 0);
        _holders[lost] = _holders[lost].withWalletFrozen(true).withRecovered();
        uint256 target = _holders[newWallet];
        if (old.frozenAmount() != 0) {
            // Both parts are below 2^128 but their sum need not be: the checked writer reverts
            // (PackedFieldOverflow) rather than spill into the holding-period clock.
            uint256 frozenNow = target.frozenAmount() + old.frozenAmount();
            target = target.withFrozenAmount(frozenNow);
            emit IERC7943Fungible.Frozen(newWallet, frozenNow);
            emit FrozenAmountChanged(msg.sender, newWallet, frozenNow);
        }
        if (old.acquiredAt() > target.acquiredAt()) target = target.withAcquiredAt(old.acquiredAt());
        _holders[newWallet] = target;
        _successors[lost] = newWallet;
        emit WalletFrozen(msg.sender, lost, true);
        emit WalletRecovered(msg.sender, lost, newWallet, amount, old.frozenAmount(), operatorData);
    }

    /// @notice Replace the transfer rules of this token.
    function setRules(Rules calldata r) external onlyRole(COMPLIANCE_ROLE) {
        if (r.maxBalanceBps > 10_000) revert InvalidBps(r.maxBalanceBps);
        uint256 c = _config;
        if (r.countryAllowList != c.hasFlag(_ALLOW_LIST)) c = _bumpEpoch(c);
        uint256 flags = (c & (_PAUSED | _ISSUANCE_CLOSED | _HAS_REGIME)) | (r.requireAccreditation ? _REQUIRE_ACCREDITATION : 0)
            | (r.countryAllowList ? _ALLOW_LIST : 0)
            | (r.maxBalance != 0 || r.maxBalanceBps != 0 ? _HAS_CAP : 0);
        c = c.withFlags(flags).withMaxHolders(r.maxHolders).withHoldingPeriod(r.holdingPeriod);
        c = c.withMaxBalanceBps(r.maxBalanceBps).withMinPosition(r.minPosition);
        _config = c.withBalanceCap(_capFor(totalSupply(), r.maxBalance, r.maxBalanceBps));
        _maxBalance = r.maxBalance;
        emit RulesUpdated(msg.sender, r);
    }

    /// @notice Replace the regime rules of this token (the primitives of the regulatory presets,
    ///         see `Regime`); all zero removes the regime. The class counts are kept.
    /// @dev A class cap switched on while tokens are held counts the holders that enter from then
    ///      on: call `recountHolderClasses` with the current holders to count those already in.
    function setRegime(Regime calldata g) external onlyRole(COMPLIANCE_ROLE) {
        if (
            g.requiredFlags & ~_REQUIRABLE_FLAGS != 0 || g.affiliateVolumeBps > 10_000
                || (g.affiliateVolumeBps == 0) != (g.affiliateWindow == 0)
        ) revert InvalidRegime(g.requiredFlags, g.affiliateVolumeBps, g.affiliateWindow);
        uint256 word = RegimeWords.rules(
            g.usPersonBlockedUntil,
            g.accreditationUsOnly,
            g.requiredFlags,
            g.maxNonAccredited,
            g.maxNonQualifiedPerCountry,
            g.resalePeriod,
            g.affiliateVolumeBps,
            g.affiliateWindow
        );
        uint256 c = _config;
        _config = word != 0 ? c | _HAS_REGIME : c & ~_HAS_REGIME;
        word |= _regime & RegimeWords.COUNT_MASK;
        _regime = word;
        emit RegimeSet(msg.sender, word);
    }

    /// @notice Count `wallets` again in the regime's classes from their registry status now:
    ///         each comes out of the classes it was counted in and, while it holds tokens, goes
    ///         into those whose cap is set. For a class cap switched on after issuance, or after
    ///         a holder's status changed. Safe to repeat (the same input gives the same counts).
    function recountHolderClasses(address[] calldata wallets) external onlyRole(COMPLIANCE_ROLE) {
        uint256 n = wallets.length;
        if (n == 0) revert ZeroAmount();
        address reg = _registryAddress();
        for (uint256 i; i < n; ++i) {
            address wallet = wallets[i];
            uint256 h = _holders[wallet];
            uint16 country = h.countedCountry();
            uint256 cw = _countries[country];
            (h, cw) = _countClassesOut(h, cw);
            if (balanceOf(wallet) != 0) {
                // A holder is counted under the country it joined with (`countedCountry`).
                uint256 record = IInvestorRegistry(reg).recordOf(wallet);
                (h, cw) = _countClassesIn(h, cw, record);
            }
            _countries[country] = cw;
            _holders[wallet] = h;
            emit HolderClassesRecounted(
                wallet, h & HolderWords.COUNTED_NON_ACCREDITED != 0, h & HolderWords.COUNTED_NON_QUALIFIED != 0
            );
        }
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

    /// @notice Freeze (or unfreeze) `wallet` fully on this token; only the controller can move it then.
    function setWalletFrozen(address wallet, bool frozen) external onlyRole(COMPLIANCE_ROLE) {
        if (wallet == address(0)) revert ZeroAddress();
        uint256 h = _holders[wallet];
        if (!frozen && h.isRecovered()) revert RecoveredWalletStaysFrozen(wallet, _successorOf(wallet, h));
        _holders[wallet] = h.withWalletFrozen(frozen);
        emit WalletFrozen(msg.sender, wallet, frozen);
    }

    /// @notice ERC-7943 operation.
    /// @dev The one frozen amount of the wallet (the same one `freezePartial`/`unfreezePartial`
    ///      move by a delta and `walletState` reports). Above the balance it withholds future
    ///      receipts: nothing leaves the wallet while the balance does not exceed it. At most
    ///      2^128 - 1 (PackedFieldOverflow above). Emits Frozen and FrozenAmountChanged.
    function setFrozenTokens(address account, uint256 amount) external onlyRole(COMPLIANCE_ROLE) returns (bool) {
        if (account == address(0)) revert ZeroAddress();
        _setFrozenAmount(account, _holders[account], amount);
        return true;
    }

    /// @notice Freeze `amount` more of `wallet`'s balance; the frozen amount may not exceed the
    ///         balance this way (`setFrozenTokens` may set any amount).
    function freezePartial(address wallet, uint256 amount) external onlyRole(COMPLIANCE_ROLE) {
        if (amount == 0) revert ZeroAmount();
        uint256 h = _holders[wallet];
        uint256 frozenNow = h.frozenAmount();
        uint256 balance = balanceOf(wallet);
        if (frozenNow + amount > balance) {
            revert FreezeExceedsBalance(wallet, amount, balance > frozenNow ? balance - frozenNow : 0);
        }
        _setFrozenAmount(wallet, h, frozenNow + amount);
    }

    /// @notice Release `amount` of `wallet`'s frozen amount.
    function unfreezePartial(address wallet, uint256 amount) external onlyRole(COMPLIANCE_ROLE) {
        if (amount == 0) revert ZeroAmount();
        uint256 h = _holders[wallet];
        uint256 frozenNow = h.frozenAmount();
        if (amount > frozenNow) revert UnfreezeExceedsFrozen(wallet, amount, frozenNow);
        _setFrozenAmount(wallet, h, frozenNow - amount);
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
        emit IRecordDates.RecordDateScheduled(id, timestamp);
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

    /// @notice ERC-1643: attach or replace document `name` (ISSUER_ROLE).
    function setDocument(bytes32 name, string calldata uri, bytes32 documentHash) external onlyRole(ISSUER_ROLE) {
        _setDocument(name, uri, documentHash);
    }

    /// @notice ERC-1643: remove document `name` (ISSUER_ROLE).
    function removeDocument(bytes32 name) external onlyRole(ISSUER_ROLE) {
        _removeDocument(name);
    }

    /// @inheritdoc IERC1644
    /// @dev Always true: holders of CONTROLLER_ROLE may force transfers; the admin controls that role.
    function isControllable() external pure returns (bool) {
        return true;
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

    /// @notice The regime's bookkeeping of an allowed movement of `value` from `from` to `to`
    ///         (an affiliate's sale, the resale clock, the class counts), before its balances move.
    /// @dev Reached only by the token's own delegatecall from its transfer path when its decision
    ///      asked for it (the token has no forwarder for it); called on the module itself it runs
    ///      on the module's empty storage and fails (no registry).
    function regimeBookkeeping(address from, address to, uint256 value) external {
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        _regimeBookkeeping(c, m, from, to, value);
    }

    /// @dev The module's views (canTransfer, canTransferFrom, detectTransferRestriction) run on the
    ///      token's storage: the regime's rules are evaluated here directly.
    function _regimeCode(Move memory m, address from, address to, uint256 value)
        internal
        view
        override
        returns (uint8)
    {
        return _regimeRestriction(m, _regimeQuery(from, to, value));
    }

    function _regimeReceiverCodeOf(uint256 record) internal view override returns (uint8) {
        return _regimeReceiverCode(_regime, record, false);
    }

    /// @dev The module's own ERC-20 transfer path never runs (called directly, the module has no
    ///      registry: `_registryAddress` fails first), so this hook of it refuses.
    function _regimeBookkeepingHook(Move memory, address, address, uint256) internal pure override {
        revert();
    }

    function _revertRestricted(uint8 code) internal pure override {
        revert TransferRestricted(code, Restrictions.message(code));
    }

    /// @dev Votes live in the core (OpenZeppelin Votes): a forced move run here asks the token.
    function _moveVotingUnits(address from, address to, uint256 value) internal override {
        ITokenVotingUnits(address(this)).moveVotingUnits(from, to, value);
    }

    /// @dev The module's own ERC-20 entry points (inherited, never the token's: the token's `_update`
    ///      runs every transfer) move nothing: refused here, which also keeps the decision's
    ///      transfer path out of this contract's code.
    function _update(address, address, uint256) internal pure override {
        revert();
    }

    /// @dev The token's registry, asked through the token itself (this code runs in its context).
    function _registryAddress() internal view override returns (address) {
        return IRecordDates(address(this)).registry();
    }
}
