"""`faxage-sim verify` against real sockets: the emulator itself (no difference), the emulator
behind a proxy that alters one answer (exactly that case differs, both bodies shown), and
servers that hang, refuse, speak TLS with an unknown CA, or are not FAXAGE (a clear report).
The live service is never contacted."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from faxage_sim.cli.commands import main
from faxage_sim.verify.cases import CASES, selected
from faxage_sim.verify.runner import Side, Target, _populate

from .live import LiveServer
from .verify_proxy import Alteration, AlteringProxy, RawHeaders, emulator, on

ROOT = Path(__file__).resolve().parent.parent
LOGIN = ["--username", "demo", "--company", "1000", "--password", "demo"]
SEND = ["--allow-send", "--faxno", "3039911234"]


def serve() -> LiveServer:
    return emulator()


def verify(url: str, *extra: str, report: Path | None = None) -> int:
    args = ["verify", "--url", url, *LOGIN, "--did", "3032974100", *extra]
    if report is not None:
        args += ["--report", str(report)]
    return main(args)


# --- the emulator against itself ---------------------------------------------------------


def test_the_emulator_verified_against_itself_has_no_difference(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve() as server:
        assert verify(server.url, *SEND, report=tmp_path / "r.json") == 0
    out = capsys.readouterr().out
    assert f"{len(selected(True))} cases: {len(selected(True))} same, 0 differs" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"] == {"same": len(selected(True)), "differs": 0,
                                 "could not run": 0, "skipped": 0}
    assert report["local"] is True and report["could_not_check"] is None
    assert all(f[1] == "********" for c in report["cases"] for f in c["request"]["form"]
               if f[0] == "password")


def test_an_emulator_with_something_of_every_kind_has_no_difference(
        capsys: pytest.CaptureFixture[str]) -> None:
    with serve() as server, httpx.Client(base_url=server.url) as client:
        def control(method: str, path: str, json: Any = None) -> tuple[int, Any]:
            answer = client.request(method, path, json=json)
            return answer.status_code, answer.text

        side = Side(client, {"username": "demo", "company": "1000", "password": "demo"})
        _populate(side, control, "1000", ["3032974100", "3032974101"])
        assert client.post("/httpsfax.php", data={
            "username": "demo", "company": "1000", "password": "demo",
            "operation": "status"}).text.count("\n") == 2  # records, not ERR06
        assert verify(server.url, *SEND) == 0, capsys.readouterr().out


def test_by_default_nothing_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    with serve() as server:
        assert verify(server.url) == 0
        jobs = httpx.get(f"{server.url}/_sim/jobs").json()
    assert jobs["jobs"] == []
    table, rest = capsys.readouterr().out.split("\n\n", 1)
    assert "sendfax to your own number" not in table
    assert "Not observed by this run (--allow-send --faxno YOUR_OWN_FAX_NUMBER):\n" \
           "  - sendfax to your own number: " in rest


# --- one altered answer, one differing case ----------------------------------------------


def newline_on_err02(at: str, form: dict[str, str], status: int, headers: RawHeaders,
                     body: bytes) -> tuple[int, RawHeaders, bytes]:
    return status, headers, body + b"\n" if body == b"ERR02: Login incorrect" else body


def when(operation: str | None, change: Alteration, path: str = "/httpsfax.php"
         ) -> Alteration:
    return on(operation, change, path)


ALTERATIONS: dict[str, tuple[Alteration, str, list[str]]] = {
    "a trailing newline on ERR02": (when(None, newline_on_err02), "bad login", []),
    "JOBID: without its space": (
        when("sendfax", lambda a, f, s, h, b: (s, h, b.replace(b"JOBID: ", b"JOBID:"))),
        "sendfax to your own number", SEND),
    "a changed record separator": (
        when("listlines", lambda a, f, s, h, b: (s, h, b.replace(b"\n", b"\r\n"))),
        "listlines", []),
    "a 500 status": (when("handlecount", lambda a, f, s, h, b: (500, h, b)),
                     "handlecount", []),
    "a JSON content type": (
        when("incomingcalls", lambda a, f, s, h, b: (
            s, [(k, v) for k, v in h if k != b"content-type"]
            + [(b"content-type", b"application/json")], b)),
        "incomingcalls", []),
    "a missing record field": (
        when("listnpanxx", lambda a, f, s, h, b: (
            s, h, re.sub(rb"\t[^\t\n]*\n", b"\n", b)), path="/provision.php"),
        "provision listnpanxx", []),
}


@pytest.mark.parametrize("alteration", list(ALTERATIONS))
def test_an_altered_answer_is_exactly_one_differing_case_with_both_bodies(
        alteration: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alter, case, extra = ALTERATIONS[alteration]
    with emulator() as upstream, AlteringProxy(upstream.url, alter).serve() as proxy:
        assert verify(proxy.url, *extra, report=tmp_path / "r.json") == 1
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "r.json").read_text())
    differing = [c for c in report["cases"] if c["verdict"] != "same"]
    assert [c["case"] for c in differing] == [case]
    (found,) = differing
    assert found["verdict"] == "differs"
    assert found["got"] not in found["expected"]
    section = out.split(f"--- {case}:", 1)[1]
    assert repr(found["got"]["body"]) in section
    assert any(repr(e["body"]) in section for e in found["expected"])


# --- could not check ---------------------------------------------------------------------


def test_a_server_that_hangs_is_a_clear_report(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        assert verify(url, "--timeout", "0.3", report=tmp_path / "r.json") == 3
    err = capsys.readouterr().err
    assert err == f"faxage-sim verify: could not check {url}: {url}: no answer within " \
                  "0.3 s (timed out)\n"
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["could_not_check"].endswith("no answer within 0.3 s (timed out)")


def test_a_server_that_refuses_is_a_clear_report(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert verify(url) == 3
    assert capsys.readouterr().err == (
        f"faxage-sim verify: could not check {url}: {url}: connection refused (is anything "
        "listening there?)\n")


def test_a_server_that_is_not_faxage_is_a_clear_report(
        httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/httpsfax.php").respond_with_data(
        '{"ok": true}', content_type="application/json")
    url = httpserver.url_for("/").rstrip("/")
    assert verify(url) == 3
    assert capsys.readouterr().err == (
        f"faxage-sim verify: could not check {url}: {url} does not answer like FAXAGE: "
        "pendcount gave HTTP 200, content type application/json, body '{\"ok\": true}'; a "
        "wrong password gave HTTP 200, content type application/json, body "
        "'{\"ok\": true}'\n")


def test_a_redirect_says_where_to(httpserver: HTTPServer,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/httpsfax.php").respond_with_data(
        "Moved", status=301, headers={"Location": "https://api.example/httpsfax.php"})
    url = httpserver.url_for("/").rstrip("/")
    assert verify(url) == 3
    assert capsys.readouterr().err == (
        f"faxage-sim verify: could not check {url}: {url} redirects to "
        "https://api.example/httpsfax.php: give that base URL with --url\n")


def test_a_web_page_on_every_url_cannot_be_checked(
        httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.no_handler_status_code = 404
    url = httpserver.url_for("/").rstrip("/")
    assert verify(url) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"faxage-sim verify: could not check {url}: {url} does not answer "
                          "like FAXAGE: pendcount gave HTTP 404")
    assert err.count("\n") == 1


def test_a_tls_error_is_a_clear_report(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("trustme")
    from faxage_sim.embedded import EmbeddedSimulator

    with EmbeddedSimulator(tls=True) as sim:
        url = sim.listen()
        assert verify(url) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"faxage-sim verify: could not check {url}: {url}: TLS error: "
                          "certificate verify failed")
    assert "Traceback" not in err


def test_a_refused_login_is_a_clear_report(capsys: pytest.CaptureFixture[str]) -> None:
    with serve() as server:
        assert main(["verify", "--url", server.url, "--username", "demo", "--company",
                     "1000", "--password", "wrong"]) == 3
    assert "refused the login ('ERR02: Login incorrect'): check --username, --company " \
           "and --password" in capsys.readouterr().err


def test_the_password_may_come_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    login = ["--username", "demo", "--company", "1000"]
    monkeypatch.delenv("FAXAGE_PASSWORD", raising=False)
    assert main(["verify", "--url", "http://127.0.0.1:1", *login]) == 2
    assert capsys.readouterr().err == ("faxage-sim verify: give the password with --password "
                                       "or the FAXAGE_PASSWORD environment variable\n")
    monkeypatch.setenv("FAXAGE_PASSWORD", "demo")
    with serve() as server:
        assert main(["verify", "--url", server.url, *login]) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--url", "ftp://x"], "--url 'ftp://x': give an http:// or https:// URL"),
    (["--url", "http://127.0.0.1:1", "--allow-send"],
     "--allow-send faxes your own number: give it with --faxno"),
    (["--url", "http://127.0.0.1:1", "--did", "123"], "--did '123': a 10-digit number"),
    (["--url", "http://127.0.0.1:1", "--company", "acme"],
     "--company 'acme': the FAXAGE company number (digits)"),
    (["--url", "http://127.0.0.1:1", "--report", "/nonexistent/r.json"],
     "--report /nonexistent/r.json: the folder /nonexistent does not exist"),
])
def test_usage_errors_exit_2(args: list[str], message: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", *LOGIN, *args]) == 2
    assert capsys.readouterr().err == f"faxage-sim verify: {message}\n"


# --- the cases ---------------------------------------------------------------------------


def _transcript_steps() -> dict[tuple[str, str], dict[str, Any]]:
    steps = {}
    for path in (ROOT / "fixtures" / "transcripts").glob("*.json"):
        for step in json.loads(path.read_text())["steps"]:
            steps[(path.stem, step["name"])] = step
    return steps


def test_every_case_names_a_golden_transcript_step_it_replays() -> None:
    """Same path, same fields in the same order; fixed values equal, the credentials the
    transcripts' demo ones (other placeholders are per run: a window, a job id)."""
    steps = _transcript_steps()
    demo = {"{username}": "demo", "{company}": "1000", "{password}": "demo"}
    linked = [c for c in CASES if c.step is not None]
    assert len(linked) >= 25
    for case in linked:
        recorded = steps[(case.transcript or "", case.step or "")]["request"]
        assert recorded["path"] == case.path, case.name
        assert [k for k, _ in case.form] == [k for k, _ in recorded["form"]], case.name
        for (name, value), (_, was) in zip(case.form, recorded["form"], strict=True):
            if "{" not in value or value in demo:
                assert demo.get(value, value) == was, (case.name, name)


