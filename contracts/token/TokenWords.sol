// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice A value does not fit the packed field it is written to (`bits` wide at `shift`).
error PackedFieldOverflow(uint256 shift, uint256 bits, uint256 value);

/// @title PackedField
/// @notice The one checked writer of every packed field below: a value wider than its field
///         reverts instead of spilling into the neighbouring field. Writers run off the hot path
///         (a transfer between existing holders with nothing to record writes no word).
library PackedField {
    /// @dev Replace the `bits`-wide field at `shift` of `w` with `value`; revert if it does not fit.
    function put(uint256 w, uint256 shift, uint256 bits, uint256 value) internal pure returns (uint256) {
        if (value >> bits != 0) revert PackedFieldOverflow(shift, bits, value);
        unchecked {
            uint256 mask = ((1 << bits) - 1) << shift; // bits >= 1: no underflow
            return (w & ~mask) | (value << shift);
        }
    }
}

/// @title HolderWords
/// @notice The token's per-wallet state packed in one word, so a transfer reads one slot per wallet.
/// @dev field           bits      width
///      frozenAmount    0..127    128  part of the balance only the controller can move
///      acquiredAt      128..167   40  time of the last issuance to the wallet: holding period
///      recordId        168..199   32  latest record date whose balance is saved for the wallet
///      country         200..215   16  country the wallet is counted under while it holds tokens
///      frozen          216         1  full freeze on this token
///      cacheEpoch      217..241   25  country-rule epoch + 1 when the verdict was cached; 0 = none
///      countryAllowed  242         1  cached verdict of the block/allow list for `country`
///      recovered       243         1  the controller recovered this wallet: see successorOf
///      operator        244         1  the compliance officer approved the wallet as an operator
///                                     (may spend allowances without a registry record)
///      delegating      245         1  the wallet has a delegatee (ERC-5805 votes): only then do its
///                                     transfers move delegated votes
///      nonAccredited   246         1  counted among the regime's non-accredited holders (when it
///                                     entered, or at the last recount): leaving uncounts it
///      nonQualified    247         1  counted among the non-qualified holders of `country`
///      Every field is written through a named writer below, which checks the width (PackedField).
library HolderWords {
    uint256 internal constant FROZEN_AMOUNT_BITS = 128;
    uint256 internal constant ACQUIRED_SHIFT = 128;
    uint256 internal constant ACQUIRED_BITS = 40;
    uint256 internal constant RECORD_SHIFT = 168;
    uint256 internal constant RECORD_BITS = 32;
    uint256 internal constant COUNTRY_SHIFT = 200;
    uint256 internal constant COUNTRY_BITS = 16;
    uint256 internal constant FROZEN_SHIFT = 216;
    uint256 internal constant CACHE_SHIFT = 217;
    uint256 internal constant CACHE_BITS = 25;
    /// @dev Masks are literal expressions so that the compiler folds them (a mask derived from a
    ///      typed constant is computed, with an overflow check, on every read).
    uint256 internal constant CACHE_MASK = (1 << 25) - 1;
    uint256 internal constant ALLOWED_SHIFT = 242;
    uint256 internal constant RECOVERED_SHIFT = 243;
    uint256 internal constant OPERATOR_SHIFT = 244;
    uint256 internal constant DELEGATING_SHIFT = 245;
    /// @dev The delegating bit in place: a transfer calls the votes bookkeeping only if either
    ///      party's word has it.
    uint256 internal constant DELEGATING = 1 << 245;
    /// @dev The regime's class counts this wallet is in (see `RegimeWords`).
    uint256 internal constant COUNTED_NON_ACCREDITED = 1 << 246;
    uint256 internal constant COUNTED_NON_QUALIFIED = 1 << 247;
    uint256 internal constant COUNTED_CLASSES = (1 << 246) | (1 << 247);
    /// @dev A wallet that may not act as a spender: frozen on this token or recovered.
    uint256 internal constant FROZEN_OR_RECOVERED = (1 << 216) | (1 << 243);

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
        return (h >> CACHE_SHIFT) & CACHE_MASK;
    }

    function isRecovered(uint256 h) internal pure returns (bool) {
        return (h >> RECOVERED_SHIFT) & 1 != 0;
    }

    function isApprovedOperator(uint256 h) internal pure returns (bool) {
        return (h >> OPERATOR_SHIFT) & 1 != 0;
    }

    function cachedCountryAllowed(uint256 h) internal pure returns (bool) {
        return (h >> ALLOWED_SHIFT) & 1 != 0;
    }

    function withFrozenAmount(uint256 h, uint256 amount) internal pure returns (uint256) {
        return PackedField.put(h, 0, FROZEN_AMOUNT_BITS, amount);
    }

    function withAcquiredAt(uint256 h, uint256 timestamp) internal pure returns (uint256) {
        return PackedField.put(h, ACQUIRED_SHIFT, ACQUIRED_BITS, timestamp);
    }

    function withSavedRecordId(uint256 h, uint256 id) internal pure returns (uint256) {
        return PackedField.put(h, RECORD_SHIFT, RECORD_BITS, id);
    }

    function withCountedCountry(uint256 h, uint256 country) internal pure returns (uint256) {
        return PackedField.put(h, COUNTRY_SHIFT, COUNTRY_BITS, country);
    }

    function withWalletFrozen(uint256 h, bool frozen) internal pure returns (uint256) {
        return frozen ? h | (1 << FROZEN_SHIFT) : h & ~uint256(1 << FROZEN_SHIFT);
    }

    function withApprovedOperator(uint256 h, bool approved) internal pure returns (uint256) {
        return approved ? h | (1 << OPERATOR_SHIFT) : h & ~uint256(1 << OPERATOR_SHIFT);
    }

    function withDelegating(uint256 h, bool delegating) internal pure returns (uint256) {
        return delegating ? h | DELEGATING : h & ~DELEGATING;
    }

    function withRecovered(uint256 h) internal pure returns (uint256) {
        return h | (1 << RECOVERED_SHIFT);
    }

    function withCountryCache(uint256 h, uint256 epochPlusOne, bool allowed) internal pure returns (uint256) {
        h = PackedField.put(h, CACHE_SHIFT, CACHE_BITS, epochPlusOne);
        return allowed ? h | (1 << ALLOWED_SHIFT) : h & ~uint256(1 << ALLOWED_SHIFT);
    }
}

