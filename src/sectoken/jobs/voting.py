"""Shareholder votes: create a ballot at a record date, cast votes, read the results.

Weights are balances at the record date (read by the contract from the token); option labels,
title and document are emitted in ``BallotCreated`` and read back from that event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils.crypto import keccak
from rich.console import Console
from rich.table import Table

from sectoken.abi import event, function
from sectoken.chain.logs import iter_logs
from sectoken.chain.suite import Suite, require_role
from sectoken.errors import SectokenError
from sectoken.jobs.operations import Done, done_from, indexed_id, send_tx
from sectoken.model.addresses import checked_address
from sectoken.model.amounts import format_units
from sectoken.model.dates import format_timestamp

__all__ = [
    "BallotResults",
    "ballot_results",
    "cast_vote",
    "check_can_vote",
    "create_ballot",
    "option_index",
    "print_results",
]

_BALLOT_CREATED = event("ShareholderVoting", "BallotCreated")
BALLOT_CREATED = _BALLOT_CREATED.topic
_CREATE = function("ShareholderVoting", "createBallot")
_BALLOT = function("ShareholderVoting", "ballot")
_OUTCOME = function("ShareholderVoting", "outcome")


@dataclass(slots=True)
class BallotResults:
    id: int
    title: str
    document_uri: str
    options: list[str]
    record_date_id: int
    start: int
    end: int
    quorum_bps: int
    threshold_bps: int
    eligible_supply: int
    tallies: list[int] = field(default_factory=list)
    turnout: int = 0
    ended: bool = False
    quorum_reached: bool = False
    tie: bool = False
    winning_option: int = 0
    passed: bool = False
    decimals: int = 0

    @property
    def turnout_share(self) -> float:
        return self.turnout / self.eligible_supply if self.eligible_supply else 0.0

    def outcome_text(self) -> str:
        if not self.ended:
            return f"voting open; quorum {'reached' if self.quorum_reached else 'not reached yet'}"
        if not self.quorum_reached:
            return "failed: quorum not reached"
        if self.tie:
            return "no decision: tie"
        label = self.options[self.winning_option] if self.options else str(self.winning_option)
        return f"{'passed' if self.passed else 'not passed'}: {label!r} leads"


def create_ballot(
    suite: Suite,
    account: Any,
    *,
    title: str,
    options: Sequence[str],
    record_date_id: int,
    start: int,
    end: int,
    quorum_bps: int,
    threshold_bps: int = 0,
    document_uri: str = "",
    document_hash: bytes | None = None,
    excluded: Sequence[str] = (),
) -> tuple[int, Done]:
    token = suite.require("token")
    voting = suite.require("voting")
    require_role(token, "ISSUER_ROLE", account, what="token")
    if len(options) < 2:
        raise SectokenError("a ballot needs at least two options")
    if not (0 <= quorum_bps <= 10_000 and 0 <= threshold_bps <= 10_000):
        raise SectokenError("quorum and threshold are basis points, 0..10000")
    if end <= start:
        raise SectokenError("the ballot must end after it starts")
    latest = int(token.latestRecordDateId())
    if not 1 <= record_date_id <= latest:
        raise SectokenError(
            f"record date {record_date_id} does not exist",
            hint="schedule one first: `ape run token record-date WHEN`",
        )
    digest = (
        document_hash if document_hash is not None else keccak((document_uri or title).encode())
    )
    fields = {
        "token": token.address,
        "title": title,
        "documentURI": document_uri,
        "documentHash": digest,
        "options": list(options),
        "recordDateId": record_date_id,
        "start": start,
        "end": end,
        "quorumBps": quorum_bps,
        "thresholdBps": threshold_bps,
        "excluded": [checked_address(a, allow_unchecksummed=True) for a in excluded],
    }
    params = _CREATE.struct(fields)
    # The start often defaults to "now", which a re-run computes differently: the operation is
    # identified by everything else.
    at = _CREATE.struct_fields().index("start")
    key = ("createBallot", params[:at], params[at + 1 :])
    receipt = send_tx(
        suite, voting.createBallot, params, sender=account, key=key, repeat_guard=True
    )
    ballot_id = indexed_id(receipt, _BALLOT_CREATED, voting.address)
    return ballot_id, done_from(
        f"ballot {ballot_id}: {title!r} ({len(options)} options, record date {record_date_id})",
        receipt,
    )


def check_can_vote(suite: Suite, voter: str, ballot_id: int, option: int) -> None:
    """Refuse, from the contracts' views and before anything is estimated, a vote the ballot
    would reject: unknown ballot, not open (yet or any more), no such option, a wallet replaced by
    a recovery, excluded, already voted (itself or through its proxy), or no weight."""
    token = suite.require("token")
    voting = suite.require("voting")
    count = int(voting.ballotCount())
    if not 1 <= ballot_id <= count:
        raise SectokenError(
            f"ballot {ballot_id} does not exist ({count} so far)",
            hint="`ape run vote results ID` shows a ballot; ids start at 1",
        )
    info = suite.client.value(voting.address, _BALLOT, ballot_id)
    suite.require_own("ballot", ballot_id, info["token"])
    record_date_id, start, end, option_count = (
        int(info[name]) for name in ("recordDateId", "start", "end", "optionCount")
    )
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    if now < start:
        raise SectokenError(
            f"ballot {ballot_id} opens at {format_timestamp(start)} "
            f"(chain time {format_timestamp(now)})",
            hint="vote once it has opened",
        )
    if now >= end:
        raise SectokenError(
            f"ballot {ballot_id} closed at {format_timestamp(end)}; no more votes are counted",
            hint=f"see the outcome: `ape run vote results {ballot_id}`",
        )
    if not 0 <= option < option_count:
        raise SectokenError(
            f"ballot {ballot_id} has options 0 to {option_count - 1}; {option} is not one of them",
            hint=f"`ape run vote results {ballot_id}` lists the options with their numbers",
        )
    successor = str(token.successorOf(voter))
    if successor.lower() != voter.lower():
        raise SectokenError(
            f"{voter} was replaced by {successor} in a wallet recovery",
            hint=f"vote from {successor} instead",
        )
    if bool(voting.hasVoted(ballot_id, voter)):
        if bool(voting.isExcluded(ballot_id, voter)):
            raise SectokenError(f"{voter} is excluded from ballot {ballot_id} (treasury)")
        proxy = str(voting.proxyOf(ballot_id, voter))
        by_proxy = "" if int(proxy, 16) == 0 else f" (or its proxy {proxy} did)"
        raise SectokenError(
            f"{voter} has already voted on ballot {ballot_id}{by_proxy}; a vote cannot be changed",
            hint=f"see the tally: `ape run vote results {ballot_id}`",
        )
    if int(token.balanceOfAt(voter, record_date_id)) == 0:
        raise SectokenError(
            f"{voter} held no tokens at record date {record_date_id}, so it has no vote on "
            f"ballot {ballot_id}",
            hint="vote with a wallet that held tokens at the record date (--account)",
        )


def cast_vote(suite: Suite, account: Any, ballot_id: int, option: int) -> Done:
    voting = suite.require("voting")

    def check() -> None:
        check_can_vote(suite, str(account.address), ballot_id, option)

    receipt = send_tx(suite, voting.vote, ballot_id, option, sender=account, check=check)
    return done_from(f"{account.address} voted option {option} on ballot {ballot_id}", receipt)


def ballot_results(suite: Suite, ballot_id: int) -> BallotResults:
    token = suite.require("token")
    voting = suite.require("voting")
    count = int(voting.ballotCount())
    if not 1 <= ballot_id <= count:
        raise SectokenError(f"ballot {ballot_id} does not exist ({count} so far)")
    info = suite.client.value(voting.address, _BALLOT, ballot_id)
    suite.require_own("ballot", ballot_id, info["token"])
    title, uri, options = "", "", [f"option {i}" for i in range(int(info["optionCount"]))]
    record = suite.deployment.contracts["voting"]
    for log in iter_logs(
        suite.w3,
        address=voting.address,
        topics=_BALLOT_CREATED.topic_filter({"id": ballot_id}),
        from_block=record.block,
        to_block=int(suite.w3.eth.block_number),
    ):
        params = _BALLOT_CREATED.decode(log.topics, log.data)["params"]
        title, uri = str(params["title"]), str(params["documentURI"])
        options = [str(o) for o in params["options"]]
    outcome = suite.client.value(voting.address, _OUTCOME, ballot_id)
    return BallotResults(
        id=ballot_id,
        title=title,
        document_uri=uri,
        options=options,
        record_date_id=int(info["recordDateId"]),
        start=int(info["start"]),
        end=int(info["end"]),
        quorum_bps=int(info["quorumBps"]),
        threshold_bps=int(info["thresholdBps"]),
        eligible_supply=int(info["eligibleSupply"]),
        tallies=[int(t) for t in voting.tallies(ballot_id)],
        turnout=int(outcome["turnout"]),
        ended=bool(outcome["ended"]),
        quorum_reached=bool(outcome["quorumReached"]),
        tie=bool(outcome["tie"]),
        winning_option=int(outcome["winningOption"]),
        passed=bool(outcome["passed"]),
        decimals=int(token.decimals()),
    )


def print_results(console: Console, results: BallotResults) -> None:
    grid = Table(title=f"Ballot {results.id}: {results.title}")
    grid.add_column("#", justify="right")
    grid.add_column("option")
    grid.add_column("votes (weight)", justify="right")
    grid.add_column("% of votes cast", justify="right")
    for index, (label, tally) in enumerate(zip(results.options, results.tallies, strict=False)):
        share = tally / results.turnout * 100 if results.turnout else 0.0
        grid.add_row(str(index), label, format_units(tally, results.decimals), f"{share:.2f}")
    console.print(grid)
    console.print(
        f"voting {'closed' if results.ended else 'open'}: {format_timestamp(results.start)} to "
        f"{format_timestamp(results.end)} (UTC)"
    )
    console.print(
        f"turnout {format_units(results.turnout, results.decimals)} of "
        f"{format_units(results.eligible_supply, results.decimals)} eligible "
        f"({results.turnout_share * 100:.2f}%), quorum {results.quorum_bps / 100:.2f}% "
        f"{'reached' if results.quorum_reached else 'not reached'}; "
        f"outcome: {results.outcome_text()}"
    )


def option_index(labels: Sequence[str], choice: str) -> int:
    """The 0-based option for ``choice``: an option's label (case-insensitive) or its number."""
    text = choice.strip()
    matches = [i for i, label in enumerate(labels) if label.strip().casefold() == text.casefold()]
    if len(matches) == 1:
        return matches[0]
    if text.isdigit() and int(text) < len(labels):
        return int(text)
    listed = ", ".join(f"{i} {label!r}" for i, label in enumerate(labels))
    raise SectokenError(
        f"{choice!r} is not an option of this ballot",
        hint=f"give the option's label or number: {listed}",
    )
