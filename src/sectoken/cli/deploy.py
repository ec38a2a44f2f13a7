"""ape run deploy SPEC.yaml: deploy a token suite from a spec, or bring it in line with the spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from sectoken.cli.common import (
    SectokenCommand,
    console,
    contracts_here,
    deployments_option,
    friendly,
    resolve_account,
    sender_option,
)


@click.command(cls=SectokenCommand)
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the plan; send nothing.")
@click.option("--fresh", is_flag=True, help="Deploy a new suite even if one is recorded.")
@deployments_option
@sender_option
@friendly
def cli(spec_file: Path, dry_run: bool, fresh: bool, deployments_dir: Path, account: Any) -> None:
    """Deploy the suite described by SPEC_FILE (idempotent and resumable)."""
    from sectoken.chain.suite import network_name, provider_web3
    from sectoken.jobs.deploy import apply_deploy, plan_deploy
    from sectoken.model.spec import load_spec

    spec = load_spec(spec_file)
    project = contracts_here()
    sender = resolve_account(account)
    w3 = provider_web3()
    plan = plan_deploy(
        project,
        spec,
        sender,
        w3=w3,
        network=network_name(),
        directory=deployments_dir,
        fresh=fresh,
    )
    for note in plan.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    if spec.presets.uses:
        console.print("Regulatory presets and the rule values they set:")
        for line in spec.presets.describe():
            console.print(f"  {escape(line)}")
    path = plan.deployment.path
    if plan.is_empty:
        if not plan.deployment.configured:
            console.print("Nothing left to send; recording the spec as applied.")
            apply_deploy(project, plan, sender, w3=w3)
        console.print(f"[green]Up to date:[/green] {path} matches {spec_file.name}; nothing sent.")
        return
    console.print(f"Plan for {spec_file.name} on {plan.deployment.network} ({path}):")
    for step in plan.steps:
        console.print(f"  • {escape(step)}")
    if dry_run:
        console.print("[yellow]--dry-run: nothing sent.[/yellow]")
        return
    sent = apply_deploy(
        project, plan, sender, w3=w3, on_step=lambda s: console.print(f"[dim]→ {escape(s)}[/dim]")
    )
    console.print(f"[green]Done:[/green] {sent} transaction(s); addresses in {path}")
    for name, record in plan.deployment.contracts.items():
        console.print(f"  {name:<10} {record.address}  (block {record.block})")
