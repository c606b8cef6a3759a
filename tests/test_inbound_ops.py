"""delfax, handled, handlecount, incomingcalls and busycalls; call events of inbound calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.events import SimEvent
from faxage_sim.server.state import AppState

from .helpers import FaxApi
from .inbound_helpers import CALLER, DID_A, DID_B, fax_arrives, other_company, stored_fax


@pytest.fixture
def calls(state: AppState) -> Iterator[list[SimEvent]]:
    """Every `call` event (the call detail record feed) emitted during the test."""
    seen: list[SimEvent] = []
    unsubscribe = state.sim.bus.subscribe(
        lambda event: seen.append(event) if event.kind == "call" else None)
    yield seen
    unsubscribe()


def test_delfax_removes_the_fax(client: TestClient, api: FaxApi) -> None:
    recvid = stored_fax(client, api)
    kept = stored_fax(client, api, DID_B)
    assert api.call("delfax", faxid=str(recvid)) == "Deleted"
    assert api.call("listfax", idasc="1").startswith(f"{kept}\t")
    assert api.call("listfax").count("\n") == 1
    assert api.call("getfax", faxid=str(recvid)) == (
        "ERR12: FAX ID not found or does not belong to you")
    assert api.call("delfax", faxid=str(recvid)) == (
        "ERR14: FAX ID not found or does not belong to you")
    assert api.call("handlecount") == "1~0"


@pytest.mark.parametrize("faxid", [None, "", "abc", "999999", "-400001", "400001x"])
def test_delfax_of_nothing_is_err14(client: TestClient, api: FaxApi, faxid: str | None) -> None:
    stored_fax(client, api)
    fields = {} if faxid is None else {"faxid": faxid}
    assert api.call("delfax", **fields) == "ERR14: FAX ID not found or does not belong to you"
    assert api.call("handlecount") == "1~0"


def test_blanks_around_a_fax_id_are_tolerated(client: TestClient, api: FaxApi) -> None:
    recvid = stored_fax(client, api)
    assert api.call("delfax", faxid=f" {recvid}\n") == "Deleted"


def test_delfax_of_another_companys_fax_is_err14(client: TestClient, api: FaxApi) -> None:
    recvid = stored_fax(client, api)
    eve = other_company(client)
    assert eve.call("delfax", faxid=str(recvid)) == (
        "ERR14: FAX ID not found or does not belong to you")
    assert eve.call("handled", recvid=str(recvid)) == (
        "ERR12: FAX ID not found or does not belong to you")
    assert api.call("handlecount") == "1~0"


def test_handled_and_handlecount(client: TestClient, api: FaxApi) -> None:
    assert api.call("handlecount") == "0~0"
    first, second = stored_fax(client, api), stored_fax(client, api)
    assert api.call("handlecount") == "2~0"
    assert api.call("handled", recvid=str(first), handled="1") == "Handled"
    assert api.call("handled", recvid=str(first), handled="1") == "Handled"  # idempotent
    assert api.call("handlecount") == "2~1"
    assert api.call("handled", recvid=str(second)) == "Handled"  # no `handled`: mark it
    assert api.call("handlecount") == "2~2"
    assert api.call("handled", recvid=str(first), handled="0") == "Unhandled"
    assert api.call("handlecount") == "2~1"
    assert api.call("listfax", unhandled="1") == (
        f"{first}\t2026-01-05 09:00:00\t(720)991-4321\t(303)297-4100\n")
    # `faxid` is accepted as the id too; deleting a handled fax lowers both counts.
    assert api.call("handled", faxid=str(first), handled="1") == "Handled"
    assert api.call("delfax", faxid=str(second)) == "Deleted"
    assert api.call("handlecount") == "1~1"
    assert api.call("handled", recvid="12") == (
        "ERR12: FAX ID not found or does not belong to you")


def test_incomingcalls_counts_calls_in_progress(client: TestClient, api: FaxApi) -> None:
    assert api.call("incomingcalls") == "0~4"
    fax_arrives(client, DID_A, pages=2)  # 10 + 2 × 45 + 5 = 105 s
    fax_arrives(client, DID_B, pages=1)  # 60 s
    assert api.call("incomingcalls") == "2~4"
    api.advance(60)
    assert api.call("incomingcalls") == "1~4"
    api.advance(45)
    assert api.call("incomingcalls") == "0~4"
    assert api.call("handlecount") == "2~0"
    assert client.put("/_sim/accounts/1000", json={"inbound_lines": 9}).status_code == 200
    assert api.call("incomingcalls") == "0~9"


def test_a_call_beyond_the_lines_gets_busy(client: TestClient, api: FaxApi,
                                           calls: list[SimEvent]) -> None:
    assert client.put("/_sim/accounts/1000", json={"inbound_lines": 1}).status_code == 200
    assert api.call("busycalls") == ""
    assert fax_arrives(client, DID_A, pages=1)["outcome"] == "answered"
    busy = fax_arrives(client, DID_B, cid="3125550199", status=200)
    assert (busy["outcome"], busy["busy_reason"]) == ("busy", "all inbound lines in use")
    api.advance(30)
    assert fax_arrives(client, DID_B, cid=None, status=200)["outcome"] == "busy"
    api.advance(30)
    assert api.call("incomingcalls") == "0~1"
    assert api.call("busycalls") == (
        f"{DID_B}\t3125550199\t2026-01-05 09:00:00\n"
        f"{DID_B}\t\t2026-01-05 09:00:30\n"
    )
    assert api.call("listfax").count("\n") == 1
    assert [(e.data["answered"], e.data["duration"]) for e in calls] == [
        (False, 0), (False, 0), (True, 60)]


def test_every_inbound_call_emits_a_call_event(client: TestClient, api: FaxApi,
                                               calls: list[SimEvent]) -> None:
    fax_arrives(client, DID_A, pages=2)
    start = 1767628800.0  # 2026-01-05 16:00:00 UTC
    assert calls == []  # only when the call ends
    api.advance(105)
    assert len(calls) == 1
    event = calls[0]
    assert (event.kind, event.at, event.company) == ("call", start + 105, "1000")
    assert event.data == {"direction": "IN", "src": CALLER, "dst": DID_A, "start": start,
                          "duration": 105, "answered": True, "recvid": 400001}


def test_busycalls_and_counts_are_per_account(client: TestClient, api: FaxApi) -> None:
    assert client.put("/_sim/accounts/1000", json={"inbound_lines": 0}).status_code == 200
    fax_arrives(client, DID_A, status=200)
    eve = other_company(client)
    assert eve.call("busycalls") == ""
    assert eve.call("handlecount") == "0~0"
    assert api.call("busycalls").count("\n") == 1
