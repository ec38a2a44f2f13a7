"""Rich output shared by the commands: CSV problems, import plans, send reports."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sectoken.chain.batching import SendReport
from sectoken.model.countries import format_country
from sectoken.model.csv_investors import MAX_LISTED_ISSUES, CsvIssue, ParsedInvestors
from sectoken.model.dates import format_timestamp
from sectoken.model.plan import Change, RegistryPlan
from sectoken.model.records import InvestorRecord, RecordError, unpack

__all__ = [
    "describe_change",
    "print_csv_issues",
    "print_plan",
    "print_send_report",
]


def print_csv_issues(
    console: Console, parsed: ParsedInvestors, *, limit: int = MAX_LISTED_ISSUES
) -> None:
    """The errors (and warnings) of a CSV file, one per line: the first ``limit`` of each kind,
    then how many more."""
    kinds = (("[red]error[/red]  ", parsed.errors), ("[yellow]warning[/yellow]", parsed.warnings))
    for label, issues in kinds:
        for issue in issues[:limit]:
            console.print(f"{label} {escape(_issue(issue))}", highlight=False)
        if len(issues) > limit:
            console.print(f"{label} … and {len(issues) - limit:,} more", highlight=False)
    if parsed.errors:
        count = len(parsed.errors)
        console.print(
            f"[bold red]{parsed.source}: {count} error{'s' if count != 1 else ''}; "
            "nothing was sent.[/bold red] Fix the rows above and run the command again."
        )


def _issue(issue: CsvIssue) -> str:
    column = f" [{issue.column}]" if issue.column else ""
    return f"{issue.source} line {issue.line}{column}: {issue.message}"


def describe_change(change: Change) -> str:
    """``country US→DE, accredited false→true`` for an update, the record for an add."""
    before = _decode(change.before)
    after = _decode(change.after)
    if before is None and after is not None:
        return _describe(after)
    if after is None and before is not None:
        return "remove (" + _describe(before) + ")"
    if before is None or after is None:
        return f"{change.before:#x} → {change.after:#x}"
    parts = []
    for name, old, new in _fields(before, after):
        if old != new:
            parts.append(f"{name} {old}→{new}")
    return ", ".join(parts) or "no change"


def _decode(word: int) -> InvestorRecord | None:
    if word == 0:
        return None
    try:
        return unpack(word)
    except RecordError:
        return None


def _show(record: InvestorRecord) -> dict[str, str]:
    return {
        "country": format_country(record.country),
        "kyc_expiry": format_timestamp(record.kyc_expiry),
        "lockup_until": format_timestamp(record.lockup_until) if record.lockup_until else "-",
        "accredited": str(record.accredited).lower(),
        "qualified_purchaser": str(record.qualified_purchaser).lower(),
        "affiliate": str(record.affiliate).lower(),
        "withholding": str(record.withholding).lower(),
        "frozen": str(record.frozen).lower(),
    }


def _fields(a: InvestorRecord, b: InvestorRecord) -> list[tuple[str, str, str]]:
    sa, sb = _show(a), _show(b)
    return [(k, sa[k], sb[k]) for k in sa]


def _describe(record: InvestorRecord) -> str:
    shown = _show(record)
    flags = [
        k
        for k in ("accredited", "qualified_purchaser", "affiliate", "withholding", "frozen")
        if shown[k] == "true"
    ]
    text = f"{shown['country']}, KYC until {shown['kyc_expiry']}"
    if record.lockup_until:
        text += f", locked until {shown['lockup_until']}"
    if flags:
        text += ", " + ", ".join(flags)
    return text


def print_plan(console: Console, plan: RegistryPlan, *, batch_size: int, limit: int = 15) -> None:
    """The plan's counts, then up to ``limit`` changes of each kind."""
    table = Table(title="Plan against the registry on chain", show_header=True)
    table.add_column("change")
    table.add_column("wallets", justify="right")
    table.add_row("add", str(len(plan.add)))
    table.add_row("update", str(len(plan.update)))
    table.add_row("remove", str(len(plan.remove)))
    table.add_row("unchanged", str(len(plan.unchanged)))
    if plan.kept:
        table.add_row("not in file (kept; --prune removes)", str(len(plan.kept)))
    console.print(table)
    for label, changes in (("add", plan.add), ("update", plan.update), ("remove", plan.remove)):
        for change in changes[:limit]:
            console.print(
                f"  {label:<6} {change.wallet}  {describe_change(change)}", highlight=False
            )
        if len(changes) > limit:
            console.print(f"  {label:<6} … and {len(changes) - limit} more")
    txs = plan.transaction_count(batch_size)
    if plan.is_empty:
        console.print("[green]Nothing to do: the registry already matches the file.[/green]")
    else:
        console.print(f"{txs} transaction{'s' if txs != 1 else ''} in batches of {batch_size}.")


def print_send_report(console: Console, report: SendReport) -> None:
    per = report.gas_used / report.investors if report.investors else 0
    console.print(
        f"[green]Sent {report.transactions} transaction(s) for {report.investors} investors "
        f"in {report.seconds:.1f} s; gas {report.gas_used:,} ({per:,.0f} per investor).[/green]"
    )
