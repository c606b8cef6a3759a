"""Account parts in a saved state: the lists a scenario's account declares (`scenario.parts`,
e.g. the port requests `portstatus` lists), one row per item in the `account_parts` table.

A row is `(company, part, seq, body)`: `part` the `Account` attribute (the part's key in a
scenario file's account), `seq` the item's place in the list, `body` its record. What is saved
is derived, so a new part needs no edit here:

* the parts: every declared account part (`scenario.model.ACCOUNT_PARTS`);
* the record class of one item: the `Account` attribute's annotation (`list[PortRequest]`);
* the check of a stored item: by the record's field types, a `float` is a time (0 to
  `MAX_STORED_TIME`; `float | None` may be None), a `bool` is true or false, a `str` named as
  a field of the part's schema item is held to that field's limits (length, pattern; a
  shared `$defs` entry such as `phone` resolved), so what the control route and a scenario
  file refuse is refused on load too.

A part's core calls tell an `account.part` event (`Simulator._part_changed`), so `--state`
writes that part of that account again.
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from .codec import encode

if TYPE_CHECKING:
    from ..core.accounts import Account

TABLE = "account_parts"
EVENT_KIND = "account.part"  # data {"part": the Account attribute that changed}


@dataclass(frozen=True)
class SavedPart:
    record: type  # the class of one item
    times: dict[str, bool] = field(default_factory=dict)  # time fields: may it be None
    flags: tuple[str, ...] = ()  # true or false
    texts: dict[str, dict[str, Any]] = field(default_factory=dict)  # field: its schema

    def check(self, item: Any, where: str) -> None:
        """The stored item's fields as the control route makes them; raises
        `validate.RecordError` naming the field."""
        from .validate import RecordError, check_declared_text, check_time

        for name in msgspec.structs.fields(self.record):
            value = getattr(item, name.name)
            if name.name in self.times:
                check_time(where, name.name, value, optional=self.times[name.name])
            elif name.name in self.texts:
                check_declared_text(where, name.name, value, self.texts[name.name])
            elif name.name in self.flags and not isinstance(value, bool):
                raise RecordError(f"{where}, field {name.name!r}: expected true or false")


def item_record(key: str) -> type:
    """The record class of one item of the `Account` attribute `key` (`list[X]`: X)."""
    from ..core.accounts import Account

    annotation = Account.__annotations__.get(key)
    if annotation is None:
        raise TypeError(f"Account has no attribute {key!r} for the account part {key!r}")
    holder = types.SimpleNamespace(__annotations__={key: annotation})
    hint = typing.get_type_hints(holder, globalns=vars(sys.modules[Account.__module__]))[key]
    args = typing.get_args(hint)
    if typing.get_origin(hint) is not list or len(args) != 1 or not isinstance(args[0], type):
        raise TypeError(f"Account.{key} is {hint}, not a list of one record class")
    record: type = args[0]
    if not hasattr(record, "__struct_fields__"):
        raise TypeError(f"{record.__name__} (Account.{key}) is not a record (a msgspec.Struct "
                        "whose fields persist reads)")
    return record


def saved_part(key: str, item_schema: dict[str, Any],
               defs: Mapping[str, dict[str, Any]] | None = None) -> SavedPart:
    """How the part at `Account.{key}` is saved and checked; `item_schema` is its scenario
    `$defs` entry (one item), whose text limits bound the record's text fields of that name
    (a `$ref` to another entry of `defs`, such as `phone`, resolved)."""
    record = item_record(key)
    properties = item_schema.get("properties", {})
    times: dict[str, bool] = {}
    flags: list[str] = []
    texts: dict[str, dict[str, Any]] = {}
    for spec in msgspec.structs.fields(record):
        kinds = set(typing.get_args(spec.type)) or {spec.type}
        optional = type(None) in kinds
        kinds.discard(type(None))
        if kinds == {float}:
            times[spec.name] = optional
        elif kinds == {bool}:
            flags.append(spec.name)
        elif kinds == {str} and spec.name in properties:
            schema = properties[spec.name]
            while "$ref" in schema and defs is not None:
                schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
            if "$ref" not in schema:
                texts[spec.name] = schema
    return SavedPart(record, times, tuple(flags), texts)


class _SavedParts(Mapping[str, SavedPart]):
    """`SAVED_PARTS`, derived from the declared parts on first use (persist imports the
    scenario layer only when a state is saved or loaded)."""

    def __init__(self) -> None:
        self._parts: dict[str, SavedPart] | None = None

    def _derived(self) -> dict[str, SavedPart]:
        if self._parts is None:
            from ..scenario.model import ACCOUNT_PARTS
            from ..scenario.schema import scenario_schema

            defs = scenario_schema()["$defs"]
            self._parts = {part.key: saved_part(part.key, defs[part.name], defs)
                           for part in ACCOUNT_PARTS}
        return self._parts

    def __getitem__(self, key: str) -> SavedPart:
        return self._derived()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._derived())

    def __len__(self) -> int:
        return len(self._derived())


# By `Account` attribute (= the scenario AccountSpec key): every declared account part.
SAVED_PARTS: Mapping[str, SavedPart] = _SavedParts()


def where_of(company: Any, part: Any, seq: Any) -> str:
    """How a refusal names an item's row: `account 1000, port_requests 0`."""
    return f"account {company}, {part} {seq}"


def check_item(part: str, seq: int, item: Any, where: str) -> None:
    """A decoded item within the API's bounds; raises `validate.RecordError`."""
    from .validate import MAX_STORED_ID, RecordError, check_values

    if not 0 <= seq <= MAX_STORED_ID:
        raise RecordError(f"{where}: its place {seq} is not between 0 and {MAX_STORED_ID}")
    check_values(item, where)
    SAVED_PARTS[part].check(item, where)


def part_rows(company: str, account: Account, parts: list[str] | None = None,
              to_json: Callable[[Any], str] = str, start: int = 0) -> list[tuple[Any, ...]]:
    """The rows of the account's saved parts (of `parts` only, if given; from the item at
    `start` on)."""
    rows: list[tuple[Any, ...]] = []
    for key in (parts if parts is not None else SAVED_PARTS):
        record = SAVED_PARTS[key].record
        items = getattr(account, key)
        rows += [(company, key, seq, to_json(encode(record, items[seq])))
                 for seq in range(start, len(items))]
    return rows


def put_back(account: Account, parts: dict[str, list[tuple[int, Any]]]) -> None:
    """The account's saved parts become the decoded ones (none where a state had none)."""
    for key in SAVED_PARTS:
        setattr(account, key, [item for _seq, item in sorted(parts.get(key, []),
                                                            key=lambda pair: pair[0])])
