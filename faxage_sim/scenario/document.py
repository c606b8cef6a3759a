"""A scenario file read with PyYAML's safe loader, keeping the line of every key and item.

PyYAML's composer gives nodes with marks; values are built from them here (scalars by the
safe constructor), recording `path → line` on the way, so every later error can point at the
line it is about. Duplicate keys are errors (PyYAML alone would silently keep the last).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Issue, Path, ScenarioError, dotted

# Values one scenario may hold, counting each use of a YAML alias anew: nine nested aliases
# of ten items each make a billion values out of a few lines ("billion laughs").
MAX_VALUES = 100_000


class _TooLarge(Exception):
    pass


@dataclass
class Document:
    """Plain data (as `yaml.safe_load` would give) and the line of each path in it."""

    data: Any
    source: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None

    def issue(self, path: Path, message: str) -> Issue:
        return Issue(self.source, self.line(path), dotted(path), message)


def from_data(data: Any, source: str) -> Document:
    """A document for data that did not come from a file (a JSON body): no lines."""
    return Document(data, source)


def parse(text: str, source: str) -> Document:
    """Read YAML (or JSON) text; raises `ScenarioError` for a syntax error."""
    import yaml  # lazily: `faxage-sim serve` without a scenario never needs it

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document({}, source, {(): 1})
        document = Document(None, source)
        issues: list[Issue] = []
        document.data = _build(loader, node, (), document, issues, [MAX_VALUES])
    except _TooLarge:
        raise ScenarioError([Issue(source, None, "(top level)",
                                   f"more than {MAX_VALUES} values (YAML aliases count each "
                                   "time they are used)")]) from None
    except RecursionError:
        raise ScenarioError([Issue(source, None, "(top level)",
                                   "nested too deeply")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise ScenarioError([Issue(source, line, "(top level)",
                                   f"not valid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Issue(source, None, "(top level)",
                                   f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if issues:
        raise ScenarioError(issues)
    return document


def _build(loader: Any, node: Any, path: Path, document: Document,
           issues: list[Issue], budget: list[int]) -> Any:
    import yaml

    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    document.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # merge keys (`<<: *defaults`)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node, path, document, issues)
            if isinstance(key, list | dict):
                issues.append(Issue(document.source, key_node.start_mark.line + 1,
                                    dotted(path), "a key must be plain text"))
                continue
            child = (*path, key if isinstance(key, str | int) else str(key))
            if key in result:
                issues.append(Issue(document.source, key_node.start_mark.line + 1,
                                    dotted(child), f"{key!r} is given twice"))
                continue
            document.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, child, document, issues, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, index), document, issues, budget)
                for index, item in enumerate(node.value)]
    return _scalar(loader, node, path, document, issues)


def _scalar(loader: Any, node: Any, path: Path, document: Document,
            issues: list[Issue]) -> Any:
    """A value as the safe constructor builds it; one it cannot build is an issue at its line:
    a whole number past Python's digit limit (`sys.get_int_max_str_digits`: 4,300), a date
    like 2026-13-45."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        digits = node.value if isinstance(node.value, str) else ""
        reason = (f"a number of {len(digits)} characters: too long to be one"
                  if len(digits) > 100 else f"{str(exc)[:120]}")
        issues.append(Issue(document.source, node.start_mark.line + 1, dotted(path),
                            f"cannot read this value ({reason})"))
        return None
