"""Values YAML cannot turn into Python ones (a whole number past Python's 4,300-digit
conversion limit, a date like 2026-13-45) and a `seed` past its bound are scenario issues
with their line: 400 JSON on the control plane, one line on the command line; never a
traceback, never a 500."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from faxage_sim.cli.commands import main
from faxage_sim.core.clock import ClockMode
from faxage_sim.scenario.errors import ScenarioError
from faxage_sim.scenario.loader import load_text
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

HUGE = "9" * 5000
BOUND = 2**63 - 1


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as refused:
        load_text(text)
    return [str(issue) for issue in refused.value.issues]


def test_a_5000_digit_number_is_an_issue_at_its_line() -> None:
    assert problems(f"description: x\nseed: {HUGE}\n") == [
        "<request>:2: seed: cannot read this value (a number of 5000 characters: too long "
        "to be one)"]
    assert problems(f"accounts:\n  - company: '2001'\n    settings:\n      tries: -{HUGE}\n") \
        == ["<request>:4: accounts[0].settings.tries: cannot read this value (a number of "
            "5001 characters: too long to be one)"]


def test_a_date_that_is_no_date_is_an_issue_at_its_line() -> None:
    assert problems("description: x\nclock:\n  start: 2026-13-45\n") == [
        "<request>:3: clock.start: cannot read this value (month must be in 1..12)"]


@pytest.mark.parametrize("seed", [BOUND + 1, -(BOUND + 1), int("9" * 400)])
def test_a_seed_past_its_bound_is_refused(seed: int) -> None:
    assert problems(f"seed: {seed}\n") == [
        f"<request>:1: seed: must be a whole number from -{BOUND} to {BOUND}"]


@pytest.mark.parametrize("seed", [BOUND, -BOUND, 0])
def test_a_seed_within_its_bound_is_taken(seed: int) -> None:
    assert load_text(f"seed: {seed}\n").seed == seed


NUMBER_TEXT = st.one_of(
    st.integers(min_value=4301, max_value=6000).map(lambda n: "9" * n),
    st.integers(min_value=4301, max_value=6000).map(lambda n: "-" + "1" * n),
    st.integers(min_value=4301, max_value=6000).map(lambda n: "0o" + "7" * n),
    st.integers(min_value=2, max_value=400).map(lambda n: "1" + "0" * n),
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(1, 9999),
              st.integers(0, 99), st.integers(0, 99)),
)
PLACES = [
    "seed: {n}\n",
    "clock:\n  start: {n}\n",
    "accounts:\n  - company: '2001'\n    settings:\n      tries: {n}\n",
    "rules:\n  - prefix: '212'\n    outcome: busy\n    tries: {n}\n",
    "faults:\n  - status: {n}\n",
    "description: x\n{n}: 1\n",
    "timeline:\n  - at: {n}\n    inbound: {{did: '3032974100'}}\n",
]


def test_generated_numbers_anywhere_are_refused_or_taken_never_a_crash() -> None:
    with TestClient(create_app(SimConfig(clock=ClockMode.MANUAL)),
                    base_url="http://127.0.0.1") as client:

        @settings(max_examples=60, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(number=NUMBER_TEXT, place=st.sampled_from(PLACES))
        def check(number: str, place: str) -> None:
            text = place.format(n=number)
            try:
                load_text(text)
            except ScenarioError as refused:
                assert all(issue.line is not None or issue.path == "(top level)"
                           for issue in refused.issues)
            for route in ("/_sim/scenario/check", "/_sim/scenario"):
                before = client.get("/_sim/accounts").json()
                answer = client.post(route, json={"yaml": text})
                assert answer.status_code in (200, 400), (route, answer.text[:300])
                assert answer.headers["content-type"] == "application/json"
                if answer.status_code == 400:
                    assert answer.json()["error"]
                    assert client.get("/_sim/accounts").json() == before

        check()


def test_the_control_plane_answers_one_json_error(tmp_path: Path) -> None:
    with TestClient(create_app(SimConfig(clock=ClockMode.MANUAL)),
                    base_url="http://127.0.0.1") as client:
        answer = client.post("/_sim/scenario/check", json={"yaml": f"seed: {HUGE}\n"})
        assert answer.status_code == 400
        assert answer.json()["issues"] == [{
            "file": "<request>", "line": 1, "path": "seed",
            "message": "cannot read this value (a number of 5000 characters: too long to be "
                       "one)"}]


def test_the_command_line_says_one_line(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text(f"description: x\nseed: {HUGE}\n")
    assert main(["scenario", "check", str(huge)]) == 1  # check's "problems found"
    assert capsys.readouterr().err == (
        f"{huge}:2: seed: cannot read this value (a number of 5000 characters: too long to "
        "be one)\n")
    process = subprocess.run(
        [sys.executable, "-m", "faxage_sim", "serve", "--port", "0", "--scenario", str(huge)],
        capture_output=True, text=True, timeout=60)
    assert (process.returncode, process.stdout) == (2, "")
    assert process.stderr == (f"{huge}:2: seed: cannot read this value (a number of 5000 "
                              "characters: too long to be one)\n")
