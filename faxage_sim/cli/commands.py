"""The `faxage-sim` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from ..core.clock import ClockMode
from ..core.outbox import DEFAULT_SENDER
from ..server import collector
from ..server.config import (
    DEFAULT_FETCH_MAX_BYTES,
    DEFAULT_FETCH_TIMEOUT,
    DEFAULT_JOURNAL_LIMIT,
    DEFAULT_MAX_BODY,
    SimConfig,
)
from ..server.version import VERSION as __version__
from .usage import CliParser, file_in_existing_folder, number, run_cleanly

if TYPE_CHECKING:
    from ..server.tls import TlsFiles


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _port(text: str) -> int:
    value = _whole_number(text) if text.strip().isdigit() else -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"expected a port number from 0 (any free port) to 65535, got {text!r}")
    return value


_whole_number = number(int, "a whole number")


def _speed(text: str) -> float:
    value = number(float, "a positive number")(text)
    if not 0 < value < float("inf"):  # NaN fails both
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _start(text: str) -> float:
    """What a scenario's `clock.start` accepts: ISO 8601, with an offset or UTC without."""
    from ..core.timeref import parse_datetime

    value = parse_datetime(text)
    if value is None:
        raise argparse.ArgumentTypeError(
            f"expected a date-time such as 2026-01-05T09:00:00-07:00 or '2026-01-05 16:00:00' "
            f"(UTC when no offset is given), got {text!r}")
    return value


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only="serve"`, just what `faxage-sim serve ...` parses
    (the same serve parser, without building the other commands': start-up)."""
    parser: argparse.ArgumentParser = CliParser(
        prog="faxage-sim", description="A local, protocol-faithful FAXAGE API emulator.")
    parser.add_argument("--version", action="version", version=f"faxage-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the emulator")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=_port, default=8080, help="0 picks a free port")
    serve.add_argument("--clock", choices=[m.value for m in ClockMode], default=None,
                       help="realtime (default), scaled (with --speed) or manual")
    serve.add_argument("--speed", type=_speed, default=None,
                       help="simulated seconds per real second (implies --clock scaled)")
    serve.add_argument("--start", type=_start, default=None,
                       help="simulated start time, ISO 8601 (an offset, or UTC without one; "
                            "default: now; manual: 2026-01-05 16:00 UTC)")
    serve.add_argument("--seed", type=_whole_number, default=None,
                       help="seed for generated data and fault draws (default 0)")
    serve.add_argument("--scenario", metavar="NAME|PATH", default=None,
                       help="start with a scenario: a shipped name (faxage-sim scenario list) "
                            "or a YAML file")
    serve.add_argument("--journal-limit", type=_positive_int, default=DEFAULT_JOURNAL_LIMIT,
                       metavar="N", help="requests kept in the journal; older ones are "
                                         f"dropped and counted (default {DEFAULT_JOURNAL_LIMIT})")
    serve.add_argument("--max-body", type=_positive_int, default=DEFAULT_MAX_BODY,
                       metavar="BYTES", help="largest POST body accepted (default 64 MiB)")
    serve.add_argument("--log-format", choices=["text", "json"], default="text",
                       help="console lines for people (text) or machines (json)")
    serve.add_argument("--quiet", action="store_true", help="no per-event console lines")
    serve.add_argument("--smtp", type=_host_port, default=None, metavar="HOST:PORT",
                       help="send em_notify emails through this SMTP relay (default: kept in "
                            "the outbox only, GET /_sim/emails)")
    serve.add_argument("--smtp-from", default=DEFAULT_SENDER, metavar="ADDRESS",
                       help=f"From: of em_notify emails (default {DEFAULT_SENDER!r})")
    serve.add_argument("--no-fetch", action="store_true",
                       help="URL mode without network: every URL is a one-page HTML document")
    serve.add_argument("--fetch-timeout", type=_speed, default=DEFAULT_FETCH_TIMEOUT,
                       metavar="SECONDS", help="URL mode: give up on a URL after this long "
                                               f"(default {DEFAULT_FETCH_TIMEOUT:g})")
    serve.add_argument("--fetch-max-bytes", type=_positive_int,
                       default=DEFAULT_FETCH_MAX_BYTES, metavar="BYTES",
                       help="URL mode: largest document fetched (default 32 MiB)")
    serve.add_argument("--no-ui", action="store_true",
                       help="no web dashboard (default: served at /_sim/ui/)")
    serve.add_argument("--port-file", metavar="PATH", default=None,
                       type=file_in_existing_folder,
                       help="write the port here once ready (for --port 0 in CI)")
    serve.add_argument("--tls", action="store_true",
                       help="serve HTTPS with a fresh local CA (needs the tls extra)")
    serve.add_argument("--ca-bundle", metavar="PATH", default=None,
                       type=file_in_existing_folder,
                       help="with --tls: write the CA certificate here (default: a temp dir)")
    from ..control.options import add_serve_arguments
    from ..persist.cli import add_snapshot_parsers, add_state_argument

    add_serve_arguments(serve)
    add_state_argument(serve)
    if only == "serve":
        return parser
    from ..scenario.cli import add_parsers as add_scenario_parsers
    from ..verify.cli import add_parser as add_verify_parser
    from .ci import add_ci_parsers

    add_ci_parsers(commands)
    add_scenario_parsers(commands)
    add_snapshot_parsers(commands)
    add_verify_parser(commands)  # its own module; sets args.handler
    return parser


def config_from(args: argparse.Namespace) -> SimConfig:
    if args.clock is None:
        mode = ClockMode.SCALED if args.speed is not None else ClockMode.REALTIME
    else:
        mode = ClockMode(args.clock)
    if args.speed is not None and mode is not ClockMode.SCALED:
        usage_error(f"--speed needs --clock scaled, not --clock {mode.value}")
    if mode is ClockMode.SCALED and args.speed is None:
        usage_error("--clock scaled needs --speed N (simulated seconds per real second, "
                    "e.g. --speed 60)")
    return SimConfig(host=args.host, port=args.port, clock=mode,
                     speed=args.speed if args.speed is not None else 1.0, start=args.start,
                     seed=args.seed if args.seed is not None else 0, max_body=args.max_body,
                     journal_limit=args.journal_limit, log_format=args.log_format,
                     log_requests=not args.quiet, smtp=args.smtp, smtp_from=args.smtp_from,
                     fetch=not args.no_fetch, fetch_timeout=args.fetch_timeout,
                     fetch_max_bytes=args.fetch_max_bytes, ui=not args.no_ui)


def _host_port(text: str) -> tuple[str, int]:
    from ..notify.email import parse_host_port

    try:
        return parse_host_port(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def usage_error(message: str, command: str = "serve") -> NoReturn:
    print(f"faxage-sim {command}: {message}", file=sys.stderr)
    raise SystemExit(2)


def run_serve(args: argparse.Namespace) -> int:
    if args.port_file:
        from .ci import remove_stale

        remove_stale(args.port_file)  # first of all: its presence must mean "ready"
    if args.ca_bundle and not args.tls:
        usage_error("--ca-bundle needs --tls")
    from ..control.options import configure, login_words, ready_line

    config = config_from(args)
    scenario = None
    if args.scenario is not None:
        from ..scenario.cli import startup_scenario

        scenario = startup_scenario(args.scenario, config, args)
    from ..server.app import create_app
    from ..server.console import ConsoleLog
    from ..server.runner import base_url, bind_socket, serve
    from .ci import remove_stale, write_port_file

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    from ..persist.cli import attach_for_serve, open_for_serve, state_phrase

    loaded = open_for_serve(args.state)  # exits 2 with one line if the file cannot be used
    try:
        sock = bind_socket(config.host, config.port)
    except OSError as exc:
        print(f"faxage-sim: cannot listen on {config.host}:{config.port}: {exc.strerror}",
              file=sys.stderr)
        return 2
    config.port = sock.getsockname()[1]
    configure(args, config)
    tls = start_tls(args.ca_bundle) if args.tls else None
    console = None if args.quiet else ConsoleLog(config.log_format)
    app = create_app(config, console=console)
    url = base_url(sock, "https" if tls else "http")
    who = "account " + login_words(app.state.faxage, "demo", "1000", "demo")
    if attach_for_serve(app.state.faxage, loaded):
        who = "the saved state"
        scenario = None  # a restored state wins over the start-up scenario
    if scenario is not None:
        from ..scenario.cli import install

        who = install(app.state.faxage, scenario)

    def ready() -> None:
        if tls is not None:  # after the ready line: the first line with a URL is the ready line
            print(ca_bundle_line(tls), flush=True)
        if config.ui and config.control:
            # With a control token, the link carries it once; the page then keeps a cookie.
            token = f"?token={config.control_token}" if config.control_token else ""
            print(f"faxage-sim dashboard: {url}/_sim/ui/{token}", flush=True)
        if args.port_file:
            write_port_file(args.port_file, config.port)

    try:
        serve(app, sock, ready_line(__version__, url, app.state.faxage, who,
                                    stored=state_phrase(loaded)),
              on_ready=ready, **(tls.uvicorn_options() if tls else {}))
    finally:
        if args.port_file:
            remove_stale(args.port_file)  # no longer listening
        if tls is not None:
            tls.cleanup()
    return 0


def start_tls(ca_bundle: str | None) -> TlsFiles:
    from ..server.tls import TlsUnavailable, make_tls

    try:
        tls = make_tls(ca_bundle)
    except TlsUnavailable as exc:
        raise SystemExit(f"faxage-sim: {exc}") from exc
    return tls


def ca_bundle_line(tls: TlsFiles) -> str:
    return f"faxage-sim CA bundle (verify https:// against it): {tls.ca_bundle}"


def main(argv: Sequence[str] | None = None) -> int:
    return run_cleanly(lambda: _run(argv))


def _run(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(only=words[0] if words else None).parse_args(argv)
    if getattr(args, "handler", None) is not None:
        collector.release()
        return int(args.handler(args))
    if args.command == "serve":
        return run_serve(args)  # the collector comes back at the ready line
    collector.release()
    if args.command == "scenario":
        from ..scenario.cli import run as run_scenario

        return run_scenario(args)
    if args.command == "snapshot":
        from ..persist.cli import run_snapshot

        return run_snapshot(args)
    if args.command in ("wait", "journal"):
        from .ci import run_journal, run_wait

        return run_wait(args) if args.command == "wait" else run_journal(args)
    return 2
