"""deploy end to end: fresh deploy, no-op rerun, changed spec, refusals, resume after a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sectoken.chain.contracts import packaged_contracts
from sectoken.chain.deployments import deployment_path, load_deployment
from sectoken.chain.suite import open_suite, role_id
from sectoken.errors import SectokenError
from sectoken.jobs.deploy import apply_deploy, create_address, plan_deploy
from sectoken.model.spec import load_spec

SPEC = Path("examples/spec.yaml")


def _spec_copy(tmp_path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(SPEC.read_text())
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _planned(notes: list[str]) -> set[str]:
    """The addresses the plan's notes say contracts will be deployed at."""
    return {n.split(" will be at ")[1].split()[0] for n in notes if " will be at " in n}


def _w3() -> Any:
    from ape import networks

    return networks.provider.web3


def test_deploy_writes_the_file_and_configures_everything(
    run: Any, project: Any, deployer: Any, deployments: Path
) -> None:
    result = run("deploy", SPEC, "--deployments", deployments, "--account", "TEST::0")
    # 5 contracts (the admin module included), 4 token roles, rules, countries, document, the
    # token admitted on both shared corporate contracts
    assert "Done: 14 transaction(s)" in result.output
    data = json.loads((deployments / "local.json").read_text())
    assert set(data["contracts"]) == {"registry", "module", "token", "dividends", "voting"}
    assert data["spec_hash"] == load_spec(SPEC).spec_hash()
    assert data["configured"] is True and data["pending"] == {}
    for record in data["contracts"].values():
        assert record["block"] > 0 and record["block_hash"].startswith("0x")

    suite = open_suite(project, deployments, network="local")
    token = suite.token
    assert token.name() == "Acme Robotics Preferred Shares" and token.decimals() == 0
    for role in ("ISSUER_ROLE", "COMPLIANCE_ROLE", "CONTROLLER_ROLE", "PAUSER_ROLE"):
        assert token.hasRole(role_id(role), deployer)
    rules = token.rules()
    assert rules[0] is True and rules[2] == 1999
    assert token.countryRule(408)[0] is True  # KP blocked
    assert token.countryRule(840)[1] == 1999
    assert len(token.getAllDocuments()) == 1
    for shared in (suite.dividends, suite.voting):
        assert shared.isTokenServed(token.address)
        assert shared.registry() == suite.registry.address
        assert shared.hasRole(role_id("DEFAULT_ADMIN_ROLE"), deployer)


def test_rerun_with_the_same_spec_sends_nothing(run: Any, deployer: Any, deployments: Path) -> None:
    run("deploy", SPEC, "--deployments", deployments, "--account", "TEST::0")
    nonce = deployer.nonce
    before = (deployments / "local.json").read_text()
    result = run("deploy", SPEC, "--deployments", deployments, "--account", "TEST::0")
    assert "Up to date" in result.output and "nothing sent" in result.output
    assert deployer.nonce == nonce
    after = json.loads((deployments / "local.json").read_text())
    assert after["contracts"] == json.loads(before)["contracts"]


def test_changed_rules_and_roles_are_planned_and_applied(
    run: Any, project: Any, deployer: Any, alice: Any, deployments: Path, tmp_path: Path
) -> None:
    run("deploy", SPEC, "--deployments", deployments, "--account", "TEST::0")
    changed = _spec_copy(
        tmp_path,
        rules__max_holders=500,
        roles__pauser=["deployer", alice.address],
        countries={"KP": {"listed": True}},
    )
    nonce = deployer.nonce
    dry = run("deploy", changed, "--dry-run", "--deployments", deployments)
    assert "set rules (max_holders 1999→500)" in dry.output
    assert f"grant PAUSER_ROLE on the token to {alice.address}" in dry.output
    assert "IR listed=False" in dry.output and "US listed=False max_holders=0" in dry.output
    assert deployer.nonce == nonce
    result = run("deploy", changed, "--deployments", deployments, "--account", "TEST::0")
    assert "Done: 3 transaction(s)" in result.output
    token = open_suite(project, deployments, network="local").token
    assert token.rules()[2] == 500
    assert token.hasRole(role_id("PAUSER_ROLE"), alice)
    assert token.countryRule(364)[0] is False  # IR no longer blocked
    again = run("deploy", changed, "--deployments", deployments, "--account", "TEST::0")
    assert "Up to date" in again.output

    # Taking alice out of the spec revokes what the spec granted.
    back = run("deploy", SPEC, "--deployments", deployments, "--account", "TEST::0")
    assert f"revoke PAUSER_ROLE on the token from {alice.address}" in back.output
    assert not token.hasRole(role_id("PAUSER_ROLE"), alice)


