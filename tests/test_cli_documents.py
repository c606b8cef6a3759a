"""`faxage-sim serve` options of issue 3: --smtp, --smtp-from, --no-fetch, --fetch-timeout,
--fetch-max-bytes — parsed, and working end to end in a real server process."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest
from aiosmtpd.controller import Controller

from faxage_sim.cli.commands import build_parser, config_from
from faxage_sim.core.outbox import DEFAULT_SENDER
from faxage_sim.server.config import DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_TIMEOUT, SimConfig

from .helpers import DEADLINE
from .test_email_notify import MailSink, free_port

READY = re.compile(r"^faxage-sim \S+ listening on (http://127\.0\.0\.1:\d+) ")
LOGIN = {"username": "demo", "company": "1000", "password": "demo"}


def parsed(*args: str) -> SimConfig:
    return config_from(build_parser().parse_args(["serve", *args]))


def test_defaults() -> None:
    config = parsed()
    assert (config.smtp, config.smtp_from, config.fetch, config.fetch_timeout,
            config.fetch_max_bytes) == (
        None, DEFAULT_SENDER, True, DEFAULT_FETCH_TIMEOUT, DEFAULT_FETCH_MAX_BYTES)


def test_options_are_parsed() -> None:
    config = parsed("--smtp", "mail.local:2525", "--smtp-from", "fax@example.org", "--no-fetch",
                    "--fetch-timeout", "2.5", "--fetch-max-bytes", "1000")
    assert config.smtp == ("mail.local", 2525)
    assert config.smtp_from == "fax@example.org"
    assert config.fetch is False
    assert config.fetch_timeout == 2.5
    assert config.fetch_max_bytes == 1000
    assert parsed("--smtp", "[::1]:25").smtp == ("::1", 25)


@pytest.mark.parametrize("bad", [["--smtp", "nohost"], ["--smtp", "host:0"],
                                 ["--smtp", "host:99999"], ["--smtp", ":25"],
                                 ["--fetch-timeout", "0"], ["--fetch-max-bytes", "-1"]])
def test_bad_values_are_refused(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parsed(*bad)
    assert exit_info.value.code == 2
    assert bad[0] in capsys.readouterr().err


def test_a_served_emulator_mails_over_smtp_and_skips_fetching() -> None:
    sink = MailSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    process = subprocess.Popen(
        [sys.executable, "-m", "faxage_sim", "serve", "--port", "0", "--clock", "manual",
         "--quiet", "--smtp", f"127.0.0.1:{smtp_port}", "--no-fetch"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = READY.match(line)
        assert match, line
        base = match.group(1)
        with httpx.Client(base_url=base, trust_env=False) as client:
            answer = client.post("/httpsfax.php", data={
                **LOGIN, "operation": "sendfax", "faxno": "3039911234", "recipname": "A",
                "faxurl": "http://unreachable.invalid/report.pdf", "em_notify": "1"}).text
            assert answer.startswith("JOBID: "), answer
            jobid = int(answer.removeprefix("JOBID: "))
            job = client.get(f"/_sim/jobs/{jobid}").json()
            assert [d["type"] for d in job["documents"]] == ["html"]
            done = client.post("/_sim/clock/run-until-idle", json={})
            assert done.json()["idle"] is True
            (email,) = client.get("/_sim/emails").json()["emails"]
            assert email["state"] == "sent"
        assert [m["Subject"] for _, _, m in sink.received] == [str(jobid)]
    finally:
        process.terminate()
        process.wait(timeout=DEADLINE)
        controller.stop()
