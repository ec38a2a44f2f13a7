// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {IMarketToken} from "./IMarketToken.sol";
import {IPrimaryOffering} from "./IPrimaryOffering.sol";

/// @title PrimaryOffering
/// @notice Primary offerings of security tokens for an ERC-20 payment asset. One deployment
///         serves every offering of every token of an issuer (or of many issuers): offerings are
///         keyed by id, each names its token, and authority comes from that token's ISSUER_ROLE.
/// @dev Rules, in one place:
///      - Subscribing pays `shares * price / 10^decimals` into this contract (a whole number of
///        payment units, else InexactCost: no rounding anywhere), measured by
///        the contract's balance before and after: an asset that delivers anything else
///        (fee-on-transfer, rebasing) is refused (PaymentMismatch). The investor's total in the
///        offering must lie within [minShares, maxShares] and the investor must be verified in
///        the token's registry (a record, KYC valid, not frozen: `isVerified`), else the call
///        reverts (an unverified investor with the token's own code and message, from
///        `detectTransferRestriction(0, investor, total)`). The rest of the token's decision
///        (its freezes, country and accreditation rules, holder limits, balance cap) is taken at
///        delivery, where a refusal leaves the payment refundable: that split keeps an investor's
///        first subscription below 100,000 gas (the token's full pre-check costs ~23,900, the
///        registry's ~7,700). The command line (`ape run offering subscribe`) asks the token's full
///        decision before it sends.
///      - Close: after `end` or once the hard cap is sold, anyone may close. Sold >= soft cap:
///        Succeeded, else Failed. The issuer may cancel while Active.
///      - Delivery (Succeeded): shares are issued by `token.issue`, which runs the compliance
///        decision again, and the subscription's payment moves to the treasury in the same
///        transaction. No investor pays for shares it does not get: a subscription the token
///        refuses at delivery stays held and becomes refundable to its investor when the
///        delivery window closes. Delivery is pulled (`claimShares`) or pushed in batches of
///        the issuer's choosing (`deliver`): nothing loops over all investors.
///      - Refunds: Failed or Cancelled, or Succeeded with the subscription undelivered after
///        the delivery window. A refund returns exactly what was paid.
///      - Every payment unit of an offering is held here, at the treasury or refunded:
///        held = sold * price / 10^decimals - to treasury - refunded, per offering.
///        Shares issued <= sold <= hard cap.
///      - Every state-changing entry point is nonReentrant (transient storage) and writes its
///        state before moving money (CEI).
contract PrimaryOffering is IPrimaryOffering, ERC165, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The role, on the token, allowed to open, cancel and push deliveries.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    /// @dev Terms and totals of one offering. A subscription reads slots 0 to 3 and 7 and writes
    ///      slot 3.
    struct Offering {
        // slot 0
        IMarketToken token;
        uint40 start;
        uint40 end;
        Status status;
        uint8 decimals;
        // slot 1
        IERC20 asset;
        uint96 price;
        // slot 2
        uint128 minShares;
        uint128 maxShares;
        // slot 3
        uint128 hardCap;
        uint128 sold; // subscribed so far (refunds do not lower it: a closed offering takes no more)
        // slot 4
        address treasury;
        uint40 deliveryWindow;
        uint40 deliveryDeadline;
        // slot 5
        uint128 softCap;
        uint128 issued;
        // slot 6
        uint128 toTreasury;
        uint128 refunded;
        // slot 7 (the token's registry, immutable in the token; read per subscription)
        IInvestorRegistry registry;
    }

    /// @dev One investor's open subscription in one offering.
    struct Subscription {
        uint128 shares;
        uint128 paid;
    }

    uint256 private _count;
    mapping(uint256 id => Offering) private _offerings;
    mapping(uint256 id => mapping(address investor => Subscription)) private _subscriptions;

    // ------------------------------------------------------------------------------------------
    // Issuer
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IPrimaryOffering
    function createOffering(OfferingParams calldata p) external nonReentrant returns (uint256 id) {
        _checkIssuer(p.token);
        if (p.asset == address(0) || p.asset == p.token) revert InvalidOffering("asset");
        if (p.treasury == address(0)) revert InvalidOffering("treasury");
        if (p.price == 0) revert InvalidOffering("price");
        if (p.hardCap == 0) revert InvalidOffering("hardCap");
        if (p.softCap > p.hardCap) revert InvalidOffering("softCap");
        uint256 maxShares = p.maxShares == 0 ? p.hardCap : p.maxShares;
        if (maxShares > p.hardCap || p.minShares > maxShares) revert InvalidOffering("minShares/maxShares");
        if (p.start >= p.end) revert InvalidOffering("start/end");
        if (p.end <= block.timestamp) revert InvalidOffering("end");
        if (p.deliveryWindow == 0) revert InvalidOffering("deliveryWindow");
        uint8 decimals = IMarketToken(p.token).decimals();
        if (decimals > 36) revert InvalidOffering("decimals");
        if (p.price > type(uint96).max) revert InvalidOffering("price");
        // Every payment amount is at most the hard cap's cost: it must fit the 128-bit totals.
        if (Math.mulDiv(p.hardCap, p.price, 10 ** decimals) > type(uint128).max) revert InvalidOffering("hardCap");

        id = ++_count;
        Offering storage o = _offerings[id];
        o.token = IMarketToken(p.token);
        o.start = SafeCast.toUint40(p.start);
        o.end = SafeCast.toUint40(p.end);
        o.status = Status.Active;
        o.decimals = decimals;
        o.asset = IERC20(p.asset);
        o.price = uint96(p.price);
        o.minShares = SafeCast.toUint128(p.minShares);
        o.maxShares = SafeCast.toUint128(maxShares);
        o.hardCap = SafeCast.toUint128(p.hardCap);
        o.treasury = p.treasury;
        o.deliveryWindow = SafeCast.toUint40(p.deliveryWindow);
        o.softCap = SafeCast.toUint128(p.softCap);
        o.registry = IInvestorRegistry(IMarketToken(p.token).registry());
        emit OfferingCreated(id, p.token, msg.sender, p);
    }

    /// @inheritdoc IPrimaryOffering
    function cancel(uint256 id) external nonReentrant {
        Offering storage o = _offering(id);
        _checkIssuer(address(o.token));
        if (o.status != Status.Active) revert WrongStatus(id, o.status);
        o.status = Status.Cancelled;
        emit OfferingCancelled(id, msg.sender);
    }

    /// @inheritdoc IPrimaryOffering
    function close(uint256 id) external nonReentrant returns (bool succeeded) {
        Offering storage o = _offering(id);
        if (o.status != Status.Active) revert WrongStatus(id, o.status);
        if (block.timestamp < o.end && o.sold < o.hardCap) revert NotEnded(id, o.end);
        succeeded = o.sold >= o.softCap && o.sold != 0;
        uint40 deadline = 0; // a failed offering has no delivery window
        if (succeeded) {
            deadline = SafeCast.toUint40(block.timestamp + o.deliveryWindow);
            o.deliveryDeadline = deadline;
            o.status = Status.Succeeded;
        } else {
            o.status = Status.Failed;
        }
        emit OfferingClosed(id, succeeded, o.sold, deadline);
    }

    /// @inheritdoc IPrimaryOffering
    function deliver(uint256 id, address[] calldata investors) external nonReentrant returns (uint256 delivered) {
        Offering storage o = _offering(id);
        _checkIssuer(address(o.token));
        _checkDeliverable(id, o);
        for (uint256 i; i < investors.length; ++i) {
            address investor = investors[i];
            Subscription memory s = _subscriptions[id][investor];
            uint8 code = s.shares == 0 ? 0 : o.token.detectTransferRestriction(address(0), investor, s.shares);
            if (s.shares == 0 || code != 0) {
                emit DeliverySkipped(id, investor, code);
                continue;
            }
            _deliver(id, o, investor, s);
            ++delivered;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Investors
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IPrimaryOffering
    function subscribe(uint256 id, uint256 shares) external nonReentrant returns (uint256 paid) {
        if (shares == 0) revert ZeroShares();
        Offering storage o = _offering(id);
        if (o.status != Status.Active) revert WrongStatus(id, o.status);
        if (block.timestamp < o.start || block.timestamp >= o.end) revert OutsideWindow(id, o.start, o.end);
        uint256 sold = o.sold;
        if (shares > o.hardCap - sold) revert HardCapExceeded(shares, o.hardCap - sold);
        Subscription storage s = _subscriptions[id][msg.sender];
        uint256 total = s.shares + shares;
        if (total < o.minShares || total > o.maxShares) revert InvestorLimit(total, o.minShares, o.maxShares);
        if (!o.registry.isVerified(msg.sender)) {
            // Refused with the token's own rule (its decision requires a verified receiver).
            IMarketToken token = o.token;
            uint8 code = token.detectTransferRestriction(address(0), msg.sender, total);
            if (code != 0) revert SubscriptionRestricted(code, token.messageForTransferRestriction(code));
        }

        paid = _exactCost(o, shares);
        // Fits: paid <= cost of the hard cap, checked to fit 128 bits at creation.
        (s.shares, s.paid) = (uint128(total), s.paid + uint128(paid));
        o.sold = uint128(sold + shares);
        emit Subscribed(id, msg.sender, shares, paid);

        IERC20 asset = o.asset;
        uint256 before = asset.balanceOf(address(this));
        asset.safeTransferFrom(msg.sender, address(this), paid);
        uint256 received = asset.balanceOf(address(this)) - before;
        if (received != paid) revert PaymentMismatch(paid, received);
    }

    /// @inheritdoc IPrimaryOffering
    function claimShares(uint256 id) external nonReentrant returns (uint256 shares) {
        Offering storage o = _offering(id);
        _checkDeliverable(id, o);
        Subscription memory s = _subscriptions[id][msg.sender];
        if (s.shares == 0) revert NothingToSettle(id, msg.sender);
        _deliver(id, o, msg.sender, s);
        return s.shares;
    }

    /// @inheritdoc IPrimaryOffering
    function refund(uint256 id) external nonReentrant returns (uint256 amount) {
        Offering storage o = _offering(id);
        _checkRefundable(id, o);
        amount = _refund(id, o, msg.sender);
        if (amount == 0) revert NothingToSettle(id, msg.sender);
    }

    /// @inheritdoc IPrimaryOffering
    function refundMany(uint256 id, address[] calldata investors) external nonReentrant returns (uint256 total) {
        Offering storage o = _offering(id);
        _checkRefundable(id, o);
        for (uint256 i; i < investors.length; ++i) {
            total += _refund(id, o, investors[i]);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IPrimaryOffering
    function cost(uint256 id, uint256 shares) external view returns (uint256) {
        return _exactCost(_offering(id), shares);
    }

    /// @inheritdoc IPrimaryOffering
    function offering(uint256 id) external view returns (OfferingView memory v) {
        Offering storage o = _offering(id);
        v.params = OfferingParams({
            token: address(o.token),
            asset: address(o.asset),
            treasury: o.treasury,
            price: o.price,
            minShares: o.minShares,
            maxShares: o.maxShares,
            hardCap: o.hardCap,
            softCap: o.softCap,
            start: o.start,
            end: o.end,
            deliveryWindow: o.deliveryWindow
        });
        v.status = o.status;
        v.sold = o.sold;
        v.held = _raised(o) - o.toTreasury - o.refunded;
        v.issued = o.issued;
        v.toTreasury = o.toTreasury;
        v.refunded = o.refunded;
        v.deliveryDeadline = o.deliveryDeadline;
    }

    /// @inheritdoc IPrimaryOffering
    function subscriptionOf(uint256 id, address investor) external view returns (uint256 shares, uint256 paid) {
        Subscription memory s = _subscriptions[id][investor];
        return (s.shares, s.paid);
    }

    /// @inheritdoc IPrimaryOffering
    function offeringCount() external view returns (uint256) {
        return _count;
    }

    /// @notice ERC-165: IPrimaryOffering and IERC165.
    /// @param interfaceId The interface identifier.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IPrimaryOffering).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    function _offering(uint256 id) private view returns (Offering storage o) {
        o = _offerings[id];
        if (o.status == Status.None) revert UnknownOffering(id);
    }

    /// @dev Payment units for `shares`; the cost must be a whole number of payment units.
    function _exactCost(Offering storage o, uint256 shares) private view returns (uint256 paid) {
        uint256 unit = 10 ** o.decimals;
        uint256 product = shares * o.price; // < 2^128 * 2^96: no overflow
        paid = product / unit;
        if (paid * unit != product) revert InexactCost(shares, o.price, unit);
    }

    /// @dev Everything subscribed, in payment units (exact: every cost is).
    function _raised(Offering storage o) private view returns (uint256) {
        return uint256(o.sold) * o.price / 10 ** o.decimals;
    }

    function _checkIssuer(address token) private view {
        if (token == address(0) || !IMarketToken(token).hasRole(ISSUER_ROLE, msg.sender)) {
            revert NotIssuer(token, msg.sender);
        }
    }

    function _checkDeliverable(uint256 id, Offering storage o) private view {
        if (o.status != Status.Succeeded) revert WrongStatus(id, o.status);
        if (block.timestamp >= o.deliveryDeadline) revert DeliveryWindowClosed(id, o.deliveryDeadline);
    }

    function _checkRefundable(uint256 id, Offering storage o) private view {
        Status status = o.status;
        if (status == Status.Succeeded) {
            if (block.timestamp < o.deliveryDeadline) revert DeliveryWindowOpen(id, o.deliveryDeadline);
        } else if (status != Status.Failed && status != Status.Cancelled) {
            revert WrongStatus(id, status);
        }
    }

    /// @dev Issue the subscription's shares (the token decides again) and pay the treasury.
    function _deliver(uint256 id, Offering storage o, address investor, Subscription memory s) private {
        delete _subscriptions[id][investor];
        o.issued += s.shares;
        o.toTreasury += s.paid;
        emit SharesDelivered(id, investor, s.shares, s.paid);
        o.token.issue(investor, s.shares, abi.encode(id));
        o.asset.safeTransfer(o.treasury, s.paid);
    }

    /// @dev Return `investor`'s payment (0 when it has none) and void its subscription.
    function _refund(uint256 id, Offering storage o, address investor) private returns (uint256 amount) {
        Subscription memory s = _subscriptions[id][investor];
        amount = s.paid;
        if (s.shares == 0) return 0;
        delete _subscriptions[id][investor];
        o.refunded += s.paid;
        emit Refunded(id, investor, s.shares, amount);
        o.asset.safeTransfer(investor, amount);
    }
}
