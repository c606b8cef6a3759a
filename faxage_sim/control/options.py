"""`faxage-sim serve`'s control-plane flags, and the ready line (docs/security.md).

Kept out of cli/commands.py so that the flags, their checks and the one line CI parses live
together.
Cheap to import: `serve` reaches its ready line through here.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from .guard import TOKEN_ENV, token_for

if TYPE_CHECKING:
    from ..server.config import SimConfig
    from ..server.state import AppState

PASSWORD_MASK = "********"


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--control-token", default=None, metavar="TOKEN",
                       help="require this token on /_sim/ (header X-Faxage-Sim-Token); "
                            "default: none on a loopback address, a fresh one (printed) on "
                            f"any other; env {TOKEN_ENV}")
    serve.add_argument("--no-control", action="store_true",
                       help="turn the /_sim/ control plane off (it answers 404)")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="also answer /_sim/ for this Host name (repeatable; loopback "
                            "names and the bound address always are)")
    serve.add_argument("--show-passwords", action="store_true",
                       help="show passwords in the ready line and GET /_sim/accounts "
                            "(masked by default)")


def configure(args: argparse.Namespace, config: SimConfig) -> None:
    """Put the flags into `config`; a generated token is printed (before the ready line)."""
    config.control = not args.no_control
    config.allowed_hosts = tuple(args.allow_host)
    config.show_passwords = args.show_passwords
    if not config.control:
        return
    given = args.control_token or os.environ.get(TOKEN_ENV) or None
    token, generated = token_for(config.host, given)
    config.control_token = token
    if generated:
        print(f"faxage-sim control token (bound to {config.host}, not loopback): {token} "
              f"(send header X-Faxage-Sim-Token, or set {TOKEN_ENV} for the CLI)",
              flush=True)


def login_words(state: AppState, username: str, company: str, password: str) -> str:
    """`user/company/password` for the ready line, the password masked unless shown."""
    shown = password if state.config.show_passwords else PASSWORD_MASK
    return f"{username}/{company}/{shown}"


IN_MEMORY = "state in memory, lost on stop"


def ready_line(version: str, url: str, state: AppState, who: str,
               stored: str | None = None) -> str:
    """The one line `serve` prints once it accepts connections. CI parses
    "listening on URL (clock MODE; ...)": keep that shape. `stored`: where --state keeps the
    state and what it restored (persist.cli.state_phrase); None: in memory only."""
    extras = [f"clock {state.config.clock.value}", who, stored or IN_MEMORY]
    if not state.config.control:
        extras.append("control plane off")
    elif state.config.control_token is not None:
        extras.append("control token required")
    return f"faxage-sim {version} listening on {url} ({'; '.join(extras)})"
