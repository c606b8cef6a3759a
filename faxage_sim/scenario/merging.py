"""`extends:` as data: each field of a scenario part declares how an extending file merges
into its base, and one function follows the declarations.

A field says it in its dataclass metadata, e.g. `field(default=None, metadata=OVERRIDE)`;
`tests/test_scenario_merging.py` fails when a field of a merged part declares nothing, so a
new field is never silently dropped by `extends:`.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any, Final, TypeVar


class Merge(StrEnum):
    CHILD = "child"  # the extending file's, always (its name, where it was written)
    OVERRIDE = "override"  # the extending file's when given (not None), else the base's
    CHILD_FIRST = "child first"  # lists: the extending file's items first (so they win)
    BASE_FIRST = "base first"  # lists: the base's items, then the extending file's
    DEEP = "deep"  # mappings: key by key, nested mappings merged too
    FIELDS = "fields"  # a part (or None): merged field by field, by its own declarations
    MERGE_BY_KEY = "merge by key"  # a list of parts: the same `key` merges (FIELDS), else added
    REPLACE_BY_KEY = "replace by key"  # a list of parts: the same `key` replaces, else added


def policy(merge: Merge, key: str | None = None) -> dict[str, Any]:
    return {"merge": merge, "merge_key": key}


CHILD: Final = policy(Merge.CHILD)
OVERRIDE: Final = policy(Merge.OVERRIDE)
CHILD_FIRST: Final = policy(Merge.CHILD_FIRST)
BASE_FIRST: Final = policy(Merge.BASE_FIRST)
DEEP: Final = policy(Merge.DEEP)
FIELDS: Final = policy(Merge.FIELDS)

T = TypeVar("T")


def merge_parts(base: T, child: T) -> T:
    """`child` (the extending file's part) merged into `base`, field by field."""
    values = {f.name: merge_value(f, getattr(base, f.name), getattr(child, f.name))
              for f in dataclasses.fields(child)}  # type: ignore[arg-type]
    return type(child)(**values)


def merge_value(f: dataclasses.Field[Any], base: Any, child: Any) -> Any:
    if "merge" not in f.metadata:
        raise TypeError(f"field {f.name} declares no merge policy (scenario.merging)")
    how: Merge = f.metadata["merge"]
    key: str | None = f.metadata.get("merge_key")
    if how is Merge.CHILD:
        return child
    if how is Merge.OVERRIDE:
        return child if child is not None else base
    if how is Merge.CHILD_FIRST:
        return [*child, *base]
    if how is Merge.BASE_FIRST:
        return [*base, *child]
    if how is Merge.DEEP:
        return deep_merge(base, child)
    if base is None or child is None:  # the part-wise policies: one side missing
        return child if child is not None else base
    if how is Merge.FIELDS:
        return merge_parts(base, child)
    assert key is not None, f"field {f.name}: {how} needs a key"
    merged = list(base)
    for item in child:
        value = getattr(item, key)
        index = next((i for i, b in enumerate(merged)
                      if value is not None and getattr(b, key) == value), None)
        if index is None:
            merged.append(item)
        else:
            merged[index] = merge_parts(merged[index], item) \
                if how is Merge.MERGE_BY_KEY else item
    return merged


def deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
