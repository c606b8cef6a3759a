"""Checking plain data against the scenario JSON Schema, with errors people can act on.

A subset of JSON Schema (type, properties, additionalProperties, patternProperties, required,
enum, minimum/maximum, exclusiveMinimum, minLength/maxLength, pattern, items, minItems/
maxItems, oneOf, $ref) plus this project's `x-kind` (durations, times, phone numbers, regular
expressions, time zones). Every problem is reported, each with its path; a key that is not a
field gets the nearest field name as a suggestion.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from datetime import date
from typing import Any

from ..core.timeref import TimeSyntaxError, parse_duration, parse_time_ref
from .document import Document
from .errors import Issue, Path

Schema = dict[str, Any]

_KIND_TEXT = {
    "duration": 'a duration (seconds, or like "90s", "10m", "1h30m")',
    "time": 'a time (an offset like "+10m", or a date-time like "2026-01-05T09:30:00Z")',
    "phone": "a 10-digit number",
    "did": 'a 10-digit number or "#1", "#2"... (the account\'s first, second... DID)',
    "company": "a company number",
    "regex": "a regular expression",
    "timezone": 'a time zone name like "America/Denver"',
}
_TYPE_TEXT = {"integer": "a whole number", "number": "a number", "string": "text",
              "boolean": "true or false", "object": "a mapping of fields",
              "array": "a list", "null": "null"}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str | date):  # YAML makes datetimes of unquoted timestamps
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def shown(value: Any) -> str:
    kind = json_type(value)
    if kind == "object":
        return "a mapping"
    if kind == "array":
        return "a list"
    if kind == "null":
        return "nothing (null)"
    # A text as JSON writes it: a newline or tab in it is shown, not made (one line).
    text = repr(value) if not isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f'"{key}" is not a field here; did you mean "{close[0]}"?'
    return f'"{key}" is not a field here (fields: {", ".join(known)})'


class Validator:
    def __init__(self, schema: Schema) -> None:
        self.root = schema

    def resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.root["$defs"][name]
        return schema

    def check(self, document: Document, schema: Schema | None = None,
              path: Path = ()) -> list[Issue]:
        issues: list[tuple[Path, str]] = []
        self._check(document.data, schema or self.root, path, issues)
        return [document.issue(p, m) for p, m in issues]

    def problems(self, value: Any, schema: Schema) -> list[str]:
        """What is wrong with one value against `schema` (part of this root), in words."""
        issues: list[tuple[Path, str]] = []
        self._check(value, schema, (), issues)
        return [message for _path, message in issues]

    # --- the walk ------------------------------------------------------------------------

    def _check(self, value: Any, schema: Schema, path: Path,
               issues: list[tuple[Path, str]]) -> None:
        schema = self.resolve(schema)
        if "oneOf" in schema:
            self._one_of(value, schema, path, issues)
            return
        expected = self.describe(schema)
        types = _types(schema)
        actual = json_type(value)
        if types and actual not in types and not (actual == "integer" and "number" in types):
            issues.append((path, f"expected {expected}, got {shown(value)}"))
            return
        if "enum" in schema and value not in schema["enum"]:
            issues.append((path, f"expected {expected}, got {shown(value)}"))
            return
        before = len(issues)
        if actual in ("integer", "number"):
            self._number(value, schema, path, expected, issues)
        elif actual == "string" and isinstance(value, str):
            self._string(value, schema, path, expected, issues)
        elif actual == "object":
            self._object(value, schema, path, issues)
        elif actual == "array":
            self._array(value, schema, path, issues)
        if len(issues) == before and "x-kind" in schema:
            problem = _kind_problem(schema["x-kind"], value)
            if problem is not None:
                issues.append((path, problem))

    def _one_of(self, value: Any, schema: Schema, path: Path,
                issues: list[tuple[Path, str]]) -> None:
        options = [self.resolve(o) for o in schema["oneOf"]]
        actual = json_type(value)
        fitting = [o for o in options if not _types(o) or actual in _types(o)
                   or (actual == "integer" and "number" in _types(o))]
        if not fitting:
            wanted = " or ".join(self.describe(o) for o in options)
            issues.append((path, f"expected {wanted}, got {shown(value)}"))
            return
        best: list[tuple[Path, str]] | None = None
        for option in fitting:
            found: list[tuple[Path, str]] = []
            self._check(value, option, path, found)
            if not found:
                return
            if best is None or len(found) < len(best):
                best = found
        issues.extend(best or [])

    def _number(self, value: float, schema: Schema, path: Path, expected: str,
                issues: list[tuple[Path, str]]) -> None:
        low, high = schema.get("minimum"), schema.get("maximum")
        above = schema.get("exclusiveMinimum")
        if isinstance(value, float) and not math.isfinite(value):
            issues.append((path, f"expected {expected} (a finite number), got {shown(value)}"))
        elif (low is not None and value < low) or (high is not None and value > high) \
                or (above is not None and value <= above):
            issues.append((path, f"expected {expected}, got {shown(value)}"))

    def _string(self, value: str, schema: Schema, path: Path, expected: str,
                issues: list[tuple[Path, str]]) -> None:
        if len(value) < schema.get("minLength", 0):
            issues.append((path, f"expected {expected}, got an empty text"))
        elif "maxLength" in schema and len(value) > schema["maxLength"]:
            issues.append((path, f"expected at most {schema['maxLength']} characters, "
                                 f"got {len(value)}"))
        elif "pattern" in schema and schema.get("x-kind") not in _KIND_TEXT \
                and not pattern_matches(schema["pattern"], value):
            issues.append((path, f"expected {expected}, got {shown(value)}"))

    def _object(self, value: dict[Any, Any], schema: Schema, path: Path,
                issues: list[tuple[Path, str]]) -> None:
        properties: dict[str, Schema] = schema.get("properties", {})
        patterns: dict[str, Schema] = schema.get("patternProperties", {})
        for name in schema.get("required", []):
            if name not in value:
                issues.append((path, f'"{name}" is required here '
                                     f"({self.describe_field(schema, name).rstrip('.')})"))
        for key, item in value.items():
            name = str(key)
            child = (*path, key)
            if name in properties:
                self._check(item, properties[name], child, issues)
                continue
            pattern = next((s for p, s in patterns.items() if pattern_matches(p, name)), None)
            if pattern is not None:
                self._check(item, pattern, child, issues)
            elif schema.get("additionalProperties", True) is False:
                known = list(properties)
                issues.append((child, suggest(name, known) if known
                               else f'"{name}" is not expected here'))

    def _array(self, value: list[Any], schema: Schema, path: Path,
               issues: list[tuple[Path, str]]) -> None:
        if len(value) < schema.get("minItems", 0):
            issues.append((path, f"expected at least {schema['minItems']} item(s)"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            issues.append((path, f"expected at most {schema['maxItems']} item(s)"))
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                self._check(item, items, (*path, index), issues)

    # --- words -------------------------------------------------------------------------

    def describe(self, schema: Schema) -> str:
        schema = self.resolve(schema)
        if "oneOf" in schema:
            return " or ".join(self.describe(o) for o in schema["oneOf"])
        kind = schema.get("x-kind")
        if kind in _KIND_TEXT:
            return _KIND_TEXT[kind]
        if "enum" in schema:
            return "one of " + ", ".join(
                f'"{v}"' if isinstance(v, str) else str(v) for v in schema["enum"])
        types = _types(schema)
        text = " or ".join(_TYPE_TEXT.get(t, t) for t in types) or "a value"
        if "minimum" in schema and "maximum" in schema:
            text += f" from {schema['minimum']} to {schema['maximum']}"
        elif "minimum" in schema:
            text += f" >= {schema['minimum']}"
        elif "exclusiveMinimum" in schema:
            text += f" > {schema['exclusiveMinimum']}"
        if "pattern" in schema and "string" in types:
            text += f" matching {schema['pattern']}"
        return text

    def describe_field(self, schema: Schema, name: str) -> str:
        field_schema = self.resolve(schema.get("properties", {}).get(name, {}))
        return field_schema.get("description") or self.describe(field_schema)


def _types(schema: Schema) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        if "enum" in schema:
            return sorted({json_type(v) for v in schema["enum"]})
        return []
    return [declared] if isinstance(declared, str) else list(declared)


def _kind_problem(kind: str, value: Any) -> str | None:
    """Meaning beyond JSON types; None when the value is fine."""
    text = str(value).strip()
    try:
        if kind == "duration":
            parse_duration(value)
        elif kind == "time":
            parse_time_ref(value)
    except TimeSyntaxError:
        return f"expected {_KIND_TEXT[kind]}, got {shown(value)}"
    if kind == "phone" and not re.fullmatch(r"[0-9]{10}", text):
        return f"expected {_KIND_TEXT[kind]}, got {shown(value)}"
    if kind == "did" and not re.fullmatch(r"[0-9]{10}|#[1-9][0-9]*", text):
        return f"expected {_KIND_TEXT[kind]}, got {shown(value)}"
    if kind == "company" and not re.fullmatch(r"[0-9]{1,12}", text):
        return f"expected {_KIND_TEXT[kind]}, got {shown(value)}"
    if kind == "regex":
        try:
            re.compile(text)
        except re.error as exc:
            return f"not a valid regular expression: {exc}"
    if kind == "timezone":
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(text)
        except Exception:
            return f"unknown time zone {shown(value)}; expected {_KIND_TEXT[kind]}"
    return None


def pattern_matches(pattern: str, text: str) -> bool:
    """A JSON Schema `pattern` matched as the schema's readers match it (ECMA-262)."""
    return _ecma_pattern(pattern).search(text) is not None


@functools.lru_cache(maxsize=256)
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    r"""In ECMA-262 (and so for every JSON Schema reader), `$` is the end of the text. In
    Python it also matches before a final newline: "3035550100\n" matched `^[0-9]{10}$`.
    So an unescaped `$` outside a class becomes `\Z`."""
    out: list[str] = []
    in_class = False
    at = 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            out.append(pattern[at:at + 2])
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        at += 1
    return re.compile("".join(out))