def test_a_change_that_needs_a_new_token_is_refused(
    run: Any, deployer: Any, deployments: Path, tmp_path: Path
) -> None:
    run("deploy", SPEC, "--deployments", deployments, "--account", "TEST::0")
    renamed = _spec_copy(tmp_path, token__symbol="ACME2", token__decimals=2)
    nonce = deployer.nonce
    result = run("deploy", renamed, "--deployments", deployments, "--account", "TEST::0", expect=2)
    assert "cannot change" in result.output
    assert "symbol: 'ACMEP' → 'ACME2'" in result.output and "decimals: 0 → 2" in result.output
    assert "--fresh" in result.output
    assert deployer.nonce == nonce
    fresh = run("deploy", renamed, "--fresh", "--deployments", deployments, "--account", "TEST::0")
    assert "moved to" in fresh.output
    assert len(list(deployments.glob("local.*.json"))) == 1


def test_deploy_resumes_after_a_crash(project: Any, deployer: Any, deployments: Path) -> None:
    w3 = _w3()
    spec = load_spec(SPEC)
    plan = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=deployments)

    def crash_before_dividends(step: str) -> None:
        if step == "deploy dividends":
            raise ConnectionError("the node went away")

    nonce = deployer.nonce
    with pytest.raises(ConnectionError):
        apply_deploy(project, plan, deployer, w3=w3, on_step=crash_before_dividends)
    saved = load_deployment(deployment_path(deployments, "local"))
    assert set(saved.contracts) == {"registry", "module", "token"} and not saved.configured
    assert deployer.nonce == nonce + 3

    resumed = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=deployments)
    assert resumed.deploys == ["dividends", "voting"]
    sent = apply_deploy(project, resumed, deployer, w3=w3)
    assert sent == 11
    final = load_deployment(deployment_path(deployments, "local"))
    assert final.contracts["registry"].address == saved.contracts["registry"].address
    assert final.contracts["token"].address == saved.contracts["token"].address
    assert final.configured
    assert deployer.nonce == nonce + 14


def test_a_deployment_sent_but_not_recorded_is_adopted(
    project: Any, deployer: Any, deployments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token's deployment landed but the answer was lost: the rerun finds it, no redeploy."""
    w3 = _w3()
    spec = load_spec(SPEC)
    plan = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=deployments)
    original = w3.eth.get_transaction_receipt
    calls = {"n": 0}

    def lose_third_answer(tx_hash: Any) -> Any:  # registry, admin module, token
        calls["n"] += 1
        if calls["n"] == 3:
            raise TimeoutError("no answer")
        return original(tx_hash)

    monkeypatch.setattr(w3.eth, "get_transaction_receipt", lose_third_answer)
    nonce = deployer.nonce
    with pytest.raises(TimeoutError):
        apply_deploy(project, plan, deployer, w3=w3)
    monkeypatch.setattr(w3.eth, "get_transaction_receipt", original)
    saved = load_deployment(deployment_path(deployments, "local"))
    assert set(saved.contracts) == {"registry", "module"}
    assert saved.pending["token"]["address"] == create_address(deployer.address, nonce + 2)

    resumed = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=deployments)
    apply_deploy(project, resumed, deployer, w3=w3)
    final = load_deployment(deployment_path(deployments, "local"))
    assert final.contracts["token"].address == create_address(deployer.address, nonce + 2)
    assert final.pending == {}
    assert deployer.nonce == nonce + 14  # the token was not deployed twice


def test_reuse_an_existing_registry(
    run: Any, project: Any, deployer: Any, deployments: Path, tmp_path: Path
) -> None:
    registry = deployer.deploy(project.InvestorRegistry, deployer)
    spec = _spec_copy(tmp_path, registry=registry.address)
    result = run("deploy", spec, "--deployments", deployments, "--account", "TEST::0")
    assert f"reusing the investor registry at {registry.address}" in result.output
    suite = open_suite(project, deployments, network="local")
    assert suite.token.registry() == registry.address
    assert suite.deployment.contracts["registry"].reused


