// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit, IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC1594} from "../interfaces/IERC1594.sol";
import {IERC1644} from "../interfaces/IERC1644.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943Fungible.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IRecordDates, MAX_RECORD_SUPPLY} from "../interfaces/IRecordDates.sol";
import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {Restrictions} from "../compliance/Restrictions.sol";
import {SecurityTokenBase, ITokenVotingUnits} from "./SecurityTokenBase.sol";
import {SecurityTokenAdmin} from "./SecurityTokenAdmin.sol";
import {HolderWords, CountryWords, ConfigWords, MinPosition, RegimeWords, AffiliateSales} from "./TokenWords.sol";

/// @title SecurityToken
/// @notice An ERC-20 security token of the ERC-1400 family: issuance and redemption (ERC-1594),
///         documents (ERC-1643), controller operations (ERC-1644), ERC-1404 restriction codes,
///         per-token transfer rules over a shared investor registry, freezes, pause, wallet
///         recovery and record dates for corporate actions; ERC-7943 (uRWA, fungible) and ERC-165.
/// @dev Every balance change passes through `_update`, which asks the single compliance decision
///      (`_restriction`) unless a controller operation is running. What a transfer reads sits in
///      few slots: the token configuration with the balance cap (one slot), the receiver's country
///      rule and count (one slot), one state slot per wallet (`HolderWords`), and one registry
///      call returning both parties' records. Rarely called administration (rules, countries,
///      freezes, operators, pause, issuance closing, record-date administration, controller
///      operations, recovery, documents) runs in `SecurityTokenAdmin`, deployed by this
///      constructor, by delegatecall on this token's storage (`SecurityTokenBase`); the entry
///      points stay in this contract's ABI as thin forwarders, the transfer path is untouched.
contract SecurityToken is
    SecurityTokenBase,
    ERC20Permit,
    ERC20Votes,
    ITokenVotingUnits,
    IERC1594,
    IERC1644,
    IERC1404,
    IRecordDates,
    IERC7943Fungible
{
    using InvestorRecords for uint256;
    using HolderWords for uint256;
    using CountryWords for uint256;
    using ConfigWords for uint256;
    using Checkpoints for Checkpoints.Trace224;
    using RegimeWords for uint256;

    IInvestorRegistry private immutable _registry;
    uint8 private immutable _decimals;
    address private immutable _admin;

    /// @param name_ ERC-20 name.
    /// @param symbol_ ERC-20 symbol.
    /// @param decimals_ ERC-20 decimals (0 for shares).
    /// @param registry_ The investor registry this token reads.
    /// @param admin Receives DEFAULT_ADMIN_ROLE; it grants the other roles.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address registry_, address admin)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        if (registry_ == address(0)) revert ZeroAddress();
        _registry = IInvestorRegistry(registry_);
        _decimals = decimals_;
        _admin = address(new SecurityTokenAdmin());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        // Only the admin module writes these three (by delegatecall on this storage); the core
        // reads them. Slither analyses the core alone and reports a variable it never sees
        // written as uninitialized (High): their initial zero values are stated here instead.
        _maxBalance = 0;
        _recordDates[0] = 0;
        _successors[address(0)] = address(0);
    }

    /// @notice The admin module this token delegates its rarely called administration to.
    function adminModule() external view returns (address) {
        return _admin;
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

    /// @notice The regime's packed word (RegimeWords: rules and the non-accredited count; the
    ///         admin module's `decodeRegime` decodes it), the non-qualified holders counted under
    ///         `country`, and `wallet`'s affiliate sales word (AffiliateSales).
    function regimeState(uint16 country, address wallet) external view returns (uint256, uint256, uint256) {
        return (_regime, _countries[country].nonQualifiedCounted(), _affiliateSales[wallet]);
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

    // ------------------------------------------------------------------ ERC-7943 and ERC-165

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
        return Restrictions.publicCode(_restriction(c, m, from, to, amount)) == Restrictions.SUCCESS;
    }

    /// @inheritdoc IERC7943Fungible
    function getFrozenTokens(address account) external view returns (uint256) {
        return _holders[account].frozenAmount();
    }

    /// @notice ERC-165: true for IERC7943Fungible (0x3edbb4c4), IERC20, IERC20Metadata,
    ///         IERC20Permit, IVotes and IERC6372 (ERC-5805 has no id of its own: 0x00000000 is not
    ///         claimed), IERC5267, IAccessControl, IERC165 and the token's own IERC1594, IERC1643,
    ///         IERC1644, IERC1404 and IRecordDates.
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl, IERC165) returns (bool) {
        return interfaceId == type(IERC7943Fungible).interfaceId || interfaceId == type(IERC20).interfaceId
            || interfaceId == type(IERC20Metadata).interfaceId || interfaceId == type(IERC1594).interfaceId
            || interfaceId == type(IERC1643).interfaceId || interfaceId == type(IERC1644).interfaceId
            || interfaceId == type(IERC1404).interfaceId || interfaceId == type(IRecordDates).interfaceId
            || interfaceId == type(IERC6372).interfaceId
            || interfaceId == type(IVotes).interfaceId || interfaceId == type(IERC20Permit).interfaceId
            || interfaceId == type(IERC5267).interfaceId
            || super.supportsInterface(interfaceId);
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
    /// @dev The regime's codes (25..32) are answered by the admin module (`regimeText`).
    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory) {
        if (restrictionCode > Restrictions.SPENDER_NOT_ALLOWED) {
            _relayModule(SecurityTokenAdmin.regimeText.selector, restrictionCode);
        }
        return Restrictions.baseMessage(restrictionCode);
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

    // ================================================================== compliance administration

    /// @notice Whether `operator` is approved to spend allowances without a registry record.
    function isApprovedOperator(address operator) external view returns (bool) {
        return _holders[operator].isApprovedOperator();
    }

    // ================================================================== administration (module)

    /// @notice Close issuance for good; `isIssuable` is false afterwards.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function closeIssuance() external {
        _delegateToAdmin();
    }

    /// @inheritdoc IERC1644
    /// @dev Overrides pause, freezes (tokens frozen are released first: Frozen before Transfer),
    ///      lockups, holding periods and caps, but not the receiver's eligibility: a receiver that
    ///      `canReceive` refuses (no record, KYC expired, frozen, not accredited when required,
    ///      country not allowed) reverts with ERC7943CannotReceive. Emits ForcedTransfer too.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function controllerTransfer(
        address from,
        address to,
        uint256 value,
        bytes calldata data,
        bytes calldata operatorData
    ) external {
        _delegateToAdmin();
    }

    /// @inheritdoc IERC7943Fungible
    /// @dev The controller's movement of `controllerTransfer` (same checks, same bookkeeping,
    ///      events Frozen when frozen tokens are taken, Transfer, ForcedTransfer), without the
    ///      ERC-1644 event and its data.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function forcedTransfer(address from, address to, uint256 amount)
        external
        returns (bool)
    {
        _delegateToAdmin();
    }

    /// @inheritdoc IERC1644
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function controllerRedeem(address tokenHolder, uint256 value, bytes calldata data, bytes calldata operatorData)
        external
    {
        _delegateToAdmin();
    }

    /// @notice Move the whole balance of a lost wallet, with its frozen part and holding-period
    ///         clock, to a new verified wallet of the same investor. The lost wallet is frozen on
    ///         this token and `successorOf(lost)` points to the new wallet from then on, so that
    ///         corporate actions fixed before the recovery pay and count the new wallet.
    /// @param operatorData The court order or ticket reference, recorded in the event.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function recoverWallet(address lost, address newWallet, bytes calldata operatorData)
        external
    {
        _delegateToAdmin();
    }

    /// @notice Replace the transfer rules of this token.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function setRules(Rules calldata r) external {
        MinPosition.encode(r.minPosition); // MinPositionNotRepresentable here, before the module runs
        _delegateToAdmin();
    }

    /// @notice Replace the regime rules (see `Regime`); all zero removes the regime.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall); COMPLIANCE_ROLE.
    function setRegime(Regime calldata g) external {
        _delegateToAdmin();
    }

    /// @notice Count `wallets` again in the regime's classes from their registry status now.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall); COMPLIANCE_ROLE.
    function recountHolderClasses(address[] calldata wallets) external {
        _delegateToAdmin();
    }

    /// @notice Set the rule for one country: `listed` means blocked (block-list mode) or allowed
    ///         (allow-list mode); `maxHolders` limits holders counted under it (0 = no limit).
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function setCountryRule(uint16 country, bool listed, uint32 maxHolders) external {
        _delegateToAdmin();
    }

    /// @notice Set the rules of many countries at once.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function setCountryRules(uint16[] calldata countries, bool[] calldata listed, uint32[] calldata maxHolders)
        external
    {
        _delegateToAdmin();
    }

    /// @notice Approve `operator` (or withdraw the approval) to spend allowances on this token
    ///         without a registry record: an exchange pair, a settlement or offering contract.
    ///         A full freeze of the operator on this token still stops it.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function setApprovedOperator(address operator, bool approved) external {
        _delegateToAdmin();
    }

    /// @notice Freeze (or unfreeze) `wallet` fully on this token; only the controller can move it then.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function setWalletFrozen(address wallet, bool frozen) external {
        _delegateToAdmin();
    }

    /// @inheritdoc IERC7943Fungible
    /// @dev The one frozen amount of the wallet (the same one `freezePartial`/`unfreezePartial`
    ///      move by a delta and `walletState` reports). Above the balance it withholds future
    ///      receipts: nothing leaves the wallet while the balance does not exceed it. At most
    ///      2^128 - 1 (PackedFieldOverflow above). Emits Frozen and FrozenAmountChanged.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function setFrozenTokens(address account, uint256 amount) external returns (bool) {
        _delegateToAdmin();
    }

    /// @notice Freeze `amount` more of `wallet`'s balance; the frozen amount may not exceed the
    ///         balance this way (`setFrozenTokens` may set any amount).
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function freezePartial(address wallet, uint256 amount) external {
        _delegateToAdmin();
    }

    /// @notice Release `amount` of `wallet`'s frozen amount.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function unfreezePartial(address wallet, uint256 amount) external {
        _delegateToAdmin();
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
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function scheduleRecordDate(uint64 timestamp) external returns (uint256 id) {
        // _delegateToAdmin inlined: a function with return values that calls an internal function
        // ending in an assembly `return` is what Slither's incorrect-return (High) flags.
        address module = _admin;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @notice Cancel the pending record date `id` (the latest one, not yet reached). Nothing was
    ///         saved for it: balances are saved only for passed record dates. The next record date
    ///         scheduled takes the same id.
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall).
    function cancelRecordDate(uint256 id) external {
        _delegateToAdmin();
    }

    /// @inheritdoc IERC1643
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall); ISSUER_ROLE.
    function setDocument(bytes32 name, string calldata uri, bytes32 documentHash) external {
        _delegateToAdmin();
    }

    /// @inheritdoc IERC1643
    /// @dev Runs in the admin module (`SecurityTokenAdmin`, by delegatecall); ISSUER_ROLE.
    function removeDocument(bytes32 name) external {
        _delegateToAdmin();
    }

    // ================================================================== internals

    /// @dev The regime's rules run in the admin module (a static call to `regimeRestriction`,
    ///      which reads no storage): the core keeps only the gathering of their inputs.
    function _regimeCode(Move memory m, address from, address to, uint256 value)
        internal
        view
        override
        returns (uint8)
    {
        uint256 code = _askModule(SecurityTokenAdmin.regimeRestriction.selector, m, _regimeQuery(from, to, value));
        return uint8(code);
    }

    function _regimeReceiverCodeOf(uint256 record) internal view override returns (uint8) {
        address module = _admin;
        bytes4 selector = SecurityTokenAdmin.regimeReceiverCode.selector;
        uint256 r = _regime;
        uint256 code;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 4), r)
            mstore(add(p, 36), record)
            if iszero(staticcall(gas(), module, p, 68, 0x00, 0x20)) { revert(0, 0) }
            code := mload(0x00)
        }
        return uint8(code);
    }

    /// @dev End this call with what the module's pure `selector(arg)` returns (or its revert).
    function _relayModule(bytes4 selector, uint256 arg) private view {
        address module = _admin;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, arg)
            let ok := staticcall(gas(), module, 0x00, 0x24, 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @dev The module's `regimeBookkeeping` by delegatecall, then what it may have written is read
    ///      back into `m` (the parties' words, the entering receiver's country word).
    function _regimeBookkeepingHook(Move memory m, address from, address to, uint256 value) internal override {
        address module = _admin;
        bytes4 selector = SecurityTokenAdmin.regimeBookkeeping.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 4), from)
            mstore(add(p, 36), to)
            mstore(add(p, 68), value)
            if iszero(delegatecall(gas(), module, p, 100, 0, 0)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
        }
        if (from != address(0)) m.sender = _holders[from];
        if (to != address(0)) {
            m.receiver = _holders[to];
            if (m.toBalance == 0) m.receiverCountry = _countries[m.toRecord.country()];
        }
    }

    /// @dev Static call of the module's `selector(Move, RegimeQuery)`: both structs are static, so
    ///      their memory words (9 and 7, every field a full word) are their ABI encoding.
    function _askModule(bytes4 selector, Move memory m, RegimeQuery memory q) private view returns (uint256 a)
    {
        address module = _admin;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mcopy(add(p, 4), m, 288)
            mcopy(add(p, 292), q, 224)
            if iszero(staticcall(gas(), module, p, 516, 0x00, 0x20)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            a := mload(0x00)
        }
    }

    /// @dev Codes up to 24 from the core's table; the regime's (25..32) from the module's, whose
    ///      `regimeText` reverts with the error and its text (relayed as it is).
    function _revertRestricted(uint8 code) internal view override {
        if (code > Restrictions.SPENDER_NOT_ALLOWED) _relayModule(SecurityTokenAdmin.regimeText.selector, 256 | code);
        revert TransferRestricted(code, Restrictions.baseMessage(code));
    }

    function _registryAddress() internal view override returns (address) {
        return address(_registry);
    }

    // ================================================================== ERC-5805 votes, ERC-2612 permit

    /// @notice The admin module's forced moves (controller transfer and redemption, recovery)
    ///         move voting units through here; only the token itself may call it.
    /// @dev A forced move runs in the module on this token's storage; OpenZeppelin Votes' state
    ///      is this contract's, so the module calls back. Any other caller reverts.
    function moveVotingUnits(address from, address to, uint256 value) external {
        if (msg.sender != address(this)) revert AccessControlUnauthorizedAccount(msg.sender, bytes32(0));
        _transferVotingUnits(from, to, value);
    }

    function _moveVotingUnits(address from, address to, uint256 value) internal override {
        _transferVotingUnits(from, to, value);
    }

    /// @dev Every balance change goes through the compliance decision; the votes bookkeeping runs
    ///      from `_apply` only when a party delegates or the supply moves. The body of
    ///      SecurityTokenBase._update, inlined here: one internal call less on every transfer.
    function _update(address from, address to, uint256 value) internal override(ERC20, SecurityTokenBase, ERC20Votes) {
        uint256 c = _config;
        (Move memory m,) = _load(c, from, to, address(0));
        uint8 code = _restriction(c, m, from, to, value);
        if (code != Restrictions.SUCCESS) return _regimeVerdict(code, c, m, from, to, value);
        _apply(c, m, from, to, value);
    }

    /// @dev Remember in the wallet's state word whether it has a delegatee: a transfer between two
    ///      wallets that never delegated skips the votes bookkeeping (nothing to move then).
    function _delegate(address account, address delegatee) internal override {
        _holders[account] = _holders[account].withDelegating(delegatee != address(0));
        super._delegate(account, delegatee);
    }

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Run this call in the admin module on this token's storage and return what it returns.
    function _delegateToAdmin() private {
        address module = _admin;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @dev transferFrom, transferFromWithData and redeemFrom (`redemption`, `to` is zero): the
    ///      spender check (skipped when the owner spends its own allowance) with the parties'
    ///      records in the same registry call, the allowance, then the decision and bookkeeping.
    function _spendAndMove(address from, address to, uint256 value, bool redemption) internal {
        address spender = msg.sender;
        uint256 c = _config;
        (Move memory m, uint8 code) = _load(c, from, to, spender == from ? address(0) : spender);
        if (code != Restrictions.SUCCESS) _revertRestricted(code);
        _spendAllowance(from, spender, value);
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0) && !redemption) revert ERC20InvalidReceiver(address(0));
        code = _restriction(c, m, from, to, value);
        if (code != Restrictions.SUCCESS) return _regimeVerdict(code, c, m, from, to, value);
        _apply(c, m, from, to, value);
    }

    function _verdict(uint8 code) internal pure returns (bool, bytes1, bytes32) {
        code = Restrictions.publicCode(code);
        return (code == Restrictions.SUCCESS, Restrictions.status(code), bytes32(uint256(code)));
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
