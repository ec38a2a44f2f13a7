"""The public API: deploy or attach a suite, keep its registry, move tokens, read the cap table,
pay dividends and run ballots, from Python.

Every function here is a thin, typed front to a job in ``sectoken.jobs`` (the same code the
``ape run`` / ``ape sectoken`` commands run), so a script gets the same checks, the same one-line
``SectokenError`` on a user error and the same safety on re-runs (an operation whose reply was
lost is found on chain, not sent twice).

They work on the network Ape is connected to: open one with ``sectoken.connect("ethereum:local:
foundry")`` (a throw-away Anvil) or Ape's own ``networks.parse_network_choice(...)``. Contracts
come from the ABI and bytecode shipped in the package, so no compiler is needed; pass
``contracts=project`` to use an Ape project's compiled contracts instead. Accounts are Ape
accounts (``accounts.load("alias")``, ``accounts.test_accounts[0]``).

Amounts given as ``str`` are in whole tokens (``"12.5"``); as ``int``, in the token's smallest
unit. Dates are unix seconds (UTC).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sectoken.errors import SectokenError

if TYPE_CHECKING:
    from ape.api.accounts import AccountAPI
    from ape.api.networks import ProviderContextManager
    from ape.managers.project import ProjectManager

    from sectoken.chain.contracts import PackagedContracts
    from sectoken.chain.suite import Suite
    from sectoken.jobs.captable import CapTable
    from sectoken.jobs.deploy import DeployPlan
    from sectoken.jobs.dividends import DistributionStatus
    from sectoken.jobs.investors import ImportOutcome
    from sectoken.jobs.operations import Done
    from sectoken.jobs.voting import BallotResults
    from sectoken.model.plan import Destructive
    from sectoken.model.spec import Spec

    #: Where contract containers come from: the package's ABI or an Ape project.
    Contracts = PackagedContracts | ProjectManager

__all__ = [
    "TransferCheck",
    "attach",
    "ballot_results",
    "cap_table",
    "check_transfer",
    "claim_dividend",
    "connect",
    "create_ballot",
    "create_dividend",
    "deploy",
    "dividend_status",
    "export_investors",
    "import_investors",
    "issue",
    "plan_deployment",
    "print_cap_table",
    "schedule_record_date",
    "transfer",
    "vote",
]

DEFAULT_DEPLOYMENTS = Path("deployments")


def _contracts(contracts: Contracts | None) -> Contracts:
    if contracts is not None:
        return contracts
    from sectoken.chain.contracts import packaged_contracts

    return packaged_contracts()


def connect(network: str = "ethereum:local:foundry") -> ProviderContextManager:
    """Ape's connection to ``network`` as a context manager (``with sectoken.connect(): ...``).

    The default starts a throw-away Anvil on a free local port (Ape's foundry provider: the
    ``anvil`` binary must be on PATH) and stops it on leaving the block. Any Ape network choice
    works: ``"ethereum:sepolia:node"``, ``"http://127.0.0.1:8545"``.
    """
    from ape import networks

    try:
        context: ProviderContextManager = networks.parse_network_choice(network)
    except Exception as exc:
        raise SectokenError(
            f"{network!r} is not a network Ape knows: {exc}",
            hint="use ecosystem:network[:provider] (see `ape networks list`) or a node URL",
        ) from exc
    return context


# ---------------------------------------------------------------------------------------------
# The suite
# ---------------------------------------------------------------------------------------------


def deploy(
    spec: str | Path | Spec | Mapping[str, Any],
    account: AccountAPI,
    *,
    deployments: str | Path = DEFAULT_DEPLOYMENTS,
    fresh: bool = False,
    contracts: Contracts | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Suite:
    """Deploy the suite ``spec`` describes (a YAML file, its parsed mapping or a ``Spec``) on the
    connected network, or bring an existing one in line with it; returns the opened suite.

    Idempotent and resumable: the deployment file ``<deployments>/<network>.json`` records each
    contract as it lands; running again with the same spec sends nothing. ``fresh`` moves an
    existing file aside and deploys a new suite.
    """
    from sectoken.chain.suite import network_name, open_suite, provider_web3
    from sectoken.jobs.deploy import apply_deploy

    source = _contracts(contracts)
    network = network_name()
    plan = plan_deployment(
        spec, account, deployments=deployments, fresh=fresh, contracts=source, network=network
    )
    apply_deploy(source, plan, account, w3=provider_web3(), on_step=on_step)
    return open_suite(source, deployments, network=network)


def plan_deployment(
    spec: str | Path | Spec | Mapping[str, Any],
    account: AccountAPI,
    *,
    deployments: str | Path = DEFAULT_DEPLOYMENTS,
    fresh: bool = False,
    contracts: Contracts | None = None,
    network: str | None = None,
) -> DeployPlan:
    """What ``deploy`` would send (``plan.steps``), reading the chain only."""
    from sectoken.chain.suite import network_name, provider_web3
    from sectoken.jobs.deploy import plan_deploy

    return plan_deploy(
        _contracts(contracts),
        _spec(spec),
        account,
        w3=provider_web3(),
        network=network or network_name(),
        directory=deployments,
        fresh=fresh,
    )


def _spec(spec: str | Path | Spec | Mapping[str, Any]) -> Spec:
    from sectoken.model.spec import Spec, load_spec, parse_spec

    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, str | Path):
        return load_spec(spec)
    return parse_spec(dict(spec))


def attach(
    deployments: str | Path = DEFAULT_DEPLOYMENTS,
    *,
    network: str | None = None,
    contracts: Contracts | None = None,
) -> Suite:
    """Open the suite recorded in ``<deployments>/<network>.json`` for the connected network
    (checked against the chain: a file describing another chain is refused)."""
    from sectoken.chain.suite import open_suite

    return open_suite(_contracts(contracts), deployments, network=network)


# ---------------------------------------------------------------------------------------------
# The investor registry
# ---------------------------------------------------------------------------------------------


def import_investors(
    suite: Suite,
    account: AccountAPI | None,
    csv_file: str | Path,
    *,
    prune: bool = False,
    batch_size: int = 100,
    allow_unchecksummed: bool = False,
    confirm: bool | Callable[[list[Destructive]], bool] = False,
) -> ImportOutcome:
    """Bring the registry in line with ``csv_file`` (the import format of docs/CSV.md).

    Every row is checked first (``InvestorCsvError`` lists them; nothing is sent), then the
    changes are planned against the chain and sent in batches of ``batch_size``; ``account``
    None plans only (a dry run). Changes that take something away (unfreeze, removal with
    ``prune``, shorter KYC) need ``confirm``: True, or a function shown them that answers.
    """
    from sectoken.chain.batching import registry_sender
    from sectoken.chain.suite import require_role
    from sectoken.jobs.investors import import_investors as run_import

    if account is not None:
        require_role(suite.registry, "COMPLIANCE_ROLE", account, what="investor registry")
    answer: Callable[[list[Destructive]], bool] = (
        confirm if callable(confirm) else (lambda _changes: bool(confirm))
    )
    return run_import(
        csv_file,
        suite.reader(),
        registry_sender(suite.registry_writer(account)) if account is not None else None,
        sender_address=account.address if account is not None else None,
        reserved=suite.deployment.suite_addresses(),
        allow_unchecksummed=allow_unchecksummed,
        prune=prune,
        batch_size=batch_size,
        dry_run=account is None,
        progress=False,
        describe_error=suite.decoder.explain,
        confirm=answer,
    )


def export_investors(suite: Suite, out: str | Path | TextIO) -> int:
    """Write every investor record on chain to ``out`` (a path or an open text file) in the
    import format; returns the number of rows."""
    from sectoken.jobs.investors import export_investors as run_export

    return run_export(suite.reader(), out)


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------


def issue(suite: Suite, account: AccountAPI, to: str, amount: str | int) -> Done:
    """Issue ``amount`` to ``to`` (``account`` holds ISSUER_ROLE), after the token's compliance
    check: a refusal raises ``TransferRefused`` with the restriction's code and reason."""
    from sectoken.jobs.operations import issue as run_issue

    return run_issue(suite, account, to, amount)


