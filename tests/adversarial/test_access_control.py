"""Attacks on roles, enumerated from the compiled ABIs.

Every state-changing function of the token, the registry, the dividend distributor and the
voting contract must be listed below either as open to any user (with why that is safe) or as
guarded by one role. A new function that is neither fails
``test_every_state_changing_function_is_classified``, so it cannot be forgotten; every guarded one
is then called by an account without any role and by an account holding every *other* role, with
arguments built from the ABI, and must revert naming the missing role. Removing the last admin is
attacked with random grant/revoke/renounce sequences.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sectoken.chain.contracts import container

from ..contracts.corporate_fixtures import DAY, ballot_params, eth_params, pass_record_date
from .abi_calls import Raw, state_changing, value_for

TOKEN_ROLES = ("ISSUER_ROLE", "COMPLIANCE_ROLE", "CONTROLLER_ROLE", "PAUSER_ROLE")
ADMIN = "DEFAULT_ADMIN_ROLE"

#: Functions any account may call, and why that is safe.
PUBLIC: dict[str, dict[str, str]] = {
    "SecurityToken": {
        "approve": "ERC-20 allowance of the caller's own tokens",
        "transfer": "moves the caller's tokens; the compliance decision binds both parties",
        "transferFrom": "spends an allowance; the compliance decision binds both parties",
        "transferWithData": "transfer with an ERC-1594 data blob",
        "transferFromWithData": "transferFrom with an ERC-1594 data blob",
        "redeem": "burns the caller's own tokens (sender-side rules apply)",
        "redeemFrom": "burns under an allowance (sender-side rules apply)",
        "renounceRole": "drops the caller's own role; the last admin cannot leave",
        "delegate": "ERC-5805: the caller's own voting units; moves no token",
        "delegateBySig": "ERC-5805: the signer's own voting units (signed, nonce, expiry)",
        "permit": "ERC-2612: the signer's own allowance (signed, nonce, deadline)",
        "moveVotingUnits": "reverts unless the token calls itself (admin module's forced moves)",
        "regimeBookkeeping": "the token's fallback refuses it for every caller, admin included "
        "(only the transfer path runs it): test_regime_bookkeeping_is_no_entry_point",
    },
    "InvestorRegistry": {
        "renounceRole": "drops the caller's own role; the last admin cannot leave",
    },
    "DividendDistributor": {
        "claim": "pays the caller's record-date share once",
        "claimFor": "only the holder's payee (its successor, usually itself) may call; pays it",
        "withdrawWithheld": "pays withheld tax to the distribution's fixed tax wallet",
        "renounceRole": "drops the caller's own role; the last admin cannot leave",
    },
    "ShareholderVoting": {
        "vote": "casts the caller's record-date weight once",
        "voteFor": "only the appointed proxy (not recovered, not frozen) or the successor",
        "appointProxy": "the caller names a proxy for its own vote",
        "renounceRole": "drops the caller's own role; the last admin cannot leave",
    },
}

#: Functions guarded by a role: ISSUER_ROLE is read on the token a distribution or ballot names;
#: the corporate-action contracts' own DEFAULT_ADMIN_ROLE admits tokens and administers roles.
GUARDED: dict[str, dict[str, str]] = {
    "SecurityToken": {
        "issue": "ISSUER_ROLE",
        "closeIssuance": "ISSUER_ROLE",
        "setDocument": "ISSUER_ROLE",
        "removeDocument": "ISSUER_ROLE",
        "scheduleRecordDate": "ISSUER_ROLE",
        "cancelRecordDate": "ISSUER_ROLE",
        "setRules": "COMPLIANCE_ROLE",
        "setCountryRule": "COMPLIANCE_ROLE",
        "setCountryRules": "COMPLIANCE_ROLE",
        "setWalletFrozen": "COMPLIANCE_ROLE",
        "setRegime": "COMPLIANCE_ROLE",
        "recountHolderClasses": "COMPLIANCE_ROLE",
        "setApprovedOperator": "COMPLIANCE_ROLE",
        "setFrozenTokens": "COMPLIANCE_ROLE",
        "freezePartial": "COMPLIANCE_ROLE",
        "unfreezePartial": "COMPLIANCE_ROLE",
        "pause": "PAUSER_ROLE",
        "unpause": "PAUSER_ROLE",
        "controllerTransfer": "CONTROLLER_ROLE",
        "forcedTransfer": "CONTROLLER_ROLE",
        "controllerRedeem": "CONTROLLER_ROLE",
        "recoverWallet": "CONTROLLER_ROLE",
        "grantRole": ADMIN,
        "revokeRole": ADMIN,
    },
    "InvestorRegistry": {
        "setInvestor": "COMPLIANCE_ROLE",
        "setInvestors": "COMPLIANCE_ROLE",
        "removeInvestor": "COMPLIANCE_ROLE",
        "removeInvestors": "COMPLIANCE_ROLE",
        "setFrozen": "COMPLIANCE_ROLE",
        "grantRole": ADMIN,
        "revokeRole": ADMIN,
    },
    "DividendDistributor": {
        "createDistribution": "ISSUER_ROLE",
        "push": "ISSUER_ROLE",
        "reclaim": "ISSUER_ROLE",
        "setTokenServed": ADMIN,
        "grantRole": ADMIN,
        "revokeRole": ADMIN,
    },
    "ShareholderVoting": {
        "createBallot": "ISSUER_ROLE",
        "setTokenServed": ADMIN,
        "grantRole": ADMIN,
        "revokeRole": ADMIN,
    },
}

CONTRACTS = sorted(GUARDED)
GUARDED_CASES = [(c, f) for c in CONTRACTS for f in sorted(GUARDED[c])]


@pytest.mark.parametrize("name", CONTRACTS)
def test_every_state_changing_function_is_classified(project: Any, name: str) -> None:
    """A new state-changing function must go to PUBLIC (with why) or GUARDED (with its role)."""
    found = set(state_changing(container(project, name).contract_type))
    public, guarded = set(PUBLIC[name]), set(GUARDED[name])
    assert not public & guarded
    assert found - public - guarded == set(), f"{name}: unclassified functions"
    assert (public | guarded) - found == set(), f"{name}: listed functions that no longer exist"


@pytest.fixture
def deployed(
    chain: Any, holders: Any, registry: Any, distributor: Any, voting: Any, issuer: Any
) -> dict[str, Any]:
    """The suite, with distribution 1 and ballot 1 open (so that the guarded functions taking
    an id reach their role check)."""
    rid = pass_record_date(chain, holders, issuer)
    end = chain.pending_timestamp + 30 * DAY
    distributor.createDistribution(eth_params(holders, rid, 10, end), value=10, sender=issuer)
    voting.createBallot(ballot_params(holders, rid, end - DAY, end), sender=issuer)
    token = holders
    return {
        "SecurityToken": token,
        "InvestorRegistry": registry,
        "DividendDistributor": distributor,
        "ShareholderVoting": voting,
    }


def refusal_problems(
    raw: Raw,
    deployed: dict[str, Any],
    name: str,
    caller: Any,
    target: Any,
    only: str | None = None,
) -> list[str]:
    """Call every guarded function of ``name`` (or just ``only``) from ``caller`` (eth_call,
    arguments from the ABI, addresses ``target``); return what did not revert with the
    missing-role error."""
    contract = deployed[name]
    token = deployed["SecurityToken"]
    methods = state_changing(contract.contract_type)
    problems = []
    for fn, role_name in sorted(GUARDED[name].items()):
        if only is not None and fn != only:
            continue

        # A distribution or ballot names the suite's token; every other address is ``target``.
        def address(param: str, fn: str = fn) -> Any:
            return token.address if param == "token" and fn != "setTokenServed" else target

        args = [value_for(i, address) for i in methods[fn].inputs]
        ok, revert = raw.call(contract, fn, args, caller)
        error, inputs = ("<none: the call succeeded>", {}) if ok else raw.error(revert)
        if name in ("SecurityToken", "InvestorRegistry") or role_name == ADMIN:
            expected = (
                "AccessControlUnauthorizedAccount",
                {
                    "account": caller.address,
                    "neededRole": "0x" + bytes(getattr(contract, role_name)()).hex(),
                },
            )
        else:  # the corporate-action contracts ask the token for ISSUER_ROLE
            assert not token.hasRole(token.ISSUER_ROLE(), caller)
            expected = ("NotIssuer", {"token": token.address, "account": caller.address})
        if (error, inputs) != expected:
            problems.append(f"{name}.{fn}: expected {expected}, got {error} {inputs}")
    return problems


@pytest.mark.parametrize("name", CONTRACTS)
def test_admin_selectors_from_an_account_without_any_role(
    chain: Any, deployed: dict[str, Any], mallory: Any, alice: Any, name: str
) -> None:
    assert refusal_problems(Raw(chain), deployed, name, mallory, alice) == []


@pytest.mark.parametrize("name", CONTRACTS)
def test_admin_selectors_from_an_account_holding_every_other_role(
    chain: Any, deployed: dict[str, Any], deployer: Any, mallory: Any, alice: Any, name: str
) -> None:
    """Roles do not add up: holding all the others never stands in for the one required."""
    raw = Raw(chain)
    held: dict[str, list[str]] = {}
    for contract_name in dict.fromkeys(("SecurityToken", "InvestorRegistry", name)):
        contract = deployed[contract_name]
        held[contract_name] = [r for r in (*TOKEN_ROLES, ADMIN) if hasattr(contract, r)]
        for role_name in held[contract_name]:
            raw.send(contract, "grantRole", [getattr(contract, role_name)(), mallory], deployer)
    problems = []
    for fn, needed in sorted(GUARDED[name].items()):
        # the corporate-action contracts read ISSUER_ROLE on the token, their own admin role
        corporate_issuer = name not in ("SecurityToken", "InvestorRegistry") and needed != ADMIN
        guarding = "SecurityToken" if corporate_issuer else name
        contract = deployed[guarding]
        snapshot = chain.snapshot()
        role = getattr(contract, needed)()
        raw.send(contract, "renounceRole", [role, mallory], mallory)
        assert not contract.hasRole(role, mallory)
        others = [r for r in held[guarding] if r != needed]
        assert all(contract.hasRole(getattr(contract, r)(), mallory) for r in others)
        problems += refusal_problems(raw, deployed, name, mallory, alice, only=fn)
        chain.restore(snapshot)
    assert problems == []


@pytest.mark.parametrize("name", CONTRACTS)
def test_only_the_admin_administers_roles(deployed: dict[str, Any], name: str) -> None:
    """No role can grant itself to others: every role's admin role is DEFAULT_ADMIN_ROLE."""
    contract = deployed[name]
    admin = contract.DEFAULT_ADMIN_ROLE()
    for role_name in (*TOKEN_ROLES, ADMIN):
        if hasattr(contract, role_name):
            assert contract.getRoleAdmin(getattr(contract, role_name)()) == admin


