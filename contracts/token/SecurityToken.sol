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
import {SecurityTokenQueries} from "./SecurityTokenQueries.sol";
import {HolderWords, CountryWords, ConfigWords} from "./TokenWords.sol";

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
///      operations, recovery, documents) and the rarely called views (the rules, wallet states,
///      the ERC-1404, ERC-1594 and ERC-7943 queries) run in `SecurityTokenAdmin`, a module
///      deployed once and shared by an issuer's tokens (its address is a constructor argument),
///      by delegatecall on this token's storage (`SecurityTokenBase`): the `fallback` forwards
///      every selector this contract does not implement. The token's ABI is the union of this
///      contract's and the module's (what the package ships); the transfer path is untouched.
contract SecurityToken is SecurityTokenBase, ERC20Permit, ERC20Votes, ITokenVotingUnits, IRecordDates {
    using InvestorRecords for uint256;
    using HolderWords for uint256;
    using CountryWords for uint256;
    using ConfigWords for uint256;
    using Checkpoints for Checkpoints.Trace224;

    IInvestorRegistry private immutable _registry;
    uint8 private immutable _decimals;
    address private immutable _admin;

    /// @param name_ ERC-20 name.
    /// @param symbol_ ERC-20 symbol.
    /// @param decimals_ ERC-20 decimals (0 for shares).
    /// @param registry_ The investor registry this token reads.
    /// @param admin Receives DEFAULT_ADMIN_ROLE; it grants the other roles.
    /// @param adminModule_ The issuer's `SecurityTokenAdmin`: deployed once per chain or issuer and
    ///        shared by its tokens (it holds no per-token state; it runs on each token's storage).
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        address registry_,
        address admin,
        address adminModule_
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        if (registry_ == address(0) || adminModule_.code.length == 0) revert ZeroAddress();
        _registry = IInvestorRegistry(registry_);
        _decimals = decimals_;
        _admin = adminModule_;
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
    function decimals() public view virtual override returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IRecordDates
    function registry() external view returns (address) {
        return _registryAddress();
    }






    // ------------------------------------------------------------------ ERC-7943 and ERC-165





    /// @notice ERC-165: true for IERC7943Fungible (0x3edbb4c4), IERC20, IERC20Metadata,
    ///         IERC20Permit, IVotes and IERC6372 (ERC-5805 has no id of its own: 0x00000000 is not
    ///         claimed), IERC5267, IAccessControl, IERC165 and the token's own IERC1594, IERC1643,
    ///         IERC1644, IERC1404 and IRecordDates.
    /// @dev The list is answered by the admin module (`tokenSupportsInterface`, a pure function
    ///      asked by a static call), which keeps its comparisons out of this contract's code.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool supported) {
        address module = _admin;
        bytes4 selector = SecurityTokenAdmin.tokenSupportsInterface.selector;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, interfaceId)
            if iszero(staticcall(gas(), module, 0x00, 0x24, 0x00, 0x20)) { revert(0, 0) }
            supported := mload(0x00)
        }
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

    /// @notice ERC-1594: `transfer` with data attached (the data is not interpreted).
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

    /// @notice ERC-1594: `transferFrom` with data attached (the data is not interpreted).
    /// @dev The spender check of `transferFrom` applies.
    function transferFromWithData(address from, address to, uint256 value, bytes calldata) external {
        _spendAndMove(from, to, value, false);
    }

    /// @notice ERC-1594: issue `value` new tokens to `to` (ISSUER_ROLE).
    /// @dev Issuance closed, a zero amount and the supply limit are also answered by the compliance
    ///      decision (codes 18, 20, 19), so `detectTransferRestriction(address(0), to, value)`
    ///      predicts this call.
    function issue(address to, uint256 value, bytes calldata data) external onlyRole(ISSUER_ROLE) {
        if (to == address(0)) revert ZeroAddress();
        if (value == 0) revert ZeroAmount();
        _mint(to, value);
        emit IERC1594.Issued(msg.sender, to, value, data);
    }

    /// @notice ERC-1594: redeem (burn) `value` of the caller's tokens.
    function redeem(uint256 value, bytes calldata data) external {
        if (value == 0) revert ZeroAmount();
        _burn(msg.sender, value);
        emit IERC1594.Redeemed(msg.sender, msg.sender, value, data);
    }

    /// @notice ERC-1594: redeem `value` of `from`'s tokens, spending the caller's allowance.
    /// @dev The spender check of `transferFrom` applies.
    function redeemFrom(address from, uint256 value, bytes calldata data) external {
        if (value == 0) revert ZeroAmount();
        _spendAndMove(from, address(0), value, true);
        emit IERC1594.Redeemed(msg.sender, from, value, data);
    }

    // ================================================================== administration (module)

    /// @notice Every other entry point of the token (see `SecurityTokenAdmin`: rules, countries,
    ///         freezes, operators, pause, issuance closing, record dates, controller operations,
    ///         recovery, documents, and the ERC-1404, ERC-1594 and ERC-7943 queries) runs in the
    ///         admin module, by delegatecall on this token's storage; what it returns or reverts
    ///         with is passed on (the module passes its views on to `SecurityTokenQueries`).
    /// @dev The target is an immutable fixed at construction (the issuer's module, which holds no
    ///      state and has no way to change code): no caller can redirect the delegatecall, and
    ///      the module's functions check roles in this token's AccessControl storage. Not payable.
    ///      The module's `regimeBookkeeping` is not an entry point: it runs only from this token's
    ///      transfer path (`_regimeBookkeepingHook`), so the fallback refuses its selector.
    fallback() external {
        if (msg.sig == SecurityTokenAdmin.regimeBookkeeping.selector) {
            revert AccessControlUnauthorizedAccount(msg.sender, bytes32(0));
        }
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
        uint256 code = _askModule(SecurityTokenQueries.regimeRestriction.selector, m, _regimeQuery(from, to, value));
        return uint8(code);
    }

    function _regimeReceiverCodeOf(uint256 record) internal view override returns (uint8) {
        address module = _admin;
        bytes4 selector = SecurityTokenQueries.regimeReceiverCode.selector;
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

    /// @dev Virtual for the clone-mode implementation (`SecurityTokenClone`), which reads its
    ///      clone's immutable arguments instead; resolved at compile time (no cost on a transfer).
    function _registryAddress() internal view virtual override returns (address) {
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

    /// @dev Revert with the decision's code and its message. The message table lives in the admin
    ///      module (`messageForTransferRestriction`, a pure function: one static call on the
    ///      failure path only), which keeps about 1.5 KB of strings out of this contract's code.
    function _revertRestricted(uint8 code) internal view override {
        revert TransferRestricted(code, IERC1404(_admin).messageForTransferRestriction(code));
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