def transfer(suite: Suite, account: AccountAPI, to: str, amount: str | int) -> Done:
    """Transfer ``amount`` from ``account`` to ``to``, after the token's compliance check."""
    from sectoken.jobs.operations import transfer as run_transfer

    return run_transfer(suite, account, to, amount)


@dataclass(frozen=True, slots=True)
class TransferCheck:
    """The token's answer to "can ``sender`` send ``amount`` to ``receiver`` now?"."""

    allowed: bool
    code: int  # 0 when allowed; the ERC-1404 restriction code otherwise
    reason: str  # the token's message for the code ("" when allowed)
    hint: str | None = None  # what to do about it, when sectoken knows

    def __bool__(self) -> bool:
        return self.allowed


def check_transfer(suite: Suite, sender: str, receiver: str, amount: str | int) -> TransferCheck:
    """Ask the token whether ``amount`` could move from ``sender`` to ``receiver`` now, and why
    not (the zero address as ``sender`` asks about issuance). Reads only."""
    from sectoken.jobs.operations import TransferRefused, preflight
    from sectoken.model.addresses import checked_address
    from sectoken.model.amounts import to_units

    decimals = int(suite.require("token").decimals())
    units = to_units(amount, decimals) if isinstance(amount, str) else int(amount)
    try:
        preflight(
            suite,
            checked_address(sender, allow_unchecksummed=True),
            checked_address(receiver, allow_unchecksummed=True),
            units,
        )
    except TransferRefused as refused:
        return TransferCheck(False, refused.code, refused.reason, refused.hint)
    return TransferCheck(True, 0, "")