def test_extra_admins_hold_the_shared_contracts_too(
    run: Any, project: Any, deployer: Any, alice: Any, deployments: Path, tmp_path: Path
) -> None:
    """roles.admin: granted DEFAULT_ADMIN_ROLE on the suite's own distributor and voting
    contract (they admit the issuer's further tokens), revoked when taken out of the spec."""
    spec = _spec_copy(tmp_path, roles__admin=[alice.address])
    run("deploy", spec, "--deployments", deployments, "--account", "TEST::0")
    suite = open_suite(project, deployments, network="local")
    admin = role_id("DEFAULT_ADMIN_ROLE")
    for contract in (suite.token, suite.dividends, suite.voting):
        assert contract.hasRole(admin, alice) and contract.hasRole(admin, deployer)
    back = run("deploy", SPEC, "--deployments", deployments, "--account", "TEST::0")
    assert f"revoke DEFAULT_ADMIN_ROLE on the dividend distributor from {alice.address}" in (
        back.output
    )
    for contract in (suite.token, suite.dividends, suite.voting):
        assert not contract.hasRole(admin, alice) and contract.hasRole(admin, deployer)


def _second_token_spec(tmp_path: Path, first: Any) -> Path:
    """The spec of the issuer's second token, sharing the first suite's contracts."""
    return _spec_copy(
        tmp_path,
        token__name="Acme Robotics Series B",
        token__symbol="ACMEB",
        registry=first.registry.address,
        admin_module=first.deployment.contracts["module"].address,
        corporate__dividends=first.dividends.address,
        corporate__voting=first.voting.address,
    )


def test_second_token_for_an_existing_issuer_deploys_only_the_token(
    run: Any, project: Any, deployer: Any, tmp_path: Path
) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    run("deploy", SPEC, "--deployments", first_dir, "--account", "TEST::0")
    first = open_suite(project, first_dir, network="local")
    spec = _second_token_spec(tmp_path, first)

    dry = run("deploy", spec, "--dry-run", "--deployments", second_dir, "--account", "TEST::0")
    assert f"reusing the investor registry at {first.registry.address}" in dry.output
    assert f"reusing the issuer's dividend distributor at {first.dividends.address}" in dry.output
    assert f"reusing the issuer's voting contract at {first.voting.address}" in dry.output
    assert "deploy token" in dry.output
    assert "deploy dividends" not in dry.output and "deploy voting" not in dry.output

    nonce = deployer.nonce
    result = run("deploy", spec, "--deployments", second_dir, "--account", "TEST::0")
    # token, 4 token roles, rules, countries, document, admitted on the two shared contracts
    assert "Done: 10 transaction(s)" in result.output
    assert deployer.nonce == nonce + 10
    second = open_suite(project, second_dir, network="local")
    for name in ("registry", "module", "dividends", "voting"):
        record = second.deployment.contracts[name]
        assert record.reused
        assert record.address == first.deployment.contracts[name].address
    assert not second.deployment.contracts["token"].reused
    assert second.token.address != first.token.address
    assert second.token.symbol() == "ACMEB"
    for shared in (first.dividends, first.voting):
        assert shared.isTokenServed(first.token.address)
        assert shared.isTokenServed(second.token.address)

    again = run("deploy", spec, "--deployments", second_dir, "--account", "TEST::0")
    assert "Up to date" in again.output and deployer.nonce == nonce + 10


