"""Answers by shape: what is compared of an answer once a case's rules have normalised it.

Status code, content type and the body are compared exactly, except what the case's rules
name: a list answer becomes the set of its record shapes (so the order and the number of
records, and the values inside their kinds, do not matter; the field count, the separators,
the line endings and every field's kind do), counts become `<n>`, the run's job id `<jobid>`.
A body that is an error text (`ERRnn: ...`) or empty is always compared exactly.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from .cases import FIELD_KINDS, Rules

_ERROR = re.compile(r"^ERR\d\d:")
_DIGITS = re.compile(r"\d+")
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Answer:
    """One answer as it came: status, content type, the exact body bytes (at most the cap:
    `truncated` says the server sent more) and every header in order."""

    status: int
    content_type: str
    content: bytes
    headers: Headers = field(default=(), compare=False)
    truncated: bool = False

    @classmethod
    def of_text(cls, status: int, content_type: str, body: str) -> Answer:
        return cls(status, content_type, body.encode())

    @property
    def body(self) -> str:
        """The body as text: a byte that is not UTF-8 shows as U+FFFD (the shape keeps it
        different from any text the emulator sends)."""
        return self.content.decode("utf-8", "replace")

    def as_json(self) -> dict[str, object]:
        """The exact answer: the body as text when it is UTF-8, else as base64."""
        data: dict[str, object] = {"status": self.status, "content_type": self.content_type}
        try:
            data["body"] = self.content.decode("utf-8")
        except UnicodeDecodeError:
            data["body_base64"] = base64.b64encode(self.content).decode("ascii")
        data["headers"] = [list(pair) for pair in self.headers]
        if self.truncated:
            data["truncated"] = True
        return data


@dataclass(frozen=True)
class Shape:
    status: int
    content_type: str
    body: str  # the normalised body

    def as_json(self) -> dict[str, object]:
        return {"status": self.status, "content_type": self.content_type, "body": self.body}


def shape(answer: Answer, rules: Rules, jobid: str | None = None) -> Shape:
    body = answer.body + ("<more than the cap>" if answer.truncated else "")
    return Shape(answer.status, answer.content_type, normalise(body, rules, jobid))


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
    shapes = sorted({record_shape(line, kinds, separator) for line in lines})
    text = "\n".join(shapes)
    if not ends_with_newline:
        text += "\n<no \\n after the last record>"
    return text


def record_problem(line: str, kinds: tuple[str, ...], separator: str) -> str | None:
    """What is wrong with one record, in a user's words (None: it has the layout)."""
    fields = line.split(separator)
    if len(fields) != len(kinds):
        sep = "tab" if separator == "\t" else repr(separator)
        return (f"a record with {len(fields)} {sep}-separated field"
                f"{'' if len(fields) == 1 else 's'} instead of {len(kinds)}")
    for index, (value, kind) in enumerate(zip(fields, kinds, strict=True)):
        if kind == "<jobid>" or value == "<jobid>":
            continue
        if not re.fullmatch(FIELD_KINDS[kind], value):
            return f"field {index + 1} of a record is {value!r}, not {describe_kind(kind)}"
    return None


def record_shape(line: str, kinds: tuple[str, ...], separator: str) -> str:
    problem = record_problem(line, kinds, separator)
    if problem is not None:
        return f"<{problem}: {line!r}>"
    return f"<record of {len(kinds)} fields: {', '.join(kinds)}>"


KIND_WORDS: dict[str, str] = {
    "n": "a number", "time": "a time YYYY-MM-DD HH:MM:SS", "duration": "a duration HH:MM:SS",
    "phone": "a 10-digit number", "phone?": "a 10-digit number or empty",
    "display": "(XXX)XXX-XXXX or Unavailable", "short": "pending, success or failure",
    "text": "text without tabs or line breaks", "ip": "an IP address", "flag": "0 or 1",
    "direction": "IN or OUT", "npa": "an area code", "npanxx": "6 digits or Toll-Free",
    "filename": "a fax file name",
}


def describe_kind(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)
