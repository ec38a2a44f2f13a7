// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IPrimaryOffering
/// @notice Primary offerings of security tokens paid in an ERC-20 (a stablecoin): one contract
///         serves many offerings of many tokens, each offering keyed by id and naming its token.
interface IPrimaryOffering {
    /// @notice Life of an offering. `Active` until closed or cancelled; `Succeeded` delivers,
    ///         `Failed` (soft cap missed) and `Cancelled` refund.
    enum Status {
        None,
        Active,
        Succeeded,
        Failed,
        Cancelled
    }

    /// @notice What the issuer fixes when opening an offering.
    /// @param token The security token (the offering contract must hold its ISSUER_ROLE).
    /// @param asset The ERC-20 the investors pay in.
    /// @param treasury Receives the payment of each subscription when its shares are delivered.
    /// @param price Payment units per whole share (10^decimals token units), below 2^96.
    /// @param minShares Least token units one investor may hold in the offering (0 = none).
    /// @param maxShares Most token units one investor may hold in the offering (0 = the hard cap).
    /// @param hardCap Most token units the offering sells.
    /// @param softCap Least token units for the offering to succeed (0 = none).
    /// @param start First second subscriptions are taken.
    /// @param end First second subscriptions are no longer taken.
    /// @param deliveryWindow Seconds after a successful close during which shares are delivered;
    ///        a subscription still undelivered after it is refundable to its investor.
    struct OfferingParams {
        address token;
        address asset;
        address treasury;
        uint256 price;
        uint256 minShares;
        uint256 maxShares;
        uint256 hardCap;
        uint256 softCap;
        uint64 start;
        uint64 end;
        uint64 deliveryWindow;
    }

    /// @notice The state of one offering as the views report it.
    struct OfferingView {
        OfferingParams params;
        Status status;
        uint256 sold;
        uint256 held;
        uint256 issued;
        uint256 toTreasury;
        uint256 refunded;
        uint64 deliveryDeadline;
    }

    /// @notice The caller lacks ISSUER_ROLE on `token`.
    error NotIssuer(address token, address account);
    /// @notice A parameter of a new offering is invalid; `what` names it.
    error InvalidOffering(string what);
    /// @notice No offering has this id.
    error UnknownOffering(uint256 id);
    /// @notice The offering is in `status`, where this call is not allowed.
    error WrongStatus(uint256 id, Status status);
    /// @notice Subscriptions are taken from `start` until `end`.
    error OutsideWindow(uint256 id, uint256 start, uint256 end);
    /// @notice The investor's total in the offering would be `total`, outside [min, max].
    error InvestorLimit(uint256 total, uint256 min, uint256 max);
    /// @notice Only `available` token units remain under the hard cap.
    error HardCapExceeded(uint256 requested, uint256 available);
    /// @notice The token would refuse to issue to the investor: its rule's code and message.
    error SubscriptionRestricted(uint8 code, string reason);
    /// @notice The payment asset delivered `received` instead of `expected` (fee-on-transfer assets
    ///         are refused).
    error PaymentMismatch(uint256 expected, uint256 received);
    /// @notice The offering cannot close yet: it ends at `end` unless the hard cap is reached first.
    error NotEnded(uint256 id, uint256 end);
    /// @notice `investor` has nothing to deliver or refund in this offering.
    error NothingToSettle(uint256 id, address investor);
    /// @notice The delivery window closed at `deadline`: the subscription is refundable instead.
    error DeliveryWindowClosed(uint256 id, uint256 deadline);
    /// @notice A successful offering refunds only after its delivery window closes at `deadline`.
    error DeliveryWindowOpen(uint256 id, uint256 deadline);
    /// @notice `shares * price / unit` is not a whole number of payment units: subscribe a
    ///         multiple of `unit / gcd(price, unit)` token units.
    error InexactCost(uint256 shares, uint256 price, uint256 unit);
    /// @notice Zero shares requested.
    error ZeroShares();

