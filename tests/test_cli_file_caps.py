"""The command line reads the files it is given bounded: a device, a FIFO or a file past the
cap is refused with one line and exit 2, before anything is sent or read whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from faxage_sim.persist.files import MAX_SNAPSHOT_FILE_BYTES, FileRefused, read_capped

URL = "http://127.0.0.1:9"  # never reached: the file is refused first


def snapshot_load(file: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "faxage_sim", "snapshot", "load", URL, file],
                          capture_output=True, text=True, timeout=120, check=False)


def test_loading_dev_zero_is_refused_at_once() -> None:
    done = snapshot_load("/dev/zero")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "faxage-sim snapshot load: /dev/zero is not a regular file\n")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = snapshot_load(str(fifo))
    assert (done.returncode, done.stderr) == (
        2, f"faxage-sim snapshot load: {fifo} is not a regular file\n")


def test_a_file_past_the_cap_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.sqlite"
    with huge.open("wb") as file:
        file.truncate(MAX_SNAPSHOT_FILE_BYTES + 1)  # sparse: no disk used
    done = snapshot_load(str(huge))
    assert (done.returncode, done.stderr) == (
        2, f"faxage-sim snapshot load: {huge} is larger than {MAX_SNAPSHOT_FILE_BYTES} "
           "bytes\n")


def test_read_capped_reads_a_regular_file_within_its_cap(tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.write_bytes(b"12345")
    assert read_capped(small, 5) == b"12345"
    with pytest.raises(FileRefused, match="larger than 4 bytes"):
        read_capped(small, 4)
    with pytest.raises(FileRefused, match=r"cannot read .*: No such file or directory"):
        read_capped(tmp_path / "missing", 5)
