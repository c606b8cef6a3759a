"""Scenario problems, each with its file, line and field path: all of them, at once."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str | int, ...]


def cut_short(text: str, limit: int = 80) -> str:
    """A name or value in a message, cut short: a message stays one readable line."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def dotted(path: Path) -> str:
    """`rules[0].tries[1]`; the top level is `(top level)`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@dataclass(frozen=True)
class Issue:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "path": self.path,
                "message": self.message}


class ScenarioError(Exception):
    """A scenario that cannot be loaded; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class Location:
    """Where a part of a scenario was written: for errors found after the file was read."""

    file: str
    line: int | None
    path: Path

    def issue(self, message: str, *more: str | int) -> Issue:
        return Issue(self.file, self.line, dotted(self.path + tuple(more)), message)
