// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ITradeSettlement
/// @notice Delivery versus payment for secondary trades of security tokens against an ERC-20:
///         both parties affirm a trade on chain, then one transaction moves both legs or none.
///         One contract serves many tokens; trades are keyed by id and name their token.
interface ITradeSettlement {
    /// @notice Life of a trade. `Proposed` until settled or cancelled; a proposed trade past its
    ///         expiry can only be cancelled (the views report it as expired).
    enum Status {
        None,
        Proposed,
        Settled,
        Cancelled
    }

    /// @notice The terms both parties affirm.
    /// @param token The security token (this contract must be allowed to move shares: the
    ///        seller's allowance, and whatever the token asks of a spender).
    /// @param seller Delivers `shares` token units.
    /// @param buyer Pays `amount` of `asset`.
    /// @param asset The ERC-20 payment asset.
    /// @param shares Token units delivered (below 2^96).
    /// @param amount Payment units paid, exactly what the seller must receive (below 2^96).
    /// @param expiry First second the trade can no longer settle.
    struct TradeTerms {
        address token;
        address seller;
        address buyer;
        address asset;
        uint256 shares;
        uint256 amount;
        uint64 expiry;
    }

    /// @notice A trade as the views report it; `held` is the buyer's payment this contract holds
    ///         for it (`amount` from the buyer's affirmation until settlement or cancellation).
    struct TradeView {
        TradeTerms terms;
        Status status;
        bool sellerAffirmed;
        bool buyerAffirmed;
        uint256 held;
        bool expired;
    }

    /// @notice The caller is neither the seller nor the buyer of the trade.
    error NotParty(uint256 id, address account);
    /// @notice A term of a new trade is invalid; `what` names it.
    error InvalidTrade(string what);
    /// @notice No trade has this id.
    error UnknownTrade(uint256 id);
    /// @notice The trade is in `status`, where this call is not allowed.
    error WrongStatus(uint256 id, Status status);
    /// @notice The trade expired at `expiry`.
    error TradeExpired(uint256 id, uint256 expiry);
    /// @notice The caller has already affirmed the trade.
    error AlreadyAffirmed(uint256 id, address account);
    /// @notice Both parties must affirm before settlement; `seller`/`buyer` say who has.
    error NotAffirmed(uint256 id, bool seller, bool buyer);
    /// @notice This contract received `received` instead of `expected` when taking the buyer's
    ///         payment (fee-on-transfer assets are refused).
    error PaymentMismatch(uint256 expected, uint256 received);

    /// @notice Trade `id` was proposed by `proposer` (who thereby affirms it).
    event TradeProposed(uint256 indexed id, address indexed token, address indexed proposer, TradeTerms terms);
    /// @notice `party` affirmed trade `id`.
    event TradeAffirmed(uint256 indexed id, address indexed party);
    /// @notice Both legs of trade `id` moved: `shares` to the buyer, `amount` to the seller.
    event TradeSettled(
        uint256 indexed id, address indexed seller, address indexed buyer, uint256 shares, uint256 amount
    );
    /// @notice `party` cancelled trade `id` (anyone, once expired); no share moved.
    event TradeCancelled(uint256 indexed id, address indexed party);
    /// @notice The buyer's payment for trade `id` is held here from the buyer's affirmation.
    event PaymentHeld(uint256 indexed id, address indexed buyer, uint256 amount);
    /// @notice The held payment of cancelled trade `id` went back to the buyer.
    event PaymentReturned(uint256 indexed id, address indexed buyer, uint256 amount);

    /// @notice Propose a trade; the caller (seller or buyer) affirms it by proposing. A proposing
    ///         buyer pays `amount` into this contract now (its allowance to this contract).
    /// @param t The terms.
    /// @return id The trade's id.
    function propose(TradeTerms calldata t) external returns (uint256 id);
    /// @notice Affirm a proposed trade as its other party; the buyer pays `amount` into this
    ///         contract now (its allowance to this contract).
    /// @param id The trade.
    function accept(uint256 id) external;
    /// @notice Settle an affirmed trade before its expiry (seller or buyer): the shares move from
    ///         seller to buyer (the token decides compliance now, spending the seller's
    ///         allowance) and the held payment goes to the seller, in this one transaction, or
    ///         nothing moves.
    /// @param id The trade.
    function settle(uint256 id) external;
    /// @notice Accept and settle in one call (the party that has not affirmed yet).
    /// @param id The trade.
    function acceptAndSettle(uint256 id) external;
    /// @notice Cancel a proposed trade and return a held payment to the buyer: a party at any
    ///         time, anyone once the trade has expired.
    /// @param id The trade.
    function cancel(uint256 id) external;
    /// @notice A trade's terms and state.
    /// @param id The trade.
    function trade(uint256 id) external view returns (TradeView memory);
    /// @notice Number of trades proposed (ids run from 1).
    function tradeCount() external view returns (uint256);
}
