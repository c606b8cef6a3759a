"""`faxage-sim verify`: the command line, the table, the JSON report, the exit code.

Exit codes: 0 every case the same; 1 a case differs or could not run; 2 a usage error;
3 the URL could not be checked at all (no answer, TLS error, not FAXAGE, login refused).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from . import DEFAULT_TIMEOUT

if TYPE_CHECKING:  # the runner (httpx, the cases) loads only when verify runs
    from .runner import Options, Result


EXIT_SAME, EXIT_DIFFERS, EXIT_USAGE, EXIT_CANNOT_CHECK = 0, 1, 2, 3
CELL = 34  # characters of a body shown in the table
PASSWORD_ENV = "FAXAGE_PASSWORD"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify", help="check a FAXAGE URL (the live service, or an emulator) against this "
                       "emulator's answers",
        description="Replay the golden transcripts' cases against URL and compare each "
                    "answer by shape with this emulator's answer to the same request. Safe "
                    "for a real account: only read-only and error cases, unless "
                    "--allow-send. Exit 0: all the same; 1: a difference; 3: the URL could "
                    "not be checked.")
    verify.add_argument("--url", required=True,
                        help="the service's base URL, e.g. https://api.faxage.com")
    verify.add_argument("--username", required=True)
    verify.add_argument("--company", required=True, help="the company number")
    verify.add_argument("--password", default=os.environ.get(PASSWORD_ENV),
                        help=f"(or the {PASSWORD_ENV} environment variable, which keeps it "
                             "out of the process list)")
    verify.add_argument("--did", default=None, help="one of the account's fax numbers")
    verify.add_argument("--faxno", default=None,
                        help="your own fax number: the --allow-send cases fax it")
    verify.add_argument("--allow-send", action="store_true",
                        help="also send one fax to --faxno, stop it and clear it")
    verify.add_argument("--report", type=Path, default=None, metavar="FILE",
                        help="write the results as JSON (attach it to a bug report)")
    verify.add_argument("--interval", type=float, default=None, metavar="SECONDS",
                        help="real seconds between requests (default 1 for a non-local "
                             "URL, 0 for localhost)")
    verify.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"per request (default {DEFAULT_TIMEOUT:g})")
    verify.add_argument("--ca-bundle", default=None, metavar="PATH",
                        help="verify https against this CA bundle (serve --tls)")
    verify.add_argument("--no-progress", action="store_true", help="no progress bar")
    verify.set_defaults(handler=main)


def usage_problem(args: argparse.Namespace) -> str | None:
    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--url {args.url!r}: give an http:// or https:// URL"
    if not re.fullmatch(r"[0-9]{1,12}", args.company):
        return f"--company {args.company!r}: the FAXAGE company number (digits)"
    if args.did is not None and not re.fullmatch(r"[0-9]{10}", args.did):
        return f"--did {args.did!r}: a 10-digit number"
    if args.faxno is not None and not re.fullmatch(r"[0-9]{10}", args.faxno):
        return f"--faxno {args.faxno!r}: a 10-digit number"
    if args.allow_send and args.faxno is None:
        return "--allow-send faxes your own number: give it with --faxno"
    if args.interval is not None and args.interval < 0:
        return "--interval: a number of seconds >= 0"
    if args.timeout <= 0:
        return "--timeout: a number of seconds > 0"
    if args.password is None:
        return f"give the password with --password or the {PASSWORD_ENV} environment variable"
    if not args.username:
        return "--username: give the login name"
    if args.report is not None and not args.report.resolve().parent.is_dir():
        return f"--report {args.report}: the folder {args.report.resolve().parent} does not exist"
    return None


def main(args: argparse.Namespace) -> int:
    problem = usage_problem(args)
    if problem is not None:
        print(f"faxage-sim verify: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from .runner import CannotCheck, Options, run

    options = Options(args.url, args.username, args.company, args.password, args.did,
                      args.faxno, args.allow_send, args.interval, args.timeout, args.ca_bundle)
    bar = None if args.no_progress or not sys.stderr.isatty() else ProgressBar(sys.stderr)
    began = time.monotonic()
    try:
        results = run(options, bar)
    except CannotCheck as exc:
        if bar is not None:
            bar.clear()
        print(f"faxage-sim verify: could not check {args.url}: {exc}", file=sys.stderr)
        if args.report is not None:
            write_report(args.report, options, [], time.monotonic() - began, str(exc))
        return EXIT_CANNOT_CHECK
    if bar is not None:
        bar.clear()
    seconds = time.monotonic() - began
    print_table(results, options, sys.stdout)
    if args.report is not None:
        write_report(args.report, options, results, seconds, None)
        print(f"report: {args.report}")
    bad = [r for r in results if r.verdict in ("differs", "could not run")]
    return EXIT_DIFFERS if bad else EXIT_SAME


class ProgressBar:
    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width = stream, width

    def __call__(self, done: int, total: int, name: str) -> None:
        filled = self.width * done // max(total, 1)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {name}"
        self.stream.write("\r" + line[:100].ljust(100))
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r" + " " * 100 + "\r")
        self.stream.flush()


# --- output ------------------------------------------------------------------------------


def masked(text: str, options: Options) -> str:
    """The password never appears in the output, even where a service echoes it (a short
    one that is also the login name or company cannot be told apart, and stays)."""
    secret = options.password
    if len(secret) >= 6 and secret not in (options.username, options.company):
        return text.replace(secret, "********")
    return text


def cell(text: str | None) -> str:
    if text is None:
        return "-"
    shown = repr(text)[1:-1]
    return shown if len(shown) <= CELL else shown[:CELL - 3] + "..."


def print_table(results: list[Result], options: Options, out: TextIO) -> None:
    rows = [("case", "request", "expected", "got", "verdict")]
    for r in results:
        request = f"{r.case.path} {r.case.operation}"
        expected = r.expected[-1] if r.expected else None
        if r.got is not None and r.got_shape is not None and r.expected_shapes:
            # show the reference answer of the same kind (list or empty) as what came back
            same_kind = [a for a, s in zip(r.expected, r.expected_shapes, strict=True)
                         if bool(s.body) == bool(r.got_shape.body)]
            expected = same_kind[0] if same_kind else expected
        rows.append((r.case.name, request,
                     cell(masked(_summary(expected), options)) if expected else "-",
                     cell(masked(_summary(r.got), options)) if r.got else "-",
                     r.verdict + (f" ({r.detail})" if r.detail else "")))
    widths = [min(max(len(row[i]) for row in rows), 48) for i in range(4)]
    for row in rows:
        out.write("  ".join(c[:w].ljust(w) for c, w in zip(row, widths, strict=False))
                  + "  " + row[4] + "\n")
    counts = {v: sum(1 for r in results if r.verdict == v)
              for v in ("same", "differs", "could not run", "skipped")}
    out.write(f"\n{len(results)} cases: " + ", ".join(f"{n} {v}" for v, n in counts.items())
              + f" (against {options.url})\n")
    for r in results:
        if r.verdict != "differs" or r.got is None:
            continue
        out.write(f"\n--- {r.case.name}: {r.detail}\n")
        out.write(f"request: {r.case.path} "
                  f"{' '.join(f'{k}={v}' for k, v in r.request['form'])}\n")
        out.write(f"rules: {r.case.rules.describe()}\n")
        for answer in r.expected:
            out.write(f"expected: HTTP {answer.status} {answer.content_type}\n"
                      f"  {masked(answer.body, options)!r}\n")
        out.write(f"got:      HTTP {r.got.status} {r.got.content_type}\n"
                  f"  {masked(r.got.body, options)!r}\n")


def _summary(answer: Any) -> str:
    prefix = "" if answer.status == 200 else f"HTTP {answer.status} "
    return prefix + str(answer.body)


def write_report(path: Path, options: Options, results: list[Result], seconds: float,
                 cannot_check: str | None) -> None:
    from ..server.version import VERSION as __version__

    report = {
        "tool": f"faxage-sim {__version__} verify",
        "url": options.url, "local": _is_local(options.url),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3), "allow_send": options.allow_send,
        "could_not_check": cannot_check,
        "summary": {v: sum(1 for r in results if r.verdict == v)
                    for v in ("same", "differs", "could not run", "skipped")},
        "cases": [{
            "case": r.case.name, "transcript": r.case.transcript, "step": r.case.step,
            "decisions": list(r.case.decisions), "request": r.request,
            "rules": r.case.rules.describe(), "verdict": r.verdict, "detail": r.detail,
            "expected": [_masked_json(a.as_json(), options) for a in r.expected],
            "got": None if r.got is None else _masked_json(r.got.as_json(), options),
        } for r in results],
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _masked_json(data: dict[str, object], options: Options) -> dict[str, object]:
    return {k: masked(v, options) if isinstance(v, str) else v for k, v in data.items()}


def _is_local(url: str) -> bool:
    from .runner import is_local

    return is_local(url)
