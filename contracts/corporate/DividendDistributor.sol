// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {InvestorRecords} from "../compliance/InvestorRecords.sol";
import {IDividendDistributor} from "../interfaces/IDividendDistributor.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {IRecordDates, MAX_RECORD_SUPPLY} from "../interfaces/IRecordDates.sol";

/// @title DividendDistributor
/// @notice Pays dividends in ETH or in an ERC-20 to the holders of one security token, pro rata
///         to their balances at a record date of that token.
/// @dev Rules, in one place:
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
contract DividendDistributor is IDividendDistributor, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The role, on the token, allowed to create, push and reclaim.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Most excluded wallets per distribution.
    uint256 public constant MAX_EXCLUDED = 16;
    /// @notice Gas forwarded with each ETH payment made by `push` (a claim forwards all gas).
    uint256 public constant PUSH_ETH_GAS = 50_000;
    /// @notice Gas forwarded with each ERC-20 transfer made by `push` (a claim forwards all gas).
    uint256 public constant PUSH_ERC20_GAS = 150_000;
    /// @notice Largest record-date supply (and deposit) a distribution accounts for: 2^208 - 1,
    ///         the same limit as the token's supply (IRecordDates.MAX_RECORD_SUPPLY).
    uint256 public constant MAX_SUPPLY = MAX_RECORD_SUPPLY;

    uint8 private constant _FLAG_ERC20 = 1;
    uint8 private constant _FLAG_RECLAIMED = 2;
    uint256 private constant _BPS = 10_000;
    /// @dev Gas a push keeps beyond a payment's allowance (call costs, undo, event).
    uint256 private constant _PUSH_RESERVE = 30_000;

    /// @dev What every claim reads (three slots, loaded once) and writes (`released`, in a slot
    ///      that is never zero after creation since recordDateId >= 1: no 0->1 write on claims).
    struct Terms {
        // slot 0
        uint208 deposit;
        uint40 expiry;
        uint8 flags;
        // slot 1
        uint208 eligibleSupply;
        // slot 2
        uint208 released; // paid + withheld
        uint32 recordDateId;
        uint16 withholdingBps;
    }

    /// @dev The rest: the asset (read by ERC-20 payments only), tax and reclaim bookkeeping.
    struct Books {
        address asset;
        address taxWallet;
        uint208 withheld;
        uint208 withheldWithdrawn;
        uint208 reclaimed;
    }

    /// @notice The security token whose record dates and roles this distributor uses.
    IRecordDates public immutable token;
    /// @notice The investor registry of the token (fixed when the token was deployed).
    IInvestorRegistry public immutable registry;

    uint256 private _count;
    mapping(uint256 id => Terms) private _terms;
    mapping(uint256 id => Books) private _books;
    /// @dev Paid flags, one bit per distribution, 256 distributions per word and wallet: a
    ///      holder's first claim in a word writes a fresh slot, later ones flip a bit in it.
    mapping(address holder => mapping(uint256 word => uint256 bits)) private _paidBits;
    mapping(uint256 id => mapping(address account => bool)) private _excluded;

    /// @param token_ The security token (IRecordDates); its registry is read once, here.
    constructor(IRecordDates token_) {
        token = token_;
        registry = IInvestorRegistry(token_.registry());
    }

    modifier onlyIssuer() {
        if (!token.hasRole(ISSUER_ROLE, msg.sender)) revert NotIssuer(msg.sender);
        _;
    }

    // ------------------------------------------------------------------------------------------
    // Issuer
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDividendDistributor
    function createDistribution(DistributionParams calldata p)
        external
        payable
        nonReentrant
        onlyIssuer
        returns (uint256 id)
    {
        if (p.expiry <= block.timestamp) revert ExpiryNotInFuture(p.expiry);
        if (p.withholdingBps > _BPS || (p.withholdingBps != 0 && p.taxWallet == address(0))) {
            revert InvalidWithholding(p.withholdingBps, p.taxWallet);
        }
        id = ++_count;
        uint256 eligible = _eligibleSupply(id, p.recordDateId, p.excluded);
        (uint256 deposit, uint8 flags) = _collect(p);

        _terms[id] = Terms({
            deposit: uint208(deposit),
            expiry: SafeCast.toUint40(p.expiry),
            flags: flags,
            eligibleSupply: uint208(eligible),
            released: 0,
            recordDateId: SafeCast.toUint32(p.recordDateId),
            withholdingBps: p.withholdingBps
        });
        if (flags == _FLAG_ERC20) _books[id].asset = p.asset;
        if (p.taxWallet != address(0)) _books[id].taxWallet = p.taxWallet;
        _emitCreated(id, p, deposit, eligible);
    }

    /// @inheritdoc IDividendDistributor
    function push(uint256 id, address[] calldata holders)
        external
        nonReentrant
        onlyIssuer
        returns (uint256 paidCount)
    {
        Terms memory t = _open(id);
        for (uint256 i; i < holders.length; ++i) {
            if (_pushOne(t, id, holders[i])) ++paidCount;
        }
    }

    /// @inheritdoc IDividendDistributor
    function reclaim(uint256 id) external nonReentrant onlyIssuer returns (uint256 amount) {
        Terms memory t = _known(id);
        if (block.timestamp < t.expiry) revert DistributionNotExpired(id, t.expiry);
        if (t.flags & _FLAG_RECLAIMED != 0) revert AlreadyReclaimed(id);
        amount = t.deposit - t.released;
        _terms[id].flags = t.flags | _FLAG_RECLAIMED;
        _books[id].reclaimed = uint208(amount);
        emit Reclaimed(id, msg.sender, amount);
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
        emit WithheldWithdrawn(id, taxWallet, amount);
        _pay(id, t.flags, taxWallet, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IDividendDistributor
    function distribution(uint256 id) external view returns (DistributionInfo memory info) {
        Terms memory t = _known(id);
        Books memory b = _books[id];
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
        return Math.mulDiv(t.deposit, token.balanceOfAt(holder, t.recordDateId), t.eligibleSupply);
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
        emit Claimed(id, holder, payee, amount, withheld);
        _pay(id, t.flags, payee, amount);
    }

    /// @dev Record-date supply minus the excluded wallets' balances; marks them excluded (and paid).
    function _eligibleSupply(uint256 id, uint256 recordId, address[] calldata excluded)
        private
        returns (uint256 eligible)
    {
        uint256 n = excluded.length;
        if (n > MAX_EXCLUDED) revert TooManyExcluded(n, MAX_EXCLUDED);
        _requirePassed(recordId);
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
        if (deposit > MAX_RECORD_SUPPLY) revert DepositTooLarge(deposit);
    }

    function _emitCreated(uint256 id, DistributionParams calldata p, uint256 deposit, uint256 eligible) private {
        emit DistributionCreated(
            id, p.recordDateId, p.asset, deposit, eligible, p.expiry, p.withholdingBps, p.taxWallet, p.excluded
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
            emit PushSkipped(id, holder, SkipReason.AlreadyPaidOrExcluded);
            return false;
        }
        (address payee, uint256 gross, uint256 withheld, SkipReason why) = _share(t, holder);
        if (why != SkipReason.None) {
            emit PushSkipped(id, holder, why);
            return false;
        }
        // Effects first; undone if the payment fails.
        _paidBits[holder][word] = bits | mask;
        _release(t, id, gross, withheld);
        if (!_tryPay(id, t.flags, payee, gross - withheld)) {
            _paidBits[holder][word] = bits;
            t.released -= uint208(gross);
            _terms[id].released = t.released;
            if (withheld != 0) _books[id].withheld -= uint208(withheld);
            emit PushSkipped(id, holder, SkipReason.TransferFailed);
            return false;
        }
        emit Claimed(id, holder, payee, gross - withheld, withheld);
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
        (balance, payee, walletFrozen) = token.recordPosition(holder, t.recordDateId);
        gross = Math.mulDiv(t.deposit, balance, t.eligibleSupply);
        if (gross == 0) return (payee, 0, 0, SkipReason.NothingDue);
        if (walletFrozen) return (payee, gross, 0, SkipReason.Frozen);
        uint256 record = registry.recordOf(payee);
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
        t.released = uint208(released);
        _terms[id].released = uint208(released);
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

    /// @dev Record date `recordId` exists and has passed (the token reverts for an unknown id).
    function _requirePassed(uint256 recordId) private view {
        try token.recordDate(recordId) returns (uint64 timestamp) {
            if (block.timestamp < timestamp) revert RecordDateNotPassed(recordId);
        } catch {
            revert RecordDateNotPassed(recordId);
        }
    }
}
