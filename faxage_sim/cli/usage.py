"""Usage mistakes on the command line: one clear line with the next step, exit code 2.

`CliParser` is the parser class of `faxage-sim` and, through argparse's `parser_class`, of every
subcommand, so each flag and subcommand added anywhere gets the same treatment: a misspelt flag
or command is answered with "did you mean", an unknown flag with the usage of the subcommand it
was given to (not the top-level one), and a type function's name never shows.
`run_cleanly` ends a command quietly on Ctrl-C or a closed pipe (`| head -1`).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TypeVar

INVALID_CHOICE = re.compile(r"argument (?P<arg>[^:]+): invalid choice: '(?P<given>[^']*)' "
                            r"\(choose from (?P<choices>.*)\)")
UNRECOGNIZED = "unrecognized arguments: "
INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C
T = TypeVar("T")


class CliParser(argparse.ArgumentParser):
    def parse_known_args(  # type: ignore[override]
            self, args: Sequence[str] | None = None,
            namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        if not self._has_subcommands():
            # An unknown flag first: it is the likely cause of any other complaint.
            unknown = self._unknown_flags(list(sys.argv[1:] if args is None else args))
            if unknown:
                self.error(UNRECOGNIZED + " ".join(unknown))
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and not self._has_subcommands():
            # A subcommand's leftovers: complain with the subcommand's own usage.
            self.error(UNRECOGNIZED + " ".join(extras))
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {self.explain(message)}\n")

    def explain(self, message: str) -> str:
        """argparse's message, with the likely fix and where to look."""
        see = f"{self.prog} --help"
        if message.startswith(UNRECOGNIZED):
            return self._unrecognized(message.removeprefix(UNRECOGNIZED).split(), see)
        choice = INVALID_CHOICE.fullmatch(message)
        if choice:
            choices = re.findall(r"'([^']*)'", choice["choices"])
            what = "command" if choice["arg"] in ("command", "scenario_command") else choice["arg"]
            return (f"unknown {what} {choice['given']!r}{_suggest(choice['given'], choices)}; "
                    f"choose from {', '.join(choices)}")
        if message.startswith("argument "):  # a value's own message says what to give
            return message
        if message.startswith("the following arguments are required: "):
            return f"{message}; {see} shows how"
        return f"{message} ({see})"

    def _unrecognized(self, extras: list[str], see: str) -> str:
        flag = next((e for e in extras if e.startswith("-")), None)
        if flag is None:
            return f"unexpected argument {extras[0]!r}; {see} shows the usage"
        name = flag.split("=", 1)[0]
        flags = [f for f in self._option_string_actions if f.startswith("--")]
        return f"unknown option {name}{_suggest(name, flags)}; {see} lists the options"

    def _unknown_flags(self, args: list[str]) -> list[str]:
        known = self._option_string_actions
        unknown = []
        for arg in args:
            if arg == "--":
                break
            name = arg.split("=", 1)[0]
            if arg.startswith("--") and name not in known and not any(
                    flag.startswith(name) for flag in known):  # argparse takes prefixes
                unknown.append(name)
        return unknown

    def _has_subcommands(self) -> bool:
        return any(isinstance(a, argparse._SubParsersAction) for a in self._actions)


def _suggest(given: str, known: Sequence[str]) -> str:
    import difflib  # only when a word is wrong

    close = difflib.get_close_matches(given, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def file_in_existing_folder(text: str) -> Path:
    """An argparse type: a file to write, in a folder that exists (it is never created)."""
    path = Path(text)
    folder = path.parent
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file path in it")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(
            f"the folder {folder} does not exist; create it first (mkdir -p {folder})")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write into the folder {folder}; choose another")
    return path


def run_cleanly(command: Callable[[], int]) -> int:
    """Run a command; Ctrl-C exits 130 with one line and a closed pipe exits quietly."""
    try:
        status = command()
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        print("faxage-sim: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head -1`): silence the flush at exit too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def number(kind: Callable[[str], T], what: str) -> Callable[[str], T]:
    """Wrap int/float so a bad value says what was expected, not a function's name."""
    def convert(text: str) -> T:
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    convert.__name__ = what
    return convert
