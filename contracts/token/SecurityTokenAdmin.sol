// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IERC1404} from "../interfaces/IERC1404.sol";
import {IERC1644} from "../interfaces/IERC1644.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943Fungible.sol";
import {IRecordDates} from "../interfaces/IRecordDates.sol";
import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {Restrictions} from "../compliance/Restrictions.sol";
import {SecurityTokenBase, ITokenVotingUnits} from "./SecurityTokenBase.sol";
import {HolderWords, CountryWords, ConfigWords} from "./TokenWords.sol";

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
contract SecurityTokenAdmin is SecurityTokenBase, IERC1644, IERC1404, IERC7943Fungible {
    using InvestorRecords for uint256;
    using HolderWords for uint256;
    using CountryWords for uint256;
    using ConfigWords for uint256;

    constructor() ERC20("", "") {}

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

    // ================================================================== rarely called views

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
    /// @notice Whether `operator` is approved to spend allowances without a registry record.
    function isApprovedOperator(address operator) external view returns (bool) {
        return _holders[operator].isApprovedOperator();
    }
    /// @inheritdoc IERC7943Fungible
    function getFrozenTokens(address account) external view returns (uint256) {
        return _holders[account].frozenAmount();
    }
    /// @inheritdoc IERC7943Fungible
    /// @dev Not frozen on this token (a recovered wallet stays frozen) nor in the registry. A
    ///      holder whose KYC lapsed may still send in the ERC's sense: it may redeem (the token's
    ///      redemption policy); a transfer also needs a valid KYC, which `canTransfer` checks.
    function canSend(address account) external view returns (bool) {
        if (account == address(0)) return false;
        (Move memory m,) = _load(_config, account, address(0), address(0));
        return !_eitherFrozen(m.sender, m.fromRecord);
    }
    /// @inheritdoc IERC7943Fungible
    /// @dev A registry record with a valid KYC, not frozen (token or registry), accredited when
    ///      the rules require it, its country allowed: the receiver-side eligibility of the one
    ///      decision. Quantities (holder counts, balance caps, minimum position) are `canTransfer`'s.
    function canReceive(address account) external view returns (bool) {
        if (account == address(0)) return false;
        uint256 c = _config;
        (Move memory m,) = _load(c, address(0), account, address(0));
        return _receivable(c, m);
    }
    /// @inheritdoc IERC7943Fungible
    /// @dev The one compliance decision (that of `transfer` and `detectTransferRestriction`)
    ///      evaluated as if `from` held at least `amount`: every rule counts (pause, freezes and
    ///      the frozen amount, KYC, lockup, holding period, country, accreditation, holder limits,
    ///      balance cap, minimum position) except the plain balance shortfall. Minting and burning
    ///      are not transfers here: a zero `from` or `to` answers false.
    function canTransfer(address from, address to, uint256 amount) external view returns (bool) {
        if (from == address(0) || to == address(0)) return false;
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        if (m.fromBalance < amount) m.fromBalance = amount;
        return _restriction(c, m, from, to, amount) == Restrictions.SUCCESS;
    }
    /// @notice ERC-1594: whether the issuer may still issue (false once issuance is closed).
    function isIssuable() external view returns (bool) {
        return !_config.hasFlag(_ISSUANCE_CLOSED);
    }
    /// @inheritdoc IERC1644
    /// @dev Always true: holders of CONTROLLER_ROLE may force transfers; the admin controls that role.
    function isControllable() external pure returns (bool) {
        return true;
    }
    /// @notice ERC-1594: whether the caller may transfer `value` to `to`, with the ERC-1066 status
    ///         byte and the ERC-1404 code (as bytes32) of the answer.
    function canTransfer(address to, uint256 value, bytes calldata) external view returns (bool, bytes1, bytes32) {
        return _verdict(_detect(msg.sender, to, value));
    }
    /// @notice ERC-1594: whether the caller may transfer `value` from `from` to `to`, with the
    ///         ERC-1066 status byte and the ERC-1404 code (as bytes32) of the answer.
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
    function _verdict(uint8 code) internal pure returns (bool, bytes1, bytes32) {
        return (code == Restrictions.SUCCESS, Restrictions.status(code), bytes32(uint256(code)));
    }

    /// @dev Votes live in the core (OpenZeppelin Votes): a forced move run here asks the token.
    function _moveVotingUnits(address from, address to, uint256 value) internal override {
        ITokenVotingUnits(address(this)).moveVotingUnits(from, to, value);
    }

    /// @dev The token's registry, asked through the token itself (this code runs in its context).
    function _registryAddress() internal view override returns (address) {
        return IRecordDates(address(this)).registry();
    }
}
