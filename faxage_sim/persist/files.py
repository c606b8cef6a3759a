"""Reading a file the user named, bounded: never a device, a FIFO or more than a cap.

`faxage-sim snapshot load URL /dev/zero` read until the kernel killed it. A file is input:
what is not a regular file is refused before it is opened (opening a FIFO would wait for a
writer), and at most `max_bytes` are read — one more means it is refused, with one line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

# The server takes a snapshot of at most this size (control/snapshot.py MAX_SNAPSHOT_BYTES).
MAX_SNAPSHOT_FILE_BYTES: Final = 4 << 30


class FileRefused(ValueError):
    """The file cannot be read as input; the message is one line for the user."""


def read_capped(path: Path, max_bytes: int) -> bytes:
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FileRefused(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"{path} is not a regular file")
    if info.st_size > max_bytes:
        raise FileRefused(f"{path} is larger than {max_bytes} bytes")
    try:
        with open(path, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):  # replaced meanwhile
                raise FileRefused(f"{path} is not a regular file")
            data = file.read(max_bytes + 1)  # a file that grew past the cap meanwhile
    except OSError as exc:
        raise FileRefused(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise FileRefused(f"{path} is larger than {max_bytes} bytes")
    return data
