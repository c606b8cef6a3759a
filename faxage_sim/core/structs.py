"""What the record types built on `msgspec.Struct` share.

The records on the start-up path are `msgspec.Struct`s rather than dataclasses: a dataclass
compiles its methods from source when its module is imported (about 1 ms a class on CPython
3.11), a Struct is made in C in microseconds, and its instances are smaller and quicker to
build. A field a dataclass would hide from its repr (bytes of a document, a scheduler's
callable) is named once here instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def repr_without(*hidden: str) -> Callable[[Any], str]:
    """A `__repr__` like the Struct's own that leaves out the `hidden` fields."""

    def struct_repr(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}"
                          for name in self.__struct_fields__ if name not in hidden)
        return f"{type(self).__name__}({shown})"

    return struct_repr
