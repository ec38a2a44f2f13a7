"""Deploy a token suite from a spec, resumably, and keep it configured as the spec says.

``plan_deploy`` compares the spec with the deployment file and the chain and returns the steps
still needed; ``apply_deploy`` runs them, saving the deployment file after every contract that
lands (and, before sending, the address a deployment will have), so a run that stops half way
resumes where it stopped. Running again with the same spec finds nothing to do and sends nothing.
A changed spec becomes a plan of what can change (rules, countries, roles, documents); a change to
what cannot (name, symbol, decimals, registry, removing a corporate contract) is refused.

An issuer's further tokens share its registry, distributor and voting contract: when the spec
names their addresses (``registry:``, ``corporate.dividends:``, ``corporate.voting:``), the plan
checks them (code, same registry, the deploying account may admit tokens), records them in the
deployment file as reused, deploys only the token and admits it on both (``setTokenServed``).
The token's administration module (``SecurityTokenAdmin``, code without state that every token of
the chain may share) is deployed first unless the spec names one (``admin_module:``), which is
then recorded as reused.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.types import Nonce
from web3.utils.address import get_create_address

from sectoken.abi import SHARED_CODE, canonical_type, contract_abi, function, snake_case
from sectoken.chain.batching import wait_for_pending
from sectoken.chain.client import ChainClient
from sectoken.chain.contracts import container
from sectoken.chain.deployments import (
    ContractRecord,
    Deployment,
    StaleDeployment,
    deployment_path,
    load_deployment,
)
from sectoken.chain.suite import CONTRACT_TYPES, role_id
from sectoken.errors import SectokenError
from sectoken.model.countries import format_country
from sectoken.model.create2 import (
    CLONE_SALT,
    IMPLEMENTATION_SALT,
    WIRED_SALT,
    clone_address,
    deployment_address,
    wired_address,
)
from sectoken.model.presets import Regime
from sectoken.model.spec import IMMUTABLE_KEYS, ROLE_KEYS, CountryRule, Document, Rules, Spec

__all__ = [
    "DeployPlan",
    "Step",
    "apply_deploy",
    "create_address",
    "decode_regime",
    "has_regime",
    "plan_deploy",
]

LOCAL_NETWORKS = frozenset({"local"})
SHARED_CORPORATE = ("dividends", "voting")
_LABELS = {"dividends": "dividend distributor", "voting": "voting contract"}
#: Every contract a deployment file may list, by key; deployed in this order (the token's
#: constructor takes the registry and the admin module, the corporate contracts the registry).
_TYPES: dict[str, str] = {**CONTRACT_TYPES, **SHARED_CODE}
_ORDER = ("registry", "module", "token", "dividends", "voting")
#: Clone mode: the issuer's factory and clone implementation come before the token (a proxy).
_CLONE_ORDER = ("registry", "module", "factory", "implementation", "token", "dividends", "voting")
#: Full mode through the factory (the spec names ``factory:``): the token is created and
#: configured in one transaction (``deployWired``).
_WIRED_ORDER = ("registry", "module", "factory", "token", "dividends", "voting")
#: Shared code a spec may name by address (``admin_module:``, ``factory:``).
_SHARED_CODE_KEYS = ("module", "factory")
_CODE_LABELS = {
    "module": "token administration module",
    "factory": "token factory",
    "implementation": "clone implementation",
}


def _order(spec: Spec) -> tuple[str, ...]:
    if spec.deployment == "clone":
        return _CLONE_ORDER
    return _WIRED_ORDER if spec.factory_named else _ORDER


@dataclass(slots=True)
class Step:
    """One transaction the deployment still needs."""

    kind: str
    description: str
    run: Callable[[], Any]
    #: A step on the token: the function's name and arguments, so that the factory can make the
    #: same call in the transaction that creates the token.
    call: tuple[str, tuple[Any, ...]] | None = None


@dataclass(slots=True)
class DeployPlan:
    spec: Spec
    deployment: Deployment
    deploys: list[str] = field(default_factory=list)
    config: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.deploys and not self.config

    #: The factory creates the token and makes its steps (those with a ``call``) in that same
    #: transaction (``Spec.through_factory``).
    wired: bool = False

    @property
    def steps(self) -> list[str]:
        inside = " (in the token's creating transaction)"
        return [f"deploy {name}" for name in self.deploys] + [
            s.description + (inside if self.wired and s.call is not None else "")
            for s in self.config
        ]


def create_address(sender: str, nonce: int) -> str:
    """The address of the contract ``sender`` creates with ``nonce`` (CREATE), by web3's helper."""
    return str(get_create_address(to_checksum_address(sender), Nonce(nonce)))


def _block_record(w3: Web3, number: int) -> tuple[int, str]:
    block = w3.eth.get_block(number)
    return int(block["number"]), "0x" + bytes(block["hash"]).hex()


