"""`faxage-sim verify` through a real answer-altering proxy in front of the emulator: every
alteration that breaks unmodified FAXAGE clients is named as a difference, in a user's words,
with exit 1 when the case that shows it runs; when it cannot run (a send needs
`--allow-send`) the summary names what was not observed. Peers that never finish an answer
(an endless body, a drip) are one line, within the timeout."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faxage_sim.cli.commands import main
from faxage_sim.verify.cases import selected

from .live import LiveServer
from .verify_proxy import (
    Alteration,
    AlteringProxy,
    Stream,
    body_change,
    content_type,
    drip,
    emulator,
    endless,
    on,
    status_code,
    unchanged,
)

LOGIN = ["--username", "demo", "--company", "1000", "--password", "demo",
         "--did", "3032974100", "--no-progress"]
SEND = ["--allow-send", "--faxno", "3039911234"]
HTML = "text/html; charset=UTF-8"


@pytest.fixture(scope="module")
def upstream() -> Iterator[LiveServer]:
    with emulator() as server:
        yield server


def run(upstream: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        alter: Alteration | None, *extra: str, stream: Stream | None = None
        ) -> tuple[int, dict[str, Any], str]:
    """verify through a proxy that alters the emulator's answers: exit code, report, output."""
    proxy = AlteringProxy(upstream.url, alter or unchanged, stream)
    report = tmp_path / "report.json"
    with proxy.serve() as server:
        code = main(["verify", "--url", server.url, *LOGIN, *extra, "--report", str(report)])
    return code, json.loads(report.read_text()), capsys.readouterr().out


def differing(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["case"]: c for c in report["cases"] if c["verdict"] != "same"}


# --- alterations of every answer: every case that shows it names it -----------------------

EVERY_ANSWER: dict[str, tuple[Alteration, str]] = {
    "a newline after the body": (body_change(lambda b: b + b"\n"),
                                 "a newline after the body"),
    "CRLF after the body": (body_change(lambda b: b + b"\r\n"), "CRLF after the body"),
    "text/plain": (content_type("text/plain"),
                   "content type text/plain instead of "),
    "text/csv": (content_type("text/csv"), "content type text/csv instead of "),
    "application/json": (content_type("application/json"),
                         "content type application/json instead of "),
    "HTTP 500": (status_code(500), "status 500 instead of "),
}


