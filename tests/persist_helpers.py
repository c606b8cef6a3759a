"""Building a state with every kind of record, and reading it back through the API and the
control plane only (never the internals), for the persistence tests."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.persist import writer
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import FaxApi
from .receivers import CallbackReceiver

OTHER = {"company": "2001", "username": "eve", "password": "s3cret"}
PDF_LIKE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Per attempt, only when it was made: not part of the simulated state.
WALL_CLOCK_FIELDS = ("wall_time", "duration_ms", "sent_wall_time")


def new_client(**settings: Any) -> TestClient:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, **settings))
    client = TestClient(app, base_url="http://127.0.0.1")
    client.__enter__()
    return client


def ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def build_everything(client: TestClient, receiver: CallbackReceiver) -> dict[str, Any]:
    """Accounts, users, DIDs and settings; jobs in every state (one mid-retry, one on the
    line) with documents; received, handled and deleted faxes; busy calls; call records;
    provisioned numbers and a new rate center; callbacks (one waiting to retry), emails,
    journal, faults; a scheduled inbound call. Returns ids the test reads back."""
    api = FaxApi(client)
    ok(client.post("/_sim/accounts", json={
        "company": OTHER["company"],
        "users": [{"username": "eve", "password": "s3cret", "email": "eve@example.com"},
                  {"username": "clerk", "password": "pw", "manager": False}],
        "settings": {"outbound_lines": 1, "tries": 4, "retry_delay_seconds": 120,
                     "timezone": "America/New_York", "fax_format": "tiff",
                     "callback_policy": {"attempts": 3, "backoff_seconds": 30}},
        "clock": {"mode": "manual", "start": 1767700000}}))
    eve = FaxApi(client, credentials=OTHER)
    ok(client.put("/_sim/accounts/1000", json={"tagname": "ACME", "inbound_lines": 2}))
    ok(client.post("/_sim/inventory/rate-centers", json={
        "npanxx": "719333", "name": "Pueblo", "state": "CO", "numbers": []}))
    ok(client.post("/_sim/inventory/rate-centers", json={
        "npanxx": "719444", "name": "Pueblo", "state": "CO", "numbers": ["7194441234"]}))
    prov = FaxApi(client, path="/provision.php")
    assert prov.call("provdid", didnumber="7194441234") == "7194441234 provisioned"
    ok(client.put("/_sim/accounts/1000/dids/3032974101", json={"enabled": False}))
    ok(client.post("/_sim/faults", json={"fault": {"name": "flaky", "operation": "listfax",
                                                   "every": 3, "error": "ERR01"}}))
    ok(client.post("/_sim/faults", json={"fault": {"name": "slow", "operation": "status",
                                                   "probability": 0.5, "latency": 0.001},
                                         "company": OTHER["company"], "seed": 7}))
    url = receiver.url + "/cb"
    ids: dict[str, Any] = {
        "done": api.send_jobid("3039911234", files={"a.pdf": PDF_LIKE, "b.txt": b"hello"},
                               url_notify=url, em_notify="1"),
        "retrying": api.send_jobid("3039910003", tagnumber="3035551212"),
        "failing": api.send_jobid("3039910001"),
        "stopped": api.send_jobid("3039911234", files={"a.pdf": PDF_LIKE}),
        "eve_1": eve.send_jobid("2129871234", files={"x.txt": b"one"}, url_notify=url),
        "eve_2": eve.send_jobid("2129870004", files={"x.txt": b"one"}),
    }
    assert api.call("stopfax", jobid=str(ids["stopped"])) == f"{ids['stopped']} stopped"
    for _ in range(3):
        ok(client.post("/_sim/inbound", json={"did": "3032974100", "pages": 2}))
    ok(client.post("/_sim/inbound", json={"did": "3032974101", "cid": "3129870199"}))  # busy
    api.advance(70)
    ok(client.post("/_sim/inbound", json={"did": "3032974100", "pages": 1}))
    api.advance(130)
    listed = [line.split("\t")[0] for line in api.call("listfax").splitlines() if line]
    assert len(listed) >= 2, listed
    ids["faxes"] = listed
    assert api.call("handled", recvid=listed[0]) == "Handled"
    assert api.call("delfax", faxid=listed[-1]) == "Deleted"
    # Eve's clock: one job transmitting (her single line), a callback failing and retrying.
    receiver.status = 500
    eve.advance(75)
    ok(client.post("/_sim/inbound", json={"did": ok(client.get("/_sim/accounts/2001"))["dids"][0],
                                          "pages": 3, "in_seconds": 600}))
    # Some requests for the journal, some CDRs added by hand.
    api.status()
    eve.call("listfax")
    ok(client.post("/_sim/cdr", json={"company": "2001", "records": [
        {"direction": "IN", "src": "3129870100", "dst": "2129870000", "calldate": 1767690000,
         "duration": 42}]}))
    # Account parts: number port requests, one open, one completed.
    ok(client.post("/_sim/accounts/1000/ports", json={
        "number": "3035550100", "due": "+7d", "status": "FOC", "comment": "carrier agreed"}))
    ok(client.post("/_sim/accounts/2001/ports", json={
        "number": "2125550199", "requested": "2026-01-02T10:00:00Z", "completed": "+1d"}))
    return ids


def control_view(client: TestClient) -> dict[str, Any]:
    """Everything the control plane shows (read before any protocol request, which would be
    journaled)."""
    view: dict[str, Any] = {}
    for path in ("/_sim/requests", "/_sim/accounts", "/_sim/jobs", "/_sim/callbacks",
                 "/_sim/emails", "/_sim/faults", "/_sim/clock", "/_sim/inventory",
                 "/_sim/inbound"):
        view[path] = _strip(ok(client.get(path)))
    for account in view["/_sim/accounts"]["accounts"]:
        for path in ("/_sim/cdr", "/_sim/faults"):
            view[f"{path} {account['company']}"] = ok(
                client.get(path, params={"company": account["company"]}))
        view[f"ports {account['company']}"] = ok(
            client.get(f"/_sim/accounts/{account['company']}/ports"))
    for job in view["/_sim/jobs"]["jobs"]:
        view[f"job {job['jobid']}"] = ok(client.get(f"/_sim/jobs/{job['jobid']}"))
    return view


def api_view(client: TestClient) -> dict[str, str]:
    """What each account's FAXAGE API answers (faults cleared first: they count requests)."""
    view: dict[str, str] = {}
    for credentials in (None, OTHER, {**OTHER, "username": "clerk", "password": "pw"}):
        api = FaxApi(client, credentials=credentials)
        for operation, fields in (("status", {}), ("listfax", {}), ("listfax", {"idasc": "1"}),
                                  ("busycalls", {}), ("handlecount", {}),
                                  ("incomingcalls", {}), ("listlines", {}),
                                  ("portstatus", {}),
                                  ("status", {"jobid": "100002"})):
            view[f"{credentials} {operation} {fields}"] = api.call(operation, **fields)
        cdr = FaxApi(client, credentials=credentials, path="/getcdr.php")
        view[f"{credentials} getcdr"] = cdr.call(None, nuidgt="0")
    prov = FaxApi(client, path="/provision.php")
    view["listac"] = prov.call("listac")
    view["listdids 719"] = prov.call("listdids", ac="719")
    return view


def _strip(data: Any) -> Any:
    """Drop real-time fields: when a callback or email attempt happened in real time."""
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in WALL_CLOCK_FIELDS}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def break_writes(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Every write of the state file fails as a full or failing disk does, until the
    returned switch's "on" is set False."""
    real_write = writer.write_batch
    broken = {"on": True}

    def failing_write(conn: sqlite3.Connection, batch: writer.Batch) -> None:
        if broken["on"]:
            raise sqlite3.OperationalError("disk I/O error")
        real_write(conn, batch)

    monkeypatch.setattr(writer, "write_batch", failing_write)
    return broken
