"""The SQLite file of a state: one table per kind of record, a schema version, documents once.

Used two ways: `StateFile` is the `--state FILE` database, kept open and updated in small
transactions (WAL journal, so a crash at any moment leaves the last committed state); a
snapshot is the same schema in one self-contained file (`to_bytes` / `from_bytes`), the body
of `GET`/`PUT /_sim/snapshot`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..server.version import VERSION as __version__
from .model import FORMAT_NAME, SCHEMA_VERSION, Rows, StateError

TABLES: dict[str, str] = {
    "meta": "key TEXT PRIMARY KEY, value TEXT NOT NULL",
    "globals": "name TEXT PRIMARY KEY, body TEXT NOT NULL",
    "accounts": "company TEXT PRIMARY KEY, body TEXT NOT NULL",
    "jobs": "company TEXT NOT NULL, jobid INTEGER NOT NULL, body TEXT NOT NULL, "
            "PRIMARY KEY (company, jobid)",
    "faxes": "company TEXT NOT NULL, recvid INTEGER NOT NULL, body TEXT NOT NULL, "
             "PRIMARY KEY (company, recvid)",
    "busy_calls": "company TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, "
                  "PRIMARY KEY (company, seq)",
    "cdrs": "nuid INTEGER PRIMARY KEY, company TEXT NOT NULL, body TEXT NOT NULL",
    "events": "company TEXT NOT NULL, seq INTEGER NOT NULL, due REAL NOT NULL, "
              "body TEXT NOT NULL, PRIMARY KEY (company, seq)",
    "deliveries": "id INTEGER PRIMARY KEY, company TEXT NOT NULL, body TEXT NOT NULL",
    "emails": "id INTEGER PRIMARY KEY, company TEXT NOT NULL, body TEXT NOT NULL",
    "journal": "seq INTEGER PRIMARY KEY, body TEXT NOT NULL",
    "account_parts": "company TEXT NOT NULL, part TEXT NOT NULL, seq INTEGER NOT NULL, "
                     "body TEXT NOT NULL, PRIMARY KEY (company, part, seq)",
    "documents": "sha256 TEXT PRIMARY KEY, data BLOB NOT NULL",
}
# Tables whose rows belong to one account (deleted with it).
COMPANY_TABLES = ("accounts", "jobs", "faxes", "busy_calls", "cdrs", "events", "deliveries",
                  "emails", "account_parts")
# Tables added since schema 1: a file written before holds none of their records (not
# corrupt); `add_new_tables` creates them once the file is accepted.
NEW_TABLES = ("account_parts",)
RECORD_TABLES = tuple(t for t in TABLES if t not in ("meta", "documents"))
def _column_count(spec: str) -> int:
    return len(spec.split(", PRIMARY KEY")[0].split(", "))


COLUMNS = {name: _column_count(spec) for name, spec in TABLES.items()}


def create_schema(conn: sqlite3.Connection) -> None:
    for name, spec in TABLES.items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS {name} ({spec})")
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
        ("format", FORMAT_NAME), ("schema_version", str(SCHEMA_VERSION)),
        ("written_by", f"faxage-sim {__version__}")])


def insert(conn: sqlite3.Connection, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" * COLUMNS[table])
    conn.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)


META_KEY = "reserved_ids"  # the meta row of the ids reserved ahead of use (persist.sequences)


def write_marks(conn: sqlite3.Connection, marks: dict[str, int]) -> None:
    """Inside the caller's transaction (the schema made first: a new file has none yet)."""
    create_schema(conn)
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                 (META_KEY, json.dumps(marks, sort_keys=True)))


def add_new_tables(conn: sqlite3.Connection) -> None:
    """The tables a file written before them lacks (`NEW_TABLES`), created empty."""
    with conn:
        for name in NEW_TABLES:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {name} ({TABLES[name]})")


