"""sectoken: security tokens on Ethereum, driven from Python with Ape.

The public API (docs/API.md), all in ``sectoken.api`` and re-exported here::

    import sectoken
    from ape import accounts

    with sectoken.connect("ethereum:local:foundry"):
        admin = accounts.test_accounts[0]
        suite = sectoken.deploy("spec.yaml", admin)
        sectoken.import_investors(suite, admin, "investors.csv")
        sectoken.issue(suite, admin, "0x…", "1000")
        sectoken.print_cap_table(sectoken.cap_table(suite))

``import sectoken`` stays cheap: the API (and web3, Ape) is imported on first use of a name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sectoken.errors import SectokenError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sectoken.api import (
        TransferCheck,
        attach,
        ballot_results,
        cap_table,
        check_transfer,
        claim_dividend,
        connect,
        create_ballot,
        create_dividend,
        deploy,
        dividend_status,
        export_investors,
        import_investors,
        issue,
        plan_deployment,
        print_cap_table,
        schedule_record_date,
        transfer,
        vote,
    )
    from sectoken.chain.suite import Suite
    from sectoken.jobs.operations import TransferRefused

#: Public name -> the module that defines it (imported when the name is first used).
_LAZY = {
    **{
        name: "sectoken.api"
        for name in (
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
        )
    },
    "Suite": "sectoken.chain.suite",
    "TransferRefused": "sectoken.jobs.operations",
}

__all__ = [
    "SectokenError",
    "Suite",
    "TransferCheck",
    "TransferRefused",
    "__version__",
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sectoken' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
