"""`/_sim/inbound` and per-DID settings: placing calls, validation, listing."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.events import SimEvent
from faxage_sim.server.state import AppState

from .helpers import FaxApi, b64
from .inbound_helpers import DID_A, DID_B, fax_arrives, other_company, stored_fax


@pytest.mark.parametrize(("body", "message"), [
    ({}, 'give "did": the 10-digit number being called'),
    ({"did": "303297410"}, 'did: expected a 10-digit number, got "303297410"'),
    ({"did": True}, "did: expected a 10-digit number, got True"),
    ({"did": DID_A, "colour": "red"},
     'colour: "colour" is not a field here (fields: did, cid, tsid, sender, pages, duration, '
     "in_seconds, document, company)"),
    ({"did": DID_A, "cid": "12"}, 'cid: expected a 10-digit number, got "12"'),
    ({"did": DID_A, "cid": 7209914321}, '"cid" must be a string or null'),
    ({"did": DID_A, "pages": 0}, "pages: expected a whole number from 1 to 500, got 0"),
    ({"did": DID_A, "pages": "2"}, 'pages: expected a whole number from 1 to 500, got "2"'),
    ({"did": DID_A, "duration": -1},
     'duration: expected a duration (seconds, or like "90s", "10m", "1h30m"), got -1'),
    ({"did": DID_A, "in_seconds": "soon"},
     'in_seconds: expected a duration (seconds, or like "90s", "10m", "1h30m"), got "soon"'),
    ({"did": DID_A, "document": "scan.pdf"},
     '"document" must be {"filename": "...", "data": "<base64>"}'),
    ({"did": DID_A, "document": {"filename": "scan.exe", "data": "AAAA"}},
     "document: 'scan.exe' is not a supported file type"),
    ({"did": DID_A, "document": {"filename": "scan.pdf", "data": "%%%"}},
     "document: data is not base64"),
    ({"did": DID_A, "document": {"filename": "scan.pdf", "data": b64(b"hello")}},
     "document: bytes are not pdf"),
    ({"did": DID_A, "pages": 3, "document": {"filename": "a.txt", "data": b64(b"hi\n")}},
     '"pages" is 3 but the document has 1'),
    ({"did": "3032974200", "company": "1000"}, "3032974200 is not a number of account 1000"),
])
def test_bad_calls_are_refused_clearly(client: TestClient, api: FaxApi, body: dict[str, Any],
                                       message: str) -> None:
    response = client.post("/_sim/inbound", json=body)
    assert (response.status_code, response.json()["error"]) == (400, message)
    assert api.call("incomingcalls") == "0~4"
    assert api.call("listfax") == "ERR11: No incoming faxes available"


def test_an_unknown_company_is_404(client: TestClient) -> None:
    response = client.post("/_sim/inbound", json={"did": DID_A, "company": "9999"})
    assert (response.status_code, response.json()) == (
        404, {"error": "no account with company 9999"})


def test_a_number_nobody_owns_is_dropped(client: TestClient, api: FaxApi,
                                         state: AppState) -> None:
    events: list[SimEvent] = []
    state.sim.bus.subscribe(events.append)
    response = client.post("/_sim/inbound", json={"did": "3039990000"})
    assert response.status_code == 200
    assert response.json()["outcome"] == "dropped"
    assert response.json()["company"] is None
    assert [e.kind for e in events] == ["inbound.dropped"]
    api.run_until_idle()
    assert api.call("listfax") == "ERR11: No incoming faxes available"
    assert api.call("busycalls") == ""


def test_the_answer_describes_the_call(client: TestClient) -> None:
    response = client.post("/_sim/inbound", json={
        "did": DID_A, "cid": "7209914321", "tsid": "A" * 30, "sender": "Acme", "pages": 2})
    assert response.status_code == 201
    assert response.json() == {
        "outcome": "answered", "company": "1000", "did": DID_A, "cid": "7209914321",
        "tsid": "A" * 20, "pages": 2, "busy_reason": None,
        "starttime": "2026-01-05T16:00:00+00:00", "recvdate": "2026-01-05T16:01:45+00:00",
        "recvid": None,
    }


def test_left_out_details_are_generated(client: TestClient, api: FaxApi) -> None:
    result = fax_arrives(client, DID_B, cid=None, tsid="", sender="", duration=0)
    assert (result["cid"], result["tsid"]) == ("", "")
    response = client.post("/_sim/inbound", json={"did": DID_A, "duration": 0})
    generated = response.json()
    assert response.status_code == 201
    assert generated["fax"]["sender"] != ""
    assert generated["cid"] == "" or len(generated["cid"]) == 10
    assert generated["pages"] >= 1
    assert api.call("listfax", didnumber=DID_A, pagecount="1").endswith(
        f"\t{generated['pages']}\n")


def test_a_call_can_ring_later(client: TestClient, api: FaxApi) -> None:
    response = client.post("/_sim/inbound", json={"did": DID_A, "pages": 1, "in_seconds": 120})
    assert response.status_code == 202
    assert response.json() == {"outcome": "scheduled", "company": "1000", "did": DID_A,
                               "rings_at": "2026-01-05T16:02:00+00:00"}
    api.advance(119)
    assert api.call("incomingcalls") == "0~4"
    api.advance(1)
    assert api.call("incomingcalls") == "1~4"
    api.advance(60)
    assert api.call("listfax", starttime="1").split("\t")[1:3] == [
        "2026-01-05 09:03:00", "2026-01-05 09:02:00"]


def test_a_scheduled_call_to_a_number_gone_meanwhile_is_dropped(client: TestClient,
                                                                api: FaxApi,
                                                                state: AppState) -> None:
    client.post("/_sim/inbound", json={"did": DID_A, "pages": 1, "in_seconds": 10})
    state.sim.accounts["1000"].dids.remove(DID_A)
    api.advance(3600)
    assert api.call("listfax") == "ERR11: No incoming faxes available"


def test_the_inbound_listing(client: TestClient, api: FaxApi) -> None:
    first = stored_fax(client, api, DID_A)
    second = stored_fax(client, api, DID_B, cid=None)
    api.call("disabledid", didnumber=DID_A)
    fax_arrives(client, DID_A, cid="3125550199", status=200)
    api.call("handled", recvid=str(first))
    other_company(client)
    listing = client.get("/_sim/inbound?company=1000").json()
    [account] = listing["accounts"]
    assert account["company"] == "1000"
    assert (account["inbound_lines"], account["calls_in_progress"]) == (4, 0)
    assert [f["recvid"] for f in account["faxes"]] == [first, second]
    assert account["faxes"][0] == {
        "recvid": first, "company": "1000", "did": DID_A, "cid": "7209914321",
        "cid_shown": "(720)991-4321", "tsid": "ACME FAX", "sender": "Acme Corp",
        "starttime": "2026-01-05 09:00:00", "recvdate": "2026-01-05 09:00:00", "duration": 0,
        "pagecount": 1, "filename": f"fax{first}.pdf", "handled": True, "unreadable": False,
        "document": None,
    }
    assert account["busy_calls"] == [{"did": DID_A, "cid": "3125550199",
                                      "at": "2026-01-05 09:00:00", "reason": "DID disabled"}]
    everyone = client.get("/_sim/inbound").json()["accounts"]
    assert [a["company"] for a in everyone] == ["1000", "2000"]
    by_did = client.get(f"/_sim/inbound?company=1000&did={DID_B}").json()["accounts"][0]
    assert ([f["recvid"] for f in by_did["faxes"]], by_did["busy_calls"]) == ([second], [])
    last = client.get("/_sim/inbound?company=1000&limit=1").json()["accounts"][0]
    assert [f["recvid"] for f in last["faxes"]] == [second]
    assert client.get(f"/_sim/inbound/{second}").json()["cid_shown"] == "Unavailable"
    assert client.get("/_sim/inbound/1").status_code == 404
    assert client.get("/_sim/inbound?limit=x").status_code == 400
    assert client.get("/_sim/inbound?company=9").status_code == 404


def test_per_did_settings(client: TestClient, api: FaxApi) -> None:
    url = f"/_sim/accounts/1000/dids/{DID_A}"
    assert client.get(url).json() == {"company": "1000", "did": DID_A, "enabled": True,
                                      "inbound_url": None, "effective_inbound_url": None}
    assert client.put(url, json={"enabled": False}).json()["enabled"] is False
    assert fax_arrives(client, DID_A, status=200)["outcome"] == "busy"
    assert client.put(url, json={"enabled": True}).status_code == 200
    assert api.call("listfax") == "ERR11: No incoming faxes available"
    client.put("/_sim/accounts/1000", json={"inbound_url": "http://127.0.0.1:9/in"})
    assert client.get(url).json()["effective_inbound_url"] == "http://127.0.0.1:9/in"
    for body, message in [
        ({"enabled": "no"}, '"enabled" must be true or false'),
        ({"inbound_url": "ftp://x"},
         '"inbound_url" must be an http:// or https:// URL of at most 2048 characters, or null'),
        ({"inbound_url": "http://" + "x" * 3000},
         '"inbound_url" must be an http:// or https:// URL of at most 2048 characters, or null'),
        ({"colour": 1}, "unknown field(s) colour"),
    ]:
        response = client.put(url, json=body)
        assert (response.status_code, response.json()) == (400, {"error": message})
    assert client.get("/_sim/accounts/1000/dids/3039990000").status_code == 404


@pytest.mark.parametrize(("settings", "message"), [
    ({"fax_format": "gif"}, 'settings.fax_format: expected one of "pdf", "tiff", "tif", '
                            'got "gif"'),
    ({"inbound_url": "ftp://example.com"},
     'settings.inbound_url: expected text matching ^https?://, got "ftp://example.com"'),
    ({"inbound_lines": -1},
     "settings.inbound_lines: expected a whole number from 0 to 1000, got -1"),
    ({"inbound_rate_per_hour": "lots"},
     'settings.inbound_rate_per_hour: expected a number from 0 to 120, got "lots"'),
    ({"inbound_rate_per_hour": 1e12},
     "settings.inbound_rate_per_hour: expected a number from 0 to 120, got 1000000000000.0"),
])
def test_inbound_settings_are_checked(client: TestClient, settings: dict[str, Any],
                                      message: str) -> None:
    response = client.put("/_sim/accounts/1000", json=settings)
    assert (response.status_code, response.json()["error"]) == (400, message)
    current = client.get("/_sim/accounts/1000").json()["settings"]
    assert (current["fax_format"], current["inbound_url"], current["inbound_lines"]) == (
        "pdf", None, 4)


def test_a_dropped_call_still_checks_its_caller_id(client: TestClient) -> None:
    response = client.post("/_sim/inbound", json={"did": "3039990000", "cid": "12"})
    assert (response.status_code, response.json()["error"]) == (
        400, 'cid: expected a 10-digit number, got "12"')
