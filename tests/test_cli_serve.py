"""`faxage-sim serve` as CI uses it: a real process, one ready line, a clean stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from faxage_sim.cli.commands import build_parser, config_from
from faxage_sim.core.clock import ClockMode

from .helpers import DEADLINE

READY = re.compile(r"^faxage-sim \S+ listening on (http://127\.0\.0\.1:(\d+)) \(clock (\w+);")


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "faxage_sim", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = start("--clock", "manual")
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the server announces itself
    match = READY.match(line)
    assert match, line
    yield process, match.group(1)
    if process.poll() is None:
        process.kill()
        process.wait()


def test_ready_line_then_requests_are_answered(served: tuple[subprocess.Popen[str], str]) -> None:
    _, url = served
    response = httpx.post(f"{url}/httpsfax.php", data={"username": "demo", "company": "1000",
                                                       "password": "demo", "operation": "status"})
    assert response.text == "ERR06: No jobs to display or job id specified not found"
    assert httpx.get(f"{url}/_sim/health").json()["status"] == "ok"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_it_cleanly(served: tuple[subprocess.Popen[str], str],
                                 signum: signal.Signals) -> None:
    process, _ = served
    process.send_signal(signum)
    assert process.wait(timeout=DEADLINE) == 0
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()


def test_a_port_in_use_is_a_clear_error(served: tuple[subprocess.Popen[str], str]) -> None:
    _, url = served
    port = url.rsplit(":", 1)[1]
    clash = subprocess.run([sys.executable, "-m", "faxage_sim", "serve", "--port", port],
                           capture_output=True, text=True, timeout=DEADLINE)
    assert clash.returncode == 2
    assert clash.stderr.startswith(f"faxage-sim: cannot listen on 127.0.0.1:{port}: ")


def test_clock_options() -> None:
    parser = build_parser()
    assert config_from(parser.parse_args(["serve"])).clock is ClockMode.REALTIME
    scaled = config_from(parser.parse_args(["serve", "--speed", "60"]))
    assert (scaled.clock, scaled.speed) == (ClockMode.SCALED, 60.0)
    assert config_from(parser.parse_args(["serve", "--clock", "manual"])).clock is (
        ClockMode.MANUAL)
    assert config_from(parser.parse_args(["serve"])).host == "127.0.0.1"
    with pytest.raises(SystemExit) as refused:
        config_from(parser.parse_args(["serve", "--clock", "manual", "--speed", "5"]))
    assert refused.value.code == 2


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for argv in (["serve", "--port", "70000"], ["serve", "--speed", "0"],
                 ["serve", "--max-body", "-1"], ["serve", "--clock", "sundial"]):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
    assert "faxage-sim serve: argument --" in capsys.readouterr().err
