"""The issuer's money-flow contracts in a deployment (the spec's ``markets:`` section).

Each of ``offerings`` (PrimaryOffering), ``settlement`` (TradeSettlement) and ``buybacks``
(BuybackOffers) is ``false`` (none), ``true`` (deploy one) or the address of the issuer's existing
one (shared by its tokens, like the distributor: recorded as reused). Either way the token grants
the contract what it needs, and only what is missing:

- the offering contract: ``ISSUER_ROLE`` (delivery calls ``issue``);
- the settlement and buy-back contracts: approved operator (``setApprovedOperator``: the
  settlement moves a seller's shares with ``transferFromWithData``, the buy-back redeems tendered
  shares with ``redeemFrom``; the token checks such a spender).

``market_steps`` is the deploy job's extra part (it runs after the token is configured): the plan
lists its steps, apply runs them. A deployment is sent like the suite's own (the address it will
have saved first, adopted by a re-run); a grant checks the chain again just before it is sent, so
a re-run after a crash sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import Web3

from sectoken.chain.contracts import container
from sectoken.chain.deployments import ContractRecord, Deployment
from sectoken.chain.suite import CONTRACT_TYPES, role_id
from sectoken.errors import SectokenError
from sectoken.model.spec import MARKET_KEYS, Spec

__all__ = ["MARKET_TYPES", "market_steps"]

#: Contract type by its key in the spec and the deployment file.
MARKET_TYPES = {
    "offerings": "PrimaryOffering",
    "settlement": "TradeSettlement",
    "buybacks": "BuybackOffers",
}
#: A view each answers (how a reused address is recognised).
_PROBE = {"offerings": "offeringCount", "settlement": "tradeCount", "buybacks": "buybackCount"}
_OPERATORS = ("settlement", "buybacks")


def market_steps(
    project: Any, spec: Spec, deployment: Deployment, account: Any, w3: Web3
) -> list[Any]:
    """The steps the spec's market contracts still need (deploy or record, then the grants)."""
    from sectoken.jobs.deploy import Step

    deployer = to_checksum_address(account.address)
    steps: list[Step] = []
    wanted = {key: spec.markets.get(key, False) for key in MARKET_KEYS}
    if not any(v is not False for v in wanted.values()):
        return steps
    token_record = deployment.contracts.get("token")
    token = (
        container(project, CONTRACT_TYPES["token"]).at(token_record.address)
        if token_record is not None
        else None
    )
    if any(wanted[k] is not False for k in _OPERATORS):
        _check_compliance(spec, token, deployer)

    def token_now() -> Any:
        return container(project, CONTRACT_TYPES["token"]).at(deployment.address("token"))

    for key, value in wanted.items():
        if value is False:
            continue
        type_name = MARKET_TYPES[key]
        if key not in deployment.contracts:
            if isinstance(value, str):
                _check_reusable(project, key, value, w3)
                steps.append(
                    Step(
                        "reuse",
                        f"record the issuer's {type_name} at {value} (shared by its tokens)",
                        _recorder(deployment, key, value, w3),
                    )
                )
            else:
                steps.append(
                    Step(
                        "deploy",
                        f"deploy {key} ({type_name})",
                        _deployer(project, deployment, key, account, w3),
                    )
                )
        address = deployment.contracts[key].address if key in deployment.contracts else None
        if key == "offerings":
            granted = (
                token is not None
                and address is not None
                and bool(token.hasRole(role_id("ISSUER_ROLE"), address))
            )
            if not granted:
                steps.append(_issuer_grant(token_now, deployment, key, account))
        else:
            approved = (
                token is not None
                and address is not None
                and bool(token.isApprovedOperator(address))
            )
            if not approved:
                steps.append(_operator_approval(token_now, deployment, key, account))
    return steps


def _check_compliance(spec: Spec, token: Any, deployer: str) -> None:
    will_hold = deployer in spec.role_holders("compliance", deployer)
    holds = token is not None and bool(token.hasRole(role_id("COMPLIANCE_ROLE"), deployer))
    if not (will_hold or holds):
        raise SectokenError(
            f"markets.settlement and markets.buybacks are approved operators of the token, which "
            f"needs COMPLIANCE_ROLE: the deploying account {deployer} will not hold it",
            hint="add 'deployer' under roles.compliance in the spec, or deploy with an account "
            "that holds it",
        )