    /// @notice Offering `id` of `token` was opened by `issuer`.
    event OfferingCreated(uint256 indexed id, address indexed token, address indexed issuer, OfferingParams params);
    /// @notice `investor` subscribed `shares` more token units for `paid` payment units.
    event Subscribed(uint256 indexed id, address indexed investor, uint256 shares, uint256 paid);
    /// @notice The issuer cancelled the offering; every subscription is refundable.
    event OfferingCancelled(uint256 indexed id, address indexed issuer);
    /// @notice The offering closed with `sold` token units subscribed; `succeeded` false means the
    ///         soft cap was missed (refunds).
    event OfferingClosed(uint256 indexed id, bool succeeded, uint256 sold, uint64 deliveryDeadline);
    /// @notice `shares` were issued to `investor` and its `paid` moved to the treasury.
    event SharesDelivered(uint256 indexed id, address indexed investor, uint256 shares, uint256 paid);
    /// @notice A pushed delivery to `investor` was skipped: the token refuses it now (`code`), or
    ///         there is nothing to deliver (code 0).
    event DeliverySkipped(uint256 indexed id, address indexed investor, uint8 code);
    /// @notice `amount` payment units went back to `investor`, whose subscription is void.
    event Refunded(uint256 indexed id, address indexed investor, uint256 shares, uint256 amount);

    /// @notice Open an offering (caller: ISSUER_ROLE on `p.token`).
    /// @param p The terms.
    /// @return id The new offering's id.
    function createOffering(OfferingParams calldata p) external returns (uint256 id);
    /// @notice Subscribe `shares` token units, paying `cost(id, shares)` in the payment asset
    ///         (approve this contract first). Refused with the token's rule when the investor is
    ///         not verified in the token's registry; the token's full decision is taken again
    ///         at delivery (a refusal there leaves the payment refundable).
    /// @param id The offering.
    /// @param shares Token units.
    /// @return paid Payment units taken.
    function subscribe(uint256 id, uint256 shares) external returns (uint256 paid);
    /// @notice Cancel an active offering (caller: ISSUER_ROLE on its token); refunds follow.
    /// @param id The offering.
    function cancel(uint256 id) external;
    /// @notice Close an active offering after its end, or once the hard cap is sold (anyone).
    /// @param id The offering.
    /// @return succeeded Whether the soft cap was reached.
    function close(uint256 id) external returns (bool succeeded);
    /// @notice Take delivery of the caller's shares (issued now; payment to the treasury).
    /// @param id The offering.
    /// @return shares Token units issued.
    function claimShares(uint256 id) external returns (uint256 shares);
    /// @notice Deliver to many investors (caller: ISSUER_ROLE on the token); an investor the token
    ///         refuses now, or with nothing to deliver, is skipped with DeliverySkipped.
    /// @param id The offering.
    /// @param investors The investors, as many as fit in a transaction.
    /// @return delivered How many were delivered.
    function deliver(uint256 id, address[] calldata investors) external returns (uint256 delivered);
    /// @notice Take back the caller's payment (failed or cancelled offering, or an undelivered
    ///         subscription after the delivery window).
    /// @param id The offering.
    /// @return amount Payment units returned.
    function refund(uint256 id) external returns (uint256 amount);
    /// @notice Return the payments of many investors, each to its own wallet (anyone).
    /// @param id The offering.
    /// @param investors The investors; those with nothing to refund are skipped.
    /// @return total Payment units returned.
    function refundMany(uint256 id, address[] calldata investors) external returns (uint256 total);
    /// @notice Payment units for `shares` token units (reverts InexactCost when not a whole number).
    /// @param id The offering.
    /// @param shares Token units.
    function cost(uint256 id, uint256 shares) external view returns (uint256);
    /// @notice The offering's terms and totals.
    /// @param id The offering.
    function offering(uint256 id) external view returns (OfferingView memory);
    /// @notice `investor`'s undelivered, unrefunded subscription.
    /// @param id The offering.
    /// @param investor The investor.
    function subscriptionOf(uint256 id, address investor) external view returns (uint256 shares, uint256 paid);
    /// @notice Number of offerings created (ids run from 1).
    function offeringCount() external view returns (uint256);
}