def test_second_token_interrupted_and_rerun_deploys_once(
    run: Any, project: Any, deployer: Any, tmp_path: Path
) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    run("deploy", SPEC, "--deployments", first_dir, "--account", "TEST::0")
    first = open_suite(project, first_dir, network="local")
    spec = load_spec(_second_token_spec(tmp_path, first))
    w3 = _w3()
    plan = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=second_dir)
    assert plan.deploys == ["token"] and plan.adopted == ["dividends", "voting"]

    def crash_before_admission(step: str) -> None:
        if step.startswith("admit the token on the voting"):
            raise ConnectionError("the node went away")

    nonce = deployer.nonce
    with pytest.raises(ConnectionError):
        apply_deploy(project, plan, deployer, w3=w3, on_step=crash_before_admission)
    saved = load_deployment(deployment_path(second_dir, "local"))
    assert saved.contracts["voting"].reused and not saved.configured
    assert first.dividends.isTokenServed(saved.contracts["token"].address)
    assert not first.voting.isTokenServed(saved.contracts["token"].address)
    sent_first = deployer.nonce - nonce

    resumed = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=second_dir)
    assert resumed.deploys == [] and resumed.adopted == []
    assert [s.description for s in resumed.config] == ["admit the token on the voting contract"]
    assert apply_deploy(project, resumed, deployer, w3=w3) == 1
    assert deployer.nonce == nonce + sent_first + 1 == nonce + 10
    final = load_deployment(deployment_path(second_dir, "local"))
    assert final.configured
    assert final.contracts["token"].address == saved.contracts["token"].address
    assert first.voting.isTokenServed(final.contracts["token"].address)


def test_shared_contracts_are_checked_before_anything_is_sent(
    run: Any, project: Any, deployer: Any, alice: Any, tmp_path: Path
) -> None:
    first_dir = tmp_path / "first"
    run("deploy", SPEC, "--deployments", first_dir, "--account", "TEST::0")
    first = open_suite(project, first_dir, network="local")
    w3 = _w3()
    good = load_spec(_second_token_spec(tmp_path, first))

    other_registry = deployer.deploy(project.InvestorRegistry, deployer)
    wrong_registry = load_spec(
        _spec_copy(
            tmp_path,
            registry=other_registry.address,
            corporate__dividends=first.dividends.address,
        )
    )
    with pytest.raises(SectokenError, match="serves the tokens of the registry"):
        plan_deploy(project, wrong_registry, deployer, w3=w3, network="local", directory=tmp_path)
    not_a_distributor = load_spec(
        _spec_copy(
            tmp_path, registry=first.registry.address, corporate__dividends=first.registry.address
        )
    )
    with pytest.raises(SectokenError, match="does not answer like a sectoken DividendDistributor"):
        plan_deploy(
            project, not_a_distributor, deployer, w3=w3, network="local", directory=tmp_path
        )
    nothing_there = load_spec(
        _spec_copy(tmp_path, registry=first.registry.address, corporate__voting="0x" + "12" * 20)
    )
    with pytest.raises(SectokenError, match="has no contract on this chain"):
        plan_deploy(project, nothing_there, deployer, w3=w3, network="local", directory=tmp_path)
    # Another account may deploy the token, but not admit it to the issuer's contracts.
    nonce = alice.nonce
    with pytest.raises(SectokenError, match="needs DEFAULT_ADMIN_ROLE on the dividend distributor"):
        plan_deploy(project, good, alice, w3=w3, network="local", directory=tmp_path / "alice")
    assert alice.nonce == nonce

    bad = _spec_copy(tmp_path, corporate__dividends=first.dividends.address)
    result = run("deploy", bad, "--deployments", tmp_path / "x", "--account", "TEST::0", expect=2)
    assert "set registry: to that registry's address" in result.output


def test_wrong_network_and_stale_files(project: Any, deployer: Any, deployments: Path) -> None:
    w3 = _w3()
    plan = plan_deploy(
        project, load_spec(SPEC), deployer, w3=w3, network="local", directory=deployments
    )
    apply_deploy(project, plan, deployer, w3=w3)
    path = deployment_path(deployments, "local")
    data = json.loads(path.read_text())
    data["chain_id"] = 11155111
    path.write_text(json.dumps(data))
    with pytest.raises(SectokenError, match="written for chain 11155111") as caught:
        open_suite(project, deployments, network="local")
    assert "--network" in str(caught.value)
    data["chain_id"] = 31337
    data["contracts"]["token"]["block_hash"] = "0x" + "00" * 32
    path.write_text(json.dumps(data))
    with pytest.raises(SectokenError, match="does not hold"):
        open_suite(project, deployments, network="local")


