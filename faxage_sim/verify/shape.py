"""Answers by shape: what is compared of an answer once a case's rules have normalised it.

Status code, content type and the body are compared exactly, except what the case's rules
name: a list answer becomes the set of its record shapes (so the order and the number of
records, and the values inside their kinds, do not matter; the field count, the separators,
the line endings and every field's kind do), counts become `<n>`, the run's job id `<jobid>`.
A body that is an error text (`ERRnn: ...`) or empty is always compared exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cases import FIELD_KINDS, Rules

_ERROR = re.compile(r"^ERR\d\d:")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: str

    def as_json(self) -> dict[str, object]:
        return {"status": self.status, "content_type": self.content_type, "body": self.body}


@dataclass(frozen=True)
class Shape:
    status: int
    content_type: str
    body: str  # the normalised body

    def as_json(self) -> dict[str, object]:
        return {"status": self.status, "content_type": self.content_type, "body": self.body}


def shape(answer: Answer, rules: Rules, jobid: str | None = None) -> Shape:
    return Shape(answer.status, answer.content_type, normalise(answer.body, rules, jobid))


def normalise(body: str, rules: Rules, jobid: str | None = None) -> str:
    if rules.jobid and jobid:
        body = re.sub(rf"(?<!\d){re.escape(jobid)}(?!\d)", "<jobid>", body)
    if body == "" or _ERROR.match(body):
        return body
    if rules.records is not None:
        return _records(body, rules.records, rules.separator)
    if rules.counts:
        return _DIGITS.sub("<n>", body)
    return body


def _records(body: str, kinds: tuple[str, ...], separator: str) -> str:
    ends_with_newline = body.endswith("\n")
    lines = (body[:-1] if ends_with_newline else body).split("\n")
    shapes = sorted({_record(line, kinds, separator) for line in lines})
    text = "\n".join(shapes)
    if not ends_with_newline:
        text += "\n<no \\n after the last record>"
    return text


def _record(line: str, kinds: tuple[str, ...], separator: str) -> str:
    fields = line.split(separator)
    if len(fields) != len(kinds):
        return f"<record of {len(fields)} field(s), not {len(kinds)}: {line!r}>"
    for index, (value, kind) in enumerate(zip(fields, kinds, strict=True)):
        if kind == "<jobid>" or value == "<jobid>":
            continue
        if not re.fullmatch(FIELD_KINDS[kind], value):
            return f"<record whose field {index + 1} {value!r} is not {kind}: {line!r}>"
    return f"<record of {len(kinds)} fields: {', '.join(kinds)}>"