/// @title CountryWords
/// @notice A country's rule and holder count packed in one word.
/// @dev field       bits     width
///      listed      0         1  blocked in block-list mode, allowed in allow-list mode
///      maxHolders  8..39    32  0 = no limit
///      holders     40..71   32  holders counted under the country
///      nonQualified 72..103 32  of them, those counted as not EU-qualified (regime rule)
library CountryWords {
    uint256 internal constant MAX_HOLDERS_SHIFT = 8;
    uint256 internal constant HOLDERS_SHIFT = 40;
    uint256 internal constant HOLDERS_BITS = 32;
    uint256 internal constant NON_QUALIFIED_SHIFT = 72;
    uint256 internal constant NON_QUALIFIED_BITS = 32;

    function listed(uint256 c) internal pure returns (bool) {
        return c & 1 != 0;
    }

    function holderLimit(uint256 c) internal pure returns (uint256) {
        return uint32(c >> MAX_HOLDERS_SHIFT);
    }

    function holdersCounted(uint256 c) internal pure returns (uint256) {
        return uint32(c >> HOLDERS_SHIFT);
    }

    function nonQualifiedCounted(uint256 c) internal pure returns (uint256) {
        return uint32(c >> NON_QUALIFIED_SHIFT);
    }

    /// @dev The limit is a uint32 and the flag a bool: both fit their fields by type. The counts
    ///      (bits 40..103) are kept.
    function withRule(uint256 c, bool isListed, uint32 limit) internal pure returns (uint256) {
        return (c & (uint256(type(uint64).max) << HOLDERS_SHIFT)) | (uint256(limit) << MAX_HOLDERS_SHIFT)
            | (isListed ? 1 : 0);
    }

    /// @dev Add one non-qualified holder (`up`) or remove one; the count neither wraps nor spills.
    function moveNonQualified(uint256 c, bool up) internal pure returns (uint256) {
        uint256 n = nonQualifiedCounted(c);
        return PackedField.put(c, NON_QUALIFIED_SHIFT, NON_QUALIFIED_BITS, up ? n + 1 : n - 1);
    }

    /// @dev Add one holder (`up`) or remove one; the count neither wraps nor spills.
    function moveHolders(uint256 c, bool up) internal pure returns (uint256) {
        uint256 n = holdersCounted(c);
        return PackedField.put(c, HOLDERS_SHIFT, HOLDERS_BITS, up ? n + 1 : n - 1);
    }
}