def test_bad_spec_lists_every_problem(run: Any, deployments: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "token: {name: X, decimals: 99}\nrules: {max_holders: -1, holding_period: soon}\n"
        "countries: {XX: {listed: true}}\nroles: {issuer: [0x123]}\n"
    )
    result = run("deploy", bad, "--deployments", deployments, expect=2)
    for text in (
        "token.symbol is required",
        "token.decimals",
        "rules.max_holders",
        "rules.holding_period",
        "'XX'",
        "roles.issuer",
    ):
        assert text in result.output


class _UserProject:
    """An Ape project outside this checkout: it compiles none of the suite's contracts."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def test_deploy_and_open_with_the_packaged_contracts(deployer: Any, deployments: Path) -> None:
    """A project without the suite's contracts deploys the packaged ones; the suite opens
    without any project, and the packaged containers see nothing left to do."""
    w3 = _w3()
    spec = load_spec(SPEC)
    user = _UserProject()
    plan = plan_deploy(user, spec, deployer, w3=w3, network="local", directory=deployments)
    assert apply_deploy(user, plan, deployer, w3=w3) == 14
    suite = open_suite(None, deployments, network="local")
    packaged = packaged_contracts()
    assert suite.token.contract_type == packaged.SecurityToken.contract_type
    assert suite.token.name() == "Acme Robotics Preferred Shares"
    assert suite.token.hasRole(role_id("ISSUER_ROLE"), deployer)
    again = plan_deploy(packaged, spec, deployer, w3=w3, network="local", directory=deployments)
    assert again.is_empty, again.steps


def test_clone_mode_token_lands_where_the_plan_says_and_a_rerun_finds_it(
    run: Any, project: Any, deployer: Any, tmp_path: Path
) -> None:
    """deployment: clone: the issuer's factory and implementation, then the token as an EIP-1167
    proxy at the CREATE2 address the plan shows; a rerun after the file lost the token sends
    nothing and records the same address."""
    first_dir = tmp_path / "first"
    run("deploy", SPEC, "--deployments", first_dir, "--account", "TEST::0")
    first = open_suite(project, first_dir, network="local")
    w3 = _w3()
    spec = load_spec(
        _spec_copy(
            tmp_path,
            token__name="Acme Robotics Series C",
            token__symbol="ACMEC",
            registry=first.registry.address,
            admin_module=first.deployment.contracts["module"].address,
            corporate__dividends=first.dividends.address,
            corporate__voting=first.voting.address,
            deployment="clone",
        )
    )
    clone_dir = tmp_path / "clone"
    plan = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=clone_dir)
    assert plan.deploys == ["factory", "implementation", "token"]
    planned = _planned(plan.notes)
    apply_deploy(project, plan, deployer, w3=w3)
    suite = open_suite(project, clone_dir, network="local")
    # Every address was in the plan before anything was sent (the factory's by its nonce).
    landed = {n: r.address for n, r in suite.deployment.contracts.items() if not r.reused}
    assert planned == set(landed.values()) and len(planned) == 3, (planned, landed)
    assert len(bytes(w3.eth.get_code(suite.token.address))) == 45 + 21  # proxy + its 21 args
    assert (suite.token.symbol(), suite.token.registry()) == ("ACMEC", first.registry.address)
    assert suite.token.rules()[2] == 1999 and first.voting.isTokenServed(suite.token.address)

    # The issuer's next clone token names the factory: the plan shows the token's address.
    next_spec = load_spec(
        _spec_copy(
            tmp_path,
            token__name="Acme Robotics Series D",
            token__symbol="ACMED",
            registry=first.registry.address,
            admin_module=first.deployment.contracts["module"].address,
            factory=suite.deployment.contracts["factory"].address,
            corporate__dividends=first.dividends.address,
            corporate__voting=first.voting.address,
            deployment="clone",
        )
    )
    next_dir = tmp_path / "next"
    plan = plan_deploy(project, next_spec, deployer, w3=w3, network="local", directory=next_dir)
    assert plan.deploys == ["implementation", "token"]  # no factory this time
    implementation = suite.deployment.contracts["implementation"].address
    assert f"the clone implementation is at {implementation} already" in " ".join(plan.notes)
    [note] = [n for n in plan.notes if "the token will be at" in n]
    predicted = note.split(" at ")[1].split()[0]
    apply_deploy(project, plan, deployer, w3=w3)
    path = deployment_path(next_dir, "local")
    landed = load_deployment(path)
    assert landed.contracts["token"].address == predicted

    # The file loses the token (a crash between the factory's receipt and the save): the rerun
    # finds the clone at its address and sends nothing.
    data = json.loads(path.read_text())
    del data["contracts"]["token"]
    path.write_text(json.dumps(data))
    nonce = deployer.nonce
    steps: list[str] = []
    resumed = plan_deploy(project, next_spec, deployer, w3=w3, network="local", directory=next_dir)
    assert resumed.deploys == ["token"]
    apply_deploy(project, resumed, deployer, w3=w3, on_step=steps.append)
    assert deployer.nonce == nonce
    assert f"found the clone token at {predicted}" in steps
    assert load_deployment(path).contracts["token"].address == predicted


def test_full_mode_through_the_factory_configures_the_token_in_its_creating_transaction(
    run: Any, project: Any, deployer: Any, tmp_path: Path
) -> None:
    """factory: new in full mode: the token is created by the factory at the address the plan
    shows, and every event the token ever emitted (roles, rules, countries, document) is in that
    one transaction; the factory keeps no role; a rerun sends nothing, and a rerun after the file
    lost the token finds it at its address without sending."""
    w3 = _w3()
    spec = load_spec(_spec_copy(tmp_path, factory="new"))
    assert spec.canonical()["factory"] == "new" and spec.spec_hash() != load_spec(SPEC).spec_hash()
    directory = tmp_path / "wired"
    plan = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=directory)
    assert plan.deploys == ["registry", "module", "factory", "token", "dividends", "voting"]
    planned = _planned(plan.notes)
    inside = [s for s in plan.steps if s.endswith("(in the token's creating transaction)")]
    assert any(s.startswith("set rules") for s in inside), plan.steps
    assert not any("registry" in s for s in inside)  # the registry's roles: own transactions
    nonce = deployer.nonce
    steps: list[str] = []
    sent = apply_deploy(project, plan, deployer, w3=w3, on_step=steps.append)
    # registry, module, factory, token with its configuration, distributor, voting, and the
    # token admitted on both: 8 transactions instead of 14
    assert sent == deployer.nonce - nonce == 8, steps
    suite = open_suite(project, directory, network="local")
    token, factory = suite.token, suite.deployment.contracts["factory"].address
    assert planned == {r.address for r in suite.deployment.contracts.values()}, plan.notes
    created = [s for s in steps if s.startswith("deploy the token at")]
    assert len(created) == 1 and "set rules" in created[0] and "set document" in created[0]
    assert created[0].split(" at ")[1].split()[0] == token.address
    rules = token.rules()
    assert rules[0] is True and rules[2] == 1999
    assert token.countryRule(408)[0] is True and token.countryRule(840)[1] == 1999
    for role in ("DEFAULT_ADMIN_ROLE", "ISSUER_ROLE", "COMPLIANCE_ROLE", "CONTROLLER_ROLE"):
        assert token.hasRole(role_id(role), deployer)
        assert not token.hasRole(role_id(role), factory)
    assert not token.hasRole(role_id("PAUSER_ROLE"), factory)
    creation = suite.deployment.contracts["token"].tx_hash
    logs = w3.eth.get_logs({"address": token.address, "fromBlock": 0, "toBlock": "latest"})
    assert len(logs) >= 10
    assert {"0x" + bytes(log["transactionHash"]).hex() for log in logs} == {creation}

    again = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=directory)
    assert again.is_empty, again.steps

    path = deployment_path(directory, "local")
    data = json.loads(path.read_text())
    del data["contracts"]["token"]
    data["configured"] = False
    path.write_text(json.dumps(data))
    resumed = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=directory)
    assert resumed.deploys == ["token"]
    assert f"the token is at {token.address} already" in " ".join(resumed.notes)
    assert resumed.config == []  # read from the token found: nothing left to configure
    nonce = deployer.nonce
    steps.clear()
    assert apply_deploy(project, resumed, deployer, w3=w3, on_step=steps.append) == 0
    assert deployer.nonce == nonce
    assert f"found the token at {token.address}" in steps
    assert load_deployment(path).contracts["token"].address == token.address
