"""`faxage-sim scenario list|check|show|schema` and `faxage-sim serve --scenario`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from faxage_sim.cli.commands import main
from faxage_sim.scenario import shipped

from .helpers import DEADLINE

READY = re.compile(r"^faxage-sim \S+ listening on (http://127\.0\.0\.1:\d+) \(clock (\w+); (.*)\)$")


def test_list_shows_every_shipped_scenario_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(shipped.shipped())
    assert "happy-path              Every fax goes through on the first try, magic numbers " \
           "included." in lines


def test_check_reports_every_problem_and_exits_1(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - prefix: '212'\n    outcome: busy\n    tris: 2\n")
    assert main(["scenario", "check", "business-day", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ("ok: business-day: 1 account(s), 6 rule(s), 1 fault(s), "
                            "5 timeline step(s)\n")
    assert captured.err == (f'{bad}:4: rules[0].tris: "tris" is not a field here; did you '
                            'mean "tries"?\n')
    assert main(["scenario", "check", "happy-path"]) == 0


def test_show_and_schema_print_the_packaged_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "show", "happy-path"]) == 0
    assert capsys.readouterr().out == shipped.find("happy-path").text()  # type: ignore[union-attr]
    assert main(["scenario", "schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "faxage-sim scenario"
    assert main(["scenario", "show", "nope"]) == 2


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "faxage_sim", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.fixture
def multi_tenant() -> Iterator[tuple[subprocess.Popen[str], re.Match[str]]]:
    process = serve("--scenario", "multi-tenant", "--clock", "manual", "--seed", "5",
                    "--log-format", "json")
    assert process.stdout is not None
    line = process.stdout.readline()
    match = READY.match(line.strip())
    assert match, line
    yield process, match
    process.terminate()
    process.wait(DEADLINE)


def test_serve_starts_with_the_scenario(
        multi_tenant: tuple[subprocess.Popen[str], re.Match[str]]) -> None:
    process, ready = multi_tenant
    url = ready.group(1)
    assert ready.group(2) == "manual"
    assert ready.group(3) == ("scenario multi-tenant; accounts alice/2001/********, "
                              "carol/2002/********; state in memory, lost on stop")
    alice = {"username": "alice", "company": "2001", "password": "alice-pw"}
    assert httpx.post(f"{url}/httpsfax.php", data={**alice, "operation": "listlines"}).text == (
        "3032975200\n3032975201\n")
    httpx.post(f"{url}/_sim/reset", json={})  # back to the scenario, not to demo/1000
    accounts = httpx.get(f"{url}/_sim/accounts").json()["accounts"]
    assert [a["company"] for a in accounts] == ["2001", "2002"]
    process.terminate()
    process.wait(DEADLINE)
    assert process.stderr is not None
    events = [json.loads(line) for line in process.stderr.read().splitlines()
              if line.startswith("{")]
    kinds = [e["kind"] for e in events]
    assert "scenario.loaded" in kinds and "request" in kinds
    loaded = next(e for e in events if e["kind"] == "scenario.loaded")
    assert loaded["message"] == ('scenario "multi-tenant" loaded for the simulator: 0 rule(s), '
                                 "0 fault(s), 3 timeline step(s), seed 5")


def test_a_bad_scenario_stops_serve_with_its_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("faults:\n  - {status: 501}\n")
    process = serve("--scenario", str(bad))
    out, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 2 and out == ""
    assert err == f"{bad}:2: faults[0].status: expected one of 500, 502, 503, 504, got 501\n"