def schedule_record_date(suite: Suite, account: AccountAPI, when: int) -> int:
    """Fix a record date at unix time ``when`` (in the future); returns its id, which dividends
    and ballots refer to."""
    from sectoken.jobs.operations import schedule_record_date as run_schedule

    record_id, _done = run_schedule(suite, account, when)
    return record_id


# ---------------------------------------------------------------------------------------------
# Cap table
# ---------------------------------------------------------------------------------------------


def cap_table(
    suite: Suite,
    *,
    record_date_id: int | None = None,
    block: int | None = None,
    verify: bool = True,
) -> CapTable:
    """The holders rebuilt from the token's Transfer events (at the latest block, at ``block``,
    or at a passed record date), checked against ``balanceOf`` unless ``verify`` is False.
    ``table.holders``, ``table.write_csv(path)``, ``.write_json(path)``, ``.write_chart(path)``
    (the chart needs the ``sectoken[plot]`` extra); ``print_cap_table`` prints it."""
    from sectoken.jobs.captable import suite_cap_table

    return suite_cap_table(suite, record_date_id=record_date_id, block=block, verify=verify)


def print_cap_table(table: CapTable, *, limit: int = 25, file: TextIO | None = None) -> None:
    """Print ``table`` as the ``captable`` command does (to stdout, or ``file``)."""
    from rich.console import Console

    from sectoken.jobs.captable import print_cap_table as render

    target = file if file is not None else sys.stdout
    width = None if target.isatty() else 120  # piped: wide enough for full addresses
    render(Console(file=target, highlight=False, soft_wrap=True, width=width), table, limit=limit)


# ---------------------------------------------------------------------------------------------
# Dividends
# ---------------------------------------------------------------------------------------------


def create_dividend(
    suite: Suite,
    account: AccountAPI,
    *,
    record_date_id: int,
    amount: str,
    expiry: int,
    asset: str = "ETH",
    withholding_bps: int = 0,
    tax_wallet: str | None = None,
    excluded: Sequence[str] = (),
) -> int:
    """Deposit ``amount`` (whole units of ``asset``: "ETH" or an ERC-20 address) for the
    holders at the passed record date ``record_date_id``, claimable until ``expiry``; returns
    the distribution's id."""
    from sectoken.jobs.dividends import create_distribution

    dist_id, _done = create_distribution(
        suite,
        account,
        record_date_id=record_date_id,
        amount=amount,
        asset=asset,
        expiry=expiry,
        withholding_bps=withholding_bps,
        tax_wallet=tax_wallet,
        excluded=excluded,
    )
    return dist_id


def claim_dividend(suite: Suite, account: AccountAPI, dist_id: int) -> Done:
    """Claim ``account``'s share of distribution ``dist_id`` (refused, before sending, when
    nothing is due)."""
    from sectoken.jobs.dividends import claim_dividend as run_claim

    return run_claim(suite, account, dist_id)


def dividend_status(suite: Suite, dist_id: int) -> DistributionStatus:
    """Deposit, paid, withheld, unclaimed and claim count of distribution ``dist_id``."""
    from sectoken.jobs.dividends import distribution_status

    return distribution_status(suite, dist_id)


# ---------------------------------------------------------------------------------------------
# Ballots
# ---------------------------------------------------------------------------------------------


def create_ballot(
    suite: Suite,
    account: AccountAPI,
    *,
    title: str,
    options: Sequence[str],
    record_date_id: int,
    start: int,
    end: int,
    quorum_bps: int,
    threshold_bps: int = 0,
    document_uri: str = "",
) -> int:
    """Open a ballot weighted by the balances at record date ``record_date_id``, from ``start``
    to ``end``; returns its id."""
    from sectoken.jobs.voting import create_ballot as run_create

    ballot_id, _done = run_create(
        suite,
        account,
        title=title,
        options=options,
        record_date_id=record_date_id,
        start=start,
        end=end,
        quorum_bps=quorum_bps,
        threshold_bps=threshold_bps,
        document_uri=document_uri,
    )
    return ballot_id


def vote(suite: Suite, account: AccountAPI, ballot_id: int, option: int | str) -> Done:
    """Cast ``account``'s vote: ``option`` is the 0-based index or the option's label."""
    from sectoken.jobs.voting import ballot_results as results_of
    from sectoken.jobs.voting import cast_vote, option_index

    index = (
        option
        if isinstance(option, int)
        else option_index(results_of(suite, ballot_id).options, option)
    )
    return cast_vote(suite, account, ballot_id, index)


def ballot_results(suite: Suite, ballot_id: int) -> BallotResults:
    """Tallies, turnout, quorum and outcome of ballot ``ballot_id``."""
    from sectoken.jobs.voting import ballot_results as results_of

    return results_of(suite, ballot_id)
