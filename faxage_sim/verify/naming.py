"""A difference named in a user's words: "a newline after the body", "status 500 instead of
200", "no space after JOBID:", "a record with 9 fields instead of 10", with the expected and
received bytes (escaped) beside it.

The name is found by repair: the answer got is changed back one known way (the newline
dropped, CRLF made LF, the space restored...) and shaped again by the case's rules; the repair
that makes it the same as a reference's answer names the difference. What no repair explains
is named by what kind of body it is (another error code, records of another layout), and at
worst by where the bodies first part.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from . import MAX_ANSWER_BYTES
from .cases import Rules
from .shape import Answer, Shape, normalise, record_problem

EXCERPT = 60  # characters of escaped body shown on each side
_ERROR_CODE = re.compile(r"^(?:ERR\d\d)(?=:)", re.IGNORECASE)


@dataclass(frozen=True)
class Difference:
    what: str  # in a user's words
    expected: str  # the expected bytes there, escaped
    got: str  # the bytes received there, escaped

    def line(self) -> str:
        return f"{self.what}: expected {self.expected}, got {self.got}"

    def as_json(self) -> dict[str, str]:
        return {"what": self.what, "expected": self.expected, "got": self.got}


def escaped(text: str, limit: int = EXCERPT) -> str:
    """Quoted with every control character visible (`\\n`, `\\r\\n`, `\\t`), cut at `limit`."""
    shown = repr(text)
    if len(shown) <= limit + 2:
        return shown
    return shown[:limit + 1] + "...'"


# Ways an answer is commonly altered on the way out, each undone here: (name, undo).
Repair = tuple[str, Callable[[str], str]]
REPAIRS: tuple[Repair, ...] = (
    ("CRLF after the body", lambda b: b[:-2] if b.endswith("\r\n") else b),
    ("a newline after the body", lambda b: b[:-1] if b.endswith("\n") else b),
    ("whitespace after the body", str.rstrip),
    ("CRLF line ends", lambda b: b.replace("\r\n", "\n")),
    ("a byte order mark before the body", lambda b: b.removeprefix("\ufeff")),
    ("whitespace before the body", str.lstrip),
    ("no space after JOBID:", lambda b: re.sub(r"JOBID:(?=\d)", "JOBID: ", b)),
    ("no newline after the last record", lambda b: b + "\n" if b and b[-1] != "\n" else b),
)


def name_differences(got: Answer, got_shape: Shape, expected: list[tuple[Answer, Shape]],
                     rules: Rules, jobid: str | None) -> list[Difference]:
    """Every way `got` differs from the closest expected answer (at least one)."""
    closest, closest_shape = _closest(got, got_shape, expected, rules, jobid)
    found: list[Difference] = []
    if got.status != closest.status:
        found.append(Difference(f"status {got.status} instead of {closest.status}",
                                str(closest.status), str(got.status)))
    if got.content_type != closest.content_type:
        found.append(Difference(
            f"content type {got.content_type or '(none)'} instead of {closest.content_type}",
            repr(closest.content_type), repr(got.content_type)))
    if got.truncated:
        found.append(Difference(
            f"a body longer than {MAX_ANSWER_BYTES} bytes (verify stopped reading there)",
            escaped(closest.body), escaped(got.body[-EXCERPT:])))
    elif got_shape.body not in {s.body for _, s in expected}:
        found.append(_body_difference(got, got_shape, closest, closest_shape, expected,
                                      rules, jobid))
    return found or [Difference("a different answer", escaped(closest.body),
                                escaped(got.body))]


def _closest(got: Answer, got_shape: Shape, expected: list[tuple[Answer, Shape]],
             rules: Rules, jobid: str | None) -> tuple[Answer, Shape]:
    """The reference answer this one is most like: one a repair makes it equal to, else the
    one whose normalised body is most alike."""
    for _, undo in REPAIRS:
        repaired = normalise(undo(got.body), rules, jobid)
        for answer, answer_shape in expected:
            if repaired == answer_shape.body:
                return answer, answer_shape
    return max(expected, key=lambda pair: (
        pair[1].status == got.status,
        SequenceMatcher(None, pair[1].body[:500], got_shape.body[:500]).ratio()))


def _body_difference(got: Answer, got_shape: Shape, closest: Answer, closest_shape: Shape,
                     expected: list[tuple[Answer, Shape]], rules: Rules,
                     jobid: str | None) -> Difference:
    body, want = got.body, closest.body
    targets = {s.body for _, s in expected}
    for name, undo in REPAIRS:
        repaired = undo(body)
        if repaired != body and normalise(repaired, rules, jobid) in targets:
            return _at_first_difference(name, want, body)
    if "<jobid>" in closest_shape.body and "<jobid>" not in got_shape.body:
        kind = "error text" if _ERROR_CODE.match(want) else "success text"
        return Difference(f"the job id missing from the {kind}", escaped(want), escaped(body))
    got_code, want_code = _ERROR_CODE.match(body), _ERROR_CODE.match(want)
    if got_code and want_code:
        if got_code.group(0) != want_code.group(0):
            return Difference(f"error {got_code.group(0)} instead of {want_code.group(0)}",
                              escaped(want), escaped(body))
        return _at_first_difference(f"another text for {want_code.group(0)}", want, body)
    if want_code and not got_code and body:
        return Difference(f"an answer instead of the error {want_code.group(0)}",
                          escaped(want), escaped(body))
    if got_code and not want_code:
        return Difference(f"the error {got_code.group(0)} instead of "
                          f"{'an empty body' if not want else 'an answer'}",
                          escaped(want), escaped(body))
    if not body:
        return Difference("an empty body", escaped(want), "''")
    if rules.records is not None:
        problem = _records_problem(body, rules)
        if problem is not None:
            return problem
    return _at_first_difference("a different body", want, body)


def _records_problem(body: str, rules: Rules) -> Difference | None:
    assert rules.records is not None
    lines = body.removesuffix("\n").split("\n")
    for line in lines:
        problem = record_problem(line, rules.records, rules.separator)
        if problem is not None:
            expected = rules.separator.join(f"<{kind}>" for kind in rules.records)
            return Difference(problem, escaped(expected), escaped(line))
    if not body.endswith("\n"):
        return Difference("no newline after the last record", "'...\\n'",
                          escaped(body[-EXCERPT:]))
    return None


def _at_first_difference(name: str, want: str, body: str) -> Difference:
    """The name, with both bodies shown from a little before where they first part."""
    index = next((i for i, (a, b) in enumerate(zip(want, body, strict=False)) if a != b),
                 min(len(want), len(body)))
    # a short body is shown whole; a long one from a little before where the two part
    start = 0 if max(len(want), len(body)) <= EXCERPT else max(0, index - 20)
    prefix = "..." if start else ""
    return Difference(name, prefix + escaped(want[start:]), prefix + escaped(body[start:]))
