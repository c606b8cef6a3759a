"""The console, as a person watching `faxage-sim serve` reads it: a line for each control-plane
action, a time in one labelled zone on every line, how many records an answer carried, and why
a body that was not a form got ERR02."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.console import ConsoleLog

from .helpers import FaxApi

TIME = r"2026-01-05 \d\d:\d\d:\d\d (UTC|MST)"


@pytest.fixture
def watched() -> Iterator[tuple[TestClient, io.StringIO]]:
    out = io.StringIO()
    app = create_app(SimConfig(clock=ClockMode.MANUAL), console=ConsoleLog("text", out))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client, out


LINE = re.compile(r"\S+ \S+ \S+(?: \[[^\]]+\])? (\S+) ")


def lines_of(out: io.StringIO, kind: str) -> list[str]:
    """The lines of one kind (the column after the time and the company)."""
    return [line for line in out.getvalue().splitlines()
            if (m := LINE.match(line)) is not None and m.group(1) == kind]


def test_each_control_plane_action_prints_one_line(
        watched: tuple[TestClient, io.StringIO]) -> None:
    client, out = watched
    assert client.post("/_sim/clock/advance", json={"seconds": 300}).status_code == 200
    client.post("/_sim/clock/run-until-idle", json={"company": "1000"})
    fault = client.post("/_sim/faults", json={"fault": {"operation": "sendfax",
                                                         "error": "ERR15"}}).json()
    client.request("DELETE", f"/_sim/faults/{fault['id']}", json={})
    client.put("/_sim/accounts/1000", json={"settings": {"outbound_lines": 1}})
    created = client.post("/_sim/accounts", json={}).json()["company"]
    client.request("DELETE", f"/_sim/accounts/{created}", json={})
    client.post("/_sim/scenario", json={"name": "busy-then-success"})
    client.post("/_sim/reset", json={})
    control = [line.split(" control      ", 1) for line in out.getvalue().splitlines()
               if " control      " in line]
    assert [(re.fullmatch(TIME + r"( \[\d+\])?", when) is not None, what)
            for when, what in control] == [
        (True, "clock advanced 300 s for every account: every transition and callback due "
               "has run"),
        (True, "clock ran until idle for company 1000: moved 0 s"),
        (True, f'fault {fault["id"]} "fault {fault["id"]}" added: ERR15'),
        (True, f"fault {fault['id']} removed"),
        (True, f"account {created} created: user(s) demo, 2 DID(s)"),
        (True, f"account {created} removed"),
        (True, "reset to the start-up state: account(s) 1000"),
    ]
    # Settings and scenario loads are announced by the simulator itself: not twice.
    [settings] = [line for line in lines_of(out, "account.settings")
                  if "by the control plane" in line]
    assert settings.endswith("settings changed by the control plane: outbound_lines=1")
    [loaded] = lines_of(out, "scenario.loaded")  # announced by the simulator: not twice
    assert 'scenario "busy-then-success" loaded for the simulator' in loaded


def test_an_account_line_is_in_the_accounts_zone_and_a_simulator_line_in_utc(
        watched: tuple[TestClient, io.StringIO]) -> None:
    client, out = watched
    client.put("/_sim/accounts/1000", json={"settings": {"tries": 2}})
    client.post("/_sim/clock/advance", json={"seconds": 60})
    [account_line] = lines_of(out, "account.settings")
    [simulator_line] = lines_of(out, "control")
    assert account_line.startswith("2026-01-05 09:00:00 MST [1000] account.settings ")
    assert simulator_line.startswith("2026-01-05 16:01:00 UTC control ")


def test_a_refused_control_request_prints_nothing(
        watched: tuple[TestClient, io.StringIO]) -> None:
    client, out = watched
    assert client.post("/_sim/clock/advance", json={}).status_code == 400
    assert lines_of(out, "control") == []


def test_an_answer_with_several_records_says_how_many(
        watched: tuple[TestClient, io.StringIO]) -> None:
    client, out = watched
    api = FaxApi(client)
    for number in ("3039911234", "3039911235", "3039911236"):
        api.send(number)
    api.post("status")
    status = lines_of(out, "request")[-1]
    assert status.endswith(" (+2 more record(s), 3 in all)")
    one = lines_of(out, "request")[0]
    assert one.endswith("-> JOBID: 100001")


def test_json_posted_to_httpsfax_says_why_it_is_err02(
        watched: tuple[TestClient, io.StringIO]) -> None:
    client, out = watched
    answer = client.post("/httpsfax.php", json={"username": "demo", "company": "1000",
                                                "password": "demo", "operation": "status"})
    assert answer.text == "ERR02: Login incorrect"  # the wire answer is FAXAGE's, unchanged
    [line] = lines_of(out, "request")
    assert line.endswith("-> ERR02: Login incorrect [the body was JSON, not a form: FAXAGE "
                         "reads form fields only]")


def test_json_console_lines_carry_the_same() -> None:
    out = io.StringIO()
    app = create_app(SimConfig(clock=ClockMode.MANUAL), console=ConsoleLog("json", out))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.post("/httpsfax.php", content=b"{}", headers={"content-type": "application/json"})
        client.post("/_sim/clock/advance", json={"seconds": 5})
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    request = next(r for r in records if r["kind"] == "request")
    assert request["unread_body"].startswith("the body was JSON")
    control = next(r for r in records if r["kind"] == "control")
    assert (control["method"], control["path"]) == ("POST", "/_sim/clock/advance")


def test_a_zone_without_an_abbreviation_is_labelled_by_its_offset() -> None:
    out = io.StringIO()
    console = ConsoleLog("text", out)
    console.zone_of = lambda company: {"7": "America/Sao_Paulo", "8": "Asia/Kathmandu"}.get(
        company or "")
    at = 1767628800.0  # 2026-01-05 16:00 UTC
    console.line("note", "a", at=at, company="7")
    console.line("note", "b", at=at, company="8")
    console.line("note", "c", at=at)
    assert out.getvalue().splitlines() == [
        "2026-01-05 13:00:00 UTC-03 [7] note         a",
        "2026-01-05 21:45:00 UTC+05:45 [8] note         b",
        "2026-01-05 16:00:00 UTC note         c",
    ]


def test_a_run_until_idle_that_is_not_idle_says_why() -> None:
    from faxage_sim.server.control_console import _until_idle

    asked = {"company": "1000"}
    match = re.match("", "")
    assert match is not None
    lines = [_until_idle(asked, answered, match) for answered in (
        {"advanced": 60, "idle": True, "in_flight": 0},
        {"advanced": 60, "idle": False, "in_flight": 2},
        {"advanced": 86400, "idle": False, "in_flight": 0})]
    assert lines == [
        "clock ran until idle for company 1000: moved 60 s",
        "clock ran until idle for company 1000: moved 60 s, not idle: 2 deliveries "
        "(callbacks, pushes, URL fetches, emails) still in flight",
        "clock ran until idle for company 1000: moved 86400 s, still busy at max_seconds"]