def _open_or_create(
    path: Path,
    *,
    network: str,
    w3: Web3,
    deployer: str,
    fresh: bool,
    notes: list[str],
) -> Deployment:
    if path.exists() and fresh:
        aside = path.with_name(
            f"{path.stem}.{datetime.now(tz=UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        )
        shutil.move(path, aside)
        notes.append(f"--fresh: the previous deployment file was moved to {aside}")
    if path.exists():
        deployment = load_deployment(path, network=network)
        try:
            deployment.check_chain(w3)
        except StaleDeployment:
            if network not in LOCAL_NETWORKS:
                raise
            aside = path.with_name(f"{path.stem}.stale.json")
            shutil.move(path, aside)
            notes.append(f"{path} described a local chain that no longer runs; moved to {aside}")
        else:
            return deployment
    return Deployment(path=path, network=network, chain_id=int(w3.eth.chain_id), deployer=deployer)


def _immutable_changes(spec: Spec, recorded: dict[str, Any] | None) -> list[str]:
    if not recorded:
        return []
    wanted = spec.canonical()
    problems = []
    for key in IMMUTABLE_KEYS:
        old, new = recorded.get(key), wanted.get(key)
        if old == new:
            continue
        if key in ("dividends", "voting") and old is False and new is not False:
            continue
        problems.append(f"{key}: {old!r} → {new!r}")
    return problems


def plan_deploy(
    project: Any,
    spec: Spec,
    account: Any,
    *,
    w3: Web3,
    network: str,
    directory: str | Path = "deployments",
    fresh: bool = False,
) -> DeployPlan:
    """Everything the spec still needs on this network (reads only; sends nothing)."""
    deployer = to_checksum_address(getattr(account, "address", account))
    notes: list[str] = []
    path = deployment_path(directory, network)
    deployment = _open_or_create(
        path, network=network, w3=w3, deployer=deployer, fresh=fresh, notes=notes
    )
    changes = _immutable_changes(spec, deployment.spec)
    if changes:
        raise SectokenError(
            f"the spec changes what a deployed suite cannot change ({'; '.join(changes)})",
            hint=f"restore those values in the spec, or deploy a new suite with --fresh "
            f"(the current {path.name} is kept aside)",
        )
    plan = DeployPlan(spec=spec, deployment=deployment, notes=notes)
    if spec.registry is not None and "registry" not in deployment.contracts:
        plan.notes.append(f"reusing the investor registry at {spec.registry}")
    for name in _SHARED_CODE_KEYS:
        address = _reused(spec, name)
        if address is not None and name not in deployment.contracts:
            _check_code(project, name, address, w3)
            plan.notes.append(f"reusing the {_CODE_LABELS[name]} at {address}")
    for name in SHARED_CORPORATE:
        address = _reused(spec, name)
        if address is not None and name not in deployment.contracts:
            _check_reusable(project, spec, name, address, w3)
            plan.notes.append(
                f"reusing the issuer's {_LABELS[name]} at {address} (shared by its tokens)"
            )
            plan.adopted.append(name)
    for name in _order(spec):
        if name in deployment.contracts:
            continue
        if _reused(spec, name) is not None:
            continue
        if name == "dividends" and not spec.dividends:
            continue
        if name == "voting" and not spec.voting:
            continue
        if name == "factory" and spec.deployment == "full" and "token" in deployment.contracts:
            continue  # the factory only creates the token
        plan.deploys.append(name)
    addresses, found_token = _address_notes(project, spec, deployment, plan.deploys, deployer, w3)
    plan.notes.extend(addresses)
    # A token the factory already created (an earlier run lost its reply): what it still needs
    # is read from it; apply records it without sending.
    seen = deployment
    if found_token is not None:
        seen = replace(
            deployment, contracts={**deployment.contracts, "token": _placeholder(found_token)}
        )
    plan.config = _config_steps(project, spec, seen, account, w3, will_deploy=plan.deploys)
    plan.wired = spec.through_factory and "token" in plan.deploys and found_token is None
    plan.config += _market_steps(project, spec, deployment, account, w3)
    return plan


def apply_deploy(
    project: Any,
    plan: DeployPlan,
    account: Any,
    *,
    w3: Web3,
    on_step: Callable[[str], None] | None = None,
) -> int:
    """Run the plan; returns the number of transactions sent. Saves the file as it goes."""
    deployment = plan.deployment
    spec = plan.spec
    sent = 0
    deployer = to_checksum_address(account.address)
    wait_for_pending(w3, deployer)
    if plan.is_empty and deployment.configured and deployment.spec_hash == spec.spec_hash():
        return 0
    if deployment.spec is None:
        deployment.spec = spec.canonical()
        deployment.spec_hash = spec.spec_hash()
    deployment.configured = False
    if spec.registry is not None and "registry" not in deployment.contracts:
        _adopt_existing_registry(project, deployment, spec.registry, w3)
    for name in _SHARED_CODE_KEYS:
        address = _reused(spec, name)
        if address is not None and name not in deployment.contracts:
            _check_code(project, name, address, w3)
            number, block_hash = _block_record(w3, int(w3.eth.block_number))
            deployment.contracts[name] = ContractRecord(
                address=to_checksum_address(address),
                block=number,
                block_hash=block_hash,
                reused=True,
            )
    for name in SHARED_CORPORATE:
        address = _reused(spec, name)
        if address is not None and name not in deployment.contracts:
            _check_reusable(project, spec, name, address, w3)
            # Events of this token's distributions and ballots all come after this block.
            number, block_hash = _block_record(w3, int(w3.eth.block_number))
            deployment.contracts[name] = ContractRecord(
                address=to_checksum_address(address),
                block=number,
                block_hash=block_hash,
                reused=True,
            )
    deployment.save()
    for name in plan.deploys:
        if name in deployment.contracts:
            continue
        if _adopt_pending(deployment, name, w3, project):
            if on_step:
                on_step(f"found {name} deployed by the interrupted run")
            deployment.save()
            continue
        if name == "implementation" or (name == "token" and spec.through_factory):
            found, what = _create2_one(project, deployment, spec, name, account, w3)
            if on_step:
                on_step(what)
            sent += 0 if found else 1
            continue
        if on_step:
            on_step(f"deploy {name}")
        _deploy_one(project, deployment, spec, name, account, w3)
        sent += 1
    # The contracts exist now: recompute configuration against the chain, then apply it.
    steps = _config_steps(project, spec, deployment, account, w3, will_deploy=[])
    for step in steps + _market_steps(project, spec, deployment, account, w3):
        if on_step:
            on_step(step.description)
        step.run()
        sent += 1
    deployment.spec = spec.canonical()
    deployment.spec_hash = spec.spec_hash()
    deployment.configured = True
    deployment.save()
    return sent


def _market_steps(
    project: Any, spec: Spec, deployment: Deployment, account: Any, w3: Web3
) -> list[Step]:
    """The spec's money-flow contracts (``markets:``): sectoken.jobs.deploy_markets."""
    from sectoken.jobs.deploy_markets import market_steps

    steps: list[Step] = market_steps(project, spec, deployment, account, w3)
    return steps


def _adopt_existing_registry(project: Any, deployment: Deployment, address: str, w3: Web3) -> None:
    code = w3.eth.get_code(to_checksum_address(address))
    if not code:
        raise SectokenError(
            f"the spec's registry {address} has no contract on this chain",
            hint="check the address and the --network, or write 'registry: new'",
        )
    registry = container(project, CONTRACT_TYPES["registry"]).at(address)
    try:
        registry.recordOf(address)
    except Exception as exc:
        raise SectokenError(
            f"{address} does not answer like an InvestorRegistry ({exc})",
            hint="give the address of a sectoken InvestorRegistry, or write 'registry: new'",
        ) from exc
    # A reused registry's history starts before this suite: its events are read from block 0.
    number, block_hash = _block_record(w3, 0)
    deployment.contracts["registry"] = ContractRecord(
        address=to_checksum_address(address), block=number, block_hash=block_hash, reused=True
    )


def _check_code(project: Any, name: str, address: str, w3: Web3) -> None:
    """Shared code the spec names (``admin_module:``, ``factory:``): code of the packaged
    contract's size at the address."""
    key = "admin_module" if name == "module" else name
    code = bytes(w3.eth.get_code(to_checksum_address(address)))
    expected = _runtime_size(project, name)
    if not code or (expected and len(code) != expected):
        raise SectokenError(
            f"the spec's {key} {address} holds no {_TYPES[name]} on this chain "
            f"({len(code)} bytes of code, {expected} expected)",
            hint=f"give the {key} address of the issuer's first token's deployment file, "
            f"or write '{key}: new'",
        )


def _runtime_size(project: Any, name: str) -> int:
    expected = container(project, _TYPES[name]).contract_type.runtime_bytecode
    return len(bytes.fromhex(str(expected.bytecode or "0x")[2:])) if expected else 0


def _reused(spec: Spec, name: str) -> str | None:
    """The address the spec gives for an existing contract to share, or None."""
    if name == "registry":
        return spec.registry
    if name == "module":
        return spec.admin_module
    if name == "factory":
        return spec.factory
    value = getattr(spec, name, None) if name in SHARED_CORPORATE else None
    return value if isinstance(value, str) else None


def _check_reusable(project: Any, spec: Spec, name: str, address: str, w3: Web3) -> None:
    """An issuer's distributor or voting contract named in the spec: there, a sectoken contract
    of that kind, and serving the spec's registry."""
    key = f"corporate.{name}"
    if not w3.eth.get_code(to_checksum_address(address)):
        raise SectokenError(
            f"the spec's {key} {address} has no contract on this chain",
            hint="check the address and the --network, or write 'true' to deploy a new one",
        )
    contract = container(project, CONTRACT_TYPES[name]).at(address)
    try:
        served_registry = str(contract.registry())
        contract.isTokenServed(address)
    except Exception as exc:
        raise SectokenError(
            f"{address} does not answer like a sectoken {CONTRACT_TYPES[name]} ({exc})",
            hint=f"give the address of the issuer's {_LABELS[name]} (the first token's "
            "deployment file lists it), or write 'true' to deploy a new one",
        ) from exc
    if spec.registry is None or served_registry.lower() != spec.registry.lower():
        raise SectokenError(
            f"the {_LABELS[name]} at {address} serves the tokens of the registry "
            f"{served_registry}, but the spec's registry is {spec.registry or 'new'}",
            hint=f"set registry: {served_registry} (the issuer's registry) in the spec",
        )


def _constructor_args(
    name: str, deployment: Deployment, spec: Spec, deployer: str, *, admin: str | None = None
) -> list[Any]:
    """The constructor's arguments; ``admin`` replaces the deployer as the token's first admin
    (the factory, for a token it creates and configures)."""
    if name == "registry":
        return [deployer]
    if name in ("module", "factory"):
        return []
    if name == "implementation":
        return [deployment.address("module")]
    if name == "token":
        return [
            spec.name,
            spec.symbol,
            spec.decimals,
            deployment.address("registry"),
            admin or deployer,
            deployment.address("module"),
        ]
    # The shared corporate contracts: the issuer's registry, the deployer as admin.
    return [deployment.address("registry"), deployer]


def _deploy_one(
    project: Any, deployment: Deployment, spec: Spec, name: str, account: Any, w3: Web3
) -> None:
    deployer = to_checksum_address(account.address)
    nonce = int(w3.eth.get_transaction_count(deployer, "pending"))
    before = int(w3.eth.block_number)
    deployment.pending[name] = {
        "address": create_address(deployer, nonce),
        "nonce": nonce,
        "block": before,
    }
    deployment.save()
    contract = container(project, _TYPES[name])
    args = _constructor_args(name, deployment, spec, deployer)
    instance = account.deploy(contract, *args, nonce=nonce)
    receipt = w3.eth.get_transaction_receipt(instance.txn_hash)
    block, block_hash = _block_record(w3, int(receipt["blockNumber"]))
    deployment.contracts[name] = ContractRecord(
        address=to_checksum_address(instance.address),
        block=block,
        block_hash=block_hash,
        tx_hash=str(instance.txn_hash),
    )
    deployment.pending.pop(name, None)
    deployment.save()


def _init_code(project: Any, name: str, args: list[Any]) -> bytes:
    """Creation code of ``name`` with its constructor arguments (what CREATE2 hashes)."""
    contract_type = container(project, _TYPES[name]).contract_type
    code = bytes.fromhex(str(contract_type.deployment_bytecode.bytecode)[2:])
    constructor = next((e for e in _abi_entries(contract_type) if e["type"] == "constructor"), None)
    types = [canonical_type(p) for p in constructor["inputs"]] if constructor else []
    return code + encode(types, args)


def _abi_entries(contract_type: Any) -> list[dict[str, Any]]:
    """An Ape contract type's ABI as plain dictionaries."""
    return [e.model_dump(mode="json", by_alias=True) for e in contract_type.abi]


def _predicted(project: Any, spec: Spec, deployment: Deployment, name: str, deployer: str) -> str:
    """Where the factory creates the implementation or the token, sent by ``deployer``."""
    factory = deployment.address("factory")
    if name == "implementation":
        code = _init_code(project, name, _constructor_args(name, deployment, spec, deployer))
        return deployment_address(factory, deployer, IMPLEMENTATION_SALT, code)
    if spec.deployment == "full":
        return wired_address(
            factory, deployer, WIRED_SALT, _wired_init_code(project, spec, deployment), deployer
        )
    return clone_address(
        factory,
        deployer,
        deployment.address("implementation"),
        name=spec.name,
        symbol=spec.symbol,
        decimals=spec.decimals,
        registry=deployment.address("registry"),
        admin=deployer,
    )


def _wired_init_code(project: Any, spec: Spec, deployment: Deployment) -> bytes:
    """A full-mode token's creation code with the factory as its first admin (``deployWired``)."""
    factory = deployment.address("factory")
    args = _constructor_args("token", deployment, spec, factory, admin=factory)
    return _init_code(project, "token", args)


def _address_notes(
    project: Any,
    spec: Spec,
    deployment: Deployment,
    deploys: list[str],
    deployer: str,
    w3: Web3,
) -> tuple[list[str], str | None]:
    """Where every contract the plan deploys will be, computed before anything is sent: a plain
    deployment's address from the account's next nonces in plan order (right unless the account
    sends something else first; apply records each address before sending), one the factory
    creates by its CREATE2 arithmetic (the factory's own address computed the same way when this
    run deploys it). Also the token's address when the factory created it already (an earlier
    run lost the reply), else None."""
    mode = "clone mode" if spec.deployment == "clone" else "through the factory"
    view = replace(deployment, contracts=dict(deployment.contracts))
    for name in (*_SHARED_CODE_KEYS, "registry"):
        address = _reused(spec, name)
        if address is not None and name not in view.contracts:
            view.contracts[name] = _placeholder(address)
    nonce = int(w3.eth.get_transaction_count(to_checksum_address(deployer), "pending"))
    notes: list[str] = []
    found = None
    for name in deploys:
        if name == "implementation" or (name == "token" and spec.through_factory):
            address = _predicted(project, spec, view, name, deployer)
            label = "token" if name == "token" else _CODE_LABELS[name]
            if bytes(w3.eth.get_code(to_checksum_address(address))):
                notes.append(f"{mode}: the {label} is at {address} already (found, not sent)")
                found = address if name == "token" else found
            else:
                how = "CREATE2"
                if name == "token":
                    how += "; created and configured in one transaction"
                notes.append(f"{mode}: the {label} will be at {address} ({how})")
                nonce += 1
        else:
            label = _CODE_LABELS.get(name) or _LABELS.get(name) or _PLAIN_LABELS.get(name, name)
            pending = deployment.pending.get(name)
            if pending and bytes(w3.eth.get_code(to_checksum_address(str(pending["address"])))):
                address = to_checksum_address(str(pending["address"]))
                notes.append(f"the {label} is at {address}, sent by the interrupted run (found)")
            else:
                address = create_address(deployer, nonce)
                notes.append(f"the {label} will be at {address} (CREATE, nonce {nonce})")
                nonce += 1
        view.contracts[name] = _placeholder(address)
    return notes, found


_PLAIN_LABELS = {"registry": "investor registry", "token": "token"}


def _placeholder(address: str) -> ContractRecord:
    """A contract's address in a view of the deployment the plan computes (not saved)."""
    return ContractRecord(address=to_checksum_address(address), block=0, block_hash="0x" + "0" * 64)


def _create2_one(
    project: Any, deployment: Deployment, spec: Spec, name: str, account: Any, w3: Web3
) -> tuple[bool, str]:
    """Create the clone implementation or a clone token through the factory at its predicted
    address, or adopt what is there already (a re-run after an interruption sends nothing)."""
    deployer = to_checksum_address(account.address)
    address = _predicted(project, spec, deployment, name, deployer)
    if name == "token":
        label = "clone token" if spec.deployment == "clone" else "token"
    else:
        label = _CODE_LABELS[name]
    code = bytes(w3.eth.get_code(to_checksum_address(address)))
    if code:
        number, block_hash = _block_record(w3, int(w3.eth.block_number))
        deployment.contracts[name] = ContractRecord(
            address=address, block=number, block_hash=block_hash
        )
        deployment.save()
        return True, f"found the {label} at {address}"
    factory = container(project, _TYPES["factory"]).at(deployment.address("factory"))
    what = f"deploy the {label} at {address} (CREATE2)"
    if name == "implementation":
        args = _constructor_args(name, deployment, spec, deployer)
        receipt = factory.deploy(
            IMPLEMENTATION_SALT, _init_code(project, name, args), sender=account
        )
    else:
        setup, described = _wiring_calls(project, spec, deployment, account, w3)
        if described:
            what += f", configured in the same transaction: {'; '.join(described)}"
        if spec.deployment == "clone":
            receipt = factory.cloneWired(
                deployment.address("implementation"),
                CLONE_SALT,
                spec.name,
                spec.symbol,
                spec.decimals,
                deployment.address("registry"),
                deployer,
                setup,
                sender=account,
            )
        else:
            code = _wired_init_code(project, spec, deployment)
            receipt = factory.deployWired(WIRED_SALT, code, deployer, setup, sender=account)
    if not bytes(w3.eth.get_code(to_checksum_address(address))):
        raise SectokenError(
            f"the factory's transaction {receipt.txn_hash} left no {label} at {address}",
            hint="inspect the transaction; the deployment file was not changed",
        )
    block, block_hash = _block_record(w3, int(receipt.block_number))
    deployment.contracts[name] = ContractRecord(
        address=address, block=block, block_hash=block_hash, tx_hash=str(receipt.txn_hash)
    )
    deployment.save()
    return False, what


def _wiring_calls(
    project: Any, spec: Spec, deployment: Deployment, account: Any, w3: Web3
) -> tuple[list[bytes], list[str]]:
    """The new token's configuration (the spec's steps on the token: roles, rules, regime,
    countries, documents) as the calls the factory makes on it in the creating transaction,
    after granting itself the roles they need (it renounces every role at the end), with the
    steps' descriptions. Steps on other contracts (registry roles, admissions) run afterwards."""
    steps = _config_steps(project, spec, deployment, account, w3, will_deploy=["token"])
    on_token = [(s, s.call) for s in steps if s.call is not None]
    kinds = {s.kind for s, _ in on_token}
    needed = [role for role, uses in _FACTORY_ROLES.items() if kinds & uses]
    factory = deployment.address("factory")
    grant = function("SecurityToken", "grantRole")
    calls = [grant.encode(role_id(role), factory) for role in needed]
    calls += [function("SecurityToken", method).encode(*args) for _, (method, args) in on_token]
    return calls, [s.description for s, _ in on_token]


#: The roles the factory grants itself on a token it configures, by the kinds of step needing them.
_FACTORY_ROLES = {
    "COMPLIANCE_ROLE": {"rules", "countries", "regime"},
    "ISSUER_ROLE": {"document"},
}


def _adopt_pending(deployment: Deployment, name: str, w3: Web3, project: Any) -> bool:
    """A previous run sent this deployment but stopped before recording it: adopt the contract
    if it is there (matching code), forget the pending entry otherwise."""
    pending = deployment.pending.get(name)
    if not pending:
        return False
    address = to_checksum_address(str(pending["address"]))
    code = bytes(w3.eth.get_code(address))
    expected_size = _runtime_size(project, name)
    deployment.pending.pop(name, None)
    if not code:
        return False
    if expected_size and len(code) != expected_size:
        raise SectokenError(
            f"{address}, where the interrupted run deployed the {name}, holds other code",
            hint="inspect the address, then deploy again with --fresh",
        )
    start = int(pending.get("block", 0))
    number, block_hash = _block_record(w3, start)
    deployment.contracts[name] = ContractRecord(
        address=address, block=number, block_hash=block_hash, tx_hash=None
    )
    return True


# ---------------------------------------------------------------- configuration (diff vs chain)


def _config_steps(
    project: Any,
    spec: Spec,
    deployment: Deployment,
    account: Any,
    w3: Web3,
    *,
    will_deploy: list[str],
) -> list[Step]:
    deployer: str = to_checksum_address(account.address)
    token = _instance(project, deployment, "token")
    registry = _instance(project, deployment, "registry")
    registry_ours = "registry" in will_deploy or (
        "registry" in deployment.contracts and not deployment.contracts["registry"].reused
    )
    previous = deployment.spec or {}
    steps: list[Step] = []
    revokes: list[Step] = []

    def token_now() -> Any:
        return _instance(project, deployment, "token")

    def registry_now() -> Any:
        return _instance(project, deployment, "registry")

    def has_role(contract: Any, role: str, holder: str, *, fresh_holders: set[str]) -> bool:
        if contract is None:
            return holder in fresh_holders
        return bool(contract.hasRole(role_id(role), holder))

    for key, role in ROLE_KEYS.items():
        wanted = spec.role_holders(key, deployer)
        before = _previous_holders(previous, key, deployer)
        token_default = {deployer} if role == "DEFAULT_ADMIN_ROLE" else set()
        for holder in wanted:
            if not has_role(token, role, holder, fresh_holders=token_default):
                steps.append(_grant(token_now, role, holder, account, "token"))
        for holder in before:
            if holder in wanted or not has_role(token, role, holder, fresh_holders=set()):
                continue
            if role == "DEFAULT_ADMIN_ROLE" and holder == deployer:
                continue
            revokes.append(_revoke(token_now, role, holder, account, "token"))
        if registry_ours and role in ("COMPLIANCE_ROLE", "DEFAULT_ADMIN_ROLE"):
            registry_default = {deployer}
            for holder in wanted:
                if not has_role(registry, role, holder, fresh_holders=registry_default):
                    steps.append(_grant(registry_now, role, holder, account, "registry"))
            for holder in before:
                if holder in wanted or holder == deployer:
                    continue
                if has_role(registry, role, holder, fresh_holders=set()):
                    revokes.append(_revoke(registry_now, role, holder, account, "registry"))

    current_rules = _read_rules(token, w3)
    if current_rules != spec.rules:
        steps.append(
            _token_step(
                "rules",
                f"set rules {_describe_rules(spec.rules, current_rules)}",
                token_now,
                account,
                "setRules",
                _rules_struct(spec.rules),
            )
        )

    steps += _regime_steps(spec, previous, token, token_now, account, w3)

    countries: dict[int, CountryRule] = dict(spec.countries)
    for code in previous.get("countries", {}):
        countries.setdefault(int(code), CountryRule())
    changed = {
        code: rule for code, rule in countries.items() if _read_country(token, code, w3) != rule
    }
    if changed:
        codes = sorted(changed)
        text = ", ".join(
            f"{format_country(c)} listed={changed[c].listed} max_holders={changed[c].max_holders}"
            for c in codes
        )
        steps.append(
            _token_step(
                "countries",
                f"set country rules: {text}",
                token_now,
                account,
                "setCountryRules",
                codes,
                [changed[c].listed for c in codes],
                [changed[c].max_holders for c in codes],
            )
        )

    for doc_name, doc in spec.documents.items():
        if _read_document(token, doc_name) != doc:
            steps.append(
                _token_step(
                    "document",
                    f"set document {doc_name!r} → {doc.uri}",
                    token_now,
                    account,
                    "setDocument",
                    _doc_key(doc_name),
                    doc.uri,
                    bytes.fromhex(doc.hash[2:]),
                )
            )
    for doc_name in previous.get("documents", {}):
        if doc_name not in spec.documents and _read_document(token, doc_name) is not None:
            steps.append(
                _token_step(
                    "document",
                    f"remove document {doc_name!r}",
                    token_now,
                    account,
                    "removeDocument",
                    _doc_key(doc_name),
                )
            )
    steps += _corporate_steps(project, spec, deployment, account, will_deploy, token_now)
    needs = {s.kind for s in steps} - {"grant"}
    _check_own_roles(spec, token, deployer, needs)
    return steps + revokes


def _corporate_steps(
    project: Any,
    spec: Spec,
    deployment: Deployment,
    account: Any,
    will_deploy: list[str],
    token_now: Callable[[], Any],
) -> list[Step]:
    """Extra admins (roles.admin) on the suite's own distributor and voting contract (granted,
    and revoked when taken out of the spec), and the token admitted on both (also when they are
    the issuer's, shared with its other tokens)."""
    deployer: str = to_checksum_address(account.address)
    steps: list[Step] = []
    revokes: list[Step] = []
    token_address = (
        deployment.contracts["token"].address if "token" in deployment.contracts else None
    )
    for name in SHARED_CORPORATE:
        reused = _reused(spec, name)
        record = deployment.contracts.get(name)
        if record is None and reused is None and name not in will_deploy:
            continue
        address = record.address if record is not None else reused
        contract = container(project, CONTRACT_TYPES[name]).at(address) if address else None

        def get(name: str = name) -> Any:
            return _instance(project, deployment, name)

        ours = name in will_deploy or (record is not None and not record.reused)
        if ours:
            admin = role_id("DEFAULT_ADMIN_ROLE")
            wanted = spec.role_holders("admin", deployer)
            for holder in wanted:
                if contract is None or not contract.hasRole(admin, holder):
                    if contract is None and holder == deployer:
                        continue
                    steps.append(_grant(get, "DEFAULT_ADMIN_ROLE", holder, account, _LABELS[name]))
            for holder in _previous_holders(deployment.spec or {}, "admin", deployer):
                if holder in wanted or holder == deployer or contract is None:
                    continue
                if contract.hasRole(admin, holder):
                    revokes.append(
                        _revoke(get, "DEFAULT_ADMIN_ROLE", holder, account, _LABELS[name])
                    )
        if contract is not None and token_address and contract.isTokenServed(token_address):
            continue
        if contract is not None and not contract.hasRole(role_id("DEFAULT_ADMIN_ROLE"), deployer):
            raise SectokenError(
                f"the deploying account {deployer} needs DEFAULT_ADMIN_ROLE on the "
                f"{_LABELS[name]} ({address}) to admit the token to it",
                hint="deploy with the account that deployed the issuer's first token "
                "(--account), or have an admin of that contract grant the role",
            )
        steps.append(_admit(get, token_now, account, _LABELS[name]))
    return steps + revokes


def _admit(get: Callable[[], Any], token_now: Callable[[], Any], account: Any, what: str) -> Step:
    return Step(
        "admit",
        f"admit the token on the {what}",
        lambda: get().setTokenServed(token_now().address, True, sender=account),
    )


def _check_own_roles(spec: Spec, token: Any, deployer: str, needs: set[str]) -> None:
    required = []
    if needs & {"rules", "countries", "regime"}:
        required.append(("compliance", "COMPLIANCE_ROLE"))
    if "document" in needs:
        required.append(("issuer", "ISSUER_ROLE"))
    for key, role in required:
        will_hold = deployer in spec.role_holders(key, deployer)
        holds = token is not None and bool(token.hasRole(role_id(role), deployer))
        if not (will_hold or holds):
            raise SectokenError(
                f"the deploying account {deployer} needs {role} on the token to apply the spec",
                hint=f"add 'deployer' under roles.{key} in the spec, or deploy with an account "
                "that holds it",
            )


def _token_step(
    kind: str,
    description: str,
    token_now: Callable[[], Any],
    account: Any,
    method: str,
    *args: Any,
) -> Step:
    """A step on the token: sent as its own transaction, or made by the factory in the token's
    creating transaction (``call``), from the same arguments."""
    return Step(
        kind,
        description,
        lambda: getattr(token_now(), method)(*args, sender=account),
        call=(method, args),
    )


def _grant(get: Callable[[], Any], role: str, holder: str, account: Any, what: str) -> Step:
    return _role_step("grant", "to", get, role, holder, account, what)


def _revoke(get: Callable[[], Any], role: str, holder: str, account: Any, what: str) -> Step:
    return _role_step("revoke", "from", get, role, holder, account, what)


def _role_step(
    action: str,
    preposition: str,
    get: Callable[[], Any],
    role: str,
    holder: str,
    account: Any,
    what: str,
) -> Step:
    description = f"{action} {role} on the {what} {preposition} {holder}"
    method, args = f"{action}Role", (role_id(role), holder)
    if what == "token":
        return _token_step(action, description, get, account, method, *args)
    return Step(action, description, lambda: getattr(get(), method)(*args, sender=account))


def _previous_holders(previous: dict[str, Any], key: str, deployer: str) -> list[str]:
    holders = previous.get("roles", {}).get(key, [])
    return [deployer if h == "deployer" else to_checksum_address(h) for h in holders]


def _instance(project: Any, deployment: Deployment, name: str) -> Any:
    record = deployment.contracts.get(name)
    if record is None:
        return None
    return container(project, _TYPES[name]).at(record.address)


_SET_RULES = function("SecurityToken", "setRules")
_RULES = function("SecurityToken", "rules")
_COUNTRY_RULE = function("SecurityToken", "countryRule")


def _rules_struct(rules: Rules) -> tuple[Any, ...]:
    """The ``setRules`` struct from the spec's rules, field by field (the spec spells the ABI's
    field names in snake_case)."""
    return _SET_RULES.struct(
        {name: getattr(rules, snake_case(name)) for name in _SET_RULES.struct_fields()}
    )


def _read_rules(token: Any, w3: Web3) -> Rules:
    if token is None:
        return Rules()
    current = ChainClient(w3).value(token.address, _RULES)
    return Rules(**{snake_case(name): value for name, value in current.items()})


def _describe_rules(new: Rules, old: Rules) -> str:
    parts = []
    for name in Rules.__dataclass_fields__:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            parts.append(f"{name} {a}→{b}")
    return "(" + ", ".join(parts) + ")"


def _regime_steps(
    spec: Spec,
    previous: dict[str, Any],
    token: Any,
    token_now: Callable[[], Any],
    account: Any,
    w3: Web3,
) -> list[Step]:
    """The token's regime (``setRegime``) as the spec's presets set it, when it differs from the
    chain's; a re-run finds it equal and sends nothing. A spec that never named presets does not
    read it (a token from before the regime rules has no ``regime()``)."""
    wanted = spec.regime
    if wanted == Regime() and not previous.get("presets"):
        return []
    if not has_regime():
        if wanted == Regime():
            return []  # nothing to set, and no regime to read
        raise SectokenError(
            "the spec's presets set regime rules this version's token does not have "
            f"({_describe_changes(wanted, Regime())})",
            hint="use presets whose rules are the token's own (reg_d_506c, ica_3c1), or a "
            "sectoken whose token has setRegime",
        )
    current = _read_regime(token, w3)
    if current == wanted:
        return []
    return [
        _token_step(
            "regime",
            f"set regime {_describe_changes(wanted, current)} (presets: "
            f"{', '.join(u.name for u in spec.presets.uses) or 'none'})",
            token_now,
            account,
            "setRegime",
            _regime_struct(wanted),
        )
    ]


def has_regime() -> bool:
    """Whether the packaged token has the regime rules the presets set (``setRegime``)."""
    return any(
        e.get("type") == "function" and e.get("name") == "setRegime"
        for e in contract_abi("SecurityToken")
    )


#: The regime word's fields (RegimeWords in contracts/token/TokenWords.sol): (shift, bits).
_REGIME_LAYOUT = {
    "us_person_blocked_until": (0, 40),
    "accreditation_us_only": (40, 1),
    "required_flags": (48, 8),
    "max_non_accredited": (56, 24),
    "max_non_qualified_per_country": (112, 16),
    "resale_period": (128, 32),
    "affiliate_volume_bps": (160, 16),
    "affiliate_window": (176, 32),
}


def _regime_struct(regime: Regime) -> tuple[Any, ...]:
    set_regime = function("SecurityToken", "setRegime")
    return set_regime.struct(
        {name: getattr(regime, snake_case(name)) for name in set_regime.struct_fields()}
    )


def decode_regime(word: int) -> Regime:
    """The regime rules in the token's packed regime word (its holder count left out)."""
    values = {
        name: (word >> shift) & ((1 << bits) - 1) for name, (shift, bits) in _REGIME_LAYOUT.items()
    }
    flag = bool(values.pop("accreditation_us_only"))
    return Regime(accreditation_us_only=flag, **values)


def _read_regime(token: Any, w3: Web3) -> Regime:
    if token is None:
        return Regime()
    regime_state = function("SecurityToken", "regimeState")
    state = ChainClient(w3).values(token.address, regime_state, 0, _ZERO)
    return decode_regime(int(next(iter(state.values()))))  # (regime word, country, wallet)


_ZERO = "0x" + "00" * 20


def _describe_changes(new: Any, old: Any) -> str:
    parts = []
    for name in type(new).__dataclass_fields__:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            parts.append(f"{name} {a}→{b}")
    return "(" + ", ".join(parts) + ")"


def _read_country(token: Any, code: int, w3: Web3) -> CountryRule:
    if token is None:
        return CountryRule()
    rule = ChainClient(w3).values(token.address, _COUNTRY_RULE, code)
    return CountryRule(listed=bool(rule["listed"]), max_holders=int(rule["maxHolders"]))


def _doc_key(name: str) -> bytes:
    return name.encode().ljust(32, b"\x00")


def _read_document(token: Any, name: str) -> Document | None:
    if token is None:
        return None
    if _doc_key(name) not in {bytes(k) for k in token.getAllDocuments()}:
        return None
    try:
        uri, digest, _ts = token.getDocument(_doc_key(name))
    except Exception:
        return None
    return Document(uri=str(uri), hash="0x" + bytes(digest).hex())
