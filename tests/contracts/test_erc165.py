"""ERC-165 conformance of the suite's contracts, with ids derived from the interfaces.

Each interface id is the XOR of the selectors of the functions the compiled interface declares
(``interface_ids``); the compiler's ``type(I).interfaceId`` (contracts/test/InterfaceIds.sol) and,
for ERC-7943, the id the ERC prints must agree. Each deployed contract must answer
``supportsInterface`` true for every interface its ABI implements (ERC-20 and ERC-2612 are optional,
see ``OPTIONAL_CLAIMS``), and false for 0xffffffff (ERC-165's "invalid" id) and for ids it does not
implement. A contract without ``supportsInterface`` is reported by name as a skip.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_utils import keccak

from sectoken.abi import SUITE_CONTRACTS, contract_abi

from .corporate_fixtures import distributor, voting  # noqa: F401 - fixtures
from .interface_ids import ERC7943_FUNGIBLE_ID, OPTIONAL_CLAIMS, Catalogue, hex_id

# A fixed id no interface here has (the first 4 bytes of a hash of a made-up name).
RANDOM_ID = keccak(text="sectoken.erc165.unimplemented()")[:4]
INVALID_ID = bytes.fromhex("ffffffff")

FIXTURE_OF = {name: fixture for fixture, name in SUITE_CONTRACTS.items()}
FIXTURE_OF["DividendDistributor"] = "distributor"


@pytest.fixture(scope="module")
def catalogue(project: Any) -> Catalogue:
    return Catalogue(project)


@pytest.fixture
def compiler_ids(project: Any, deployer: Any) -> dict[str, bytes]:
    names, ids = project.InterfaceIds.deploy(sender=deployer).all()
    return {str(n): bytes(i) for n, i in zip(names, ids, strict=True)}


def _contract(request: pytest.FixtureRequest, name: str) -> Any:
    return request.getfixturevalue(FIXTURE_OF[name])


def test_derived_ids_equal_the_compilers(
    catalogue: Catalogue, compiler_ids: dict[str, bytes]
) -> None:
    known = catalogue.known()
    checked = [n for n in known if n in compiler_ids]
    assert len(checked) >= 14, f"too few interfaces cross-checked: {checked}"
    for name in checked:
        assert catalogue.interface_id(name) == compiler_ids[name], name


def test_a_base_interfaces_functions_do_not_count(catalogue: Catalogue) -> None:
    """IERC5805 declares nothing of its own (it joins IVotes and IERC6372): id 0, as solc says."""
    interface = catalogue.get("IERC5805")
    assert interface is not None and set(interface.bases) == {"IERC6372", "IVotes"}
    assert interface.selectors() == (
        catalogue.get("IVotes").selectors() | catalogue.get("IERC6372").selectors()  # type: ignore[union-attr]
    )
    assert catalogue.interface_id("IERC5805") == bytes(4)


def test_well_known_ids(catalogue: Catalogue) -> None:
    """Ids published by the ERCs themselves (ERC-165 and OpenZeppelin's docs print these)."""
    assert hex_id(catalogue.interface_id("IERC165")) == "0x01ffc9a7"
    assert hex_id(catalogue.interface_id("IAccessControl")) == "0x7965db0b"
    assert hex_id(catalogue.interface_id("IERC20")) == "0x36372b07"


def test_erc7943_id_is_the_ercs(catalogue: Catalogue) -> None:
    if catalogue.get("IERC7943Fungible") is None:
        pytest.skip("no IERC7943Fungible interface is compiled yet (the token's ERC-7943 work)")
    assert catalogue.interface_id("IERC7943Fungible") == ERC7943_FUNGIBLE_ID


@pytest.mark.parametrize("name", sorted(SUITE_CONTRACTS.values()))
def test_supports_every_interface_it_implements(
    request: pytest.FixtureRequest, catalogue: Catalogue, name: str
) -> None:
    abi = contract_abi(name)
    if not any(e.get("type") == "function" and e.get("name") == "supportsInterface" for e in abi):
        pytest.skip(f"{name} does not implement ERC-165 yet (no supportsInterface in its ABI)")
    implemented = catalogue.implemented_by(abi)
    assert "IERC165" in implemented
    contract = _contract(request, name)
    claimed = {n for n in implemented if contract.supportsInterface(catalogue.interface_id(n))}
    missing = sorted(set(implemented) - OPTIONAL_CLAIMS - claimed)
    assert not missing, f"{name} implements but does not claim: {missing}"
    assert not contract.supportsInterface(INVALID_ID)
    # IERC5805 declares nothing of its own: its id is 0, and claiming 0 would claim nothing.
    assert not contract.supportsInterface(bytes(4))
    assert not contract.supportsInterface(RANDOM_ID)
    # Interfaces of the catalogue it does not implement are not claimed either.
    for other in sorted(set(catalogue.known()) - set(implemented)):
        assert not contract.supportsInterface(catalogue.interface_id(other)), (name, other)


def test_the_registry_claims_its_three_interfaces(
    catalogue: Catalogue, registry: Any, compiler_ids: dict[str, bytes]
) -> None:
    """Spelled out for the registry this branch changed: IInvestorRegistry, IAccessControl,
    IERC165; the ERC-20 ids and the token's interfaces are not claimed."""
    for name in ("IInvestorRegistry", "IAccessControl", "IERC165"):
        assert registry.supportsInterface(compiler_ids[name]), name
    for name in ("IERC20", "IERC1594", "IVotes"):
        assert not registry.supportsInterface(compiler_ids[name]), name
    assert catalogue.implemented_by(contract_abi("InvestorRegistry")) == [
        "IERC165",
        "IAccessControl",
        "IInvestorRegistry",
    ]


def test_catalogue_reads_the_compiled_abi(project: Any, catalogue: Catalogue) -> None:
    """The derivation reads what Ape compiled: the registry interface's ABI round-trips."""
    interface = catalogue.get("IInvestorRegistry")
    assert interface is not None and interface.origin == "project"
    compiled = json.loads(project.IInvestorRegistry.contract_type.model_dump_json(by_alias=True))
    assert len(interface.abi) == len(compiled["abi"])
    assert catalogue.get("INoSuchInterface") is None
