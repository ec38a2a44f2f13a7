"""The audit trail read from a suite's events (until an event index answers it from SQL).

Every event of the suite's contracts is decoded with the packaged ABI, except the high-volume
movements an auditor reads from the cap table instead (transfers, approvals, vote delegation):
role grants, rule changes, registry changes, freezes, forced transfers and recoveries with their
operator data, documents, record dates, distributions and ballots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from eth_utils.address import is_hex_address, to_checksum_address
from web3 import Web3

from sectoken.abi import AbiEvent, contract_abi, event
from sectoken.chain.logs import iter_logs
from sectoken.console.data import AuditEntry
from sectoken.model.restrictions import role_name

__all__ = ["NOT_AUDITED", "audit_events", "audited_type", "decode_value", "read_audit"]

#: Movements, not decisions: left to the cap table.
NOT_AUDITED = frozenset({"Transfer", "Approval", "DelegateChanged", "DelegateVotesChanged"})


@cache
def audit_events(contract_type: str) -> dict[bytes, AbiEvent]:
    """The audited events of ``contract_type`` by topic 0."""
    names = sorted(
        {
            str(entry["name"])
            for entry in contract_abi(contract_type)
            if entry.get("type") == "event" and entry.get("name") not in NOT_AUDITED
        }
    )
    found = (event(contract_type, name) for name in names)
    return {e.topic_bytes: e for e in found}


def decode_value(value: object) -> str:
    """A decoded field as text: bytes as 0x hex (or the text they hold), lists joined."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
        stripped = raw.rstrip(b"\0")
        if stripped and all(32 <= b < 127 for b in stripped):
            return stripped.decode("ascii")
        return "0x" + raw.hex()
    if isinstance(value, list | tuple):
        return ", ".join(decode_value(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={decode_value(v)}" for k, v in value.items())
    if isinstance(value, str) and is_hex_address(value):
        return to_checksum_address(value)
    return str(value)


def audited_type(role: str) -> str | None:
    """The contract type whose events a deployment file's ``role`` emits at its own address:
    the suite's four and the markets' three; None for code the token runs by delegatecall (the
    admin module, whose events carry the token's address) and the factory."""
    from sectoken.index.sync import contract_type_of

    return contract_type_of(role)


def read_audit(
    w3: Web3, contracts: Mapping[str, tuple[str, int]], *, to_block: int | None = None
) -> list[AuditEntry]:
    """Audit entries of the suite's ``contracts`` (role: (address, first block)), oldest first."""
    last = int(w3.eth.block_number) if to_block is None else to_block
    entries: list[AuditEntry] = []
    times: dict[int, int] = {}
    for role, (address, first_block) in contracts.items():
        contract_type = audited_type(role)
        if contract_type is None:
            continue  # shared code (admin module, factory): its events are the token's own
        known = audit_events(contract_type)
        if not known:
            continue
        for log in iter_logs(
            w3,
            address=address,
            topics=[list(_topics(known.values()))],
            from_block=first_block,
            to_block=last,
        ):
            emitted = known.get(log.topics[0])
            if emitted is None:
                continue
            fields = emitted.decode(log.topics, log.data)
            if log.block_number not in times:
                times[log.block_number] = int(w3.eth.get_block(log.block_number)["timestamp"])
            entries.append(
                AuditEntry(
                    block=log.block_number,
                    timestamp=times[log.block_number],
                    tx_hash=log.transaction_hash,
                    log_index=log.log_index,
                    contract=role,
                    event=emitted.name,
                    fields={k: _field(k, v) for k, v in fields.items()},
                )
            )
    entries.sort(key=lambda e: (e.block, e.log_index))
    return entries


def _field(name: str, value: object) -> str:
    if name == "role" and isinstance(value, bytes | bytearray):
        return role_name(bytes(value))
    return decode_value(value)


def _topics(events: Iterable[AbiEvent]) -> list[str]:
    return [e.topic for e in events]
