"""A verify report is evidence that lasts: every report under fixtures/live/ is replayed
against this emulator with no network (`faxage-sim verify --replay`), and each recorded
answer must match by its case's rules, or the test names the case and the decision it
touches. A report file is input: anything that is not a verify report is one line, exit 2."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faxage_sim.cli.commands import main
from faxage_sim.verify.cases import CASES
from faxage_sim.verify.replay import replay
from faxage_sim.verify.report import MAX_REPORT_BYTES, ReportProblem, load_report, parse_report

ROOT = Path(__file__).resolve().parent.parent
LIVE = ROOT / "fixtures" / "live"
ITSELF = LIVE / "faxage-sim-itself.json"
REPORTS = sorted(LIVE.glob("*.json"))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any socket connection attempted fails: a replay must not need one."""
    def refuse(self: socket.socket, address: object) -> None:
        raise AssertionError(f"verify --replay tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield


def drifts(report_path: Path) -> list[str]:
    """Every recorded answer that this emulator does not match, as `case: what differs
    (decisions it touches)`."""
    found = []
    for result in replay(load_report(report_path)):
        if result.verdict in ("differs", "could not run"):
            touches = ", ".join(result.case.decisions) or "no decision: a documented text"
            found.append(f"{result.case.name}: {result.detail} (decisions: {touches})")
    return found


@pytest.mark.parametrize("report", REPORTS, ids=[p.name for p in REPORTS])
def test_every_kept_report_matches_the_emulator(report: Path, no_network: None) -> None:
    assert drifts(report) == []


def test_the_shipped_report_was_recorded_from_the_emulator_itself_and_says_so() -> None:
    data = json.loads(ITSELF.read_text())
    assert data["source"].startswith("faxage-sim ")
    assert "itself, not the live service" in data["source"]
    assert data["local"] is True and data["allow_send"] is True
    assert [c["case"] for c in data["cases"]] == [c.name for c in CASES]  # send cases too
    assert {c["verdict"] for c in data["cases"]} == {"same"}
    assert all(f[1] == "********" for c in data["cases"] for f in c["request"]["form"]
               if f[0] == "password")


def altered(tmp_path: Path, case: str, change: Any) -> Path:
    data = json.loads(ITSELF.read_text())
    entry = next(c for c in data["cases"] if c["case"] == case)
    change(entry["got"])
    path = tmp_path / "altered.json"
    path.write_text(json.dumps(data))
    return path


def test_a_recorded_answer_the_emulator_does_not_give_names_the_case_and_decision(
        tmp_path: Path, no_network: None) -> None:
    path = altered(tmp_path, "clear that job",
                   lambda got: got.update(body=got["body"] + "\n"))
    assert drifts(path) == ["clear that job: a newline after the body "
                            "(decisions: cleared-text)"]


def test_replay_on_the_command_line(tmp_path: Path, no_network: None,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--replay", str(ITSELF)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"replaying {ITSELF}: faxage-sim ")
    assert f"{len(CASES)} cases: {len(CASES)} same, 0 differs" in out

    path = altered(tmp_path, "stopfax that job",
                   lambda got: got.update(body=got["body"].split(" ")[1]))
    assert main(["verify", "--replay", str(path), "--report", str(tmp_path / "r.json")]) == 1
    out = capsys.readouterr().out
    assert "--- stopfax that job: the job id missing from the success text\n" in out
    assert "decisions it touches: stopped-text (docs/protocol.md#decisions)\n" in out
    again = json.loads((tmp_path / "r.json").read_text())
    assert again["summary"]["differs"] == 1


def test_a_report_of_a_url_that_could_not_be_checked_has_nothing_to_replay(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(ITSELF.read_text())
    data["cases"], data["could_not_check"] = [], "connection refused"
    (tmp_path / "r.json").write_text(json.dumps(data))
    assert main(["verify", "--replay", str(tmp_path / "r.json")]) == 3
    assert capsys.readouterr().err == (
        f"faxage-sim verify: --replay {tmp_path / 'r.json'}: no case recorded (the run could "
        "not check its URL): nothing to compare\n")


# --- a report file is input ---------------------------------------------------------------


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return change


_DELETE = object()

BAD_REPORTS: dict[str, tuple[Any, str]] = {
    "another format": (_set("format", "v9"),
                       "format: 'v9' is not 'faxage-sim verify report 1' (a report written "
                       "by faxage-sim verify --report)"),
    "an unknown field": (_set("extra", 1), "the file: unknown field 'extra'"),
    "no cases": (_set("cases", _DELETE), "the file: missing field 'cases'"),
    "a case this version does not know": (
        _set("cases.0.case", "frobnicate"),
        "cases[0].case: 'frobnicate' is not a case this version of faxage-sim verify knows"),
    "a case twice": (_set("cases.1.case", "bad login"), "cases[1].case: 'bad login' twice"),
    "a status that is not one": (_set("cases.0.got.status", 99),
                                 "cases[0].got.status: 99 is not an HTTP status"),
    "a status that is a boolean": (_set("cases.0.got.status", True),
                                   "cases[0].got.status: True is not an HTTP status"),
    "both body forms": (_set("cases.0.got.body_base64", "AA=="),
                        "cases[0].got: give exactly one of body and body_base64"),
    "a header that is not a pair": (_set("cases.0.got.headers", [["a"]]),
                                    "cases[0].got.headers[0]: not a [name, value] pair of "
                                    "texts"),
    "a verdict that is not one": (_set("cases.0.verdict", "fine"),
                                  "cases[0].verdict: 'fine' is not one of same, differs, "
                                  "could not run, skipped"),
    "no answer for a compared case": (_set("cases.0.got", None),
                                      "cases[0].got: missing, and the verdict is 'same'"),
    "a company that is not a number": (_set("account.company", "acme"),
                                       "account.company: 'acme' is not a company number"),
    "a send without allow_send": (_set("allow_send", False),
                                  "cases[39].case: 'sendfax to your own number' sends, and "
                                  "allow_send is false"),
    "seconds that are not a number": (_set("seconds", "fast"),
                                      "seconds: not a number"),
    "decisions that are not a list": (_set("cases.0.decisions", "err08-dump"),
                                      "cases[0].decisions: not a list"),
    "a did that is not 10 digits": (_set("account.did", "123"),
                                    "account.did: '123' is not a 10-digit number"),
}


@pytest.mark.parametrize("bad", list(BAD_REPORTS))
def test_a_report_that_is_not_one_is_one_line_and_exit_2(
        bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    change, message = BAD_REPORTS[bad]
    data = json.loads(ITSELF.read_text())
    change(data)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    assert main(["verify", "--replay", str(path)]) == 2
    assert capsys.readouterr().err == f"faxage-sim verify: --replay {path}: {message}\n"


@pytest.mark.parametrize(("content", "message"), [
    (b"{", "not JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
    (b"\xff\xfe", "not UTF-8 text: not a verify report"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply: not a verify report"),
    (b"[]", "the file: not a JSON object"),
])
def test_a_file_that_is_not_a_report_is_one_line(
        content: bytes, message: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(content)
    assert main(["verify", "--replay", str(path)]) == 2
    assert capsys.readouterr().err == f"faxage-sim verify: --replay {path}: {message}\n"


def test_a_huge_file_or_a_folder_is_refused_unread(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as stream:
        stream.truncate(MAX_REPORT_BYTES + 1)  # sparse: no disk used
    assert main(["verify", "--replay", str(huge)]) == 2
    assert capsys.readouterr().err == (f"faxage-sim verify: --replay {huge}: larger than 64 "
                                       "MiB: not a verify report\n")
    assert main(["verify", "--replay", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"faxage-sim verify: --replay {tmp_path}: not a file\n"
    assert main(["verify", "--replay", str(tmp_path / "none.json")]) == 2
    assert capsys.readouterr().err == (f"faxage-sim verify: --replay {tmp_path / 'none.json'}"
                                       ": no such file\n")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


def _paths(data: Any, prefix: str = "") -> list[str]:
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else []
    for key, value in items:
        path = f"{prefix}{key}"
        found.append(path)
        found.extend(_paths(value, path + "."))
    return found


_VALID = json.loads(ITSELF.read_text())
_VALID["cases"] = _VALID["cases"][:3] + _VALID["cases"][-6:]
_PATHS = _paths(_VALID)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(_PATHS), value=JSON)
def test_any_field_of_a_report_replaced_by_any_json_is_read_or_refused_in_one_line(
        where: str, value: Any) -> None:
    data = json.loads(json.dumps(_VALID))
    _set(where, value)(data)
    try:
        parse_report(data)
    except ReportProblem as exc:
        assert "\n" not in str(exc) and str(exc)


def test_a_case_the_recorded_run_could_not_run_is_skipped_and_listed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(ITSELF.read_text())
    entry = next(c for c in data["cases"] if c["case"] == "listlines")
    entry.update(verdict="could not run", detail="transport: no answer within 20 s (timed "
                 "out)", got=None)
    (tmp_path / "r.json").write_text(json.dumps(data))
    assert main(["verify", "--replay", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "skipped (not recorded: transport: no answer within 20 s (timed out))" in out
    assert "Not observed by this run (a run where it can run: not recorded: transport: no " \
           "answer within 20 s (timed out)):\n  - listlines\n" in out
    assert out.endswith("Result: no difference in the 44 cases compared, but this was not a "
                        "full check: 1 wire detail(s) listed above were not observed.\n")
