// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title HolderWords
/// @notice The token's per-wallet state packed in one word, so a transfer reads one slot per wallet.
/// @dev bits   0..127 frozenAmount (part of the balance only the controller can move)
///      bits 128..167 acquiredAt   (time of the last issuance to the wallet: holding period)
///      bits 168..199 recordId     (latest record date whose balance is saved for the wallet)
///      bits 200..215 country      (country the wallet is counted under while it holds tokens)
///      bit  216      frozen       (full freeze on this token)
///      bits 217..241 cacheEpoch   (country-rule epoch + 1 when the verdict below was cached; 0 = none)
///      bit  242      countryAllowed (cached verdict of the block/allow list for `country`)
///      bit  243      recovered    (the controller recovered this wallet: see successorOf)
library HolderWords {
    uint256 internal constant ACQUIRED_SHIFT = 128;
    uint256 internal constant RECORD_SHIFT = 168;
    uint256 internal constant COUNTRY_SHIFT = 200;
    uint256 internal constant FROZEN_SHIFT = 216;
    uint256 internal constant CACHE_SHIFT = 217;
    uint256 internal constant ALLOWED_SHIFT = 242;
    uint256 internal constant RECOVERED_SHIFT = 243;

    function frozenAmount(uint256 h) internal pure returns (uint256) {
        return uint128(h);
    }

    function acquiredAt(uint256 h) internal pure returns (uint256) {
        return uint40(h >> ACQUIRED_SHIFT);
    }

    function savedRecordId(uint256 h) internal pure returns (uint256) {
        return uint32(h >> RECORD_SHIFT);
    }

    function countedCountry(uint256 h) internal pure returns (uint16) {
        return uint16(h >> COUNTRY_SHIFT);
    }

    function isWalletFrozen(uint256 h) internal pure returns (bool) {
        return (h >> FROZEN_SHIFT) & 1 != 0;
    }

    function cacheEpoch(uint256 h) internal pure returns (uint256) {
        return (h >> CACHE_SHIFT) & ((1 << 25) - 1);
    }

    function isRecovered(uint256 h) internal pure returns (bool) {
        return (h >> RECOVERED_SHIFT) & 1 != 0;
    }

    function cachedCountryAllowed(uint256 h) internal pure returns (bool) {
        return (h >> ALLOWED_SHIFT) & 1 != 0;
    }

    function withCountryCache(uint256 h, uint256 epochPlusOne, bool allowed) internal pure returns (uint256) {
        return set(set(h, CACHE_SHIFT, 25, epochPlusOne), ALLOWED_SHIFT, 1, allowed ? 1 : 0);
    }

    /// @dev Replace the `bits`-wide field at `shift` with `value` (which must fit).
    function set(uint256 h, uint256 shift, uint256 bits, uint256 value) internal pure returns (uint256) {
        uint256 mask = ((1 << bits) - 1) << shift;
        return (h & ~mask) | (value << shift);
    }
}

/// @title CountryWords
/// @notice A country's rule and holder count packed in one word.
/// @dev bit 0 listed (blocked in block-list mode, allowed in allow-list mode);
///      bits 8..39 maxHolders (0 = no limit); bits 40..71 holders.
library CountryWords {
    uint256 internal constant MAX_HOLDERS_SHIFT = 8;
    uint256 internal constant HOLDERS_SHIFT = 40;

    function listed(uint256 c) internal pure returns (bool) {
        return c & 1 != 0;
    }

    function holderLimit(uint256 c) internal pure returns (uint256) {
        return uint32(c >> MAX_HOLDERS_SHIFT);
    }

    function holdersCounted(uint256 c) internal pure returns (uint256) {
        return uint32(c >> HOLDERS_SHIFT);
    }

    function withRule(uint256 c, bool isListed, uint32 limit) internal pure returns (uint256) {
        return (c & (uint256(type(uint32).max) << HOLDERS_SHIFT)) | (uint256(limit) << MAX_HOLDERS_SHIFT)
            | (isListed ? 1 : 0);
    }

    /// @dev Add one holder (`up`) or remove one.
    function moveHolders(uint256 c, bool up) internal pure returns (uint256) {
        return up ? c + (1 << HOLDERS_SHIFT) : c - (1 << HOLDERS_SHIFT);
    }
}

