// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {IERC1404} from "../interfaces/IERC1404.sol";
import {IRecordDates} from "../interfaces/IRecordDates.sol";
import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {Restrictions} from "../compliance/Restrictions.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";
import {HolderWords, CountryWords, ConfigWords, RegimeWords} from "./TokenWords.sol";

/// @title SecurityTokenQueries
/// @notice The security token's state views and compliance queries, run by delegatecall on the
///         token's storage: rules, country rules, wallet states, the ERC-1404, ERC-1594 and
///         ERC-7943 questions (may this move, may this wallet send or receive), the restriction
///         messages, and the regime's rules the token asks on a transfer under a regime
///         (`regimeRestriction`, `regimeReceiverCode`: they read only their arguments). The
///         token's fallback reaches the admin module (`SecurityTokenAdmin`), whose fallback
///         reaches this contract: one copy per module, deployed by the module's constructor.
/// @dev Holds no per-token data and changes no state (every function is a view or pure), so the
///      second delegatecall hop cannot write anything. Kept apart from the admin module so that
///      each stays under the 24,576-byte code limit (EIP-170).
contract SecurityTokenQueries is SecurityTokenBase, IERC1404 {
    using InvestorRecords for uint256;
    using HolderWords for uint256;
    using CountryWords for uint256;
    using ConfigWords for uint256;
    using RegimeWords for uint256;

    constructor() ERC20("", "") {
        // The admin module writes these three on each token's storage; this contract only reads
        // them there. Slither analyses it alone and reports a variable it never sees written as
        // uninitialized (High): their initial zero values are stated here, as in SecurityToken.
        _maxBalance = 0;
        _recordDates[0] = 0;
        _successors[address(0)] = address(0);
    }

    // ================================================================== state views

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

    /// @notice ERC-7943: the amount of `account`'s balance that only the controller can move.
    function getFrozenTokens(address account) external view returns (uint256) {
        return _holders[account].frozenAmount();
    }

    /// @notice ERC-1594: whether the issuer may still issue (false once issuance is closed).
    function isIssuable() external view returns (bool) {
        return !_config.hasFlag(_ISSUANCE_CLOSED);
    }

    // ================================================================== compliance queries

    /// @notice ERC-7943: whether `account` may send tokens at all.
    /// @dev Not frozen on this token (a recovered wallet stays frozen) nor in the registry. A
    ///      holder whose KYC lapsed may still send in the ERC's sense: it may redeem (the token's
    ///      redemption policy); a transfer also needs a valid KYC, which `canTransfer` checks.
    function canSend(address account) external view returns (bool) {
        if (account == address(0)) return false;
        (Move memory m,) = _load(_config, account, address(0), address(0));
        return !_eitherFrozen(m.sender, m.fromRecord);
    }

    /// @notice ERC-7943: whether `account` may receive tokens.
    /// @dev A registry record with a valid KYC, not frozen (token or registry), accredited when
    ///      the rules require it, its country allowed: the receiver-side eligibility of the one
    ///      decision. Quantities (holder counts, balance caps, minimum position) are `canTransfer`'s.
    function canReceive(address account) external view returns (bool) {
        if (account == address(0)) return false;
        uint256 c = _config;
        (Move memory m,) = _load(c, address(0), account, address(0));
        return _receivable(c, m);
    }

    /// @notice ERC-7943: whether `amount` may move from `from` to `to`.
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
        return Restrictions.publicCode(_restriction(c, m, from, to, amount)) == Restrictions.SUCCESS;
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
    /// @dev The token's refusals carry the same text (it asks this function on its revert path).
    function messageForTransferRestriction(uint8 restrictionCode) external pure returns (string memory) {
        return Restrictions.message(restrictionCode);
    }

    /// @notice The regime's packed word (RegimeWords: rules and the non-accredited count), the
    ///         non-qualified holders counted under `country`, and `wallet`'s affiliate sales word
    ///         (AffiliateSales).
    function regimeState(uint16 country, address wallet) external view returns (uint256, uint256, uint256) {
        return (_regime, _countries[country].nonQualifiedCounted(), _affiliateSales[wallet]);
    }

    /// @notice ERC-1066 status byte of a restriction code.
    function statusForTransferRestriction(uint8 restrictionCode) external pure returns (bytes1) {
        return Restrictions.status(restrictionCode);
    }

    /// @dev The decision's internal SUCCESS_REGIME_BOOKKEEPING answers as SUCCESS.
    function _verdict(uint8 code) internal pure returns (bool, bytes1, bytes32) {
        code = Restrictions.publicCode(code);
        return (code == Restrictions.SUCCESS, Restrictions.status(code), bytes32(uint256(code)));
    }

    /// @notice The regime's code for a movement whose other rules passed: SUCCESS, a regime
    ///         restriction (25..32, 11) or 255 (allowed, with bookkeeping to do).
    /// @dev Asked by the token (a static call) with the calldata words of its loaded `Move` (9)
    ///      and `RegimeQuery` (7) after the selector, both static structs (every field a full
    ///      word), read without decoding checks; reads no storage, so it answers the same to
    ///      anyone and changes nothing.
    function regimeRestriction() external view returns (uint8) {
        Move memory m;
        RegimeQuery memory q;
        assembly ("memory-safe") {
            calldatacopy(m, 4, 288)
            calldatacopy(q, 292, 224)
        }
        return _regimeRestriction(m, q);
    }

    /// @notice The regime's receiver rules (word `regimeWord`) on a receiver's registry `record`
    ///         receiving by transfer: SUCCESS or the restriction.
    function regimeReceiverCode(uint256 regimeWord, uint256 record) external view returns (uint8) {
        return _regimeReceiverCode(regimeWord, record, false);
    }

    /// @notice Not served here: documents are set through the admin module, whose own function
    ///         answers this selector before its fallback would reach this one.
    function setDocument(bytes32, string calldata, bytes32) external pure {
        revert();
    }

    /// @notice Not served here (see `setDocument`).
    function removeDocument(bytes32) external pure {
        revert();
    }

    /// @dev The views evaluate the regime's rules here directly (on the token's storage).
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

    /// @dev No movement runs here (every function is a view): these hooks refuse.
    function _regimeBookkeepingHook(Move memory, address, address, uint256) internal pure override {
        revert();
    }

    function _revertRestricted(uint8 code) internal pure override {
        revert TransferRestricted(code, Restrictions.message(code));
    }

    function _moveVotingUnits(address, address, uint256) internal pure override {
        revert();
    }

    /// @dev This contract's own ERC-20 entry points (inherited, never the token's: the token's
    ///      `_update` runs every transfer) move nothing: refused here, which also keeps the
    ///      transfer bookkeeping out of this contract's code.
    function _update(address, address, uint256) internal pure override {
        revert();
    }

    /// @dev The token's registry, asked through the token itself (this code runs in its context).
    function _registryAddress() internal view override returns (address) {
        return IRecordDates(address(this)).registry();
    }
}
