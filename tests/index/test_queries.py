"""The queries over the index (cap table at a record date, registry view, audit trail), on
SQLite and PostgreSQL, compared with what the contracts say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from index_support import record

from sectoken.chain.client import ChainClient
from sectoken.chain.suite import Suite
from sectoken.index.queries import audit_trail, cap_table, registry_view
from sectoken.index.sync import EventIndex, Source, sync_index
from sectoken.jobs.devchain import travel_to


def test_cap_table_at_a_record_date_matches_balance_of_at(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    alice: Any,
    bob: Any,
) -> None:
    token = suite.token
    suite.registry.setInvestors([alice, bob], [record(840), record(276)], sender=deployer)
    token.issue(alice, 100, b"", sender=deployer)
    when = int(suite.w3.eth.get_block("latest")["timestamp"]) + 1_000
    token.scheduleRecordDate(when, sender=deployer)
    record_date = int(token.latestRecordDateId())
    token.transfer(bob, 40, sender=alice)  # before the date: counts
    travel_to(suite.w3, when + 10)
    token.issue(bob, 60, b"", sender=deployer)  # after the date: does not
    index = open_db(db_url())
    sync_index(index, client, sources, confirmations=0)
    at_date = cap_table(index, record_date_id=record_date)
    assert at_date.holders == [(alice.address.lower(), 60, 840), (bob.address.lower(), 40, 276)]
    assert [int(token.balanceOfAt(w, record_date)) for w in (alice, bob)] == [60, 40]
    now = cap_table(index)
    assert [(w, b) for w, b, _ in now.holders] == [
        (bob.address.lower(), 100),
        (alice.address.lower(), 60),
    ]


def test_registry_view_filters_and_audit_trail(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    suite.registry.setInvestors(
        [alice, bob, carol],
        [
            record(840, kyc_expiry=now + 3 * 86_400),
            record(276, accredited=False, frozen=True),
            record(840, withholding=True),
        ],
        sender=deployer,
    )
    token = suite.token
    token.issue(carol, 10, b"", sender=deployer)
    token.forcedTransfer(carol, alice, 4, sender=deployer)
    token.grantRole(token.ISSUER_ROLE(), alice, sender=deployer)
    index = open_db(db_url())
    sync_index(index, client, sources, confirmations=0)

    def wallets(**filters: Any) -> list[str]:
        return sorted(r.wallet for r in registry_view(index, now=now, **filters))

    lower = {a: a.address.lower() for a in (alice, bob, carol)}
    assert wallets(countries=[840]) == sorted([lower[alice], lower[carol]])
    assert wallets(investor_class="withholding") == [lower[carol]]
    assert wallets(investor_class="accredited") == sorted([lower[alice], lower[carol]])
    assert wallets(kyc_expiring_within=7 * 86_400) == [lower[alice]]
    assert wallets(kyc_expiring_within=86_400) == []
    assert wallets(frozen=True) == [lower[bob]]

    forced = audit_trail(index, kinds=["forced"])
    assert [(e.event, e.wallet, e.counterparty, e.amount) for e in forced] == [
        ("ForcedTransfer", lower[carol], lower[alice], 4)
    ]
    grants = audit_trail(index, kinds=["roles"], wallet=alice.address)
    assert [(e.event, e.args["account"]) for e in grants] == [("RoleGranted", lower[alice])]
    assert all(e.timestamp for e in grants)
    everything = audit_trail(index, kinds=["roles"])
    assert len(everything) > len(grants)  # the deployment's own grants are there too
