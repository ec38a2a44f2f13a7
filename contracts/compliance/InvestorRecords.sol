// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title InvestorRecords
/// @notice Pack and read the one-word investor record kept by the registry (layout in IInvestorRegistry).
library InvestorRecords {
    uint256 internal constant FLAG_ACCREDITED = 1;
    uint256 internal constant FLAG_QUALIFIED_PURCHASER = 2;
    uint256 internal constant FLAG_AFFILIATE = 4;
    uint256 internal constant FLAG_WITHHOLDING = 8;
    /// @dev Reg S "U.S. person" (17 CFR 230.902(k)): a status, not the country of residence.
    uint256 internal constant FLAG_US_PERSON = 16;
    /// @dev Rule 144A qualified institutional buyer (17 CFR 230.144A(a)(1)).
    uint256 internal constant FLAG_QIB = 32;
    /// @dev Qualified investor under the EU Prospectus Regulation (Regulation (EU) 2017/1129 Art. 2(e)).
    uint256 internal constant FLAG_EU_QUALIFIED = 64;
    /// @dev The officer approved the wallet as a permitted transferee during a resale restriction
    ///      period (Reg CF, 17 CFR 227.501(a)(4): a family member, a trust, death or divorce).
    uint256 internal constant FLAG_RESALE_EXEMPT = 128;

    uint256 internal constant MAX_COUNTRY = 999;
    uint256 internal constant FROZEN_SHIFT = 152;
    uint256 private constant _FROZEN_BIT = 1 << 152;
    /// @dev kycExpiry, lockupUntil, country, the eight defined flags and the frozen bit.
    uint256 internal constant USED_BITS = (1 << 153) - 1;

    /// @dev The decoded record.
    struct Investor {
        uint64 kycExpiry;
        uint64 lockupUntil;
        uint16 country;
        uint8 flags;
        bool frozen;
    }

    function kycExpiry(uint256 r) internal pure returns (uint256) {
        return uint64(r);
    }

    function lockupUntil(uint256 r) internal pure returns (uint256) {
        return uint64(r >> 64);
    }

    function country(uint256 r) internal pure returns (uint16) {
        return uint16(r >> 128);
    }

    function flags(uint256 r) internal pure returns (uint256) {
        return uint8(r >> 144);
    }

    function isFrozen(uint256 r) internal pure returns (bool) {
        return r & _FROZEN_BIT != 0;
    }

    /// @dev Present, KYC not expired (strictly before expiry) and not frozen.
    function isVerified(uint256 r, uint256 nowTs) internal pure returns (bool) {
        return uint16(r >> 128) != 0 && nowTs < uint64(r) && r & _FROZEN_BIT == 0;
    }

    /// @dev Present and KYC not expired (the frozen flag is checked apart). Read twice by every
    ///      transfer: evaluated without branches.
    function hasValidKyc(uint256 r, uint256 nowTs) internal pure returns (bool valid) {
        assembly ("memory-safe") {
            valid := and(iszero(iszero(and(shr(128, r), 0xffff))), lt(nowTs, and(r, 0xffffffffffffffff)))
        }
    }

    /// @dev A storable record: a country in 1..999 and no reserved bit set.
    function isWellFormed(uint256 r) internal pure returns (bool) {
        uint256 c = uint16(r >> 128);
        return c != 0 && c <= MAX_COUNTRY && r & ~USED_BITS == 0;
    }

    function withFrozen(uint256 r, bool frozen) internal pure returns (uint256) {
        return frozen ? r | _FROZEN_BIT : r & ~_FROZEN_BIT;
    }

    function pack(Investor memory i) internal pure returns (uint256) {
        return uint256(i.kycExpiry) | (uint256(i.lockupUntil) << 64) | (uint256(i.country) << 128)
            | (uint256(i.flags) << 144) | (i.frozen ? _FROZEN_BIT : 0);
    }

    function unpack(uint256 r) internal pure returns (Investor memory i) {
        i.kycExpiry = uint64(r);
        i.lockupUntil = uint64(r >> 64);
        i.country = uint16(r >> 128);
        i.flags = uint8(r >> 144);
        i.frozen = r & _FROZEN_BIT != 0;
    }
}