def test_by_default_only_read_only_and_error_cases_run() -> None:
    reading = selected(False)
    assert all(c.kind == "read" for c in reading)
    forbidden = {"provdid", "deprovdid", "delfax", "handled", "disabledid", "enabledid",
                 "resend"}
    for case in CASES:
        assert case.operation not in forbidden, case.name
        if case.operation in ("sendfax", "stopfax", "clear") and case.kind == "read":
            # error cases only: no files, a bad number, an unknown or missing job id
            assert "{faxno}" not in str(case.form) and "{jobid}" not in str(case.form)


@pytest.fixture
def quick_sleep(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    slept: list[float] = []
    monkeypatch.setattr("faxage_sim.verify.runner.time.sleep", slept.append)
    yield slept


def test_a_non_local_url_gets_at_most_one_request_a_second(quick_sleep: list[float]) -> None:
    from faxage_sim.verify.runner import Options, is_local

    assert is_local("http://127.0.0.1:8080") and is_local("http://localhost")
    assert not is_local("https://api.faxage.com")
    assert Options("https://api.faxage.com", "u", "1", "p").pause() == 1.0
    assert Options("https://api.faxage.com", "u", "1", "p", interval=2.5).pause() == 2.5
    assert Options("http://127.0.0.1:9", "u", "1", "p").pause() == 0.0

    with serve() as server:
        side = Target(httpx.Client(base_url=server.url), {}, pause=1.0, timeout=5.0)
        side.post("/httpsfax.php", [])
        side.post("/httpsfax.php", [])
    assert len(quick_sleep) == 1 and 0.5 < quick_sleep[0] <= 1.0


def test_the_progress_bar_draws_on_one_line_and_clears() -> None:
    import io

    from faxage_sim.verify.cli import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar(3, 10, "status")
    assert stream.getvalue() == "\r" + "[###.......] 3/10 status".ljust(100)
    bar.clear()
    assert stream.getvalue().endswith("\r" + " " * 100 + "\r")