/// @title BalanceCap
/// @notice A balance cap stored as 28 significant bits and an 8-bit exponent, rounded down
///         (never looser than configured; at most 2^-28 stricter), so it fits the config slot.
library BalanceCap {
    uint256 internal constant MANTISSA_BITS = 28;
    uint256 internal constant MANTISSA_MASK = (1 << 28) - 1;

    function encode(uint256 cap) internal pure returns (uint256 mantissa, uint256 exponent) {
        if (cap < 1 << MANTISSA_BITS) return (cap, 0);
        exponent = Math.log2(cap) + 1 - MANTISSA_BITS; // at most 228: fits 8 bits
        mantissa = cap >> exponent;
    }
}

/// @notice A minimum position that is not m x 10^e with m <= 32,767 and e <= 31.
error MinPositionNotRepresentable(uint256 minPosition);

/// @title MinPosition
/// @notice The minimum position kept in 20 bits of the config slot, exactly: a 15-bit mantissa and
///         a 5-bit decimal exponent (m x 10^e, m <= 32,767, e <= 31). Round figures such as
///         25,000 whole tokens of an 18-decimal token (25 x 10^21) are exact; other values revert.
library MinPosition {
    uint256 internal constant MANTISSA_BITS = 15;
    uint256 internal constant EXPONENT_BITS = 5;
    uint256 internal constant MANTISSA_MASK = (1 << 15) - 1;
    uint256 internal constant MAX_EXPONENT = (1 << 5) - 1;

    function encode(uint256 value) internal pure returns (uint256) {
        uint256 mantissa = value;
        uint256 exponent;
        while (mantissa != 0 && mantissa % 10 == 0 && exponent < MAX_EXPONENT) {
            mantissa /= 10;
            ++exponent;
        }
        if (mantissa >> MANTISSA_BITS != 0) revert MinPositionNotRepresentable(value);
        return mantissa | (exponent << MANTISSA_BITS);
    }

    function decode(uint256 field) internal pure returns (uint256) {
        unchecked {
            // at most 32,767 x 10^31 < 2^120: cannot overflow
            return (field & MANTISSA_MASK) * 10 ** (field >> MANTISSA_BITS);
        }
    }
}