def write_all(conn: sqlite3.Connection, rows: Rows, documents: dict[str, bytes],
              marks: dict[str, int] | None = None) -> None:
    """Replace every record (one transaction: the old state or the new, never half)."""
    with conn:
        create_schema(conn)
        if marks is not None:
            write_marks(conn, marks)
        for table in RECORD_TABLES:
            conn.execute(f"DELETE FROM {table}")
        for table, table_rows in rows.items():
            insert(conn, table, table_rows)
        conn.executemany("INSERT OR IGNORE INTO documents VALUES (?, ?)", documents.items())


def check(conn: sqlite3.Connection, name: str) -> bool:
    """True when it holds a faxage-sim state; False when it is empty (a new file).
    Raises `StateError` with one line naming the problem otherwise."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc):
            raise StateError(f"{name} is corrupt or truncated: {exc}") from exc
        raise StateError(f"{name} is not a faxage-sim state file (not an SQLite database: "
                         f"{exc})") from exc
    if not tables:
        return False
    if "meta" not in tables:
        raise StateError(f"{name} is an SQLite database but not a faxage-sim state file "
                         "(no meta table)")
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{name} is corrupt: {exc}") from exc
    if meta.get("format") != FORMAT_NAME:
        raise StateError(f"{name} is an SQLite database but not a faxage-sim state file "
                         f"(format {str(meta.get('format'))[:40]!r})")
    version_text = meta.get("schema_version", "")
    if not isinstance(version_text, str) or not version_text.isascii() \
            or not version_text.isdigit() or len(version_text) > 9:
        raise StateError(f"{name} has an unknown schema version {str(version_text)[:20]!r}")
    version = int(version_text)
    if version > SCHEMA_VERSION:
        raise StateError(
            f"{name} was written by a newer faxage-sim ({meta.get('written_by', '?')}, state "
            f"schema {version}); this faxage-sim {__version__} reads schema {SCHEMA_VERSION}: "
            "upgrade faxage-sim")
    if version < 1:
        raise StateError(f"{name} has an unknown schema version {version}")
    missing = [t for t in TABLES if t not in tables and t not in NEW_TABLES]
    if missing:
        raise StateError(f"{name} is corrupt: table(s) {', '.join(missing)} missing")
    try:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{name} is corrupt or truncated: {exc}") from exc
    if problems != ["ok"]:
        raise StateError(f"{name} is corrupt or truncated: {problems[0]}")
    return True


def read_rows(conn: sqlite3.Connection, name: str) -> Rows:
    try:  # a file written before a table was added reads as that table empty
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in RECORD_TABLES
                if t in present or t not in NEW_TABLES}
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{name} is corrupt or truncated: {exc}") from exc


def read_all(conn: sqlite3.Connection, name: str) -> tuple[Rows, dict[str, bytes]]:
    rows = read_rows(conn, name)
    try:
        documents = {r[0]: bytes(r[1]) for r in conn.execute("SELECT sha256, data FROM documents")}
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{name} is corrupt or truncated: {exc}") from exc
    return rows, documents


def read_document_lengths(conn: sqlite3.Connection, name: str) -> dict[str, int]:
    """What the file's documents table holds, by digest, without reading the bytes (they
    are read when asked: `StateDocuments`)."""
    try:
        return {r[0]: r[1] for r in conn.execute("SELECT sha256, length(data) FROM documents")}
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{name} is corrupt or truncated: {exc}") from exc


class StateDocuments:
    """Documents' bytes read back from the --state file, by digest (`core.jobs.Document`
    keeps only the digest of an ended job's files once the file has committed them).

    Reads are blocking I/O: the document workers, the writer thread and snapshot workers call
    `read`, never the event loop. A connection of its own (read-only; WAL lets it read while
    the writer commits), one read at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def read(self, digest: str) -> bytes:
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro",
                                                 uri=True, check_same_thread=False)
                row = self._conn.execute("SELECT data FROM documents WHERE sha256 = ?",
                                         (digest,)).fetchone()
            except sqlite3.Error as exc:
                raise StateError(f"{self.path}: cannot read document {digest[:16]}: "
                                 f"{exc}") from exc
        if row is None:
            raise StateError(f"{self.path}: document {digest[:16]} is missing")
        return bytes(row[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None


# --- snapshots: the same schema in one file ------------------------------------------------

def to_bytes(rows: Rows, documents: dict[str, bytes]) -> bytes:
    conn = sqlite3.connect(":memory:")
    try:
        write_all(conn, rows, documents)
        return conn.serialize()
    finally:
        conn.close()


def from_bytes(data: bytes, name: str = "the snapshot") -> tuple[Rows, dict[str, bytes]]:
    if not data.startswith(b"SQLite format 3\x00"):
        raise StateError(f"{name} is not a faxage-sim snapshot (not an SQLite database)")
    if len(data) >= 20 and data[18:20] == b"\x02\x02":
        # A --state file (WAL mode) sent as a snapshot: read it as a plain database file.
        data = data[:18] + b"\x01\x01" + data[20:]
    conn = sqlite3.connect(":memory:")
    try:
        try:
            conn.deserialize(data)
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{name} is corrupt or truncated: {exc}") from exc
        if not check(conn, name):
            raise StateError(f"{name} holds no faxage-sim state (an empty database)")
        return read_all(conn, name)
    finally:
        conn.close()


# --- the --state file ---------------------------------------------------------------------

class StateFileError(StateError):
    """The --state file cannot be used (read-only, locked, not a state...)."""


@dataclass
class StateFile:
    """The locked --state file. `conn` is read-only until `open_for_writing` (so a file that
    is refused is never touched: not even switched to WAL mode)."""

    path: Path
    conn: sqlite3.Connection
    lock_fd: int
    existed: bool  # it held a state when opened
    closed: bool = field(default=False)

    def open_for_writing(self) -> None:
        """The file was read and accepted: from now on it is written (WAL journal)."""
        shown = str(self.path)
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed transaction survives the process being killed
            # (only a power cut can lose the last ones).
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            self.close()
            raise StateFileError(f"--state {shown}: {exc}") from exc
        conn.isolation_level = "DEFERRED"  # transactions again (`with conn:`)
        self.conn = conn

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()
        with contextlib.suppress(OSError):
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
            os.close(self.lock_fd)


def open_state_file(path: str | os.PathLike[str]) -> StateFile:
    """Open (or create) FILE for --state, locked against a second server; check it holds a
    faxage-sim state, read-only (`StateFile.open_for_writing` makes it the live file once
    what it holds is accepted). Raises `StateFileError` with one line saying what is wrong."""
    target = Path(path)
    shown = str(target)
    if target.is_dir():
        raise StateFileError(f"--state {shown}: is a directory; give a file name")
    if target.exists() and not target.is_file():
        raise StateFileError(f"--state {shown}: not a regular file (a device, pipe or "
                             "socket cannot hold a state); give a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise StateFileError(f"--state {shown}: the directory {parent} does not exist")
    if target.exists() and not os.access(target, os.R_OK | os.W_OK):
        raise StateFileError(f"--state {shown}: the file is not writable (read-only); "
                             "give a file this user can write")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StateFileError(f"--state {shown}: the directory {parent} is read-only; SQLite "
                             "needs to write its journal next to the file")
    try:
        lock_fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        raise StateFileError(f"--state {shown}: cannot open: {exc.strerror}") from exc
    import stat

    if not stat.S_ISREG(os.fstat(lock_fd).st_mode):  # swapped for a device since the check
        os.close(lock_fd)
        raise StateFileError(f"--state {shown}: not a regular file; give a file name")
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(lock_fd)
        raise StateFileError(f"--state {shown}: another faxage-sim is using this file "
                             "(it is locked); stop it or give another file") from exc
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True,
                               check_same_thread=False)
        existed = check(conn, shown)
    except StateError as exc:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
        os.close(lock_fd)
        raise StateFileError(f"--state {exc}") from exc
    except sqlite3.Error as exc:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
        os.close(lock_fd)
        raise StateFileError(f"--state {shown}: {exc}") from exc
    return StateFile(target, conn, lock_fd, existed)
