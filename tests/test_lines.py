"""disabledid, enabledid, portable and listlines; a disabled DID answers with a fast busy."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.events import SimEvent
from faxage_sim.server.state import AppState

from .helpers import FaxApi
from .inbound_helpers import DID_A, DID_B, fax_arrives, other_company, stored_fax

BAD_DIDS = [None, "", "303297410", "30329741000", "303-297-4100", "303297410a",
            "３０３２９７４１００"]  # full-width digits are not ASCII digits


@pytest.mark.parametrize("operation", ["disabledid", "enabledid"])
@pytest.mark.parametrize("didnumber", BAD_DIDS)
def test_a_malformed_did_is_err16(api: FaxApi, operation: str, didnumber: str | None) -> None:
    fields = {} if didnumber is None else {"didnumber": didnumber}
    assert api.call(operation, **fields) == "ERR16: invalid DID number"


@pytest.mark.parametrize("operation", ["disabledid", "enabledid"])
def test_a_number_not_on_the_account_is_err17(client: TestClient, api: FaxApi,
                                              operation: str) -> None:
    other_company(client)  # owns 3032974200
    for number in ("3032974200", "3039990000"):
        assert api.call(operation, didnumber=number) == (
            "ERR17: DID not found or doesn't belong to you")


def test_a_disabled_did_gets_a_fast_busy_until_enabled(client: TestClient, api: FaxApi,
                                                       state: AppState) -> None:
    calls: list[SimEvent] = []
    state.sim.bus.subscribe(lambda e: calls.append(e) if e.kind == "call" else None)
    assert api.call("disabledid", didnumber=DID_A) == "Disabled"
    assert api.call("disabledid", didnumber=DID_A) == "Disabled"  # already: still fine
    result = fax_arrives(client, DID_A, cid="3125550199", duration=0, status=200)
    assert (result["outcome"], result["busy_reason"], result["recvid"]) == (
        "busy", "DID disabled", None)
    assert api.call("listfax") == "ERR11: No incoming faxes available"
    assert api.call("busycalls") == f"{DID_A}\t3125550199\t2026-01-05 09:00:00\n"
    assert api.call("incomingcalls") == "0~4"
    assert [e.data for e in calls] == [{
        "direction": "IN", "src": "3125550199", "dst": DID_A, "start": 1767628800.0,
        "duration": 0, "answered": False}]
    # The other number still answers.
    assert stored_fax(client, api, DID_B) == 400001
    assert api.call("enabledid", didnumber=DID_A) == "Enabled"
    assert api.call("enabledid", didnumber=DID_A) == "Enabled"
    assert stored_fax(client, api, DID_A) == 400002
    assert api.call("busycalls").count("\n") == 1


def test_disabling_shows_in_the_control_plane(client: TestClient, api: FaxApi) -> None:
    api.call("disabledid", didnumber=DID_B)
    account = client.get("/_sim/accounts/1000").json()
    assert account["disabled_dids"] == [DID_B]
    assert client.get(f"/_sim/accounts/1000/dids/{DID_B}").json()["enabled"] is False


def test_portable_follows_the_rate_center_table(api: FaxApi, state: AppState) -> None:
    assert api.call("portable", didnumber="3032971234") == "1"  # Denver 303-297
    # A served exchange of another area, and one of an area the simulator does not serve.
    served = next(c.npanxx for c in state.sim.inventory.npanxxs() if c.npanxx[:3] == "212")
    assert api.call("portable", didnumber=served + "0000") == "1"
    assert api.call("portable", didnumber="4065551234") == "0"  # Montana: not served
    unserved = next(f"212{n}" for n in range(200, 1000)
                    if state.sim.inventory.rate_center(f"212{n}") is None)
    assert api.call("portable", didnumber=unserved + "0000") == "0"


@pytest.mark.parametrize("didnumber", BAD_DIDS)
def test_portable_of_a_malformed_number_is_err16(api: FaxApi, didnumber: str | None) -> None:
    fields = {} if didnumber is None else {"didnumber": didnumber}
    assert api.call("portable", **fields) == "ERR16: invalid DID number"


def test_listlines_lists_the_accounts_numbers(client: TestClient, api: FaxApi) -> None:
    assert api.call("listlines") == f"{DID_A}\n{DID_B}\n"
    api.call("disabledid", didnumber=DID_A)
    assert api.call("listlines") == f"{DID_A}\n{DID_B}\n"  # disabled numbers stay assigned
    eve = other_company(client, dids=["3032974201", "3032974200"])
    assert eve.call("listlines") == "3032974201\n3032974200\n"
    response = client.post("/_sim/accounts", json={"company": "4000", "did_count": 0})
    assert response.status_code == 201
    empty = FaxApi(client, {"username": "demo", "company": "4000", "password": "demo"})
    assert empty.call("listlines") == ""
