// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {GuardedAccessControl} from "../access/GuardedAccessControl.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {InvestorRecords} from "./InvestorRecords.sol";

/// @title InvestorRegistry
/// @notice The issuer's whitelist: one KYC record per wallet, shared by every token of the issuer.
///         Compliance officers add, update, freeze and remove records, one at a time or in batches.
contract InvestorRegistry is IInvestorRegistry, GuardedAccessControl {
    using InvestorRecords for uint256;

    /// @notice Role of the compliance officers who keep the registry.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");

    /// @notice The zero address cannot hold a record.
    error ZeroAddress();
    /// @notice Batch arrays differ in length.
    error LengthMismatch(uint256 wallets, uint256 records);
    /// @notice A batch must hold at least one entry.
    error EmptyBatch();
    /// @notice `record` for `wallet` has no valid country (1..999) or sets reserved bits.
    error InvalidRecord(address wallet, uint256 record);
    /// @notice `wallet` has no record.
    error InvestorNotFound(address wallet);

    mapping(address wallet => uint256 record) private _records;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and COMPLIANCE_ROLE.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(COMPLIANCE_ROLE, admin);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IInvestorRegistry
    function recordOf(address wallet) external view returns (uint256) {
        return _records[wallet];
    }

    /// @inheritdoc IInvestorRegistry
    /// @dev Read on every token transfer: kept to two hashed loads and a raw return.
    function recordsOf(address a, address b) external view returns (uint256, uint256) {
        assembly ("memory-safe") {
            mstore(0x20, _records.slot)
            mstore(0x00, a)
            let recordA := sload(keccak256(0x00, 0x40))
            mstore(0x00, b)
            let recordB := sload(keccak256(0x00, 0x40))
            mstore(0x00, recordA)
            mstore(0x20, recordB)
            return(0x00, 0x40)
        }
    }

    /// @inheritdoc IInvestorRegistry
    /// @dev Read by the token's transferFrom, which checks the spender too: three hashed loads.
    function recordsOfThree(address a, address b, address c) external view returns (uint256, uint256, uint256) {
        assembly ("memory-safe") {
            mstore(0x20, _records.slot)
            mstore(0x00, a)
            let recordA := sload(keccak256(0x00, 0x40))
            mstore(0x00, b)
            let recordB := sload(keccak256(0x00, 0x40))
            mstore(0x00, c)
            let recordC := sload(keccak256(0x00, 0x40))
            let p := mload(0x40)
            mstore(p, recordA)
            mstore(add(p, 0x20), recordB)
            mstore(add(p, 0x40), recordC)
            return(p, 0x60)
        }
    }

    /// @notice Records of many wallets at once (for off-chain tooling).
    function recordsOfMany(address[] calldata wallets) external view returns (uint256[] memory records) {
        records = new uint256[](wallets.length);
        for (uint256 i; i < wallets.length; ++i) {
            records[i] = _records[wallets[i]];
        }
    }

    /// @inheritdoc IInvestorRegistry
    function isVerified(address wallet) external view returns (bool) {
        return _records[wallet].isVerified(block.timestamp);
    }

    /// @notice The decoded record of `wallet` (all zero when there is none).
    function investor(address wallet) external view returns (InvestorRecords.Investor memory) {
        return _records[wallet].unpack();
    }

    /// @notice ERC-165: true for IInvestorRegistry, IAccessControl and IERC165 itself.
    /// @param interfaceId The ERC-165 id (XOR of the interface's function selectors).
    /// @return Whether the registry implements the interface.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IInvestorRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ writes

    /// @notice Create or replace the record of `wallet` (packed layout, see IInvestorRegistry).
    function setInvestor(address wallet, uint256 record) external onlyRole(COMPLIANCE_ROLE) {
        _set(wallet, record);
    }

    /// @notice Create or replace many records; the whole batch reverts on the first bad entry.
    /// @dev An entry equal to what is stored is skipped without an event, so a batch can be resent.
    ///      The loop body is the assembly twin of `_set` (same checks, same events, one hash per
    ///      entry): the per-investor cost of a batch of 100 is what a large import pays.
    function setInvestors(address[] calldata wallets, uint256[] calldata records)
        external
        onlyRole(COMPLIANCE_ROLE)
    {
        uint256 n = wallets.length;
        if (n != records.length) revert LengthMismatch(n, records.length);
        if (n == 0) revert EmptyBatch();
        bytes4 zeroAddress = ZeroAddress.selector;
        bytes4 invalidRecord = InvalidRecord.selector;
        bytes32 added = InvestorAdded.selector;
        bytes32 updated = InvestorUpdated.selector;
        uint256 unused = ~InvestorRecords.USED_BITS;
        uint256 maxCountry = InvestorRecords.MAX_COUNTRY;
        assembly {
            let end := shl(5, n)
            for { let o := 0 } lt(o, end) { o := add(o, 0x20) } {
                let wallet := calldataload(add(wallets.offset, o))
                let record := calldataload(add(records.offset, o))
                if or(iszero(wallet), shr(160, wallet)) {
                    mstore(0x00, zeroAddress)
                    revert(0x00, 0x04)
                }
                let country := and(shr(128, record), 0xffff)
                if or(or(iszero(country), gt(country, maxCountry)), and(record, unused)) {
                    mstore(0x00, invalidRecord)
                    mstore(0x04, wallet)
                    mstore(0x24, record)
                    revert(0x00, 0x44)
                }
                mstore(0x00, wallet)
                mstore(0x20, _records.slot)
                let slot := keccak256(0x00, 0x40)
                let old := sload(slot)
                if iszero(eq(old, record)) {
                    sstore(slot, record)
                    switch old
                    case 0 {
                        mstore(0x00, record)
                        log2(0x00, 0x20, added, wallet)
                    }
                    default {
                        mstore(0x00, old)
                        mstore(0x20, record)
                        log2(0x00, 0x40, updated, wallet)
                    }
                }
            }
        }
    }

    /// @notice Set or clear the investor-level freeze of `wallet` (applies to every token).
    function setFrozen(address wallet, bool frozen) external onlyRole(COMPLIANCE_ROLE) {
        uint256 old = _records[wallet];
        if (old == 0) revert InvestorNotFound(wallet);
        uint256 updated = old.withFrozen(frozen);
        if (updated != old) {
            _records[wallet] = updated;
            emit InvestorUpdated(wallet, old, updated);
        }
    }

    /// @notice Delete the record of `wallet`.
    function removeInvestor(address wallet) external onlyRole(COMPLIANCE_ROLE) {
        _remove(wallet);
    }

    /// @notice Delete many records; the whole batch reverts if one wallet has no record.
    function removeInvestors(address[] calldata wallets) external onlyRole(COMPLIANCE_ROLE) {
        uint256 n = wallets.length;
        if (n == 0) revert EmptyBatch();
        for (uint256 i; i < n;) {
            _remove(wallets[i]);
            unchecked {
                ++i;
            }
        }
    }

    function _set(address wallet, uint256 record) private {
        if (wallet == address(0)) revert ZeroAddress();
        if (!record.isWellFormed()) revert InvalidRecord(wallet, record);
        uint256 old = _records[wallet];
        if (old == record) return;
        _records[wallet] = record;
        if (old == 0) emit InvestorAdded(wallet, record);
        else emit InvestorUpdated(wallet, old, record);
    }

    function _remove(address wallet) private {
        uint256 old = _records[wallet];
        if (old == 0) revert InvestorNotFound(wallet);
        delete _records[wallet];
        emit InvestorRemoved(wallet, old);
    }
}
