"""`--tls` keeps its private key in a temporary folder; a server killed with `kill -9`
cannot remove it, so the next start does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from faxage_sim.server import tls

from .helpers import DEADLINE

CLI = [sys.executable, "-m", "faxage_sim"]


def tls_folders(root: Path) -> list[Path]:
    return sorted(root.glob(tls.FOLDER_PREFIX + "*"))


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    """Every server a test starts is gone when it ends, whatever happened."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


def start_tls_server(tmp_path: Path, started: list[subprocess.Popen[str]]
                     ) -> subprocess.Popen[str]:
    """A `serve --tls` whose temporary folders go under tmp_path, once it is ready."""
    server = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--clock", "manual", "--tls"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"})
    started.append(server)
    assert server.stdout is not None
    for line in server.stdout:  # the ready line comes first (the CA bundle line follows)
        if " listening on https://" in line:
            return server
    raise AssertionError(f"the server ended without a ready line ({server.wait()})")


def test_the_next_start_removes_the_folder_of_a_killed_server(
        tmp_path: Path, started: list[subprocess.Popen[str]]) -> None:
    first = start_tls_server(tmp_path, started)
    [left_behind] = tls_folders(tmp_path)
    assert (left_behind / tls.OWNER_FILE).read_text() == f"{first.pid}\n"
    assert (left_behind / "server.pem").exists()
    first.send_signal(signal.SIGKILL)
    first.wait(DEADLINE)
    assert tls_folders(tmp_path) == [left_behind]  # nothing could clean up
    second = start_tls_server(tmp_path, started)
    try:
        [current] = tls_folders(tmp_path)
        assert (current / tls.OWNER_FILE).read_text() == f"{second.pid}\n"
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(DEADLINE) == 0
    assert tls_folders(tmp_path) == []  # a clean stop removes its own


def test_folders_of_living_servers_and_unknown_folders_are_left_alone(tmp_path: Path) -> None:
    alive = tmp_path / (tls.FOLDER_PREFIX + "alive")
    alive.mkdir()
    (alive / tls.OWNER_FILE).write_text(f"{os.getppid()}\n")
    unknown = tmp_path / (tls.FOLDER_PREFIX + "unknown")
    unknown.mkdir()
    garbled = tmp_path / (tls.FOLDER_PREFIX + "garbled")
    garbled.mkdir()
    (garbled / tls.OWNER_FILE).write_text("not a pid")
    dead = tmp_path / (tls.FOLDER_PREFIX + "dead")
    dead.mkdir()
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    (dead / tls.OWNER_FILE).write_text(f"{finished.pid}\n")
    assert tls.remove_stale_folders(tmp_path) == [dead]
    assert tls_folders(tmp_path) == sorted([alive, unknown, garbled])