def _check_reusable(project: Any, key: str, address: str, w3: Web3) -> None:
    checked = to_checksum_address(address)
    if not w3.eth.get_code(checked):
        raise SectokenError(
            f"the spec's markets.{key} {address} has no contract on this chain",
            hint="check the address and the --network, or write 'true' to deploy a new one",
        )
    contract = container(project, MARKET_TYPES[key]).at(checked)
    try:
        getattr(contract, _PROBE[key])()
    except Exception as exc:
        raise SectokenError(
            f"{address} does not answer like a sectoken {MARKET_TYPES[key]} ({exc})",
            hint="give the address of the issuer's contract, or write 'true' to deploy a new one",
        ) from exc


def _recorder(deployment: Deployment, key: str, address: str, w3: Web3) -> Callable[[], None]:
    def run() -> None:
        if key in deployment.contracts:
            return
        number = int(w3.eth.block_number)
        block_hash = "0x" + bytes(w3.eth.get_block(number)["hash"]).hex()
        deployment.contracts[key] = ContractRecord(
            address=to_checksum_address(address), block=number, block_hash=block_hash, reused=True
        )
        deployment.save()

    return run


def _deployer(
    project: Any, deployment: Deployment, key: str, account: Any, w3: Web3
) -> Callable[[], None]:
    def run() -> None:
        from sectoken.jobs.deploy import create_address

        if key in deployment.contracts:
            return
        pending = deployment.pending.get(key)
        if pending and _adopt(deployment, key, pending, w3):
            return
        sender = to_checksum_address(account.address)
        nonce = int(w3.eth.get_transaction_count(sender, "pending"))
        deployment.pending[key] = {
            "address": create_address(sender, nonce),
            "nonce": nonce,
            "block": int(w3.eth.block_number),
        }
        deployment.save()
        instance = account.deploy(container(project, MARKET_TYPES[key]), nonce=nonce)
        receipt = w3.eth.get_transaction_receipt(instance.txn_hash)
        number = int(receipt["blockNumber"])
        block_hash = "0x" + bytes(w3.eth.get_block(number)["hash"]).hex()
        deployment.contracts[key] = ContractRecord(
            address=to_checksum_address(instance.address),
            block=number,
            block_hash=block_hash,
            tx_hash=str(instance.txn_hash),
        )
        deployment.pending.pop(key, None)
        deployment.save()

    return run


def _adopt(deployment: Deployment, key: str, pending: dict[str, Any], w3: Web3) -> bool:
    """An interrupted run sent this deployment: adopt the contract if it landed."""
    address = to_checksum_address(str(pending["address"]))
    deployment.pending.pop(key, None)
    if not w3.eth.get_code(address):
        return False
    number = int(pending.get("block", 0))
    block_hash = "0x" + bytes(w3.eth.get_block(number)["hash"]).hex()
    deployment.contracts[key] = ContractRecord(
        address=address, block=number, block_hash=block_hash, tx_hash=None
    )
    deployment.save()
    return True


def _issuer_grant(
    token_now: Callable[[], Any], deployment: Deployment, key: str, account: Any
) -> Any:
    from sectoken.jobs.deploy import Step

    def run() -> None:
        token, holder = token_now(), deployment.address(key)
        if not token.hasRole(role_id("ISSUER_ROLE"), holder):
            token.grantRole(role_id("ISSUER_ROLE"), holder, sender=account)

    return Step("grant", f"grant ISSUER_ROLE on the token to {key} ({MARKET_TYPES[key]})", run)


def _operator_approval(
    token_now: Callable[[], Any], deployment: Deployment, key: str, account: Any
) -> Any:
    from sectoken.jobs.deploy import Step

    def run() -> None:
        token, operator = token_now(), deployment.address(key)
        if not token.isApprovedOperator(operator):
            token.setApprovedOperator(operator, True, sender=account)

    return Step("approve", f"approve {key} ({MARKET_TYPES[key]}) as an operator of the token", run)
