"""Loading a scenario: a shipped name, a file, YAML/JSON text or data; `extends:` resolved.

Everything is checked before anything is returned: a file with a problem raises
`ScenarioError` with every issue found (file, line, field path, what was expected), so a bad
scenario never half-loads.

`extends:` names a shipped scenario or a path (relative to the extending file). The base is
loaded first; the extending file then wins field by field, as each field of the model declares
(`scenario.merging`): its accounts merge into the base's by company (users by username,
settings field by field), its rules and faults come first (so they win), its timeline steps
are added.
"""

from __future__ import annotations

import copy
import stat
from pathlib import Path
from typing import Any

from . import shipped
from .build import Builder
from .document import Document, from_data, parse
from .errors import Issue, ScenarioError, cut_short
from .merging import merge_parts
from .model import Scenario
from .schema import scenario_schema
from .validate import Validator

REQUEST_SOURCE = "<request>"
MAX_DEPTH = 16
MAX_FILE_BYTES = 4 * 1024 * 1024  # a scenario file is a few KiB; this is generous
NAME_SHOWN = 120  # characters of a file name or path a message shows
MAX_SEED = 2**63 - 1  # as the control plane's "seed" (a SQLite integer)


def load(ref: str, *, base_dir: Path | None = None) -> Scenario:
    """A shipped scenario by name, or a scenario file by path."""
    return _load_ref(ref, base_dir or Path.cwd(), [])


def load_text(text: str, source: str = REQUEST_SOURCE, *,
              base_dir: Path | None = None, name: str = "inline") -> Scenario:
    if shipped.looks_like_a_name(text) and shipped.find(text.strip()) is None:
        # One bare word is a shipped scenario's name mistyped, not a YAML document.
        raise ScenarioError([Issue(source, None, "(top level)", shipped.unknown(text.strip()))])
    return _from_document(parse(text, source), name, base_dir or Path.cwd(), [source])


def load_data(data: Any, source: str = REQUEST_SOURCE, *,
              base_dir: Path | None = None, name: str = "inline") -> Scenario:
    return _from_document(from_data(copy.deepcopy(data), source), name,
                          base_dir or Path.cwd(), [source])


def _load_ref(ref: str, base_dir: Path, chain: list[str]) -> Scenario:
    found = shipped.find(ref)
    if found is not None:
        key = f"shipped:{found.name}"
        _no_cycle(key, chain, ref)
        doc = parse(found.text(), found.location)
        return _from_document(doc, found.name, base_dir, [*chain, key])
    where = chain[-1] if chain else ref
    field = "extends" if chain else "(top level)"
    shown_ref = cut_short(ref, NAME_SHOWN)
    try:
        path = (base_dir / ref).resolve() if not Path(ref).is_absolute() else Path(ref)
        is_dir, exists = path.is_dir(), path.exists()
        info = path.stat() if exists else None
    except (OSError, ValueError) as exc:  # a NUL byte, a name longer than the system takes
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError([Issue(cut_short(where, NAME_SHOWN), None, field,
                                   f'no scenario "{shown_ref}": not a usable file name '
                                   f"({reason})")]) from None
    if is_dir:
        raise ScenarioError([Issue(where, None, field,
                                   f"{cut_short(str(path), NAME_SHOWN)} is a folder: give a "
                                   "scenario file in it (.yaml) or a shipped name")])
    if info is None:
        hint = shipped.did_you_mean(ref) if shipped.looks_like_a_name(ref) else ""
        names = ", ".join(s.name for s in shipped.shipped())
        message = (f'no scenario "{shown_ref}"{hint}: not a shipped name ({names}) and no file '
                   f"{cut_short(str(path), NAME_SHOWN)}"
                   if not hint else f'no scenario "{shown_ref}"{hint}: no shipped name or file '
                                    "has it")
        raise ScenarioError([Issue(cut_short(where, NAME_SHOWN), None, field, message)])
    # Never /dev/zero, a FIFO or a huge file (an `extends:` may name any path): it would be
    # read forever, or whole into memory.
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError([Issue(where, None, field, f"{path} is not a regular file")])
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError([Issue(where, None, field, f"{path} is larger than "
                                   f"{MAX_FILE_BYTES} bytes: not a scenario file")])
    key = str(path)
    _no_cycle(key, chain, ref)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Issue(str(path), None, "(top level)",
                                   f"cannot read the file: {exc}")]) from None
    shown = ref if not chain else str(path)
    return _from_document(parse(text, shown), path.stem, path.parent, [*chain, key])


def _no_cycle(key: str, chain: list[str], ref: str) -> None:
    if key in chain:
        raise ScenarioError([Issue(chain[-1], None, "extends",
                                   f'"{ref}" is already being extended: extends goes round '
                                   "in a circle")])
    if len(chain) >= MAX_DEPTH:
        raise ScenarioError([Issue(chain[-1], None, "extends",
                                   f"more than {MAX_DEPTH} levels of extends")])


def _from_document(doc: Document, name: str, base_dir: Path, chain: list[str]) -> Scenario:
    if not isinstance(doc.data, dict):
        raise ScenarioError([doc.issue((), "a scenario is a mapping of fields "
                                           "(description, seed, accounts, rules...)")])
    issues = Validator(scenario_schema()).check(doc) + _seed_out_of_bounds(doc)
    if issues:
        raise ScenarioError(issues)
    builder = Builder(doc)
    scenario = builder.scenario(name)
    if builder.issues:
        raise ScenarioError(builder.issues)
    ref = doc.data.get("extends")
    if ref:
        base = _load_ref(str(ref), base_dir, chain)
        scenario = merge(base, scenario)
    return scenario


def _seed_out_of_bounds(doc: Document) -> list[Issue]:
    """`seed`'s documented bound (docs/security.md), which the schema does not state."""
    seed = doc.data.get("seed")
    if isinstance(seed, int) and not isinstance(seed, bool) and abs(seed) > MAX_SEED:
        return [doc.issue(("seed",), f"must be a whole number from -{MAX_SEED} to {MAX_SEED}")]
    return []


# --- extends -------------------------------------------------------------------------------

def merge(base: Scenario, child: Scenario) -> Scenario:
    """The extending file (`child`) over its base, as each field declares (`merging`)."""
    return merge_parts(base, child)
