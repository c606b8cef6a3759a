"""Account parts: per-account data of a scenario that one core call puts into an account.

A part is declared once, as a field of `AccountSpec` made with `account_part`: the dataclass
of one item (declared field by field, `scenario.declare`), its `$defs` name, the control
plane's route, and the core calls that add an item and empty the part. Everything else
follows that declaration:

* its `$defs` entry in the scenario schema (`scenario.schema`);
* loading it into an account (`scenario.apply.apply_account_spec`: a file's list replaces the
  account's);
* `POST` and `DELETE /_sim/accounts/{company}/{route}` (`control.parts`), the body checked with
  the same schema part and read with `read_part`;
* the pytest handle's `add_to(route, ...)` and `clear_part(route)`.

Each declared field of an item is passed by its name to the core call, so a field cannot be
read from a file and then dropped: a call that does not take it fails with a TypeError, and
`call_problems` (checked for every part by tests/test_scenario_parts.py) finds it before any
file is loaded.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .declare import declared, declared_fields, key_of, read_part, ref
from .merging import OVERRIDE

if TYPE_CHECKING:
    from ..core.accounts import Account
    from ..core.simulator import Simulator

# The core call that adds one item: (simulator, account, the time offsets count from,
# **the item's declared fields by name) -> what it made.
AddCall = Callable[..., object]
ClearCall = Callable[["Simulator", "Account"], int]


@dataclass(frozen=True)
class AccountPart:
    """A list of items on an account, set by scenario files and the control plane."""

    name: str  # its $defs name: one item's schema is #/$defs/{name}
    item: type  # the declared dataclass of one item
    route: str  # /_sim/accounts/{company}/{route}
    add: AddCall  # the core call that adds one item
    clear: ClearCall  # the core call that empties the part; how many went
    key: str = ""  # its key in a file's account (the AccountSpec field's), set by account_parts

    def values(self, item: object) -> dict[str, Any]:
        """An item's declared fields by name: the core call's keyword arguments."""
        return {f.name: getattr(item, f.name) for f in declared_fields(self.item)}

    def add_item(self, sim: Simulator, account: Account, item: object, at: float) -> object:
        return self.add(sim, account, at, **self.values(item))

    def read_items(self, account: dict[str, Any]) -> list[object]:
        """Its items from a checked account body (the control plane's new account)."""
        return [read_part(self.item, data) for data in account[self.key]]

    def add_data(self, sim: Simulator, account: Account, data: dict[str, Any],
                 at: float) -> object:
        """One item from data the schema part has checked."""
        return self.add_item(sim, account, read_part(self.item, data), at)

    def replace(self, sim: Simulator, account: Account, items: Iterable[object],
                at: float) -> None:
        """The account's items become these (a scenario's list replaces the account's)."""
        self.clear(sim, account)
        for item in items:
            self.add_item(sim, account, item, at)


def account_part(item: type, name: str, description: str, *, route: str, add: AddCall,
                 clear: ClearCall) -> dict[str, Any]:
    """The metadata of an `AccountSpec` field that is a list of `item`s: its schema (an
    array of `#/$defs/{name}`), reader and merge policy (an extending file's list replaces
    the base's), and the core calls that put it into an account."""
    return {**declared({"type": "array", "items": ref(name), "description": description},
                       read=lambda items: [read_part(item, i) for i in items],
                       merge=OVERRIDE),
            "part": AccountPart(name, item, route, add, clear)}


def account_parts(cls: type) -> list[AccountPart]:
    """The parts declared on `cls` (`AccountSpec`), in field order."""
    return [dataclasses.replace(f.metadata["part"], key=key_of(f))
            for f in dataclasses.fields(cls) if "part" in f.metadata]


def call_problems(part: AccountPart) -> list[str]:
    """What keeps the core call from receiving every declared field of an item: a field it
    does not take, a parameter no field fills, `**kwargs` (which would swallow any field)."""
    params = list(inspect.signature(part.add).parameters.values())[3:]  # sim, account, at
    swallowing = [p.name for p in params if p.kind is p.VAR_KEYWORD]
    if swallowing:
        return [f"{part.key}: {part.add.__qualname__} takes **{swallowing[0]}: name each field"]
    taken = {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    fields = [f.name for f in declared_fields(part.item)]
    problems = [f"{part.key}: {part.add.__qualname__} does not take the field {name!r}"
                for name in fields if name not in taken]
    problems += [f"{part.key}: {part.add.__qualname__} takes {p.name!r}, which no field of "
                 f"{part.item.__name__} gives" for p in params
                 if p.name not in fields and p.default is p.empty
                 and p.kind is not p.VAR_POSITIONAL]
    return problems
