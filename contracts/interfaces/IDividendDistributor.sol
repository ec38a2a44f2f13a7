// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IDividendDistributor
/// @notice Pro-rata distributions of ETH or of an ERC-20 to the holders of a security token at a
///         record date fixed by the token (see IRecordDates). One distributor serves every token
///         of an issuer (the tokens its admin admitted, all on one investor registry); each
///         distribution names its token. Holders pull their share; the token's issuer may push it
///         to those who never claim. Nothing loops over holders on creation.
interface IDividendDistributor {
    /// @notice What the issuer gives `createDistribution`.
    /// @param token The security token whose holders are paid (admitted with `setTokenServed`);
    ///        the caller needs its ISSUER_ROLE.
    /// @param recordDateId Record date of the token (must have passed).
    /// @param asset The ERC-20 paid out, or address(0) for ETH.
    /// @param amount ERC-20: the amount pulled from the caller (what actually arrives is credited).
    ///        ETH: must equal msg.value.
    /// @param expiry Unix time after which claims stop and the issuer may reclaim what is left.
    /// @param withholdingBps Tax withheld, in basis points, from investors whose registry record
    ///        carries the withholding flag (8). 0 = none.
    /// @param taxWallet Receiver of the withheld amounts (required when withholdingBps > 0).
    /// @param excluded Wallets left out (treasury, ...): their record-date balances leave the
    ///        denominator and they cannot claim. At most MAX_EXCLUDED, no duplicates.
    struct DistributionParams {
        address token;
        uint256 recordDateId;
        address asset;
        uint256 amount;
        uint64 expiry;
        uint16 withholdingBps;
        address taxWallet;
        address[] excluded;
    }

    /// @notice A distribution as the views report it.
    /// @dev paid = released - withheld; unclaimed = deposit - released - reclaimed.
    struct DistributionInfo {
        address token;
        address asset;
        uint256 recordDateId;
        uint256 deposit;
        uint256 eligibleSupply;
        uint64 expiry;
        uint16 withholdingBps;
        address taxWallet;
        uint256 released;
        uint256 withheld;
        uint256 withheldWithdrawn;
        uint256 reclaimed;
        bool isReclaimed;
    }

    /// @notice Why `push` skipped a holder.
    enum SkipReason {
        None,
        AlreadyPaidOrExcluded,
        Frozen,
        NothingDue,
        TransferFailed
    }

    /// @notice The admin admitted (`served` true) or dismissed `token`: only admitted tokens get new
    ///         distributions; those already created run to their end either way.
    event TokenServed(address indexed token, bool served);
    /// @notice Distribution `id` of `token`, of `deposit` units of `asset` (address(0) = ETH), was
    ///         created for record date `recordDateId` of that token.
    event DistributionCreated(
        uint256 indexed id,
        address indexed token,
        address indexed asset,
        uint256 recordDateId,
        uint256 deposit,
        uint256 eligibleSupply,
        uint64 expiry,
        uint16 withholdingBps,
        address taxWallet,
        address[] excluded
    );
    /// @notice `holder`'s share of distribution `id` of `token` was paid to `payee` (its
    ///         successor, usually itself): `amount` net, `withheld` kept for the tax wallet.
    event Claimed(
        uint256 indexed id,
        address indexed token,
        address indexed holder,
        address payee,
        uint256 amount,
        uint256 withheld
    );
    /// @notice `push` left `holder` unpaid for `reason` (a SkipReason); the holder may still claim
    ///         unless the reason is AlreadyPaidOrExcluded (Frozen: once unfrozen; TransferFailed:
    ///         the payment failed or needed more than the push's gas allowance).
    event PushSkipped(uint256 indexed id, address indexed token, address indexed holder, SkipReason reason);
    /// @notice `amount` withheld from distribution `id` of `token` was sent to `taxWallet`.
    event WithheldWithdrawn(
        uint256 indexed id, address indexed token, address indexed taxWallet, uint256 amount
    );
    /// @notice After expiry, the unclaimed `amount` of distribution `id` of `token` went back to `to`.
    event Reclaimed(uint256 indexed id, address indexed token, address indexed to, uint256 amount);

