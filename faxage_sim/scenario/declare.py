"""One declaration per scenario field: its type and default (the dataclass field), its JSON
Schema, the key a file spells it with, how its checked value is read, and its merge policy.

    pages: int = field(default=1, metadata=declared(
        {"type": "integer", "minimum": 1, "maximum": 500}))

`scenario.schema.part_schema` makes a part's schema from these declarations and
`scenario.build.read_part` reads a checked part into its dataclass, so a new field of such a
part is one line here, known at once to scenario files, to the control plane routes that
check their bodies with the same schema part, and to `extends:` (its merge policy, when the
part is merged field by field). The checks a schema cannot express stay in the builder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Final, TypeVar

Schema = dict[str, Any]

# Faxes one scenario's timeline may generate in all (each costs CPU when its time comes).
MAX_TIMELINE_FAXES: Final = 10_000
MAX_CLOCK_SPEED: Final = 1000  # simulated seconds per real second (a scaled clock)


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def one_or_list(item: Schema, description: str) -> Schema:
    return {"description": description, "oneOf": [item, {"type": "array", "items": item}]}


def declared(schema: Schema, *, key: str | None = None,
             read: Callable[[Any], Any] | None = None,
             merge: dict[str, Any] | None = None) -> dict[str, Any]:
    """The metadata of a declared field: `schema` its JSON Schema, `key` the name files use
    (default: the field's), `read` what turns the checked value into the field's (default:
    the value itself), `merge` its `scenario.merging` policy where the part is merged."""
    return {"schema": schema, "key": key, "read": read, **(merge or {})}


def declared_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if "schema" in f.metadata]


def key_of(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get("key") or f.name


def is_required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def description_of(cls: type) -> str:
    """The part's docstring, as one line: what the schema tells editors."""
    return " ".join((cls.__doc__ or cls.__name__).split())


T = TypeVar("T")


def read_part(cls: type[T], data: dict[str, Any], **given: Any) -> T:
    """A part from data the schema has checked: each declared field read from its key, or
    its default when the file leaves it out; `given` the undeclared ones (where it was
    written)."""
    values: dict[str, Any] = dict(given)
    for f in declared_fields(cls):
        key = key_of(f)
        if key in data:
            read = f.metadata.get("read")
            values[f.name] = read(data[key]) if read is not None else data[key]
    return cls(**values)