/// @title BalanceCap
/// @notice A balance cap stored as 48 significant bits and an 8-bit exponent, rounded down
///         (never looser than configured; at most 2^-48 stricter), so it fits the config slot.
library BalanceCap {
    function encode(uint256 cap) internal pure returns (uint48 mantissa, uint8 exponent) {
        if (cap < 1 << 48) return (uint48(cap), 0);
        uint256 e = Math.log2(cap) + 1 - 48;
        return (uint48(cap >> e), uint8(e));
    }

    function decode(uint48 mantissa, uint8 exponent) internal pure returns (uint256) {
        return uint256(mantissa) << exponent;
    }
}

/// @title ConfigWords
/// @notice The token-wide configuration read by every transfer, packed in one word.
/// @dev bits   0..7   flags (see SecurityToken: paused, accreditation, allow-list, issuance closed, cap)
///      bits   8..31  maxHolders      (0 = no limit)
///      bits  32..63  holderCount
///      bits  64..95  holdingPeriod   (seconds after the last issuance to a wallet)
///      bits  96..119 recordId        (latest record date scheduled)
///      bits 120..159 recordTime      (its timestamp)
///      bits 160..175 maxBalanceBps
///      bits 176..199 countryEpoch    (bumped when a country's listing or the list mode changes)
///      bits 200..247 cap mantissa, bits 248..255 cap exponent (see BalanceCap)
library ConfigWords {
    uint256 internal constant MAX_HOLDERS_SHIFT = 8;
    uint256 internal constant HOLDER_COUNT_SHIFT = 32;
    uint256 internal constant HOLDING_SHIFT = 64;
    uint256 internal constant RECORD_ID_SHIFT = 96;
    uint256 internal constant RECORD_TIME_SHIFT = 120;
    uint256 internal constant BPS_SHIFT = 160;
    uint256 internal constant EPOCH_SHIFT = 176;
    uint256 internal constant CAP_SHIFT = 200;

    function hasFlag(uint256 c, uint256 flag) internal pure returns (bool) {
        return c & flag != 0;
    }

    function maxHolders(uint256 c) internal pure returns (uint256) {
        return uint24(c >> MAX_HOLDERS_SHIFT);
    }

    function holderCount(uint256 c) internal pure returns (uint256) {
        return uint32(c >> HOLDER_COUNT_SHIFT);
    }

    function holdingPeriod(uint256 c) internal pure returns (uint256) {
        return uint32(c >> HOLDING_SHIFT);
    }

    function recordId(uint256 c) internal pure returns (uint256) {
        return uint24(c >> RECORD_ID_SHIFT);
    }

    function recordTime(uint256 c) internal pure returns (uint256) {
        return uint40(c >> RECORD_TIME_SHIFT);
    }

    function maxBalanceBps(uint256 c) internal pure returns (uint256) {
        return uint16(c >> BPS_SHIFT);
    }

    function countryEpoch(uint256 c) internal pure returns (uint256) {
        return uint24(c >> EPOCH_SHIFT);
    }

    function balanceCap(uint256 c) internal pure returns (uint256) {
        return uint256(uint48(c >> CAP_SHIFT)) << (c >> 248);
    }

    function withBalanceCap(uint256 c, uint256 cap) internal pure returns (uint256) {
        (uint48 mantissa, uint8 exponent) = BalanceCap.encode(cap);
        return HolderWords.set(c, CAP_SHIFT, 56, uint256(mantissa) | (uint256(exponent) << 48));
    }

    /// @dev The id of the latest record date that has passed at `nowTs` (0 if none).
    function passedRecordId(uint256 c, uint256 nowTs) internal pure returns (uint256 id) {
        id = recordId(c);
        if (id != 0 && nowTs < recordTime(c)) --id;
    }
}
