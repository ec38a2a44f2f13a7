// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {GuardedAccessControl} from "../access/GuardedAccessControl.sol";
import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {IDividendDistributor} from "../interfaces/IDividendDistributor.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {IRecordDates, MAX_RECORD_SUPPLY} from "../interfaces/IRecordDates.sol";

/// @title DividendDistributor
/// @notice Pays dividends in ETH or in an ERC-20 to the holders of an issuer's security tokens,
///         pro rata to their balances at a record date of the token each distribution names.
///         One distributor serves every token of the issuer, so adding a token deploys only the
///         token (and one `setTokenServed` call).
/// @dev Rules, in one place:
///      - Shared, keyed by token: a distribution stores its token next to its expiry (in the
///        slot every claim reads). Ids are one sequence for all tokens, and so are the paid flags
///        (one bit per id): nothing of one token's distributions is reachable through another's.
///      - Authority: this contract's DEFAULT_ADMIN_ROLE (the issuer) only admits or dismisses
///        tokens; creating, pushing and reclaiming a distribution need ISSUER_ROLE on the token
///        that distribution names, read from the token at each call. An issuer of token A holds
///        no right over token B's distributions. A served token must read this distributor's
///        registry (checked on admission), which every claim reads for freezes and withholding.
///      - Share: `deposit * balanceOfAt(holder) / eligibleSupply`, rounded down (Math.mulDiv), where
///        eligibleSupply = totalSupplyAt minus the record-date balances of the excluded wallets.
///        The sum of shares never exceeds the deposit; rounding dust is reclaimable at expiry.
///      - Paid once per (distribution, holder wallet), whatever happens to the tokens afterwards:
///        the paid flag is on the wallet that held at the record date, not on who holds now.
///      - Wallet recovery: a holder's share is always paid to `token.successorOf(holder)` (the
///        payee), also by `push`, so after a controller recovery the new wallet collects (via
///        `claimFor`) the lost wallet's share; the lost wallet itself can no longer claim.
///      - Who decides when: only the payee (`claim`, or `claimFor` of a wallet it succeeded) and
///        the issuer (`push`). No third party chooses the moment of a payment, and so the
///        moment the withholding flag is read.
///      - KYC policy: a share earned at the record date stays payable when the investor's KYC has
///        lapsed or its registry record was removed.
///      - Freeze policy (the same for ballots): while the payee is frozen, fully on the token or
///        as an investor in the registry (bit 152), its share is kept but cannot be collected:
///        claims revert with `InvestorFrozen`, `push` skips it with PushSkipped(Frozen). After an
///        unfreeze it is payable again; if still frozen at expiry it is reclaimed with the rest.
///      - Withholding: a per-distribution rate applies when the payee's registry record carries
///        the withholding flag (8) at payment time; withheld amounts accrue per distribution and
///        are sent to the distribution's tax wallet by `withdrawWithheld`.
///      - Push bounds each payee: an ETH payment gets PUSH_ETH_GAS, an ERC-20 transfer
///        PUSH_ERC20_GAS, no return data beyond one word is copied, and a payment that fails is
///        undone, reported (PushSkipped(TransferFailed)) and left to claim. A push that has not
///        gas enough left to give the next payment its full allowance reverts whole
///        (`PushOutOfGas`), so a payee is never skipped for the caller's lack of gas.
///      - ERC-20 deposits are credited by what actually arrived (fee-on-transfer tokens). Every
///        state-changing entry point is nonReentrant (transient storage) and follows CEI.
contract DividendDistributor is IDividendDistributor, GuardedAccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The role, on the token, allowed to create, push and reclaim.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Most excluded wallets per distribution.
    uint256 public constant MAX_EXCLUDED = 16;
    /// @notice Gas forwarded with each ETH payment made by `push` (a claim forwards all gas).
    uint256 public constant PUSH_ETH_GAS = 50_000;
    /// @notice Gas forwarded with each ERC-20 transfer made by `push` (a claim forwards all gas).
    uint256 public constant PUSH_ERC20_GAS = 150_000;
    /// @notice Largest record-date supply a distribution accounts for: 2^208 - 1, the same limit
    ///         as the token's supply (IRecordDates.MAX_RECORD_SUPPLY).
    uint256 public constant MAX_SUPPLY = MAX_RECORD_SUPPLY;
    /// @notice Largest deposit of one distribution: 2^128 - 1 units of its asset (deposit and
    ///         released share one slot, so that the token fits the slot a claim reads anyway).
    uint256 public constant MAX_DEPOSIT = type(uint128).max;

    uint8 private constant _FLAG_ERC20 = 1;
    uint8 private constant _FLAG_RECLAIMED = 2;
    uint256 private constant _BPS = 10_000;
    /// @dev Gas a push keeps beyond a payment's allowance (call costs, undo, event).
    uint256 private constant _PUSH_RESERVE = 30_000;

    /// @dev What every claim reads (three slots, loaded once) and writes (`released`, in a slot
    ///      that is never zero after creation since deposit > 0: no 0->1 write on claims).
    struct Terms {
        // slot 0
        address token;
        uint40 expiry;
        uint32 recordDateId;
        uint16 withholdingBps;
        uint8 flags;
        // slot 1
        uint208 eligibleSupply;
        // slot 2
        uint128 deposit;
        uint128 released; // paid + withheld
    }

    /// @dev The rest: the asset (read by ERC-20 payments only), tax and reclaim bookkeeping.
    struct Books {
        address asset;
        address taxWallet;
        uint208 withheld;
        uint208 withheldWithdrawn;
        uint208 reclaimed;
    }

    /// @dev The investor registry of every token served (fixed at deployment).
    IInvestorRegistry private immutable _registry;

    uint256 private _count;
    mapping(address token => bool) private _served;
    mapping(uint256 id => Terms) private _terms;
    mapping(uint256 id => Books) private _books;
    /// @dev Paid flags, one bit per distribution, 256 distributions per word and wallet: a
    ///      holder's first claim in a word writes a fresh slot, later ones flip a bit in it.
    mapping(address holder => mapping(uint256 word => uint256 bits)) private _paidBits;
    mapping(uint256 id => mapping(address account => bool)) private _excluded;

    /// @param registry_ The investor registry the issuer's tokens read.
    /// @param admin The first holder of DEFAULT_ADMIN_ROLE (admits tokens).
    constructor(IInvestorRegistry registry_, address admin) {
        _registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------------------------------
    // Admin
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDividendDistributor
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

    /// @inheritdoc IDividendDistributor
    function isTokenServed(address token) external view returns (bool) {
        return _served[token];
    }

    /// @inheritdoc IDividendDistributor
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @notice ERC-165: IDividendDistributor, IAccessControl and IERC165.
    /// @param interfaceId The interface identifier.
    /// @return Whether this contract implements it.
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl) returns (bool) {
        return interfaceId == type(IDividendDistributor).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------
    // Issuer of the token a distribution names
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDividendDistributor
    function createDistribution(DistributionParams calldata p) external payable nonReentrant returns (uint256 id) {
        if (!_served[p.token]) revert TokenNotServed(p.token);
        _requireIssuer(p.token);
        if (p.expiry <= block.timestamp) revert ExpiryNotInFuture(p.expiry);
        if (p.withholdingBps > _BPS || (p.withholdingBps != 0 && p.taxWallet == address(0))) {
            revert InvalidWithholding(p.withholdingBps, p.taxWallet);
        }
        id = ++_count;
        uint256 eligible = _eligibleSupply(IRecordDates(p.token), id, p.recordDateId, p.excluded);
        (uint256 deposit, uint8 flags) = _collect(p);

        _terms[id] = Terms({
            token: p.token,
            expiry: SafeCast.toUint40(p.expiry),
            recordDateId: SafeCast.toUint32(p.recordDateId),
            withholdingBps: p.withholdingBps,
            flags: flags,
            eligibleSupply: uint208(eligible),
            deposit: uint128(deposit),
            released: 0
        });
        if (flags == _FLAG_ERC20) _books[id].asset = p.asset;
        if (p.taxWallet != address(0)) _books[id].taxWallet = p.taxWallet;
        _emitCreated(id, p, deposit, eligible);
    }

    /// @inheritdoc IDividendDistributor
    function push(uint256 id, address[] calldata holders) external nonReentrant returns (uint256 paidCount) {
        Terms memory t = _open(id);
        _requireIssuer(t.token);
        for (uint256 i; i < holders.length; ++i) {
            if (_pushOne(t, id, holders[i])) ++paidCount;
        }
    }

    /// @inheritdoc IDividendDistributor
    function reclaim(uint256 id) external nonReentrant returns (uint256 amount) {
        Terms memory t = _known(id);
        _requireIssuer(t.token);
        if (block.timestamp < t.expiry) revert DistributionNotExpired(id, t.expiry);
        if (t.flags & _FLAG_RECLAIMED != 0) revert AlreadyReclaimed(id);
        amount = t.deposit - t.released;
        _terms[id].flags = t.flags | _FLAG_RECLAIMED;
        _books[id].reclaimed = uint208(amount);
        emit Reclaimed(id, t.token, msg.sender, amount);
        _pay(id, t.flags, msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Holders, anyone
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDividendDistributor
    function claim(uint256 id) external nonReentrant returns (uint256 amount) {
        return _claim(id, msg.sender);
    }

    /// @inheritdoc IDividendDistributor
    function claimFor(uint256 id, address holder) external nonReentrant returns (uint256 amount) {
        return _claim(id, holder);
    }

    /// @inheritdoc IDividendDistributor
    function withdrawWithheld(uint256 id) external nonReentrant returns (uint256 amount) {
        Terms memory t = _known(id);
        Books storage b = _books[id];
        uint256 withheld = b.withheld;
        amount = withheld - b.withheldWithdrawn;
        if (amount == 0) revert NothingWithheld(id);
        b.withheldWithdrawn = uint208(withheld);
        address taxWallet = b.taxWallet;
        emit WithheldWithdrawn(id, t.token, taxWallet, amount);
        _pay(id, t.flags, taxWallet, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDividendDistributor
    function distribution(uint256 id) external view returns (DistributionInfo memory info) {
        Terms memory t = _known(id);
        Books memory b = _books[id];
        info.token = t.token;
        info.asset = b.asset;
        info.recordDateId = t.recordDateId;
        info.deposit = t.deposit;
        info.eligibleSupply = t.eligibleSupply;
        info.expiry = t.expiry;
        info.withholdingBps = t.withholdingBps;
        info.taxWallet = b.taxWallet;
        info.released = t.released;
        info.withheld = b.withheld;
        info.withheldWithdrawn = b.withheldWithdrawn;
        info.reclaimed = b.reclaimed;
        info.isReclaimed = t.flags & _FLAG_RECLAIMED != 0;
    }

    /// @inheritdoc IDividendDistributor
    function distributionCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IDividendDistributor
    function entitlementOf(uint256 id, address holder) external view returns (uint256) {
        Terms memory t = _known(id);
        if (_excluded[id][holder]) return 0;
        return Math.mulDiv(t.deposit, IRecordDates(t.token).balanceOfAt(holder, t.recordDateId), t.eligibleSupply);
    }

    /// @inheritdoc IDividendDistributor
    function isPaid(uint256 id, address holder) external view returns (bool) {
        return _paidBits[holder][id >> 8] & (1 << (id & 0xff)) != 0;
    }

    /// @inheritdoc IDividendDistributor
    function isExcluded(uint256 id, address account) external view returns (bool) {
        return _excluded[id][account];
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    function _claim(uint256 id, address holder) private returns (uint256 amount) {
        Terms memory t = _open(id);
        uint256 word = id >> 8;
        uint256 mask = 1 << (id & 0xff);
        uint256 bits = _paidBits[holder][word];
        if (bits & mask != 0) {
            if (_excluded[id][holder]) revert ExcludedHolder(id, holder);
            revert AlreadyPaid(id, holder);
        }
        (address payee, uint256 gross, uint256 withheld, SkipReason why) = _share(t, holder);
        if (payee != msg.sender) {
            // Only the payee decides when it is paid (and so when withholding is read).
            if (holder == msg.sender) revert WalletSuperseded(holder, payee);
            revert NotPayee(id, holder, msg.sender);
        }
        if (why == SkipReason.NothingDue) revert NothingDue(id, holder);
        if (why == SkipReason.Frozen) revert InvestorFrozen(id, payee);
        _paidBits[holder][word] = bits | mask;
        _release(t, id, gross, withheld);
        amount = gross - withheld;
        emit Claimed(id, t.token, holder, payee, amount, withheld);
        _pay(id, t.flags, payee, amount);
    }

    /// @dev Record-date supply minus the excluded wallets' balances; marks them excluded (and paid).
    function _eligibleSupply(IRecordDates token, uint256 id, uint256 recordId, address[] calldata excluded)
        private
        returns (uint256 eligible)
    {
        uint256 n = excluded.length;
        if (n > MAX_EXCLUDED) revert TooManyExcluded(n, MAX_EXCLUDED);
        _requirePassed(token, recordId);
        uint256 word = id >> 8;
        uint256 mask = 1 << (id & 0xff);
        eligible = token.totalSupplyAt(recordId);
        if (eligible > MAX_RECORD_SUPPLY) revert SupplyTooLarge(eligible, MAX_RECORD_SUPPLY);
        for (uint256 i; i < n; ++i) {
            address w = excluded[i];
            if (_excluded[id][w]) revert DuplicateExcluded(w);
            _excluded[id][w] = true;
            _paidBits[w][word] |= mask;
            eligible -= token.balanceOfAt(w, recordId);
        }
        if (eligible == 0) revert NothingEligible();
    }

    /// @dev Take the deposit: msg.value for ETH, else what actually arrived from the caller.
    function _collect(DistributionParams calldata p) private returns (uint256 deposit, uint8 flags) {
        if (p.asset == address(0)) {
            if (msg.value != p.amount) revert ValueMismatch(msg.value, p.amount);
            deposit = msg.value;
        } else {
            if (msg.value != 0) revert ValueMismatch(msg.value, p.amount);
            IERC20 asset = IERC20(p.asset);
            uint256 before = asset.balanceOf(address(this));
            asset.safeTransferFrom(msg.sender, address(this), p.amount);
            deposit = asset.balanceOf(address(this)) - before;
            flags = _FLAG_ERC20;
        }
        if (deposit == 0) revert ZeroDeposit();
        if (deposit > MAX_DEPOSIT) revert DepositTooLarge(deposit);
    }

    function _emitCreated(uint256 id, DistributionParams calldata p, uint256 deposit, uint256 eligible) private {
        emit DistributionCreated(
            id, p.token, p.asset, p.recordDateId, deposit, eligible, p.expiry, p.withholdingBps, p.taxWallet, p.excluded
        );
    }

    /// @dev One holder of a push: pay it or say (PushSkipped) why not. Nothing a holder or its
    ///      payee does makes it revert (the payment is bounded by a gas allowance); it reverts
    ///      only when the caller sent too little gas for the batch. `t.released` is kept current
    ///      in memory across the batch.
    function _pushOne(Terms memory t, uint256 id, address holder) private returns (bool) {
        uint256 word = id >> 8;
        uint256 mask = 1 << (id & 0xff);
        uint256 bits = _paidBits[holder][word];
        if (bits & mask != 0) {
            emit PushSkipped(id, t.token, holder, SkipReason.AlreadyPaidOrExcluded);
            return false;
        }
        (address payee, uint256 gross, uint256 withheld, SkipReason why) = _share(t, holder);
        if (why != SkipReason.None) {
            emit PushSkipped(id, t.token, holder, why);
            return false;
        }
        // Effects first; undone if the payment fails.
        _paidBits[holder][word] = bits | mask;
        _release(t, id, gross, withheld);
        if (!_tryPay(id, t.flags, payee, gross - withheld)) {
            _paidBits[holder][word] = bits;
            t.released -= uint128(gross);
            _terms[id].released = t.released;
            if (withheld != 0) _books[id].withheld -= uint208(withheld);
            emit PushSkipped(id, t.token, holder, SkipReason.TransferFailed);
            return false;
        }
        emit Claimed(id, t.token, holder, payee, gross - withheld, withheld);
        return true;
    }

    /// @dev The terms of distribution `id`, which must exist.
    function _known(uint256 id) private view returns (Terms memory t) {
        t = _terms[id];
        if (t.deposit == 0) revert UnknownDistribution(id);
    }

    /// @dev The terms of distribution `id`, which must exist and not have expired.
    function _open(uint256 id) private view returns (Terms memory t) {
        t = _known(id);
        if (block.timestamp >= t.expiry) revert DistributionExpired(id);
    }

    /// @dev What `holder` is owed: its successor (the payee), the gross share and the part withheld,
    ///      or why nothing can be paid now (nothing due; payee frozen on the token or in the registry).
    function _share(Terms memory t, address holder)
        private
        view
        returns (address payee, uint256 gross, uint256 withheld, SkipReason why)
    {
        // The record date was checked to have passed when the distribution was created.
        uint256 balance;
        bool walletFrozen;
        (balance, payee, walletFrozen) = IRecordDates(t.token).recordPosition(holder, t.recordDateId);
        gross = Math.mulDiv(t.deposit, balance, t.eligibleSupply);
        if (gross == 0) return (payee, 0, 0, SkipReason.NothingDue);
        if (walletFrozen) return (payee, gross, 0, SkipReason.Frozen);
        uint256 record = _registry.recordOf(payee);
        if (InvestorRecords.isFrozen(record)) return (payee, gross, 0, SkipReason.Frozen);
        uint256 bps = t.withholdingBps;
        if (bps != 0 && InvestorRecords.flags(record) & InvestorRecords.FLAG_WITHHOLDING != 0) {
            withheld = (gross * bps) / _BPS;
        }
    }

    /// @dev Book `gross` (of which `withheld` for tax) as released; never beyond the deposit.
    function _release(Terms memory t, uint256 id, uint256 gross, uint256 withheld) private {
        uint256 released = t.released + gross;
        // Unreachable while the token's record-date balances add up to its record-date supply.
        if (released > t.deposit) revert Overdrawn(id);
        t.released = uint128(released);
        _terms[id].released = uint128(released);
        if (withheld != 0) _books[id].withheld += uint208(withheld);
    }

    /// @dev Pay `amount` of distribution `id`'s asset to `to`, reverting on failure.
    function _pay(uint256 id, uint8 flags, address to, uint256 amount) private {
        if (amount == 0) return;
        if (flags & _FLAG_ERC20 == 0) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(_books[id].asset).safeTransfer(to, amount);
        }
    }

    /// @dev Pay `amount` to `to`; false instead of a revert. ETH gets PUSH_ETH_GAS and no return
    ///      data; an ERC-20 transfer gets PUSH_ERC20_GAS and at most one word of return data (true,
    ///      or nothing from a contract, counts as success). So a hostile receiver (or an asset
    ///      hook it triggers) can neither block a push nor burn more than that allowance. Reverts
    ///      with PushOutOfGas when the allowance could not be given in full (EIP-150 keeps 1/64).
    function _tryPay(uint256 id, uint8 flags, address to, uint256 amount) private returns (bool ok) {
        if (amount == 0) return true;
        uint256 gasLimit = flags & _FLAG_ERC20 == 0 ? PUSH_ETH_GAS : PUSH_ERC20_GAS;
        if (gasleft() < gasLimit + gasLimit / 63 + _PUSH_RESERVE) revert PushOutOfGas(id, to);
        if (flags & _FLAG_ERC20 == 0) {
            assembly ("memory-safe") {
                ok := call(gasLimit, to, amount, 0, 0, 0, 0)
            }
        } else {
            address asset = _books[id].asset;
            bytes4 selector = IERC20.transfer.selector;
            assembly ("memory-safe") {
                let ptr := mload(0x40)
                mstore(ptr, selector)
                mstore(add(ptr, 0x04), and(to, 0xffffffffffffffffffffffffffffffffffffffff))
                mstore(add(ptr, 0x24), amount)
                mstore(0x00, 0)
                ok := call(gasLimit, asset, 0, ptr, 0x44, 0x00, 0x20)
                if ok {
                    switch returndatasize()
                    case 0 { ok := gt(extcodesize(asset), 0) }
                    default { ok := and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1)) }
                }
            }
        }
    }

    /// @dev The caller holds ISSUER_ROLE on `token`.
    function _requireIssuer(address token) private view {
        if (!IRecordDates(token).hasRole(ISSUER_ROLE, msg.sender)) revert NotIssuer(token, msg.sender);
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
