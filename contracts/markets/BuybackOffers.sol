// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IMarketToken} from "./IMarketToken.sol";
import {IBuybackOffers} from "./IBuybackOffers.sol";

/// @title BuybackOffers
/// @notice The issuer deposits a payment asset and offers to buy back up to `maxShares` of its
///         token at a price until a deadline; holders tender; tendered shares are redeemed
///         through the token's `redeemFrom` (ERC-1594 `Redeemed`) and paid from the deposit.
/// @dev Rules, in one place:
///      - The deposit is `floor(maxShares * price / 10^decimals)`, measured by balance difference
///        (fee-on-transfer refused). Each settled tender is paid `floor(shares * price / unit)`;
///        the sum of payouts never exceeds the deposit because the sum of accepted shares never
///        exceeds maxShares (floor of a sum >= sum of floors).
///      - The token decides: `redeemFrom` runs its compliance decision, whose revert (the rule's
///        code and message, `TransferRestricted`) reaches the caller unchanged. There is no
///        pre-check through `detectTransferRestriction`: the token answers a redemption query
///        (`to == 0`) with INVALID_RECEIVER. A ProRata tender, redeemed later, is checked now
///        against the holder's balance and allowance only.
///      - FirstCome: redeemed and paid in the tender's transaction while room remains.
///        ProRata: tenders recorded until the deadline, settled after it (pulled by the holder or
///        pushed by an issuer, one holder per call) during the settlement window. A holder who
///        no longer holds (or allows) its accepted shares at settlement cannot settle; its part
///        of the deposit goes back to the issuer at close.
///      - Payment units of an offer are held here, paid to holders or returned to the issuer.
///      - Every state-changing entry point is nonReentrant and writes its state first.
contract BuybackOffers is IBuybackOffers, ERC165, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The role, on the token, allowed to open and close offers.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    struct Offer {
        // slot 0
        IMarketToken token;
        uint40 deadline;
        uint40 settlementEnd;
        Allocation allocation;
        Status status;
        // slot 1
        IERC20 asset;
        // slot 2
        uint128 price;
        uint128 unit;
        // slot 3
        uint128 maxShares;
        uint128 tendered; // FirstCome: redeemed so far; ProRata: recorded tenders
        // slot 4
        uint128 deposit;
        uint128 paid;
        // slot 5
        address issuer;
        // slot 6
        uint128 redeemed;
        uint128 returned;
    }

    uint256 private _count;
    mapping(uint256 id => Offer) private _offers;
    mapping(uint256 id => mapping(address holder => uint256 shares)) private _tenders;

    /// @inheritdoc IBuybackOffers
    function createBuyback(BuybackParams calldata p) external nonReentrant returns (uint256 id) {
        _checkIssuer(p.token);
        if (p.asset == address(0) || p.asset == p.token) revert InvalidBuyback("asset");
        if (p.price == 0) revert InvalidBuyback("price");
        if (p.maxShares == 0) revert InvalidBuyback("maxShares");
        if (p.deadline <= block.timestamp) revert InvalidBuyback("deadline");
        if (p.allocation == Allocation.ProRata && p.settlementWindow == 0) revert InvalidBuyback("settlementWindow");
        uint8 decimals = IMarketToken(p.token).decimals();
        if (decimals > 36) revert InvalidBuyback("decimals");
        uint256 unit = 10 ** decimals;
        uint256 deposit = Math.mulDiv(p.maxShares, p.price, unit);
        if (deposit == 0) revert InvalidBuyback("price");

        id = ++_count;
        Offer storage o = _offers[id];
        o.token = IMarketToken(p.token);
        o.deadline = SafeCast.toUint40(p.deadline);
        o.settlementEnd = p.allocation == Allocation.ProRata ? SafeCast.toUint40(p.deadline + p.settlementWindow) : 0;
        o.allocation = p.allocation;
        o.status = Status.Open;
        o.asset = IERC20(p.asset);
        o.price = SafeCast.toUint128(p.price);
        o.unit = SafeCast.toUint128(unit);
        o.maxShares = SafeCast.toUint128(p.maxShares);
        o.deposit = SafeCast.toUint128(deposit);
        o.issuer = msg.sender;
        emit BuybackCreated(id, p.token, msg.sender, p, deposit);

        IERC20 asset = IERC20(p.asset);
        uint256 before = asset.balanceOf(address(this));
        asset.safeTransferFrom(msg.sender, address(this), deposit);
        uint256 received = asset.balanceOf(address(this)) - before;
        if (received != deposit) revert PaymentMismatch(deposit, received);
    }

    /// @inheritdoc IBuybackOffers
    function tender(uint256 id, uint256 shares) external nonReentrant returns (uint256 paid) {
        if (shares == 0) revert ZeroShares();
        Offer storage o = _offer(id);
        if (o.status != Status.Open) revert OfferClosed(id);
        if (block.timestamp >= o.deadline) revert TenderPeriodOver(id, o.deadline);
        IMarketToken token = o.token;
        if (o.allocation == Allocation.FirstCome) {
            uint256 room = o.maxShares - o.tendered;
            if (shares > room) revert OfferFull(shares, room);
            paid = Math.mulDiv(shares, o.price, o.unit);
            if (paid == 0) revert TenderWorthNothing(shares);
            o.tendered += uint128(shares);
            _pay(id, o, token, msg.sender, shares, paid);
        } else {
            uint256 total = _tenders[id][msg.sender] + shares;
            uint256 balance = token.balanceOf(msg.sender);
            if (balance < total) revert BalanceTooLow(total, balance);
            uint256 allowance = token.allowance(msg.sender, address(this));
            if (allowance < total) revert AllowanceTooLow(total, allowance);
            _tenders[id][msg.sender] = total;
            o.tendered = SafeCast.toUint128(o.tendered + shares);
            emit Tendered(id, msg.sender, shares);
        }
    }

    /// @inheritdoc IBuybackOffers
    function settleTender(uint256 id, address holder) external nonReentrant returns (uint256 paid) {
        Offer storage o = _offer(id);
        IMarketToken token = o.token;
        if (msg.sender != holder) _checkIssuer(address(token));
        if (o.status != Status.Open) revert OfferClosed(id);
        if (
            o.allocation != Allocation.ProRata || block.timestamp < o.deadline || block.timestamp >= o.settlementEnd
        ) revert NotSettlementPeriod(id, o.deadline, o.settlementEnd);
        uint256 tendered = _tenders[id][holder];
        if (tendered == 0) revert NothingTendered(id, holder);
        uint256 accepted = _accepted(o, tendered);
        delete _tenders[id][holder];
        paid = Math.mulDiv(accepted, o.price, o.unit);
        if (accepted == 0 || paid == 0) {
            emit TenderSettled(id, holder, 0, 0);
            return 0;
        }
        _pay(id, o, token, holder, accepted, paid);
    }

    /// @inheritdoc IBuybackOffers
    function close(uint256 id) external nonReentrant returns (uint256 returned) {
        Offer storage o = _offer(id);
        _checkIssuer(address(o.token));
        if (o.status != Status.Open) revert OfferClosed(id);
        bool early = block.timestamp < o.deadline;
        if (!early && o.allocation == Allocation.ProRata && block.timestamp < o.settlementEnd) {
            revert TooEarlyToClose(id, o.settlementEnd);
        }
        o.status = Status.Closed;
        returned = o.deposit - o.paid;
        o.returned = uint128(returned);
        emit BuybackClosed(id, o.issuer, returned, early);
        if (returned != 0) o.asset.safeTransfer(o.issuer, returned);
    }

    /// @inheritdoc IBuybackOffers
    function payout(uint256 id, uint256 shares) external view returns (uint256) {
        Offer storage o = _offer(id);
        return Math.mulDiv(shares, o.price, o.unit);
    }

    /// @inheritdoc IBuybackOffers
    function buyback(uint256 id) external view returns (BuybackView memory v) {
        Offer storage o = _offer(id);
        v.params = BuybackParams({
            token: address(o.token),
            asset: address(o.asset),
            price: o.price,
            maxShares: o.maxShares,
            deadline: o.deadline,
            allocation: o.allocation,
            settlementWindow: o.settlementEnd == 0 ? 0 : o.settlementEnd - o.deadline
        });
        v.status = o.status;
        v.issuer = o.issuer;
        v.deposit = o.deposit;
        v.tendered = o.tendered;
        v.redeemed = o.redeemed;
        v.paid = o.paid;
        v.returned = o.returned;
    }

    /// @inheritdoc IBuybackOffers
    function tenderOf(uint256 id, address holder) external view returns (uint256 tendered, uint256 accepted) {
        Offer storage o = _offer(id);
        tendered = _tenders[id][holder];
        accepted = o.allocation == Allocation.ProRata ? _accepted(o, tendered) : 0;
    }

    /// @inheritdoc IBuybackOffers
    function buybackCount() external view returns (uint256) {
        return _count;
    }

    /// @notice ERC-165: IBuybackOffers and IERC165.
    /// @param interfaceId The interface identifier.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IBuybackOffers).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------

    function _offer(uint256 id) private view returns (Offer storage o) {
        o = _offers[id];
        if (o.status == Status.None) revert UnknownBuyback(id);
    }

    function _checkIssuer(address token) private view {
        if (token == address(0) || !IMarketToken(token).hasRole(ISSUER_ROLE, msg.sender)) {
            revert NotIssuer(token, msg.sender);
        }
    }

    function _accepted(Offer storage o, uint256 tendered) private view returns (uint256) {
        uint256 total = o.tendered;
        if (total <= o.maxShares) return tendered;
        return Math.mulDiv(tendered, o.maxShares, total);
    }

    /// @dev Book, redeem (the token decides again and emits Redeemed) and pay.
    function _pay(uint256 id, Offer storage o, IMarketToken token, address holder, uint256 shares, uint256 paid)
        private
    {
        o.paid += uint128(paid);
        o.redeemed += uint128(shares);
        emit TenderSettled(id, holder, shares, paid);
        token.redeemFrom(holder, shares, abi.encode(id));
        o.asset.safeTransfer(holder, paid);
    }
}
