// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Restrictions
/// @notice The ERC-1404 restriction codes of the compliance decision, their ERC-1066 status
///         bytes (as listed in ERC-1400) and their messages. One code per rule.
library Restrictions {
    uint8 internal constant SUCCESS = 0;
    uint8 internal constant PAUSED = 1;
    uint8 internal constant SENDER_NOT_VERIFIED = 2;
    uint8 internal constant RECEIVER_NOT_VERIFIED = 3;
    uint8 internal constant SENDER_FROZEN = 4;
    uint8 internal constant RECEIVER_FROZEN = 5;
    uint8 internal constant INSUFFICIENT_BALANCE = 6;
    uint8 internal constant FROZEN_BALANCE = 7;
    uint8 internal constant SENDER_LOCKED = 8;
    uint8 internal constant HOLDING_PERIOD = 9;
    uint8 internal constant COUNTRY_NOT_ALLOWED = 10;
    uint8 internal constant NOT_ACCREDITED = 11;
    uint8 internal constant MAX_HOLDERS = 12;
    uint8 internal constant MAX_HOLDERS_COUNTRY = 13;
    uint8 internal constant MAX_BALANCE = 14;
    uint8 internal constant INVALID_RECEIVER = 15;
    uint8 internal constant INSUFFICIENT_ALLOWANCE = 16;
    uint8 internal constant INVALID_SENDER = 17;
    uint8 internal constant ISSUANCE_CLOSED = 18;
    uint8 internal constant SUPPLY_LIMIT = 19;
    uint8 internal constant ZERO_ISSUANCE = 20;
    uint8 internal constant BELOW_MIN_POSITION = 21;
    uint8 internal constant REMAINDER_BELOW_MIN_POSITION = 22;
    uint8 internal constant SPENDER_FROZEN = 23;
    uint8 internal constant SPENDER_NOT_ALLOWED = 24;
    // The regime rules (`setRegime`): checked after every rule above has passed.
    uint8 internal constant US_PERSON_RESTRICTED = 25;
    uint8 internal constant NOT_QIB = 26;
    uint8 internal constant NOT_QUALIFIED_PURCHASER = 27;
    uint8 internal constant NOT_EU_QUALIFIED = 28;
    uint8 internal constant MAX_NON_ACCREDITED = 29;
    uint8 internal constant MAX_NON_QUALIFIED_COUNTRY = 30;
    uint8 internal constant RESALE_RESTRICTED = 31;
    uint8 internal constant AFFILIATE_VOLUME = 32;
    uint8 internal constant LAST_CODE = 32;
    /// @dev Not a restriction: the internal verdict "allowed, and the regime has bookkeeping to
    ///      do" (an affiliate's sale to count, a resale clock to carry). Never returned by a public
    ///      function (`publicCode` maps it to SUCCESS).
    uint8 internal constant SUCCESS_REGIME_BOOKKEEPING = 255;

    /// @dev ERC-1066 status bytes used by ERC-1400.
    bytes1 internal constant STATUS_FAILURE = 0x50;
    bytes1 internal constant STATUS_SUCCESS = 0x51;
    bytes1 internal constant STATUS_INSUFFICIENT_BALANCE = 0x52;
    bytes1 internal constant STATUS_INSUFFICIENT_ALLOWANCE = 0x53;
    bytes1 internal constant STATUS_HALTED = 0x54;
    bytes1 internal constant STATUS_FUNDS_LOCKED = 0x55;
    bytes1 internal constant STATUS_INVALID_SENDER = 0x56;
    bytes1 internal constant STATUS_INVALID_RECEIVER = 0x57;

    /// @dev The code a public function reports.
    function publicCode(uint8 code) internal pure returns (uint8) {
        return code == SUCCESS_REGIME_BOOKKEEPING ? SUCCESS : code;
    }

    /// @dev The ERC-1066 status byte of `code`.
    function status(uint8 code) internal pure returns (bytes1) {
        if (code == SUCCESS) return STATUS_SUCCESS;
        if (code == PAUSED) return STATUS_HALTED;
        if (
            code == SENDER_NOT_VERIFIED || code == SENDER_FROZEN || code == INVALID_SENDER || code == SPENDER_FROZEN
                || code == SPENDER_NOT_ALLOWED
        ) {
            return STATUS_INVALID_SENDER;
        }
        if (code == INSUFFICIENT_BALANCE) return STATUS_INSUFFICIENT_BALANCE;
        if (code == INSUFFICIENT_ALLOWANCE) return STATUS_INSUFFICIENT_ALLOWANCE;
        if (code == FROZEN_BALANCE || code == SENDER_LOCKED || code == HOLDING_PERIOD || code == RESALE_RESTRICTED) {
            return STATUS_FUNDS_LOCKED;
        }
        if (
            code == RECEIVER_NOT_VERIFIED || code == RECEIVER_FROZEN || code == COUNTRY_NOT_ALLOWED
                || code == NOT_ACCREDITED || code == INVALID_RECEIVER || (code >= US_PERSON_RESTRICTED && code <= NOT_EU_QUALIFIED)
        ) return STATUS_INVALID_RECEIVER;
        return STATUS_FAILURE;
    }

    /// @dev The readable message of `code`.
    function message(uint8 code) internal pure returns (string memory) {
        return code > SPENDER_NOT_ALLOWED ? regimeMessage(code) : baseMessage(code);
    }

    /// @dev The message of a code up to SPENDER_NOT_ALLOWED (24).
    function baseMessage(uint8 code) internal pure returns (string memory) {
        if (code == SUCCESS) return "No restriction";
        if (code == PAUSED) return "All transfers are paused";
        if (code == SENDER_NOT_VERIFIED) return "Sender is not verified: no registry record or KYC expired";
        if (code == RECEIVER_NOT_VERIFIED) return "Receiver is not verified: no registry record or KYC expired";
        if (code == SENDER_FROZEN) return "Sender wallet is frozen";
        if (code == RECEIVER_FROZEN) return "Receiver wallet is frozen";
        if (code == INSUFFICIENT_BALANCE) return "Sender balance is insufficient";
        if (code == FROZEN_BALANCE) return "Amount exceeds the sender's unfrozen balance";
        if (code == SENDER_LOCKED) return "Sender is in a lockup period";
        if (code == HOLDING_PERIOD) return "Sender's tokens are within the holding period after issuance";
        if (code == COUNTRY_NOT_ALLOWED) return "Receiver's country is not allowed for this token";
        if (code == NOT_ACCREDITED) return "Receiver must be an accredited investor";
        if (code == MAX_HOLDERS) return "Maximum number of holders reached";
        if (code == MAX_HOLDERS_COUNTRY) return "Maximum number of holders for the receiver's country reached";
        if (code == MAX_BALANCE) return "Receiver's balance would exceed the maximum allowed";
        if (code == INVALID_RECEIVER) return "Receiver is the zero address";
        if (code == INSUFFICIENT_ALLOWANCE) return "Spender allowance is insufficient";
        if (code == INVALID_SENDER) return "Sender is the zero address";
        if (code == ISSUANCE_CLOSED) return "Issuance is closed for good";
        if (code == SUPPLY_LIMIT) return "Total supply would exceed 2^208 - 1";
        if (code == ZERO_ISSUANCE) return "Nothing to issue: the amount is zero";
        if (code == BELOW_MIN_POSITION) return "A wallet that holds none must receive at least the minimum position";
        if (code == REMAINDER_BELOW_MIN_POSITION) {
            return "Sender would keep less than the minimum position: move all of it or keep the minimum";
        }
        if (code == SPENDER_FROZEN) return "Spender is frozen (on this token or in the registry) or recovered";
        if (code == SPENDER_NOT_ALLOWED) {
            return "Spender is neither a verified investor nor an operator approved for this token";
        }
        return "Unknown restriction code";
    }

    /// @dev The message of a regime code (25..32), in the regulation's terms.
    function regimeMessage(uint8 code) internal pure returns (string memory) {
        if (code == US_PERSON_RESTRICTED) return "Reg S: U.S. person in compliance period";
        if (code == NOT_QIB) return "Rule 144A: receiver not a QIB";
        if (code == NOT_QUALIFIED_PURCHASER) return "Receiver not a qualified purchaser";
        if (code == NOT_EU_QUALIFIED) return "Receiver not an EU qualified investor";
        if (code == MAX_NON_ACCREDITED) return "Non-accredited holder limit reached";
        if (code == MAX_NON_QUALIFIED_COUNTRY) return "Country's non-qualified holder limit reached";
        if (code == RESALE_RESTRICTED) return "Resale period: receiver not permitted";
        if (code == AFFILIATE_VOLUME) return "Rule 144(e): affiliate volume limit";
        return "Unknown restriction code";
    }
}