    /// @notice `account` does not hold ISSUER_ROLE on `token`.
    error NotIssuer(address token, address account);
    /// @notice `token` was not admitted by this distributor's admin (`setTokenServed`).
    error TokenNotServed(address token);
    /// @notice `token` reads the registry `tokenRegistry`, not this distributor's `registry`.
    error RegistryMismatch(address token, address tokenRegistry, address registry);
    /// @notice The record date has not passed yet (or does not exist).
    error RecordDateNotPassed(uint256 recordDateId);
    /// @notice The deposit (what arrived) is zero.
    error ZeroDeposit();
    /// @notice The deposit does not fit the 128-bit accounting (above MAX_DEPOSIT).
    error DepositTooLarge(uint256 amount);
    /// @notice The token's record-date supply is above the 208-bit limit the distribution accounts for.
    error SupplyTooLarge(uint256 supply, uint256 max);
    /// @notice ETH distribution: `amount` differs from msg.value; ERC-20: msg.value is not zero.
    error ValueMismatch(uint256 value, uint256 amount);
    /// @notice The expiry must lie in the future.
    error ExpiryNotInFuture(uint64 expiry);
    /// @notice Withholding above 100% or withholding without a tax wallet.
    error InvalidWithholding(uint16 bps, address taxWallet);
    /// @notice More than MAX_EXCLUDED excluded wallets.
    error TooManyExcluded(uint256 count, uint256 max);
    /// @notice `account` appears twice in the excluded list.
    error DuplicateExcluded(address account);
    /// @notice Excluded wallets hold the whole supply at the record date.
    error NothingEligible();
    /// @notice No distribution `id`.
    error UnknownDistribution(uint256 id);
    /// @notice Distribution `id` has expired: claims and pushes are over.
    error DistributionExpired(uint256 id);
    /// @notice Distribution `id` expires at `expiry`; it cannot be reclaimed before.
    error DistributionNotExpired(uint256 id, uint64 expiry);
    /// @notice Distribution `id` was already reclaimed.
    error AlreadyReclaimed(uint256 id);
    /// @notice `holder` was already paid its share of distribution `id`.
    error AlreadyPaid(uint256 id, address holder);
    /// @notice `holder` is excluded from distribution `id`.
    error ExcludedHolder(uint256 id, address holder);
    /// @notice `payee` is frozen, fully on the token or as an investor in the registry: its share
    ///         of distribution `id` is kept but cannot be paid while the freeze lasts.
    error InvestorFrozen(uint256 id, address payee);
    /// @notice `wallet` was recovered by the controller to `successor`: only the successor
    ///         collects its shares (with `claimFor`).
    error WalletSuperseded(address wallet, address successor);
    /// @notice `caller` is not the payee (`successorOf(holder)`) of `holder`'s share of
    ///         distribution `id`: only the payee chooses when it is paid.
    error NotPayee(uint256 id, address holder, address caller);
    /// @notice `push` has too little gas left to give the payment to `payee` its full gas
    ///         allowance; send the batch with more gas or fewer holders.
    error PushOutOfGas(uint256 id, address payee);
    /// @notice `holder` has no share of distribution `id` (no balance at the record date).
    error NothingDue(uint256 id, address holder);
    /// @notice Distribution `id` has nothing withheld waiting for the tax wallet.
    error NothingWithheld(uint256 id);
    /// @notice A payment would take distribution `id` beyond its deposit (only possible if the
    ///         token's record-date balances did not add up to its record-date supply).
    error Overdrawn(uint256 id);

