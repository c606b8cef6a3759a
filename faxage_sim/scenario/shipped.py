"""The shipped scenarios (`scenarios/*.yaml` at the top of the repository) and their schema.

The wheel maps that folder into the package as `faxage_sim.scenarios` (pyproject.toml), so
`--scenario NAME` finds them after a normal `pip install`; in a checkout that is not
installed they are read from the folder itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

SUFFIXES = (".yaml", ".yml")
SCHEMA_FILE = "scenario.schema.json"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


CHECKOUT = Path(__file__).resolve().parents[2] / "scenarios"


def directory() -> Traversable:
    if (CHECKOUT / SCHEMA_FILE).is_file():
        return CHECKOUT  # running from a checkout (installed editable or not)
    return resources.files("faxage_sim.scenarios")  # installed from the wheel


@dataclass(frozen=True)
class ShippedScenario:
    name: str
    file: Traversable

    @property
    def location(self) -> str:
        return f"scenarios/{self.file.name}"

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
    """The one line for a name that is no shipped scenario, with the next step (a long name
    is cut short: the line stays one line)."""
    from .errors import cut_short

    hint = did_you_mean(name) if len(name) <= 100 else ""
    shown = cut_short(name)
    if hint:
        return f'no shipped scenario "{shown}"{hint}'
    return (f'no shipped scenario "{shown}" (faxage-sim scenario list, or GET /_sim/scenarios, '
            "shows them)")


def looks_like_a_name(text: str) -> bool:
    """Text meant as a shipped scenario's name rather than YAML (one word, no fields)."""
    return NAME.match(text.strip()) is not None


def schema_text() -> str:
    return directory().joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