/// @title ConfigWords
/// @notice The token-wide configuration read by every transfer, packed in one word.
/// @dev field          bits      width
///      flags          0..7        8  see SecurityToken: paused, accreditation, allow-list, issuance closed, cap
///      maxHolders     8..31      24  0 = no limit
///      holderCount    32..63     32
///      holdingPeriod  64..95     32  seconds after the last issuance to a wallet
///      recordId       96..119    24  latest record date scheduled
///      recordTime     120..159   40  its timestamp
///      maxBalanceBps  160..175   16
///      countryEpoch   176..199   24  bumped when a country's listing or the list mode changes
///      minPosition    200..219   20  15-bit mantissa, 5-bit decimal exponent (see MinPosition); 0 = off
///      cap            220..255   36  28-bit mantissa, 8-bit binary exponent (see BalanceCap)
///      Every field is written through a named writer below, which checks the width (PackedField);
///      the holder count moves by one through `withHolderCount`.
library ConfigWords {
    uint256 internal constant FLAGS_BITS = 8;
    uint256 internal constant MAX_HOLDERS_SHIFT = 8;
    uint256 internal constant MAX_HOLDERS_BITS = 24;
    uint256 internal constant HOLDER_COUNT_SHIFT = 32;
    uint256 internal constant HOLDER_COUNT_BITS = 32;
    uint256 internal constant HOLDING_SHIFT = 64;
    uint256 internal constant HOLDING_BITS = 32;
    uint256 internal constant RECORD_ID_SHIFT = 96;
    uint256 internal constant RECORD_ID_BITS = 24;
    uint256 internal constant RECORD_TIME_SHIFT = 120;
    uint256 internal constant RECORD_TIME_BITS = 40;
    uint256 internal constant BPS_SHIFT = 160;
    uint256 internal constant BPS_BITS = 16;
    uint256 internal constant EPOCH_SHIFT = 176;
    uint256 internal constant EPOCH_BITS = 24;
    uint256 internal constant MIN_POSITION_SHIFT = 200;
    uint256 internal constant MIN_POSITION_BITS = 20;
    uint256 internal constant CAP_SHIFT = 220;
    uint256 internal constant CAP_EXPONENT_SHIFT = 248;
    uint256 internal constant CAP_BITS = 36;
    /// @dev The minimum-position field in place: a non-zero AND means the rule is on.
    uint256 internal constant MIN_POSITION_MASK = ((1 << 20) - 1) << 200;

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

    /// @dev The minimum position in token units (0 = no minimum).
    function minPosition(uint256 c) internal pure returns (uint256) {
        return MinPosition.decode((c >> MIN_POSITION_SHIFT) & ((1 << 20) - 1));
    }

    function balanceCap(uint256 c) internal pure returns (uint256) {
        return ((c >> CAP_SHIFT) & BalanceCap.MANTISSA_MASK) << (c >> CAP_EXPONENT_SHIFT);
    }

    function withFlags(uint256 c, uint256 flags) internal pure returns (uint256) {
        return PackedField.put(c, 0, FLAGS_BITS, flags);
    }

    function withMaxHolders(uint256 c, uint256 n) internal pure returns (uint256) {
        return PackedField.put(c, MAX_HOLDERS_SHIFT, MAX_HOLDERS_BITS, n);
    }

    function withHolderCount(uint256 c, uint256 n) internal pure returns (uint256) {
        return PackedField.put(c, HOLDER_COUNT_SHIFT, HOLDER_COUNT_BITS, n);
    }

    function withHoldingPeriod(uint256 c, uint256 seconds_) internal pure returns (uint256) {
        return PackedField.put(c, HOLDING_SHIFT, HOLDING_BITS, seconds_);
    }

    function withRecord(uint256 c, uint256 id, uint256 timestamp) internal pure returns (uint256) {
        c = PackedField.put(c, RECORD_ID_SHIFT, RECORD_ID_BITS, id);
        return PackedField.put(c, RECORD_TIME_SHIFT, RECORD_TIME_BITS, timestamp);
    }

    function withMaxBalanceBps(uint256 c, uint256 bps) internal pure returns (uint256) {
        return PackedField.put(c, BPS_SHIFT, BPS_BITS, bps);
    }

    function withCountryEpoch(uint256 c, uint256 epoch) internal pure returns (uint256) {
        return PackedField.put(c, EPOCH_SHIFT, EPOCH_BITS, epoch);
    }

    function withMinPosition(uint256 c, uint256 value) internal pure returns (uint256) {
        return PackedField.put(c, MIN_POSITION_SHIFT, MIN_POSITION_BITS, MinPosition.encode(value));
    }

    function withBalanceCap(uint256 c, uint256 cap) internal pure returns (uint256) {
        (uint256 mantissa, uint256 exponent) = BalanceCap.encode(cap);
        return PackedField.put(c, CAP_SHIFT, CAP_BITS, mantissa | (exponent << BalanceCap.MANTISSA_BITS));
    }

    /// @dev The id of the latest record date that has passed at `nowTs` (0 if none).
    function passedRecordId(uint256 c, uint256 nowTs) internal pure returns (uint256 id) {
        id = recordId(c);
        if (id != 0 && nowTs < recordTime(c)) --id;
    }
}