    /// @notice Admin (DEFAULT_ADMIN_ROLE of this distributor): admit `token` (`served` true) so
    ///         that its issuers may create distributions here, or stop new ones (false). The token
    ///         must read this distributor's registry. Emits TokenServed when the answer changes.
    /// @param token The security token.
    /// @param served Whether new distributions of `token` may be created.
    function setTokenServed(address token, bool served) external;

    /// @notice Whether `token` is admitted (new distributions of it may be created).
    function isTokenServed(address token) external view returns (bool);

    /// @notice The investor registry every served token reads (fixed at deployment).
    function registry() external view returns (address);

    /// @notice Create a distribution of `p.token` (which must be served); the caller needs that
    ///         token's ISSUER_ROLE. Costs the same whatever the number of holders (at most
    ///         MAX_EXCLUDED balances are read).
    /// @param p See DistributionParams.
    /// @return id The new distribution's id (1, 2, ...; one sequence for every token served).
    function createDistribution(DistributionParams calldata p) external payable returns (uint256 id);

    /// @notice Claim the caller's share of distribution `id`. Refused (WalletSuperseded) for a
    ///         wallet the controller recovered, whose successor collects with `claimFor`; refused
    ///         (InvestorFrozen) while the caller is frozen on the token or in the registry.
    /// @param id The distribution.
    /// @return amount Net amount paid (after withholding).
    function claim(uint256 id) external returns (uint256 amount);

    /// @notice Pay `holder`'s share of distribution `id` to `successorOf(holder)`; only that payee
    ///         may call (NotPayee otherwise), so nobody else chooses when it is paid, and so
    ///         whether the withholding flag is set at that moment. This is how a wallet recovered
    ///         by the controller collects the lost wallet's share. Refused while the payee is frozen.
    /// @param id The distribution.
    /// @param holder The wallet that held tokens at the record date.
    /// @return amount Net amount paid (after withholding).
    function claimFor(uint256 id, address holder) external returns (uint256 amount);

    /// @notice The distribution token's issuer: pay `holders` who have not claimed, each to its `successorOf` (never to a
    ///         recovered wallet); skips (with PushSkipped) anyone already paid, excluded, frozen
    ///         (token or registry), owed nothing, or whose payment fails or needs more gas than
    ///         PUSH_ETH_GAS / PUSH_ERC20_GAS. Reverts whole (PushOutOfGas) rather than skip a
    ///         payee for want of gas in the transaction.
    /// @param id The distribution.
    /// @param holders Wallets that held tokens at the record date.
    /// @return paidCount How many holders were paid.
    function push(uint256 id, address[] calldata holders) external returns (uint256 paidCount);

    /// @notice Send what distribution `id` has withheld so far (and not yet sent) to its tax wallet.
    ///         Anyone may call; the destination is fixed at creation.
    /// @param id The distribution.
    /// @return amount The amount sent.
    function withdrawWithheld(uint256 id) external returns (uint256 amount);

    /// @notice The distribution token's issuer, after expiry: take back what was never claimed (deposit - paid - withheld,
    ///         rounding dust included). Paid to the caller. Once per distribution.
    /// @param id The distribution.
    /// @return amount The amount reclaimed.
    function reclaim(uint256 id) external returns (uint256 amount);

    /// @notice Distribution `id` (reverts for an unknown id).
    function distribution(uint256 id) external view returns (DistributionInfo memory);

    /// @notice Number of distributions created, all tokens together; ids run from 1 to this value.
    function distributionCount() external view returns (uint256);

    /// @notice Gross share of `holder` in distribution `id` (0 if excluded).
    function entitlementOf(uint256 id, address holder) external view returns (uint256);

    /// @notice Whether `holder`'s share of distribution `id` was paid (true for excluded wallets).
    function isPaid(uint256 id, address holder) external view returns (bool);

    /// @notice Whether `account` is excluded from distribution `id`.
    function isExcluded(uint256 id, address account) external view returns (bool);
}
