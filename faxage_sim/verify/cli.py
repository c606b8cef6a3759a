"""`faxage-sim verify`: the command line, the table, the JSON report, the exit code.

Exit codes: 0 every case run the same; 1 a case differs or could not run; 2 a usage error (or
a report file that is not one); 3 the URL could not be checked at all (no connection, a TLS
error, the login refused, nothing there speaks FAXAGE).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from . import DEFAULT_TIMEOUT

if TYPE_CHECKING:  # the runner (httpx, the cases) loads only when verify runs
    from .coverage import Coverage
    from .runner import Options, Result


EXIT_SAME, EXIT_DIFFERS, EXIT_USAGE, EXIT_CANNOT_CHECK = 0, 1, 2, 3
CELL = 34  # characters of a body shown in the table
SHOWN_BODY = 2000  # characters of a body shown under a difference (all of it: --report)
PASSWORD_ENV = "FAXAGE_PASSWORD"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify", help="check a FAXAGE URL (the live service, or an emulator) against this "
                       "emulator's answers",
        description="Replay the golden transcripts' cases against URL and compare each "
                    "answer by shape with this emulator's answer to the same request; name "
                    "each difference and list what the run did not observe. Safe for a real "
                    "account: only read-only and error cases, unless --allow-send. With "
                    "--replay REPORT, check a saved report instead, with no network. Exit 0: "
                    "every case run the same; 1: a difference; 2: a usage error or a bad "
                    "report file; 3: nothing could be compared.")
    verify.add_argument("--url", default=None,
                        help="the service's base URL, e.g. https://api.faxage.com")
    verify.add_argument("--username", default=None)
    verify.add_argument("--company", default=None, help="the company number")
    verify.add_argument("--password", default=os.environ.get(PASSWORD_ENV),
                        help=f"(or the {PASSWORD_ENV} environment variable, which keeps it "
                             "out of the process list)")
    verify.add_argument("--did", default=None, help="one of the account's fax numbers")
    verify.add_argument("--faxno", default=None,
                        help="your own fax number: the --allow-send cases fax it")
    verify.add_argument("--allow-send", action="store_true",
                        help="also send one fax to --faxno, stop it and clear it")
    verify.add_argument("--report", type=Path, default=None, metavar="FILE",
                        help="write every request (password masked) and the exact answers "
                             "as JSON: evidence to attach to an issue")
    verify.add_argument("--source", default=None, metavar="TEXT",
                        help="what the URL is, in your words, kept in the report (default: "
                             "the live FAXAGE service for *.faxage.com, else the URL)")
    verify.add_argument("--replay", type=Path, default=None, metavar="REPORT",
                        help="check a saved --report against this emulator, no network "
                             "(no --url or login needed)")
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
    if args.report is not None and not args.report.resolve().parent.is_dir():
        return f"--report {args.report}: the folder {args.report.resolve().parent} does not exist"
    if args.replay is not None:
        if args.url is not None or args.allow_send:
            return "--replay checks a saved report with no network: give no --url or " \
                   "--allow-send"
        return None
    if args.url is None:
        return "give the URL to check with --url (or a saved report with --replay)"
    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--url {args.url!r}: give an http:// or https:// URL"
    if args.company is None:
        return "--company: give the FAXAGE company number"
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
    return None


def main(args: argparse.Namespace) -> int:
    problem = usage_problem(args)
    if problem is not None:
        print(f"faxage-sim verify: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if args.replay is not None:
        return replay_main(args)
    from .coverage import coverage
    from .report import write_report
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
            write_report(args.report, options, [], time.monotonic() - began, str(exc),
                         args.source, None)
        return EXIT_CANNOT_CHECK
    if bar is not None:
        bar.clear()
    seconds = time.monotonic() - began
    covered = coverage(results)
    print_table(results, options, sys.stdout, covered, f"against {options.url}")
    if args.report is not None:
        write_report(args.report, options, results, seconds, None, args.source, covered)
        print(f"\nreport: {args.report}")
    print(f"\n{verdict_line(results, covered)}")
    bad = [r for r in results if r.verdict in ("differs", "could not run")]
    return EXIT_DIFFERS if bad else EXIT_SAME


def replay_main(args: argparse.Namespace) -> int:
    from ..server.version import VERSION as __version__
    from .coverage import coverage
    from .replay import replay, replay_options
    from .report import ReportProblem, load_report, write_report

    assert args.replay is not None
    try:
        report = load_report(args.replay)
    except ReportProblem as exc:
        print(f"faxage-sim verify: --replay {args.replay}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not report.cases:
        print(f"faxage-sim verify: --replay {args.replay}: no case recorded (the run could "
              "not check its URL): nothing to compare", file=sys.stderr)
        return EXIT_CANNOT_CHECK
    options = replay_options(report)
    began = time.monotonic()
    results = replay(report)
    covered = coverage(results)
    print(f"replaying {args.replay}: {report.source or report.url}, recorded by "
          f"{report.tool or 'faxage-sim verify'}; compared with faxage-sim {__version__}, "
          "no network\n")
    print_table(results, options, sys.stdout, covered, f"recorded from {report.url}")
    if args.report is not None:
        write_report(args.report, options, results, time.monotonic() - began, None,
                     report.source, covered)
        print(f"\nreport: {args.report}")
    print(f"\n{verdict_line(results, covered)}")
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


def cell(text: str | None) -> str:
    if text is None:
        return "-"
    shown = repr(text)[1:-1]
    return shown if len(shown) <= CELL else shown[:CELL - 3] + "..."


def print_table(results: list[Result], options: Options, out: TextIO, covered: Coverage,
                where: str) -> None:
    from .report import masked

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
              + f" ({where})\n")
    for r in results:
        if r.verdict != "differs" or r.got is None:
            continue
        out.write(f"\n--- {r.case.name}: {r.detail}\n")
        out.write(f"request: {r.case.path} "
                  f"{' '.join(f'{k}={v}' for k, v in r.request['form'])}\n")
        out.write(f"rules: {r.case.rules.describe()}\n")
        if r.case.decisions:
            out.write(f"decisions it touches: {', '.join(r.case.decisions)} "
                      "(docs/protocol.md#decisions)\n")
        for difference in r.differences:
            out.write(f"  {masked(difference.line(), options)}\n")
        for answer in r.expected:
            out.write(f"expected: HTTP {answer.status} {answer.content_type}\n"
                      f"  {_shown_body(masked(answer.body, options))}\n")
        out.write(f"got:      HTTP {r.got.status} {r.got.content_type}\n"
                  f"  {_shown_body(masked(r.got.body, options))}\n")
    lines = covered.lines()
    if lines:
        out.write("\n" + "\n".join(lines) + "\n")


def verdict_line(results: list[Result], covered: Coverage) -> str:
    """The last line: never a bare "all same" when something was not observed."""
    bad = [r for r in results if r.verdict in ("differs", "could not run")]
    same = sum(1 for r in results if r.verdict == "same")
    if bad:
        differ = sum(1 for r in bad if r.verdict == "differs")
        return (f"Result: {differ} case(s) differ and {len(bad) - differ} could not run, of "
                f"{len(results)}; each is named above.")
    if covered.unobserved_cases:
        return (f"Result: no difference in the {same} cases compared, but this was not a "
                f"full check: {len(covered.unobserved_cases)} wire detail(s) listed above "
                "were not observed.")
    return (f"Result: no difference in any of the {same} cases; the decisions listed above "
            "are ones no run of verify observes.")


def _shown_body(body: str) -> str:
    if len(body) <= SHOWN_BODY:
        return repr(body)
    return f"{body[:SHOWN_BODY]!r}... ({len(body)} characters in all: see --report)"


def _summary(answer: Any) -> str:
    prefix = "" if answer.status == 200 else f"HTTP {answer.status} "
    return prefix + str(answer.body)
