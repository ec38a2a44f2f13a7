"""Deploy a token with presets through the deploy job and walk its rule table on chain.

``deploy_presets(presets, rules=...)`` deploys a token (no corporate contracts) from a spec with
those presets and returns a ``Walk``: it writes registry records (``investor``), issues, moves
the chain's clock to an exact second (``at``) and asks the token's compliance decision the way
every command's pre-flight does (``check``: the code and the message the user sees).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_utils.address import to_checksum_address

import sectoken
from sectoken.chain.suite import Suite
from sectoken.jobs.deploy import has_regime
from sectoken.model.presets import REGIME_FLAGS
from sectoken.model.records import InvestorRecord
from sectoken.model.restrictions import RESTRICTIONS

FAR_FUTURE = 4_102_444_800  # 2100-01-01
#: Tests of presets that set regime rules need a token that has them (setRegime).
needs_regime = pytest.mark.skipif(
    not has_regime(), reason="the packaged token has no regime rules (setRegime)"
)
CODES = {r.name: r.code for r in RESTRICTIONS.values()}
_FLAG_SHIFT = 144  # the record's flag byte (sectoken.model.records: bits 144..151)


@dataclass
class Walk:
    suite: Suite
    deployer: Any
    chain: Any
    _made: list[list[str]] = field(default_factory=list)

    @property
    def token(self) -> Any:
        return self.suite.token

    def investor(self, wallet: Any, country: int = 840, *flags: str) -> None:
        """A verified investor with the named registry flags (REGIME_FLAGS)."""
        word = InvestorRecord(kyc_expiry=FAR_FUTURE, country=country).pack()
        for flag in flags:
            word |= REGIME_FLAGS[flag] << _FLAG_SHIFT
        self.suite.registry.setInvestor(wallet, word, sender=self.deployer)

    def investors(self, count: int, country: int = 840, *flags: str) -> list[str]:
        """``count`` fresh verified wallets (addresses only: they receive, never send), one
        registry transaction."""
        start = 0x5EC0000 + 1000 * len(self._made)
        wallets = [to_checksum_address(f"0x{start + i:040x}") for i in range(count)]
        word = InvestorRecord(kyc_expiry=FAR_FUTURE, country=country).pack()
        for flag in flags:
            word |= REGIME_FLAGS[flag] << _FLAG_SHIFT
        self.suite.registry.setInvestors(wallets, [word] * count, sender=self.deployer)
        self._made.append(wallets)
        return wallets

    def issue_each(self, wallets: Sequence[str], amount: int = 1) -> None:
        """Issue ``amount`` to each wallet, straight through the token (fast set-up)."""
        for wallet in wallets:
            self.token.issue(wallet, amount, b"", sender=self.deployer)

    def issue(self, wallet: Any, amount: int) -> int:
        """Issue ``amount``; the block time of the issuance (the holder's acquisition)."""
        done = sectoken.issue(self.suite, self.deployer, str(wallet), amount)
        return int(self.chain.blocks[done.block].timestamp)

    def regime(self) -> dict[str, Any]:
        """The token's regime rules as set on chain, by the ABI's field names (decoded from the
        token's regime word the way the deploy job reads it)."""
        from sectoken.jobs.deploy import decode_regime

        regime = decode_regime(int(self.token.regimeState(0, ZERO)[0]))
        names = ("usPersonBlockedUntil", "accreditationUsOnly", "requiredFlags",
                 "maxNonAccredited", "maxNonQualifiedPerCountry", "resalePeriod",
                 "affiliateVolumeBps", "affiliateWindow")  # fmt: skip
        return dict(zip(names, regime.as_tuple(), strict=True))

    @property
    def now(self) -> int:
        """The time the next block will have (at least)."""
        return int(self.chain.pending_timestamp)

    def at(self, timestamp: int) -> None:
        """Mine a block at exactly ``timestamp``: views then run at that time."""
        self.chain.mine(timestamp=timestamp)

    def transfer(self, sender: Any, receiver: Any, amount: int) -> int:
        """Transfer through the job (pre-flight included); the block time it was mined at."""
        done = sectoken.transfer(self.suite, sender, str(receiver), amount)
        return int(self.chain.blocks[done.block].timestamp)

    def check(self, sender: Any, receiver: Any, amount: int) -> tuple[str, str]:
        """(restriction name, message) of the pre-flight; ("SUCCESS", "") when allowed."""
        result = sectoken.check_transfer(self.suite, str(sender), str(receiver), amount)
        name = RESTRICTIONS[result.code].name if result.code in RESTRICTIONS else str(result.code)
        return name, result.reason


ZERO = "0x0000000000000000000000000000000000000000"


@pytest.fixture
def deploy_presets(deployer: Any, chain: Any, tmp_path: Path) -> Callable[..., Walk]:
    def deploy(presets: Sequence[Any], **rules: Any) -> Walk:
        spec = {
            "token": {"name": "Preset Shares", "symbol": "PRE", "decimals": 0},
            "corporate": {"dividends": False, "voting": False},
            "presets": list(presets),
            "rules": rules,
            "roles": {"issuer": ["deployer"], "compliance": ["deployer"]},
        }
        suite = sectoken.deploy(spec, deployer, deployments=tmp_path / "deployments")
        return Walk(suite, deployer, chain)

    return deploy
