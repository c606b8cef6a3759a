"""Everyday mistakes on the command line: one clear line with the next step, exit code 2 for a
usage error, and never a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from faxage_sim import SimError
from faxage_sim.cli.commands import build_parser, config_from
from faxage_sim.cli.usage import run_cleanly

from .helpers import DEADLINE

CLI = [sys.executable, "-m", "faxage_sim"]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.splitlines()[-1]


def test_a_misspelt_flag_shows_the_subcommands_usage_and_the_flag_meant() -> None:
    result = cli("serve", "--prot", "8080")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: faxage-sim serve ")
    assert last_line(result) == ("faxage-sim serve: unknown option --prot (did you mean "
                                 "--port?); faxage-sim serve --help lists the options")


def test_every_subcommand_gets_the_same_treatment() -> None:
    wait = cli("wait", "--prot-file", "x")
    assert wait.returncode == 2 and wait.stderr.startswith("usage: faxage-sim wait ")
    assert "unknown option --prot-file (did you mean --port-file?)" in last_line(wait)
    command = cli("serv")
    assert command.returncode == 2
    assert last_line(command) == ("faxage-sim: unknown command 'serv' (did you mean serve?); "
                                  "choose from serve, wait, journal, scenario, snapshot, verify")
    nested = cli("scenario", "lst")
    assert nested.returncode == 2
    assert "unknown command 'lst' (did you mean list?)" in last_line(nested)


def test_a_bad_value_names_what_was_expected_not_a_function() -> None:
    result = cli("serve", "--port", "abc")
    assert result.returncode == 2
    assert last_line(result) == ("faxage-sim serve: argument --port: expected a port number "
                                 "from 0 (any free port) to 65535, got 'abc'")
    seed = cli("serve", "--seed", "x")
    assert last_line(seed) == "faxage-sim serve: argument --seed: expected a whole number, got 'x'"


@pytest.mark.parametrize("flag", ["--port-file", "--ca-bundle"])
def test_a_missing_folder_is_refused_before_starting(tmp_path: Path, flag: str) -> None:
    missing = tmp_path / "missing" / "dir"
    result = cli("serve", "--port", "0", "--tls", flag, str(missing / "file"))
    assert result.returncode == 2
    assert result.stdout == ""  # no ready line: it never started
    assert last_line(result) == (f"faxage-sim serve: argument {flag}: the folder {missing} does "
                                 f"not exist; create it first (mkdir -p {missing})")
    assert not missing.exists()


def test_clock_scaled_needs_a_speed() -> None:
    result = cli("serve", "--clock", "scaled")
    assert (result.returncode, last_line(result)) == (
        2, "faxage-sim serve: --clock scaled needs --speed N (simulated seconds per real "
           "second, e.g. --speed 60)")


def test_start_takes_what_scenario_files_take() -> None:
    parser = build_parser()
    with_offset = config_from(parser.parse_args(
        ["serve", "--clock", "manual", "--start", "2026-01-05T09:00:00-07:00"]))
    assert with_offset.start == datetime(2026, 1, 5, 16, tzinfo=UTC).timestamp()
    plain = config_from(parser.parse_args(["serve", "--start", "2026-01-05 16:00:00"]))
    assert plain.start == with_offset.start
    refused = cli("serve", "--start", "yesterday")
    assert refused.returncode == 2
    assert "argument --start: expected a date-time such as 2026-01-05T09:00:00-07:00" in (
        last_line(refused))


def test_a_closed_pipe_ends_quietly(faxage_sim) -> None:  # type: ignore[no-untyped-def]
    for command in ("scenario list", "scenario schema", f"journal {faxage_sim.url}"):
        result = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {sys.executable} -m faxage_sim {command} | true"],
            capture_output=True, text=True, timeout=60)
        assert result.stderr == ""
        assert result.returncode == 0


def test_a_broken_pipe_is_not_an_error() -> None:
    def reader_gone() -> int:
        raise BrokenPipeError
    saved = os.dup(sys.stdout.fileno())
    try:
        assert run_cleanly(reader_gone) == 0
    finally:
        os.dup2(saved, sys.stdout.fileno())
        os.close(saved)


def test_ctrl_c_during_wait_is_one_line() -> None:
    # A server that accepts and never answers: its first connection means `wait` is up and
    # polling (the test waits on that, not on a fixed time).
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.settimeout(DEADLINE)
        port = silent.getsockname()[1]
        waiting = subprocess.Popen([*CLI, "wait", "--url", f"http://127.0.0.1:{port}"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        connection, _ = silent.accept()
        with connection:
            waiting.send_signal(signal.SIGINT)
            _, err = waiting.communicate(timeout=DEADLINE)
    assert (waiting.returncode, err) == (130, "faxage-sim: interrupted\n")


def test_a_misspelt_shipped_scenario_gets_did_you_mean_everywhere(  # type: ignore[no-untyped-def]
        faxage_sim, faxage_sim_server) -> None:
    hint = 'did you mean "busy-then-success"?'
    served = cli("serve", "--port", "0", "--scenario", "busy-then-sucess")
    assert served.returncode == 2 and hint in last_line(served)
    shown = cli("scenario", "show", "busy-then-sucess")
    assert shown.returncode == 2 and hint in last_line(shown)
    checked = cli("scenario", "check", "busy-then-sucess")
    assert checked.returncode == 1 and hint in last_line(checked)
    with pytest.raises(SimError) as loaded:
        faxage_sim.load("busy-then-sucess")
    assert hint in loaded.value.message
    with pytest.raises(SimError) as marked:  # what @pytest.mark.faxage_sim(scenario=...) does
        faxage_sim_server.new_account(scenario="busy-then-sucess")
    assert hint in marked.value.message
    control = httpx.post(faxage_sim.url + "/_sim/scenario",
                         json={"name": "busy-then-sucess", "company": faxage_sim.company})
    assert control.status_code == 404 and hint in control.json()["error"]


def test_a_folder_given_as_a_scenario_says_it_is_a_folder(tmp_path: Path) -> None:
    result = cli("serve", "--port", "0", "--scenario", str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path} is a folder" in last_line(result)


def test_wait_recognises_a_tls_server(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    server = subprocess.Popen([*CLI, "serve", "--port", "0", "--tls", "--port-file",
                               str(port_file)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        started = time.monotonic()
        result = cli("wait", "--port-file", str(port_file), "--pid", str(server.pid),
                     "--timeout", "30")
        assert time.monotonic() - started < 20  # told at once, not after the whole timeout
        assert result.returncode == 2
        assert last_line(result).endswith(
            " speaks HTTPS; pass --ca-bundle PATH (the CA bundle serve --tls printed or wrote "
            "with --ca-bundle)")
        url = f"http://127.0.0.1:{port_file.read_text().strip()}"
        journal = cli("journal", url)
        assert (journal.returncode, last_line(journal)) == (
            2, f"faxage-sim journal: {url} speaks HTTPS; use https:// and pass --ca-bundle PATH "
               "(the CA bundle serve --tls printed or wrote)")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=DEADLINE)


def test_wait_does_not_trust_a_port_file_from_an_earlier_run(tmp_path: Path,
                                                             faxage_sim) -> None:  # type: ignore[no-untyped-def]
    # A port file left behind, naming a port where another faxage-sim (this test process's)
    # answers, and the server we wait for, still starting (a process that never will).
    port_file = tmp_path / "port"
    port_file.write_text(faxage_sim.url.rsplit(":", 1)[1] + "\n")
    other = subprocess.Popen(["sleep", "30"])
    try:
        result = cli("wait", "--port-file", str(port_file), "--pid", str(other.pid),
                     "--timeout", "1")
    finally:
        other.kill()
        other.wait()
    assert result.returncode == 1
    assert last_line(result).endswith(
        f"is a faxage-sim with pid {os.getpid()}, not {other.pid}: the port file is from an "
        "earlier run")


def test_stopping_cuts_requests_a_fault_holds_and_says_how_many() -> None:
    server = subprocess.Popen([*CLI, "serve", "--port", "0", "--clock", "manual", "--quiet"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert server.stdout is not None
    url = server.stdout.readline().split(" listening on ")[1].split(" ")[0]
    httpx.post(url + "/_sim/faults", json={"fault": {"path": "/httpsfax.php", "hang": True}})
    httpx.post(url + "/_sim/faults", json={"fault": {"path": "/getcdr.php", "latency": "50s"}})
    outcomes: list[str] = []

    def ask(path: str) -> None:
        try:
            httpx.post(url + path, data={"username": "demo"}, timeout=60)
            outcomes.append("answered")
        except httpx.HTTPError as exc:
            outcomes.append(type(exc).__name__)

    clients = [threading.Thread(target=ask, args=(p,)) for p in ("/httpsfax.php", "/getcdr.php")]
    for client in clients:
        client.start()
    while len(httpx.get(url + "/_sim/requests").json()["requests"]) < 2:
        time.sleep(0.02)  # real time: both requests have reached the server
    stopping = time.monotonic()
    server.send_signal(signal.SIGINT)
    _, err = server.communicate(timeout=DEADLINE)
    for client in clients:
        client.join(timeout=DEADLINE)
    assert time.monotonic() - stopping < 10  # not the 50 s or the client's 60 s
    assert server.returncode == 0
    assert err == ("faxage-sim: stopping: cut 2 request(s) a fault was holding (hang, latency "
                   "or slow drip)\n")
    assert outcomes == ["RemoteProtocolError", "RemoteProtocolError"]


def test_journal_mistakes_are_one_line(tmp_path: Path, httpserver) -> None:  # type: ignore[no-untyped-def]
    missing = cli("journal", "http://127.0.0.1:9", "--ca-bundle", str(tmp_path / "ca.pem"))
    assert (missing.returncode, last_line(missing)) == (
        2, f"faxage-sim journal: no CA bundle at {tmp_path / 'ca.pem'}; give the file serve "
           "--tls printed or wrote with --ca-bundle")
    httpserver.expect_request("/_sim/requests").respond_with_data("<html>hello</html>")
    httpserver.expect_request("/_sim/callbacks").respond_with_data("<html>hello</html>")
    other = cli("journal", httpserver.url_for("/"))
    assert other.returncode == 1
    assert last_line(other).endswith(" does not answer like a faxage-sim (its /_sim/requests is "
                                     "not the journal); check the URL (what faxage-sim wait "
                                     "printed)")


@pytest.mark.parametrize("delay", [0.0, 0.4])
def test_ctrl_c_while_serve_starts_is_one_line(delay: float) -> None:
    # Whether the signal comes while modules load, while the scenario loads or once it
    # serves, the process ends without a traceback (130 before the ready line, 0 after).
    # (Python's own start-up, before any of faxage-sim runs, is the one window left: the
    # test waits until faxage-sim's first submodule is imported, then `delay` more.)
    server = subprocess.Popen([sys.executable, "-X", "importtime", *CLI[1:], "serve",
                               "--port", "0", "--quiet", "--scenario", "business-day"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started, lines = threading.Event(), []
    assert server.stderr is not None
    stderr = server.stderr

    def read_stderr() -> None:
        for line in stderr:
            if line.startswith("import time:"):
                # A submodule: faxage-sim's own code runs (the package itself has none).
                if line.rsplit("|", 1)[-1].strip().startswith("faxage_sim."):
                    started.set()
            else:
                lines.append(line)
        started.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    assert started.wait(DEADLINE)
    time.sleep(delay)  # a moment later in start-up (it waited on faxage-sim running first)
    server.send_signal(signal.SIGINT)
    server.wait(timeout=DEADLINE)
    reader.join(DEADLINE)
    err = "".join(lines)
    assert "Traceback" not in err
    if server.returncode == 0:  # serving, or about to: stopped as a running server stops
        assert err == ""
    else:
        assert (server.returncode, err) == (130, "faxage-sim: interrupted\n")


def test_a_second_ctrl_c_stops_at_once_and_quietly() -> None:
    server = subprocess.Popen([*CLI, "serve", "--port", "0", "--clock", "manual", "--quiet"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert server.stdout is not None
    url = server.stdout.readline().split(" listening on ")[1].split(" ")[0]
    httpx.post(url + "/_sim/faults", json={"fault": {"path": "/httpsfax.php", "hang": True}})
    hung = threading.Thread(target=_post_quietly, args=(url + "/httpsfax.php",))
    hung.start()
    while not httpx.get(url + "/_sim/requests").json()["requests"]:
        time.sleep(0.02)  # real time: the request has reached the server
    server.send_signal(signal.SIGINT)
    server.send_signal(signal.SIGINT)
    _, err = server.communicate(timeout=DEADLINE)
    hung.join(timeout=DEADLINE)
    assert server.returncode == 0
    assert "Traceback" not in err and "CancelledError" not in err, err


def _post_quietly(url: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(url, data={"username": "demo"}, timeout=60)
