"""Starting the emulator in CI: `serve --port 0 --port-file`, `--tls`, and `faxage-sim wait`."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from faxage_sim.server import tls as tls_module

from .helpers import DEADLINE

CLI = [sys.executable, "-m", "faxage_sim"]


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, "serve", "--port", "0", "--clock", "manual", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def wait(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "wait", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_port_file_and_wait_give_the_url_once_ready(
        tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    port_file = tmp_path / "faxage.port"
    port_file.write_text("1\n")  # a stale file from an earlier run must not be believed
    server = serve("--port-file", str(port_file), "--quiet")
    processes.append(server)
    ready = wait("--port-file", str(port_file), "--pid", str(server.pid))
    assert ready.returncode == 0, ready.stderr
    url = ready.stdout.strip()
    port = port_file.read_text()
    assert url == f"http://127.0.0.1:{port.strip()}" and port.endswith("\n")
    assert httpx.get(url + "/_sim/health").json()["status"] == "ok"
    assert server.stdout is not None
    assert server.stdout.readline() == (
        f"faxage-sim 0.1.0 listening on {url} (clock manual; account demo/1000/********; "
        "state in memory, lost on stop)\n")
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=DEADLINE) == 0
    assert not port_file.exists()  # gone with the server: its presence means "ready"


def test_tls_serves_https_verified_against_the_ca_bundle(
        tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    port_file, bundle = tmp_path / "port", tmp_path / "ca" / "faxage-ca.pem"
    bundle.parent.mkdir()  # serve writes into a folder that exists; it never creates one
    server = serve("--port-file", str(port_file), "--tls", "--ca-bundle", str(bundle))
    processes.append(server)
    ready = wait("--port-file", str(port_file), "--ca-bundle", str(bundle),
                 "--pid", str(server.pid))
    assert ready.returncode == 0, ready.stderr
    url = ready.stdout.strip()
    assert url == f"https://127.0.0.1:{port_file.read_text().strip()}"
    assert server.stdout is not None
    # The ready line is the first line with a URL (scripts grep it); the CA bundle follows.
    assert [server.stdout.readline(), server.stdout.readline()] == [
        f"faxage-sim 0.1.0 listening on {url} (clock manual; account demo/1000/********; "
        "state in memory, lost on stop)\n",
        f"faxage-sim CA bundle (verify https:// against it): {bundle}\n"]
    with httpx.Client(verify=ssl.create_default_context(cafile=str(bundle))) as client:
        answer = client.post(url + "/httpsfax.php", data={
            "username": "demo", "company": "1000", "password": "demo", "operation": "status"})
    assert answer.text == "ERR06: No jobs to display or job id specified not found"
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(url + "/_sim/health")
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=DEADLINE) == 0
    assert bundle.exists()  # the caller chose where it lives: it stays


def test_wait_gives_up_at_once_when_the_server_died(
        tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    server = serve("--port-file", str(tmp_path / "port"), "--host", "256.1.1.1")
    processes.append(server)
    result = wait("--port-file", str(tmp_path / "port"), "--pid", str(server.pid),
                  "--timeout", "60")
    assert server.wait(timeout=DEADLINE) == 2
    assert result.returncode == 1
    assert result.stderr == (f"faxage-sim wait: the server (pid {server.pid}) has exited; "
                             f"no port in {tmp_path / 'port'} yet\n")


def test_wait_times_out_with_the_reason(tmp_path: Path) -> None:
    result = wait("--url", "http://127.0.0.1:9", "--timeout", "0.1")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "faxage-sim wait: not ready after 0.1 s; http://127.0.0.1:9: ConnectError: ")
    missing = wait("--port-file", str(tmp_path / "none"), "--timeout", "0")
    assert missing.stderr == (
        f"faxage-sim wait: not ready after 0 s; no port in {tmp_path / 'none'} yet\n")


def test_option_mistakes_are_refused(tmp_path: Path) -> None:
    result = subprocess.run([*CLI, "serve", "--ca-bundle", str(tmp_path / "ca.pem")],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (
        2, "faxage-sim serve: --ca-bundle needs --tls\n")
    both = wait("--url", "http://x", "--port-file", "p")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_tls_without_trustme_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)  # as if not installed
    with pytest.raises(tls_module.TlsUnavailable) as caught:
        tls_module.make_tls()
    assert str(caught.value) == (
        "TLS needs the trustme package: pip install 'faxage-sim[tls]'")
