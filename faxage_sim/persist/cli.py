"""The command line of persistence: `serve --state FILE` and `faxage-sim snapshot save|load`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server.state import AppState
    from .api import LoadedState

TOKEN_ENV = "FAXAGE_SIM_CONTROL_TOKEN"
TOKEN_HEADER = "X-Faxage-Sim-Token"


def add_state_argument(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--state", metavar="FILE", default=None,
                       help="keep the state in this SQLite file: loaded at start if it "
                            "exists, saved while running (within 1 s) and at stop")


def open_for_serve(path: str | None) -> LoadedState | None:
    """Before binding: open, lock and read the --state file, or exit 2 with one line."""
    if path is None:
        return None
    from .api import StateFileError, open_state

    try:
        return open_state(path)
    except StateFileError as exc:
        print(f"faxage-sim: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def attach_for_serve(state: AppState, loaded: LoadedState | None) -> bool:
    """Install the loaded state and start saving; True when a saved state was restored."""
    if loaded is None:
        return False
    from .api import attach

    attach(state, loaded)
    return loaded.decoded is not None


def state_phrase(loaded: LoadedState | None) -> str | None:
    """The ready line's words about the state (None without --state)."""
    if loaded is None:
        return None
    where = str(loaded.file.path)
    if loaded.decoded is None:
        return f"state saved to {where} (new file)"
    s = loaded.decoded.summary()
    return (f"state saved to {where}; restored {s['accounts']} account(s), {s['jobs']} job(s), "
            f"{s['faxes']} fax(es), {s['calls']} call record(s)")


# --- faxage-sim snapshot save|load URL FILE ------------------------------------------------

def add_snapshot_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    snapshot = commands.add_parser(
        "snapshot", help="save a running faxage-sim's whole state to a file, or load one",
        description="The file is an SQLite database (the schema of serve --state). It holds "
                    "every account's password: keep it like one.")
    actions = snapshot.add_subparsers(dest="snapshot_command", required=True)
    for name, text in (("save", "download the state of the faxage-sim at URL into FILE"),
                       ("load", "replace the state of the faxage-sim at URL with FILE")):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument("url", help="the emulator's base URL")
        action.add_argument("file", type=Path, help="the snapshot file")
        action.add_argument("--ca-bundle", type=Path, default=None,
                            help="the CA bundle of serve --tls, to verify https")
        action.add_argument("--control-token", default=os.environ.get(TOKEN_ENV),
                            help=f"the control token, if the server wants one (env {TOKEN_ENV})")


def run_snapshot(args: argparse.Namespace) -> int:
    import ssl

    import httpx

    verify: ssl.SSLContext | bool = (
        True if args.ca_bundle is None else ssl.create_default_context(cafile=str(args.ca_bundle)))
    headers = {TOKEN_HEADER: args.control_token} if args.control_token else {}
    url = args.url.rstrip("/") + "/_sim/snapshot"
    command = f"faxage-sim snapshot {args.snapshot_command}"
    body = b""
    if args.snapshot_command == "load":
        from .files import MAX_SNAPSHOT_FILE_BYTES, FileRefused, read_capped

        try:
            body = read_capped(args.file, MAX_SNAPSHOT_FILE_BYTES)
        except FileRefused as exc:
            print(f"{command}: {exc}", file=sys.stderr)
            return 2
    try:
        with httpx.Client(verify=verify, trust_env=False, timeout=300.0,
                          headers=headers) as client:
            if args.snapshot_command == "save":
                response = client.get(url)
            else:
                response = client.put(url, content=body,
                                      headers={"Content-Type": "application/octet-stream"})
    except httpx.HTTPError as exc:
        print(f"{command}: cannot reach {args.url}: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    if response.status_code != 200:
        try:
            why = response.json().get("error", response.text)
        except ValueError:
            why = response.text.strip()[:200]
        print(f"{command}: HTTP {response.status_code}: {why}", file=sys.stderr)
        return 2 if response.status_code == 400 else 1
    if args.snapshot_command == "save":
        problem = _not_a_snapshot(response.content, args.url)
        if problem is not None:
            print(f"{command}: {problem}; nothing was written to {args.file}",
                  file=sys.stderr)
            return 2
        partial = args.file.with_name(f".{args.file.name}.{os.getpid()}.partial")
        try:
            partial.write_bytes(response.content)
            os.replace(partial, args.file)  # never a half-written snapshot
        except OSError as exc:
            print(f"{command}: cannot write {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
        print(f"saved the state of {args.url} to {args.file} ({len(response.content)} bytes)")
    else:
        s = response.json()
        print(f"loaded {args.file} into {args.url}: {s['accounts']} account(s), "
              f"{s['jobs']} job(s), {s['faxes']} fax(es), {s['calls']} call record(s)")
    return 0


def _not_a_snapshot(data: bytes, url: str) -> str | None:
    """Why a download is not a faxage-sim snapshot (None: it is one, read whole)."""
    from .api import StateError
    from .store import from_bytes

    try:
        from_bytes(data, f"what {url} answered")
    except StateError as exc:
        return str(exc)
    return None
