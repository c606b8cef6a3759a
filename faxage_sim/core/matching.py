"""Which fax numbers a scenario rule or a fault applies to: exact, prefix, or pattern."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class NumberMatch:
    """Exactly one of `number` (all 10 digits), `prefix` or `pattern` (a regular expression
    searched from the first digit, e.g. `^303` or `0{3}1$`)."""

    number: str | None = None
    prefix: str | None = None
    pattern: str | None = None
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, *, number: str | None = None, prefix: str | None = None,
           pattern: str | None = None) -> NumberMatch:
        """Raises `re.error` for a pattern that does not compile."""
        regex = re.compile(pattern) if pattern is not None else None
        return cls(number, prefix, pattern, regex)

    def matches(self, number: str | None) -> bool:
        if number is None:
            return False
        if self.number is not None:
            return number == self.number
        if self.prefix is not None:
            return number.startswith(self.prefix)
        if self._regex is not None:
            return self._regex.search(number) is not None
        return True

    def describe(self) -> str:
        if self.number is not None:
            return self.number
        if self.prefix is not None:
            return f"{self.prefix}…"
        return f"/{self.pattern}/"