@pytest.mark.parametrize("alteration", list(EVERY_ANSWER))
def test_an_alteration_of_every_answer_is_named_in_every_case_with_exit_1(
        alteration: str, upstream: LiveServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    alter, name = EVERY_ANSWER[alteration]
    code, report, out = run(upstream, tmp_path, capsys, on(None, alter))
    assert code == 1
    assert len(report["cases"]) == len(selected(False))
    for case in report["cases"]:
        assert case["verdict"] == "differs", case["case"]
        assert case["detail"].startswith(name), (case["case"], case["detail"])
    # one example, whole: the named difference with both bytes beside it
    bad_login = next(c for c in report["cases"] if c["case"] == "bad login")
    (difference,) = bad_login["differences"]
    assert difference["what"] == name + ("200" if name.startswith("status") else
                                         HTML if name.startswith("content") else "")
    section = out.split("--- bad login:", 1)[1].split("\n---", 1)[0]
    assert f"  {difference['what']}: expected {difference['expected']}, got " \
           f"{difference['got']}" in section


def test_a_newline_after_the_body_shows_both_bodies_escaped(
        upstream: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _out = run(upstream, tmp_path, capsys,
                            on(None, body_change(lambda b: b + b"\n")))
    assert code == 1
    bad_login = next(c for c in report["cases"] if c["case"] == "bad login")
    assert bad_login["differences"] == [{
        "what": "a newline after the body", "expected": "'ERR02: Login incorrect'",
        "got": "'ERR02: Login incorrect\\n'"}]
    assert bad_login["got"]["body"] == "ERR02: Login incorrect\n"  # the exact bytes kept
    assert ["content-type", HTML] in bad_login["got"]["headers"]


def test_crlf_line_ends_in_a_list_are_named(
        upstream: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = run(upstream, tmp_path, capsys,
                          on("listlines", body_change(lambda b: b.replace(b"\n", b"\r\n"))))
    assert code == 1
    assert {n: c["detail"] for n, c in differing(report).items()} == {
        "listlines": "CRLF line ends"}


def test_a_record_with_a_field_missing_is_named_with_its_count(
        upstream: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drop_last = body_change(lambda b: re.sub(rb"\t[^\t\n]*\n", b"\n", b))
    code, report, _ = run(upstream, tmp_path, capsys, on("listnpanxx", drop_last))
    assert code == 1
    (case,) = differing(report).values()
    assert case["case"] == "provision listnpanxx"
    assert case["detail"] == "a record with 2 tab-separated fields instead of 3"
    assert case["differences"][0]["expected"] == "'<npanxx>\\t<text>\\t<text>'"


# --- what needs a send: named with --allow-send, listed as not observed without ------------

NEEDS_SEND: dict[str, tuple[Alteration, dict[str, str]]] = {
    "JOBID: without its space": (
        on("sendfax", body_change(lambda b: b.replace(b"JOBID: ", b"JOBID:"))),
        {"sendfax to your own number": "no space after JOBID:"}),
    "cleared and stopped without the job id": (
        on(None, body_change(lambda b: re.sub(rb"^\d+ (cleared|stopped)$", rb"\1", b))),
        {"stopfax that job": "the job id missing from the success text",
         "clear that job": "the job id missing from the success text"}),
}


@pytest.mark.parametrize("alteration", list(NEEDS_SEND))
def test_what_only_a_send_shows_is_named_with_allow_send(
        alteration: str, upstream: LiveServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    alter, named = NEEDS_SEND[alteration]
    code, report, out = run(upstream, tmp_path, capsys, alter, *SEND)
    assert code == 1
    assert {n: c["detail"] for n, c in differing(report).items()} == named
    for case in named:
        assert f"--- {case}: {named[case]}" in out


@pytest.mark.parametrize("alteration", list(NEEDS_SEND))
def test_without_a_send_the_summary_names_what_was_not_observed(
        alteration: str, upstream: LiveServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    alter, named = NEEDS_SEND[alteration]
    code, report, out = run(upstream, tmp_path, capsys, alter)
    assert code == 0 and differing(report) == {}
    section = out.split("Not observed by this run (--allow-send --faxno "
                        "YOUR_OWN_FAX_NUMBER):\n", 1)[1]
    for case in named:
        assert f"  - {case}: " in section
    assert "sendfax to your own number: the success text 'JOBID: 100001' (one space after " \
           "JOBID:, no newline)" in section
    last = out.rstrip("\n").rsplit("\n", 1)[1]
    assert last == (f"Result: no difference in the {len(selected(False))} cases compared, "
                    "but this was not a full check: 6 wire detail(s) listed above were not "
                    "observed.")
    unobserved = {u["what"].split(":")[0] for u in report["coverage"]["unobserved_cases"]}
    assert set(named) <= unobserved


# --- peers that never finish -------------------------------------------------------------


def test_an_endless_body_is_read_up_to_the_cap_and_named(
        upstream: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def stream(path: str, form: dict[str, str]) -> Any:
        return endless() if form.get("operation") == "listlines" else None

    code, report, out = run(upstream, tmp_path, capsys, None, stream=stream)
    assert code == 1
    (case,) = differing(report).values()
    assert case["case"] == "listlines"
    assert case["detail"] == "a body longer than 1048576 bytes (verify stopped reading there)"
    assert case["got"]["truncated"] is True
    assert case["got"]["body"] == "0" * (64 << 10)  # the report keeps the first 64 KiB
    assert "Traceback" not in out


def test_a_drip_is_cut_at_the_timeout_in_one_line(
        upstream: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def stream(path: str, form: dict[str, str]) -> Any:
        return drip() if form.get("operation") == "listlines" else None

    code, report, _out = run(upstream, tmp_path, capsys, None, "--timeout", "1",
                            stream=stream)
    assert code == 1
    (case,) = differing(report).values()
    assert (case["case"], case["verdict"]) == ("listlines", "could not run")
    assert case["detail"] == ("transport: no complete answer within 1 s (the server kept it "
                              "coming too slowly)")


def test_a_drip_on_every_answer_cannot_be_checked(
        upstream: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proxy = AlteringProxy(upstream.url, stream=lambda path, form: drip())
    with proxy.serve() as server:
        code = main(["verify", "--url", server.url, *LOGIN, "--timeout", "0.5"])
    assert code == 3
    assert capsys.readouterr().err == (
        f"faxage-sim verify: could not check {server.url}: {server.url}: no complete answer "
        "within 0.5 s (the server kept it coming too slowly)\n")
