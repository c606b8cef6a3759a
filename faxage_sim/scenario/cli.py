"""`faxage-sim scenario list|check|show|schema` and `serve --scenario NAME|PATH`.

Command-line flags given explicitly (`--clock`, `--speed`, `--start`, `--seed`) win over the
scenario's; the scenario fills in what the command line leaves open.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server.config import SimConfig
    from ..server.state import AppState
    from .model import Scenario


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scenario = commands.add_parser("scenario", help="list, check or show scenario files")
    actions = scenario.add_subparsers(dest="scenario_command", required=True)
    actions.add_parser("list", help="the shipped scenarios, one line each")
    check = actions.add_parser("check", help="check scenario files (exit 1 on problems)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or shipped names")
    show = actions.add_parser("show", help="print a shipped scenario (a start for your own)")
    show.add_argument("name")
    actions.add_parser("schema", help="print the JSON Schema of scenario files")


def run(args: argparse.Namespace) -> int:
    from . import shipped

    command = args.scenario_command
    if command == "list":
        found = shipped.shipped()
        width = max(len(s.name) for s in found)
        for entry in found:
            print(f"{entry.name:<{width}}  {entry.description()}")
        return 0
    if command == "show":
        item = shipped.find(args.name)
        if item is None:
            print(f"faxage-sim scenario show: {shipped.unknown(args.name)}", file=sys.stderr)
            return 2
        sys.stdout.write(item.text())
        return 0
    if command == "schema":
        sys.stdout.write(shipped.schema_text())
        return 0
    return _check(args.paths)


def _check(paths: list[str]) -> int:
    from .errors import ScenarioError
    from .loader import load

    failed = 0
    for path in paths:
        try:
            scenario = load(path)
        except ScenarioError as exc:
            failed += 1
            for issue in exc.issues:
                print(issue, file=sys.stderr)
            continue
        parts = [f"{len(scenario.rules)} rule(s)", f"{len(scenario.faults)} fault(s)",
                 f"{len(scenario.timeline)} timeline step(s)"]
        if scenario.accounts is not None:
            parts.insert(0, f"{len(scenario.accounts)} account(s)")
        print(f"ok: {path}: {', '.join(parts)}")
    return 1 if failed else 0


def startup_scenario(reference: str, config: SimConfig, args: argparse.Namespace) -> Scenario:
    """Load `--scenario` (exit 2 with every problem) and settle who decides the clock/seed."""
    from ..core.clock import ClockMode
    from .errors import ScenarioError
    from .loader import load
    from .model import ClockSpec

    try:
        scenario = load(reference)
    except ScenarioError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        raise SystemExit(2) from None
    clock = scenario.clock
    if args.clock is None and args.speed is None:
        if clock.mode is not None:
            config.clock = clock.mode
        if clock.speed is not None:
            config.speed = clock.speed
            if clock.mode is None:
                config.clock = ClockMode.SCALED
    if args.start is None and clock.start is not None:
        config.start = clock.start
    if args.seed is None and scenario.seed is not None:
        config.seed = scenario.seed
    # What the command line and the scenario settled is now in `config`.
    return dataclasses.replace(scenario, clock=ClockSpec(), seed=None)


def install(state: AppState, scenario: Scenario) -> str:
    """Apply the start-up scenario; the words for the ready line."""
    from ..control.options import login_words
    from .apply import apply_global

    state.startup_scenario = scenario
    apply_global(state, scenario)
    logins = []
    for account in state.sim.accounts.values():
        user = next(iter(account.users.values()), None)
        logins.append(login_words(state, user.username, account.company, user.password)
                      if user else account.company)
    return f"scenario {scenario.name}; accounts {', '.join(logins) or 'none'}"