def test_regime_bookkeeping_is_no_entry_point(
    chain: Any, deployed: dict[str, Any], deployer: Any, mallory: Any, alice: Any, bob: Any
) -> None:
    """The admin module's regimeBookkeeping writes the regime's counters; on the token nobody may
    call it, not even an account holding every role."""
    raw = Raw(chain)
    token = deployed["SecurityToken"]
    for role_name in TOKEN_ROLES:
        if not token.hasRole(getattr(token, role_name)(), deployer):
            raw.send(token, "grantRole", [getattr(token, role_name)(), deployer], deployer)
    for caller in (deployer, mallory):
        ok, revert = raw.call(token, "regimeBookkeeping", [alice.address, bob.address, 1], caller)
        assert not ok
        assert raw.error(revert) == (
            "AccessControlUnauthorizedAccount",
            {"account": caller.address, "neededRole": "0x" + bytes(32).hex()},
        )


def test_renounce_on_behalf_of_another_account(token: Any, issuer: Any, mallory: Any) -> None:
    with ape.reverts(token.AccessControlBadConfirmation):
        token.renounceRole(token.ISSUER_ROLE(), issuer, sender=mallory)
    assert token.hasRole(token.ISSUER_ROLE(), issuer)


# ------------------------------------------------------------------ the last admin

