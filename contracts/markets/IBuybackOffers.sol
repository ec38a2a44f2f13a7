// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IBuybackOffers
/// @notice Buy-backs (redemption offers) of security tokens paid from an ERC-20 deposit: one
///         contract serves many tokens; offers are keyed by id and name their token.
interface IBuybackOffers {
    /// @notice How tendered shares are accepted when more are tendered than the offer buys.
    ///         FirstCome: each tender is redeemed and paid at once while the offer has room.
    ///         ProRata: tenders are recorded until the deadline; then each holder is redeemed
    ///         and paid `tendered * maxShares / totalTendered` (rounded down) when more were
    ///         tendered than the offer buys, else everything it tendered.
    enum Allocation {
        FirstCome,
        ProRata
    }

    /// @notice Life of an offer.
    enum Status {
        None,
        Open,
        Closed
    }

    /// @notice What the issuer fixes when opening an offer.
    /// @param token The security token (holders approve this contract to redeem their tender).
    /// @param asset The ERC-20 paid to holders; the issuer deposits `cost(maxShares)` of it.
    /// @param price Payment units per whole share (10^decimals token units).
    /// @param maxShares Most token units bought back.
    /// @param deadline First second tenders are no longer taken.
    /// @param allocation FirstCome or ProRata.
    /// @param settlementWindow ProRata: seconds after the deadline during which tenders are
    ///        settled; the issuer reclaims what is left after it. Ignored for FirstCome.
    struct BuybackParams {
        address token;
        address asset;
        uint256 price;
        uint256 maxShares;
        uint64 deadline;
        Allocation allocation;
        uint64 settlementWindow;
    }

    /// @notice An offer as the views report it.
    struct BuybackView {
        BuybackParams params;
        Status status;
        address issuer;
        uint256 deposit;
        uint256 tendered;
        uint256 redeemed;
        uint256 paid;
        uint256 returned;
    }

    /// @notice The caller lacks ISSUER_ROLE on `token`.
    error NotIssuer(address token, address account);
    /// @notice A parameter of a new offer is invalid; `what` names it.
    error InvalidBuyback(string what);
    /// @notice No offer has this id.
    error UnknownBuyback(uint256 id);
    /// @notice The offer is closed.
    error OfferClosed(uint256 id);
    /// @notice Tenders were taken until `deadline`.
    error TenderPeriodOver(uint256 id, uint256 deadline);
    /// @notice ProRata tenders settle after the deadline only, until `settlementEnd`.
    error NotSettlementPeriod(uint256 id, uint256 deadline, uint256 settlementEnd);
    /// @notice The offer can close only at `closesAt` (tenders or settlements may be pending).
    error TooEarlyToClose(uint256 id, uint256 closesAt);
    /// @notice A FirstCome offer has only `available` token units of room left.
    error OfferFull(uint256 requested, uint256 available);
    /// @notice The holder holds `balance`, less than its tender (`needed`).
    error BalanceTooLow(uint256 needed, uint256 balance);
    /// @notice The holder's allowance to this contract (`allowance`) is below its tender (`needed`).
    error AllowanceTooLow(uint256 needed, uint256 allowance);
    /// @notice The deposit delivered `received` instead of `expected` (fee-on-transfer refused).
    error PaymentMismatch(uint256 expected, uint256 received);
    /// @notice `holder` has no pending tender in the offer.
    error NothingTendered(uint256 id, address holder);
    /// @notice Zero shares tendered.
    error ZeroShares();
    /// @notice The tender is worth nothing at the offer's price (rounded down).
    error TenderWorthNothing(uint256 shares);

    /// @notice Offer `id` on `token` was opened by `issuer` with a deposit of `deposit`.
    event BuybackCreated(uint256 indexed id, address indexed token, address indexed issuer, BuybackParams params, uint256 deposit);
    /// @notice `holder` tendered `shares` (ProRata: recorded, settled after the deadline).
    event Tendered(uint256 indexed id, address indexed holder, uint256 shares);
    /// @notice `shares` of `holder` were redeemed (the token emits Redeemed) and `paid` sent to it.
    event TenderSettled(uint256 indexed id, address indexed holder, uint256 shares, uint256 paid);
    /// @notice The offer closed; `returned` went back to the issuer. `early` when closed before
    ///         the deadline (a withdrawal of the offer).
    event BuybackClosed(uint256 indexed id, address indexed issuer, uint256 returned, bool early);

    /// @notice Open an offer and deposit its cost (caller: ISSUER_ROLE on `p.token`; approve first).
    /// @param p The terms.
    /// @return id The new offer's id.
    function createBuyback(BuybackParams calldata p) external returns (uint256 id);
    /// @notice Tender `shares` (approve this contract for them on the token first). FirstCome: they
    ///         are redeemed and paid now. ProRata: recorded for settlement after the deadline.
    /// @param id The offer.
    /// @param shares Token units.
    /// @return paid Payment units paid now (0 for ProRata).
    function tender(uint256 id, uint256 shares) external returns (uint256 paid);
    /// @notice ProRata: redeem and pay `holder`'s accepted part (caller: the holder or an issuer).
    /// @param id The offer.
    /// @param holder The holder.
    /// @return paid Payment units paid.
    function settleTender(uint256 id, address holder) external returns (uint256 paid);
    /// @notice Close the offer and return the unspent deposit to the issuer who opened it
    ///         (caller: ISSUER_ROLE on the token). Before the deadline: a withdrawal (FirstCome,
    ///         or ProRata whose recorded tenders lapse). ProRata after the deadline: only once
    ///         the settlement window is over.
    /// @param id The offer.
    /// @return returned Payment units returned.
    function close(uint256 id) external returns (uint256 returned);
    /// @notice Payment units for `shares` token units (rounded down).
    /// @param id The offer.
    /// @param shares Token units.
    function payout(uint256 id, uint256 shares) external view returns (uint256);
    /// @notice The offer's terms and totals.
    /// @param id The offer.
    function buyback(uint256 id) external view returns (BuybackView memory);
    /// @notice ProRata: what `holder` tendered and what would be accepted of it now.
    /// @param id The offer.
    /// @param holder The holder.
    function tenderOf(uint256 id, address holder) external view returns (uint256 tendered, uint256 accepted);
    /// @notice Number of offers created (ids run from 1).
    function buybackCount() external view returns (uint256);
}
