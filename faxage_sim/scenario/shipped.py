"""The scenarios shipped in the package (`faxage_sim/scenarios/*.yaml`) and their schema.

They are package data, so `--scenario NAME` finds them after a normal `pip install` as well as
in a checkout; the repository's `scenarios/README.md` points here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

SUFFIXES = (".yaml", ".yml")
SCHEMA_FILE = "scenario.schema.json"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def directory() -> Traversable:
    return resources.files("faxage_sim").joinpath("scenarios")


@dataclass(frozen=True)
class ShippedScenario:
    name: str
    file: Traversable

    @property
    def location(self) -> str:
        return f"faxage_sim/scenarios/{self.file.name}"

    def text(self) -> str:
        return self.file.read_text(encoding="utf-8")

    def description(self) -> str:
        """The `description:` line, read without YAML (listing stays quick)."""
        for line in self.text().splitlines():
            if line.startswith("description:"):
                value = line.split(":", 1)[1].strip()
                return value.strip("\"'")
        return ""


def shipped() -> list[ShippedScenario]:
    found = [ShippedScenario(f.name.rsplit(".", 1)[0], f) for f in directory().iterdir()
             if f.name.endswith(SUFFIXES)]
    return sorted(found, key=lambda s: s.name)


def find(name: str) -> ShippedScenario | None:
    if not NAME.match(name):
        return None
    return next((s for s in shipped() if s.name == name), None)


def did_you_mean(name: str) -> str:
    """' (did you mean "busy-then-success"?)' for a near miss of a shipped name, else ''."""
    import difflib

    names = [s.name for s in shipped()]
    starting = [n for n in names if n.startswith(name.strip())]  # "flaky": "flaky-gateway"
    close = starting if len(starting) == 1 else difflib.get_close_matches(
        name.strip(), names, n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def unknown(name: str) -> str:
    """The one line for a name that is no shipped scenario, with the next step."""
    hint = did_you_mean(name)
    if hint:
        return f'no shipped scenario "{name}"{hint}'
    return (f'no shipped scenario "{name}" (faxage-sim scenario list, or GET /_sim/scenarios, '
            "shows them)")


def looks_like_a_name(text: str) -> bool:
    """Text meant as a shipped scenario's name rather than YAML (one word, no fields)."""
    return NAME.match(text.strip()) is not None


def schema_text() -> str:
    return directory().joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
