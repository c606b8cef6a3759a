"""faxage-sim as a CI service: the port file, `faxage-sim wait` and `faxage-sim journal`.

`serve --port-file PATH` removes PATH at start and writes the port (one line) only once the
emulator accepts connections, atomically, so a reader never sees a half-written file.
`faxage-sim wait` blocks until the port file exists and `GET /_sim/health` answers 200, prints
the base URL, and fails fast (exit 1) if the server process died or the timeout passed.
`faxage-sim journal URL` prints what the emulator saw, one line per request and callback, for
a CI log after a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

POLL_INTERVAL = 0.02  # real seconds between readiness checks
DEFAULT_TIMEOUT = 30.0


def remove_stale(path: str | os.PathLike[str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def write_port_file(path: str | os.PathLike[str], port: int) -> None:
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.write_text(f"{port}\n", encoding="ascii")
    os.replace(partial, target)


def read_port(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a dead child not yet reaped by its shell is a zombie: as good as gone
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def add_ci_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    wait = commands.add_parser(
        "wait", help="block until a faxage-sim is ready; print its URL",
        description="Wait until the emulator started with --port-file (or at --url) answers "
                    "GET /_sim/health, then print its base URL. Exit 1 on timeout or if "
                    "the --pid process has exited.")
    where = wait.add_mutually_exclusive_group(required=True)
    where.add_argument("--port-file", type=Path, help="the file given to serve --port-file")
    where.add_argument("--url", help="the base URL, when the port is fixed")
    wait.add_argument("--host", default="127.0.0.1", help="with --port-file (default 127.0.0.1)")
    wait.add_argument("--ca-bundle", type=Path, default=None,
                      help="the CA bundle of serve --tls: use https and verify against it")
    wait.add_argument("--pid", type=int, default=None,
                      help="the server's process id: stop waiting if it exits")
    wait.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                      help=f"real seconds (default {DEFAULT_TIMEOUT:g})")
    _token_argument(wait)

    journal = commands.add_parser(
        "journal", help="print the requests and callbacks a running faxage-sim saw",
        description="One line per request (password and file data elided) and per callback "
                    "delivery: for a CI log after a failed run.")
    journal.add_argument("url", help="the emulator's base URL (what `faxage-sim wait` printed)")
    journal.add_argument("--company", default=None, help="only this account")
    journal.add_argument("--ca-bundle", type=Path, default=None,
                         help="the CA bundle of serve --tls, to verify https")
    _token_argument(journal)


def _token_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--control-token", default=None, metavar="TOKEN",
                        help="the control token of a server bound to a non-loopback address "
                             "(default: env FAXAGE_SIM_CONTROL_TOKEN)")


def _control_headers(args: argparse.Namespace) -> dict[str, str]:
    from ..control.guard import client_headers

    return client_headers(getattr(args, "control_token", None))


def run_wait(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.timeout
    last = "nothing yet"
    while True:
        url, last = _candidate(args, last)
        if url is not None:
            ready, last = _healthy(url, args.ca_bundle, _control_headers(args), args.pid)
            if ready:
                print(url, flush=True)
                return 0
            if (args.ca_bundle is None and url.startswith("http://")
                    and "Error" in last and _speaks_tls(url)):
                print(f"faxage-sim wait: {url} speaks HTTPS; pass --ca-bundle PATH (the CA "
                      "bundle serve --tls printed or wrote with --ca-bundle)", file=sys.stderr)
                return 2
        if args.pid is not None and not process_alive(args.pid):
            print(f"faxage-sim wait: the server (pid {args.pid}) has exited; {last}",
                  file=sys.stderr)
            return 1
        if time.monotonic() >= deadline:
            print(f"faxage-sim wait: not ready after {args.timeout:g} s; {last}",
                  file=sys.stderr)
            return 1
        time.sleep(POLL_INTERVAL)


def _candidate(args: argparse.Namespace, last: str) -> tuple[str | None, str]:
    """The URL to check now, if there is one yet (and why not)."""
    if args.ca_bundle is not None and not args.ca_bundle.exists():
        return None, f"no CA bundle at {args.ca_bundle} yet"
    if args.url is not None:
        return args.url.rstrip("/"), last
    port = read_port(args.port_file)
    if port is None:
        return None, f"no port in {args.port_file} yet"
    scheme = "https" if args.ca_bundle is not None else "http"
    return f"{scheme}://{_host(args.host)}:{port}", last


def _healthy(url: str, ca_bundle: Path | None, headers: dict[str, str],
             pid: int | None = None) -> tuple[bool, str]:
    import ssl  # with httpx, imported only by the commands that talk to a server

    import httpx

    try:
        # A fresh client each time: the CA bundle is rewritten at every start.
        verify: ssl.SSLContext | bool = (
            True if ca_bundle is None else ssl.create_default_context(cafile=str(ca_bundle)))
        with httpx.Client(verify=verify, trust_env=False, timeout=2.0,
                          headers=headers) as client:
            response = client.get(url + "/_sim/health")
    except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
        return False, f"{url}: {type(exc).__name__}: {exc}"
    if response.status_code == 200:
        answered = _json(response).get("pid")
        if pid is not None and isinstance(answered, int) and answered != pid:
            return False, (f"{url} is a faxage-sim with pid {answered}, not {pid}: "
                           "the port file is from an earlier run")
        return True, "ready"
    return False, f"{url}/_sim/health answered HTTP {response.status_code}"


def _json(response: object) -> dict[str, object]:
    try:
        body = response.json()  # type: ignore[attr-defined]
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _speaks_tls(url: str) -> bool:
    """Does the server at this http:// URL answer a TLS handshake (it is a --tls server)?"""
    import socket
    import ssl
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only asking whether it speaks TLS at all
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=2.0) as raw, \
                context.wrap_socket(raw, server_hostname=parts.hostname):
            return True
    except (OSError, ssl.SSLError):
        return False


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def run_journal(args: argparse.Namespace) -> int:
    import ssl

    import httpx

    from ..harness.expectations import describe_delivery, describe_request

    if args.ca_bundle is not None and not args.ca_bundle.is_file():
        print(f"faxage-sim journal: no CA bundle at {args.ca_bundle}; give the file serve --tls "
              "printed or wrote with --ca-bundle", file=sys.stderr)
        return 2
    verify: ssl.SSLContext | bool = (
        True if args.ca_bundle is None else ssl.create_default_context(cafile=str(args.ca_bundle)))
    params = {} if args.company is None else {"company": args.company}
    base = args.url.rstrip("/")
    try:
        with httpx.Client(verify=verify, trust_env=False, timeout=10.0,
                          headers=_control_headers(args)) as client:
            requests = client.get(base + "/_sim/requests", params=params)
            callbacks = client.get(base + "/_sim/callbacks", params=params)
            requests.raise_for_status()
            callbacks.raise_for_status()
    except httpx.HTTPError as exc:
        if args.ca_bundle is None and base.startswith("http://") and _speaks_tls(base):
            print(f"faxage-sim journal: {base} speaks HTTPS; use https:// and pass --ca-bundle "
                  "PATH (the CA bundle serve --tls printed or wrote)", file=sys.stderr)
            return 2
        print(f"faxage-sim journal: cannot read {base}: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    try:
        entries, deliveries = requests.json()["requests"], callbacks.json()["callbacks"]
    except (ValueError, KeyError, TypeError):
        print(f"faxage-sim journal: {base} does not answer like a faxage-sim (its /_sim/requests "
              "is not the journal); check the URL (what faxage-sim wait printed)",
              file=sys.stderr)
        return 1
    print(f"faxage-sim journal of {base}: {len(entries)} request(s), "
          f"{len(deliveries)} callback(s)")
    for entry in entries:
        company = entry["company"] or entry["fields"].get("company") or "-"
        print(f"  [{company}] {describe_request(entry)}")
    for delivery in deliveries:
        print(f"  [{delivery['company']}] {describe_delivery(delivery)}")
    if requests.json().get("dropped"):
        print(f"  ({requests.json()['dropped']} older request(s) dropped past the journal limit)")
    return 0