/// @title RegimeWords
/// @notice The token's regime rules (`setRegime`, the primitives of the regulatory presets) and
///         the non-accredited holder count, packed in one word read only when a regime is set.
/// @dev field                      bits      width
///      usPersonBlockedUntil       0..39      40  Reg S distribution compliance period end (0 = none)
///      accreditationUsOnly        40          1  requireAccreditation binds U.S. persons only
///      requiredFlags              48..55      8  registry flags every receiver must hold
///      maxNonAccredited           56..79     24  holders without the accredited flag (0 = no limit)
///      nonAccreditedCount         80..111    32  holders counted as non-accredited
///      maxNonQualifiedPerCountry  112..127   16  per country, holders without EU_QUALIFIED (0 = none)
///      resalePeriod               128..159   32  seconds after a wallet's last issuance (0 = none)
///      affiliateVolumeBps         160..175   16  an affiliate's sales per window, bps of supply (0 = none)
///      affiliateWindow            176..207   32  seconds (the bucket length, see AffiliateSales)
library RegimeWords {
    uint256 internal constant US_ONLY_SHIFT = 40;
    uint256 internal constant REQUIRED_SHIFT = 48;
    uint256 internal constant MAX_NON_ACCREDITED_SHIFT = 56;
    uint256 internal constant NON_ACCREDITED_SHIFT = 80;
    uint256 internal constant NON_ACCREDITED_BITS = 32;
    uint256 internal constant MAX_NON_QUALIFIED_SHIFT = 112;
    uint256 internal constant RESALE_SHIFT = 128;
    uint256 internal constant AFFILIATE_BPS_SHIFT = 160;
    uint256 internal constant AFFILIATE_WINDOW_SHIFT = 176;
    /// @dev The count field in place (setRegime keeps it).
    uint256 internal constant COUNT_MASK = ((1 << 32) - 1) << 80;

    function usPersonBlockedUntil(uint256 r) internal pure returns (uint256) {
        return uint40(r);
    }

    function accreditationUsOnly(uint256 r) internal pure returns (bool) {
        return (r >> US_ONLY_SHIFT) & 1 != 0;
    }

    function requiredFlags(uint256 r) internal pure returns (uint256) {
        return uint8(r >> REQUIRED_SHIFT);
    }

    function maxNonAccredited(uint256 r) internal pure returns (uint256) {
        return uint24(r >> MAX_NON_ACCREDITED_SHIFT);
    }

    function nonAccreditedCount(uint256 r) internal pure returns (uint256) {
        return uint32(r >> NON_ACCREDITED_SHIFT);
    }

    function maxNonQualifiedPerCountry(uint256 r) internal pure returns (uint256) {
        return uint16(r >> MAX_NON_QUALIFIED_SHIFT);
    }

    function resalePeriod(uint256 r) internal pure returns (uint256) {
        return uint32(r >> RESALE_SHIFT);
    }

    function affiliateVolumeBps(uint256 r) internal pure returns (uint256) {
        return uint16(r >> AFFILIATE_BPS_SHIFT);
    }

    function affiliateWindow(uint256 r) internal pure returns (uint256) {
        return uint32(r >> AFFILIATE_WINDOW_SHIFT);
    }

    /// @dev The rules (every field but the count), from typed values that fit their fields.
    function rules(
        uint40 usPersonBlockedUntil_,
        bool accreditationUsOnly_,
        uint8 requiredFlags_,
        uint24 maxNonAccredited_,
        uint16 maxNonQualifiedPerCountry_,
        uint32 resalePeriod_,
        uint16 affiliateVolumeBps_,
        uint32 affiliateWindow_
    ) internal pure returns (uint256) {
        return uint256(usPersonBlockedUntil_) | (accreditationUsOnly_ ? 1 << US_ONLY_SHIFT : 0)
            | (uint256(requiredFlags_) << REQUIRED_SHIFT) | (uint256(maxNonAccredited_) << MAX_NON_ACCREDITED_SHIFT)
            | (uint256(maxNonQualifiedPerCountry_) << MAX_NON_QUALIFIED_SHIFT)
            | (uint256(resalePeriod_) << RESALE_SHIFT) | (uint256(affiliateVolumeBps_) << AFFILIATE_BPS_SHIFT)
            | (uint256(affiliateWindow_) << AFFILIATE_WINDOW_SHIFT);
    }

    /// @dev Add one non-accredited holder (`up`) or remove one; the count neither wraps nor spills.
    function moveNonAccredited(uint256 r, bool up) internal pure returns (uint256) {
        uint256 n = nonAccreditedCount(r);
        return PackedField.put(r, NON_ACCREDITED_SHIFT, NON_ACCREDITED_BITS, up ? n + 1 : n - 1);
    }
}

/// @title AffiliateSales
/// @notice An affiliate's sales (Rule 144(e)) in fixed buckets of `window` seconds aligned on
///         multiples of it: the current bucket and the one before. The rule refuses a sale when
///         the two buckets plus the sale exceed the limit. Any rolling window of `window` seconds
///         ending now lies inside those two buckets, so the sum is never below what a rolling
///         window would count: the check is never looser than a rolling window (it is stricter
///         by at most one bucket of history).
/// @dev field    bits      width
///      bucket   0..31      32  block.timestamp / window at the last sale
///      current  32..143   112  sold in that bucket (saturates at 2^112 - 1: stricter, never looser)
///      previous 144..255  112  sold in the bucket before it
library AffiliateSales {
    uint256 internal constant AMOUNT_MAX = (1 << 112) - 1;

    /// @dev (previous, current) as seen from `bucket` (the current time's bucket).
    function sums(uint256 w, uint256 bucket) internal pure returns (uint256 previous, uint256 current) {
        uint256 stored = uint32(w);
        if (bucket == stored) return (w >> 144, (w >> 32) & AMOUNT_MAX);
        if (bucket == stored + 1) return ((w >> 32) & AMOUNT_MAX, 0);
        return (0, 0);
    }

    /// @dev The word after a sale of `value` in `bucket`.
    function afterSale(uint256 w, uint256 bucket, uint256 value) internal pure returns (uint256) {
        (uint256 previous, uint256 current) = sums(w, bucket);
        current = Math.min(current + value, AMOUNT_MAX); // value < 2^208: no overflow
        return uint32(bucket) | (current << 32) | (Math.min(previous, AMOUNT_MAX) << 144);
    }
}