ADMIN_OPS = st.lists(
    st.tuples(
        st.sampled_from(["grant", "revoke", "renounce"]),
        st.integers(0, 3),  # who acts
        st.integers(0, 3),  # on whom
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.parametrize("name", ["SecurityToken", "InvestorRegistry"])
@given(ops=ADMIN_OPS)
def test_removing_the_last_admin_in_any_order(
    chain: Any, deployed: dict[str, Any], deployer: Any, accounts: Any, name: str, ops: Any
) -> None:
    """Random grant/revoke/renounce of DEFAULT_ADMIN_ROLE among four accounts: at least one
    admin always remains, adminCount matches hasRole, and exactly the forbidden steps fail."""
    contract = deployed[name]
    raw = Raw(chain)
    admin = bytes(contract.DEFAULT_ADMIN_ROLE())
    people = [deployer, accounts[4], accounts[5], accounts[6]]
    snapshot = chain.snapshot()
    try:
        admins = {0}
        for op, actor, subject in ops:
            target = actor if op == "renounce" else subject
            if op in ("grant", "revoke") and actor not in admins:
                expected: str | None = "AccessControlUnauthorizedAccount"
            elif op != "grant" and admins == {target}:
                expected = "LastAdmin"
            else:
                expected = None
            fn = {"grant": "grantRole", "revoke": "revokeRole", "renounce": "renounceRole"}[op]
            args = [admin, people[target]]
            ok, revert = raw.call(contract, fn, args, people[actor])
            error = None if ok else raw.error(revert)[0]
            assert error == expected, (op, actor, subject, admins)
            if ok:
                assert raw.send(contract, fn, args, people[actor]).status == 1
                if op == "grant":
                    admins.add(target)
                else:
                    admins.discard(target)
        assert contract.adminCount() == len(admins) >= 1
        assert {i for i, p in enumerate(people) if contract.hasRole(admin, p)} == admins
    finally:
        chain.restore(snapshot)
