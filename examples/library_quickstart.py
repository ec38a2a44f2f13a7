"""sectoken as a library: a suite on a throw-away Anvil, two investors, an issue, a transfer,
the cap table. Runs from any folder with only the installed package (no checkout, no compiler):

    pip install sectoken          # and Anvil on PATH (Foundry, or npm's @foundry-rs/anvil)
    python library_quickstart.py

It writes spec.yaml, investors.csv and deployments/local.json in the current folder.
"""

from __future__ import annotations

from pathlib import Path

from ape import accounts

import sectoken

SPEC = """\
token: {name: Example Shares, symbol: EXS, decimals: 0}
registry: new
corporate: {dividends: false, voting: false}
rules:
  require_accreditation: true
  country_allow_list: false
  max_holders: 100
  holding_period: 0
  max_balance: 0
  max_balance_bps: 0
  min_position: 0
countries: {}
roles: {issuer: [deployer], compliance: [deployer], controller: [deployer], pauser: [deployer]}
documents: {}
"""

HEADER = "wallet,country,kyc_expiry,lockup_until,accredited,qualified_purchaser,affiliate,"
HEADER += "withholding,frozen\n"


def main() -> None:
    with sectoken.connect("ethereum:local:foundry"):
        admin, alice, bob, carol = accounts.test_accounts[:4]
        Path("spec.yaml").write_text(SPEC)
        Path("investors.csv").write_text(
            HEADER
            + f"{alice.address},US,2099-12-31,,true,false,false,false,false\n"
            + f"{bob.address},DE,2099-12-31,,true,false,false,false,false\n"
        )

        suite = sectoken.deploy("spec.yaml", admin)
        print(f"token {suite.deployment.address('token')}")
        outcome = sectoken.import_investors(suite, admin, "investors.csv")
        print(f"investors: {len(outcome.parsed.rows)} rows, {outcome.transactions} transaction(s)")

        print(sectoken.issue(suite, admin, alice.address, "1000").summary)
        print(sectoken.transfer(suite, alice, bob.address, "250").summary)

        refused = sectoken.check_transfer(suite, bob.address, carol.address, "1")
        print(f"bob -> carol (not an investor): code {refused.code}: {refused.reason}")

        table = sectoken.cap_table(suite)
        for holder in table.holders:
            print(f"holder {holder.wallet} {holder.balance} {holder.share * 100:.2f}%")
        print(
            f"supply {table.total_supply}, holders {len(table.holders)}, "
            f"matches chain: {table.matches_chain}"
        )
        sectoken.print_cap_table(table)


if __name__ == "__main__":
    main()
