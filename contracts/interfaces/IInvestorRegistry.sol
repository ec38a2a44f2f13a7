// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IInvestorRegistry
/// @notice The whitelist shared by every token of an issuer: one packed record per wallet.
/// @dev Record layout (one uint256 word, one storage slot), see `InvestorRecords`:
///      bits   0..63  kycExpiry   (unix seconds; the wallet is verified while block.timestamp < kycExpiry)
///      bits  64..127 lockupUntil (unix seconds; tokens cannot leave the wallet before it)
///      bits 128..143 country     (ISO 3166-1 numeric, 1..999; 0 means "no record")
///      bits 144..151 flags       (bit0 accredited, bit1 qualified purchaser, bit2 affiliate,
///                                 bit3 subject to withholding tax, bit4 Reg S U.S. person,
///                                 bit5 Rule 144A QIB, bit6 EU qualified investor,
///                                 bit7 resale-exempt transferee (Reg CF 227.501(a)))
///      bit  152      frozen      (investor-level freeze, applies to every token)
///      bits 153..255 must be zero
interface IInvestorRegistry {
    /// @notice A record was created for `wallet`.
    event InvestorAdded(address indexed wallet, uint256 record);
    /// @notice The record of `wallet` changed from `oldRecord` to `newRecord`.
    event InvestorUpdated(address indexed wallet, uint256 oldRecord, uint256 newRecord);
    /// @notice The record of `wallet` was deleted; `oldRecord` is what it held.
    event InvestorRemoved(address indexed wallet, uint256 oldRecord);

    /// @notice The packed record of `wallet` (0 when there is none).
    function recordOf(address wallet) external view returns (uint256);

    /// @notice The packed records of two wallets in one call (the token's transfer path).
    function recordsOf(address a, address b) external view returns (uint256 recordA, uint256 recordB);

    /// @notice The packed records of three wallets in one call (the token's transferFrom path:
    ///         owner, receiver and spender).
    function recordsOfThree(address a, address b, address c)
        external
        view
        returns (uint256 recordA, uint256 recordB, uint256 recordC);

    /// @notice Whether `wallet` has a record, an unexpired KYC and no investor-level freeze.
    function isVerified(address wallet) external view returns (bool);
}
