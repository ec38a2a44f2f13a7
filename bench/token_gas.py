"""Gas of the security token against a plain OpenZeppelin ERC-20, measured in one run on Anvil.

Run: ``make bench`` (or ``.venv/bin/python bench/token_gas.py`` from the project root after
``make install``). Prints a table; with ``--json FILE`` also writes the figures for the gas report.
Every figure is ``gas_used`` of a mined receipt: nothing is estimated.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sectoken.model.records import InvestorRecord  # noqa: E402

FAR_FUTURE = 4_102_444_800
US, DE, KP = 840, 276, 408
PLAIN_TRANSFER_TARGET = 1.5  # compliant transfer at most 1.5x the plain transfer
BATCH_TARGET = 25_000  # gas per investor in a batch of 100
SIZE_LIMIT = 24_576  # EIP-170
# The bench's clock: every timestamp sent in calldata is a constant from here, never the wall
# clock (a zero byte of calldata costs 4 gas, any other byte 16: timestamps read from the clock
# made the figures differ by 12-24 gas between runs). Far enough ahead of any real date.
CLOCK = 3_000_000_000  # 2065-01-24
DAY = 86_400
MIN_POSITION = 10  # token units (the bench token has 0 decimals)
SENT = 10  # what every measured transfer moves, plain and compliant alike


def word(country: int = US, accredited: bool = True, kyc_expiry: int = FAR_FUTURE) -> int:
    return InvestorRecord(kyc_expiry=kyc_expiry, country=country, accredited=accredited).pack()


def measure(ape: Any) -> dict[str, Any]:
    project, accounts, chain = ape.project, ape.accounts.test_accounts, ape.chain
    admin, alice, bob, carol, spender, operator = (accounts[i] for i in range(6))
    rows: dict[str, int] = {}
    chain.mine(timestamp=max(CLOCK, chain.pending_timestamp))

    # The fair baseline: the plain ERC-20 moves the same amount (SENT) to the same wallets as the
    # compliant transfers below, so both send the same calldata (same zero and non-zero bytes).
    plain = project.PlainERC20.deploy("Plain", "PLN", 10**24, sender=admin)
    plain.transfer(alice, 10**21, sender=admin)
    plain.transfer(bob, 10**21, sender=admin)
    rows["plain ERC-20 transfer, existing holder"] = plain.transfer(
        bob, SENT, sender=alice
    ).gas_used
    rows["plain ERC-20 transfer, new holder"] = plain.transfer(carol, SENT, sender=alice).gas_used
    plain.approve(spender, 10**21, sender=alice)
    rows["plain ERC-20 transferFrom, existing holder"] = plain.transferFrom(
        alice, bob, SENT, sender=spender
    ).gas_used

    registry = project.InvestorRegistry.deploy(admin, sender=admin)
    token = project.SecurityToken.deploy("Acme", "ACME", 0, registry, admin, sender=admin)
    for role in ("ISSUER_ROLE", "COMPLIANCE_ROLE", "CONTROLLER_ROLE", "PAUSER_ROLE"):
        token.grantRole(getattr(token, role)(), admin, sender=admin)

    rows["registry add, batch of 1 (per investor)"] = registry.setInvestors(
        [alice], [word()], sender=admin
    ).gas_used
    # Realistic wallets: 20 random (non-zero) bytes each, so calldata costs what it costs for
    # real investors (an address full of zero bytes would be about 230 gas cheaper per entry).
    rng = random.Random(1404)
    fresh = [
        ape.convert(
            "0x" + bytes(rng.randrange(1, 256) for _ in range(20)).hex(), ape.types.AddressType
        )
        for _ in range(100)
    ]
    records = [word(kyc_expiry=FAR_FUTURE - rng.randrange(10**7)) for _ in range(100)]
    batch = registry.setInvestors(fresh, records, sender=admin)
    rows["registry add, batch of 100 (per investor)"] = batch.gas_used // 100
    registry.setInvestors([bob, carol, spender], [word(), word(DE), word()], sender=admin)

    token.issue(alice, 10**6, b"", sender=admin)
    token.issue(bob, 10**6, b"", sender=admin)
    # every rule configured: accreditation, block-list with a blocked country, holder limits
    # (token and per country), holding period, absolute and relative balance caps, minimum
    # position (10 units: the transfers below move 10, so every one is checked against it)
    token.setRules((True, False, 1000, 60, 10**9, 9000, MIN_POSITION), sender=admin)
    token.setCountryRules([KP, US, DE], [True, False, False], [0, 500, 500], sender=admin)
    rows["issue to a new holder"] = token.issue(spender, 1000, b"", sender=admin).gas_used
    chain.mine(timestamp=chain.pending_timestamp + 120)  # past the holding period

    # The first transfer to a holder after a country-rule change re-reads the country rule and
    # caches its verdict in the holder's slot; later transfers read the cache.
    rows["compliant transfer, first after a country-rule change"] = token.transfer(
        bob, 10, sender=alice
    ).gas_used
    rows["compliant transfer, existing holder"] = token.transfer(bob, 10, sender=alice).gas_used
    rows["compliant transfer, new holder"] = token.transfer(carol, 10, sender=alice).gas_used
    token.approve(spender, 10**6, sender=alice)
    # transferFrom checks the spender: a verified investor (its record comes in the same registry
    # call as the parties') or an operator approved on the token (no registry record read)
    rows["compliant transferFrom, existing holder"] = token.transferFrom(
        alice, bob, 10, sender=spender
    ).gas_used
    token.setApprovedOperator(operator, True, sender=admin)
    token.approve(operator, 10**6, sender=alice)
    rows["compliant transferFrom by an approved operator"] = token.transferFrom(
        alice, bob, 10, sender=operator
    ).gas_used

    # ERC-5805 votes: a transfer between wallets that never delegated skips the votes
    # bookkeeping; with a delegating party it moves delegated votes (a checkpoint per delegatee)
    token.invoke_transaction("delegate", alice, sender=alice)
    rows["compliant transfer, sender delegated"] = token.transfer(bob, 10, sender=alice).gas_used
    token.invoke_transaction("delegate", bob, sender=bob)
    rows["compliant transfer, both delegated"] = token.transfer(bob, 10, sender=alice).gas_used
    token.invoke_transaction("delegate", ZERO_ADDRESS, sender=alice)
    token.invoke_transaction("delegate", ZERO_ADDRESS, sender=bob)
    rows["permit (ERC-2612)"] = _permit(ape, token, alice, spender, 10**6).gas_used

    # record dates: the first movement of a wallet after a record date saves its balance once
    at = CLOCK + DAY
    rows["schedule a record date"] = token.scheduleRecordDate(at, sender=admin).gas_used
    rows["compliant transfer, record date pending"] = token.transfer(bob, 10, sender=alice).gas_used
    chain.pending_timestamp = at + 1
    rows["compliant transfer, first after a record date"] = token.transfer(
        bob, 10, sender=alice
    ).gas_used
    rows["compliant transfer, again after that record date"] = token.transfer(
        bob, 10, sender=alice
    ).gas_used

    # The regime rules of the regulatory presets (setRegime), on the same token after the rows
    # above: a transfer pays the regime's inputs, a static call to the admin module and, when it
    # records something (an affiliate's sale), a delegatecall to it.
    regime_off = (0, False, 0, 0, 0, 0, 0, 0)
    # Reg S after its period, accredited required of every receiver (Reg D 506(c)-like)
    token.setRegime((CLOCK, False, 1, 0, 0, 0, 0, 0), sender=admin)
    rows["compliant transfer, regime: Reg S period over, accredited required"] = token.transfer(
        bob, 10, sender=alice
    ).gas_used
    # class caps (506(b) 35 non-accredited, EU 149 per country) and a Reg CF resale period over
    token.setRegime((0, False, 0, 35, 149, 1, 0, 0), sender=admin)
    rows["compliant transfer, regime: class caps, resale period over"] = token.transfer(
        bob, 10, sender=alice
    ).gas_used
    # Rule 144(e): the sender is an affiliate, 1% of the supply per 90 days
    registry.setInvestor(
        alice,
        InvestorRecord(kyc_expiry=FAR_FUTURE, country=US, accredited=True, affiliate=True).pack(),
        sender=admin,
    )
    token.setRegime((0, False, 0, 0, 0, 0, 100, 90 * DAY), sender=admin)
    rows["compliant transfer by an affiliate, volume rule, first sale"] = token.transfer(
        bob, 10, sender=alice
    ).gas_used
    rows["compliant transfer by an affiliate, volume rule, later sale"] = token.transfer(
        bob, 10, sender=alice
    ).gas_used
    token.setRegime(regime_off, sender=admin)
    rows["compliant transfer, regime removed again"] = token.transfer(
        bob, 10, sender=alice
    ).gas_used

    sizes = {
        name: len(bytes(getattr(project, name).contract_type.get_runtime_bytecode() or b""))
        for name in ("SecurityToken", "SecurityTokenAdmin", "InvestorRegistry", "PlainERC20")
    }
    return {"gas": rows, "sizes": sizes}


ZERO_ADDRESS = "0x" + "00" * 20


def _permit(ape: Any, token: Any, owner: Any, spender: Any, value: int) -> Any:
    """Sign an ERC-2612 permit with the owner's test key and send it from the spender."""
    from eth_account import Account

    fields = token.eip712Domain()
    domain = {
        "name": fields[1],
        "version": fields[2],
        "chainId": fields[3],
        "verifyingContract": fields[4],
    }
    types = {
        "Permit": [
            {"name": "owner", "type": "address"},
            {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ]
    }
    deadline = CLOCK + 365 * DAY
    message = {
        "owner": owner.address,
        "spender": spender.address,
        "value": value,
        "nonce": token.nonces(owner),
        "deadline": deadline,
    }
    signed = Account.sign_typed_data(owner.private_key, domain, types, message)
    r, s = signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
    return token.permit(owner, spender, value, deadline, signed.v, r, s, sender=spender)


def report(figures: dict[str, Any]) -> str:
    gas, sizes = figures["gas"], figures["sizes"]
    base = gas["plain ERC-20 transfer, existing holder"]
    targets = {
        "compliant transfer, existing holder": base * PLAIN_TRANSFER_TARGET,
        "registry add, batch of 100 (per investor)": BATCH_TARGET,
    }
    lines = [f"{'operation':52} {'gas':>9} {'vs plain':>9} {'target':>9}  result"]
    for name, used in gas.items():
        target = targets.get(name)
        verdict = "" if target is None else ("pass" if used <= target else "FAIL")
        target_text = "" if target is None else f"{int(target):,}"
        lines.append(f"{name:52} {used:>9,} {used / base:>8.2f}x {target_text:>9}  {verdict}")
    lines.append("")
    lines.append(f"{'deployed bytecode':52} {'bytes':>9} {'limit':>9}")
    for name, size in sizes.items():
        lines.append(
            f"{name:52} {size:>9,} {SIZE_LIMIT:>9,}  {'pass' if size <= SIZE_LIMIT else 'FAIL'}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    import ape

    with ape.networks.parse_network_choice("ethereum:local:foundry"):
        figures = measure(ape)
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
