"""Account parts (`scenario.parts`): one declaration gives the schema, the load, the control
route and the handle's way in, and a declared field the core call would not receive fails
here — before any operation's own test runs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from faxage_sim.core.accounts import Account
from faxage_sim.core.simulator import Simulator
from faxage_sim.harness.handle import SimHandle
from faxage_sim.scenario.apply import ACCOUNT_FIELDS
from faxage_sim.scenario.declare import declared, declared_fields, key_of, read_part, ref
from faxage_sim.scenario.model import ACCOUNT_PARTS, AccountSpec, PortRequestSpec
from faxage_sim.scenario.parts import account_part, account_parts, call_problems
from faxage_sim.scenario.schema import part_schema, scenario_schema


def test_every_field_of_a_files_account_is_applied_or_a_declared_part() -> None:
    keys = [key_of(f) for f in declared_fields(AccountSpec)]
    parts = [p.key for p in ACCOUNT_PARTS]
    assert not set(parts) & set(ACCOUNT_FIELDS)
    unapplied = [k for k in keys if k not in ACCOUNT_FIELDS and k not in parts]
    assert unapplied == [], (
        f"{unapplied}: apply_account_spec would read and keep these but never apply them; "
        "declare the field with scenario.parts.account_part (or apply it and name it in "
        "scenario.apply.ACCOUNT_FIELDS)")
    assert "port_requests" in parts


@pytest.mark.parametrize("part", ACCOUNT_PARTS, ids=lambda p: p.key)
def test_each_parts_core_call_receives_every_declared_field(part: Any) -> None:
    assert call_problems(part) == []


@pytest.mark.parametrize("part", ACCOUNT_PARTS, ids=lambda p: p.key)
def test_each_part_has_its_schema_entry(part: Any) -> None:
    defs = scenario_schema()["$defs"]
    assert defs[part.name] == part_schema(part.item)
    assert defs["account"]["properties"][part.key]["items"] == ref(part.name)


# --- the former silent place: a declared field the core call never gets ----------------

@dataclass
class _PortWithCarrier(PortRequestSpec):
    carrier: str = field(default="", metadata=declared({"type": "string"}))


@dataclass
class _AccountWithCarrier:
    ports: list[_PortWithCarrier] | None = field(default=None, metadata=account_part(
        _PortWithCarrier, "port_request", "Port requests with a carrier.", route="ports",
        add=Simulator.add_port_request, clear=Simulator.clear_port_requests))


def _add_anything(sim: Simulator, account: Account, at: float, **fields: Any) -> None:
    """A call that would take a new field without looking at it."""


@dataclass
class _JustANumber:
    number: str = field(metadata=declared(ref("phone"), read=str))


def _wants_a_line(sim: Simulator, account: Account, at: float, *, number: str,
                  line: int) -> None:
    """A call that needs a value no declared field gives."""


def test_a_declared_field_the_core_call_does_not_take_fails() -> None:
    (part,) = account_parts(_AccountWithCarrier)
    assert call_problems(part) == [
        "ports: Simulator.add_port_request does not take the field 'carrier'"]
    # and loading it is an error, never a field read and dropped
    sim = Simulator()
    account = sim.create_account("2000", None, None)
    item = read_part(_PortWithCarrier, {"number": "3035550100", "carrier": "Lumen"})
    with pytest.raises(TypeError, match="carrier"):
        part.replace(sim, account, [item], account.now())


def test_a_core_call_that_swallows_any_field_or_wants_an_undeclared_one_fails() -> None:
    (part,) = account_parts(_AccountWithCarrier)
    assert call_problems(dataclasses.replace(part, add=_add_anything)) == [
        "ports: _add_anything takes **fields: name each field"]
    assert call_problems(dataclasses.replace(part, item=_JustANumber, add=_wants_a_line)) == [
        "ports: _wants_a_line takes 'line', which no field of _JustANumber gives"]


# --- the ways in the declaration gives -----------------------------------------------

def test_a_new_account_from_the_control_plane_gets_its_parts(client: TestClient) -> None:
    made = client.post("/_sim/accounts", json={
        "company": "2000", "port_requests": [{"number": "3035550100", "status": "FOC"}]})
    assert made.status_code == 201, made.text
    listed = client.get("/_sim/accounts/2000/ports").json()["port_requests"]
    assert [(p["number"], p["status"]) for p in listed] == [("3035550100", "FOC")]


@pytest.mark.parametrize("part", ACCOUNT_PARTS, ids=lambda p: p.key)
def test_each_part_has_its_control_route(part: Any, client: TestClient) -> None:
    refused = client.post(f"/_sim/accounts/1000/{part.route}", json={"nosuchfield": 1})
    assert refused.status_code == 400
    assert '"nosuchfield" is not a field here' in refused.json()["error"]
    cleared = client.request("DELETE", f"/_sim/accounts/1000/{part.route}", json={})
    assert cleared.json() == {"company": "1000", "removed": 0}


def test_the_handle_adds_to_and_clears_a_part(faxage_sim_asgi: SimHandle) -> None:
    sim = faxage_sim_asgi
    added = sim.add_to("ports", number="3035550100", due="+7d", status="FOC received")
    assert (added["number"], added["status"], added["complete"]) == (
        "3035550100", "FOC received", False)
    with httpx.Client(transport=sim.transport, base_url=sim.url) as client:
        body = client.post("/httpsfax.php", data={**sim.credentials,
                                                  "operation": "portstatus"}).text
    assert body.startswith("3035550100\t") and "\tFOC received\t" in body
    assert sim.clear_part("ports") == 1
    assert sim.clear_part("ports") == 0


def test_port_requests_survive_an_account_snapshot(client: TestClient) -> None:
    assert client.post("/_sim/accounts/1000/ports",
                       json={"number": "3035550100", "status": "FOC"}).status_code == 201
    snapshot = client.get("/_sim/accounts/1000/snapshot").json()
    assert client.post("/_sim/accounts", json={"company": "2000"}).status_code == 201
    restored = client.post("/_sim/accounts/2000/restore", json={"snapshot": snapshot})
    assert restored.status_code == 200, restored.text
    listed = client.get("/_sim/accounts/2000/ports").json()["port_requests"]
    assert [(p["number"], p["status"]) for p in listed] == [("3035550100", "FOC")]
