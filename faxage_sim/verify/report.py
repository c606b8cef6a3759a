"""The `--report` file: lasting evidence of what a URL answered, and its strict reading.

A report keeps, per case, the request (the password masked), the exact answer got (status,
every header, the body bytes: as text when UTF-8, else base64), the references' answers, the
verdict and the differences by name. It is written to be shared, and read back by
`faxage-sim verify --replay`, which checks the recorded answers against this version of the
emulator with no network. Read back, it is input like any other file a user hands us: capped
in size, every field checked, refused whole with one line (`ReportProblem`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import MAX_ANSWER_BYTES as MAX_BODY_BYTES
from .cases import CASES, Case
from .shape import Answer

if TYPE_CHECKING:
    from .coverage import Coverage
    from .runner import Options, Result

FORMAT = "faxage-sim verify report 1"
MAX_REPORT_BYTES = 64 << 20  # a typical report is tens of kilobytes
# Of an answer that did not end within the cap, the report keeps this much: it differs
# whatever follows, and a report of many such answers stays small enough to replay.
KEPT_OF_A_TRUNCATED_BODY = 64 << 10
MAX_HEADERS = 200
MASK = "********"
_VERDICTS = ("same", "differs", "could not run", "skipped")
_TOP_KEYS = {"format", "tool", "source", "url", "local", "when", "seconds", "account",
             "allow_send", "could_not_check", "summary", "coverage", "cases"}
_CASE_KEYS = {"case", "transcript", "step", "decisions", "request", "rules", "verdict",
              "detail", "differences", "expected", "got"}
_ANSWER_KEYS = {"status", "content_type", "body", "body_base64", "headers", "truncated"}
_ACCOUNT_KEYS = {"username", "company", "password", "did", "faxno"}


class ReportProblem(Exception):
    """The report file cannot be read as a verify report: one line says where and why."""


def masked(text: str, options: Options) -> str:
    """The password never appears in the output, even where a service echoes it (a short
    one that is also the login name or company cannot be told apart, and stays)."""
    secret = options.password
    if len(secret) >= 6 and secret not in (options.username, options.company):
        return text.replace(secret, MASK)
    return text


def answer_json(answer: Answer, options: Options) -> dict[str, object]:
    if answer.truncated:
        answer = replace(answer, content=answer.content[:KEPT_OF_A_TRUNCATED_BODY])
    data = answer.as_json()
    if "body" in data:
        data["body"] = masked(str(data["body"]), options)
    data["headers"] = [[k, masked(v, options)] for k, v in answer.headers]
    return data


def write_report(path: Path, options: Options, results: list[Result], seconds: float,
                 cannot_check: str | None, source: str | None,
                 coverage: Coverage | None) -> None:
    from ..server.version import VERSION as __version__
    from .runner import VERDICTS, is_local

    report = {
        "format": FORMAT,
        "tool": f"faxage-sim {__version__} verify",
        "source": source or default_source(options.url),
        "url": options.url, "local": is_local(options.url),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "account": {"username": options.username, "company": options.company,
                    "password": MASK, "did": options.did, "faxno": options.faxno},
        "allow_send": options.allow_send,
        "could_not_check": cannot_check,
        "summary": {v: sum(1 for r in results if r.verdict == v) for v in VERDICTS},
        "coverage": None if coverage is None else coverage.as_json(),
        "cases": [{
            "case": r.case.name, "transcript": r.case.transcript, "step": r.case.step,
            "decisions": list(r.case.decisions), "request": r.request,
            "rules": r.case.rules.describe(), "verdict": r.verdict, "detail": r.detail,
            "differences": [d.as_json() for d in r.differences],
            "expected": [answer_json(a, options) for a in r.expected],
            "got": None if r.got is None else answer_json(r.got, options),
        } for r in results],
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def default_source(url: str) -> str:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host == "faxage.com" or host.endswith(".faxage.com"):
        return f"the live FAXAGE service at {url}"
    return f"the service at {url} (not said which: --source names it)"


# --- reading a report back ---------------------------------------------------------------


@dataclass(frozen=True)
class RecordedCase:
    case: Case
    verdict: str
    detail: str
    got: Answer | None


@dataclass(frozen=True)
class Report:
    source: str
    url: str
    tool: str
    username: str
    company: str
    did: str | None
    faxno: str | None
    allow_send: bool
    cases: tuple[RecordedCase, ...]


def load_report(path: Path) -> Report:
    """The report at `path`, checked whole; `ReportProblem` (one line) when it is not one."""
    try:
        if not path.is_file():
            raise ReportProblem("not a file" if path.exists() else "no such file")
        with path.open("rb") as stream:
            raw = stream.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise ReportProblem(f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise ReportProblem(f"larger than {MAX_REPORT_BYTES >> 20} MiB: not a verify report")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReportProblem("not UTF-8 text: not a verify report") from None
    except json.JSONDecodeError as exc:
        raise ReportProblem(f"not JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg})") from None
    except RecursionError:
        raise ReportProblem("JSON nested too deeply: not a verify report") from None
    return parse_report(data)


def parse_report(data: Any) -> Report:
    if isinstance(data, dict) and data.get("format") != FORMAT:
        found = _cut(data["format"]) if "format" in data else "missing"
        raise ReportProblem(f"format: {found} is not {FORMAT!r} (a report written by "
                            "faxage-sim verify --report)")
    top = _object(data, "the file", _TOP_KEYS, required={"format", "url", "account",
                                                         "allow_send", "cases"})
    _kinds(top, "", {"tool": (str,), "source": (str,), "local": (bool,), "when": (str,),
                     "seconds": (int, float), "could_not_check": (str, type(None)),
                     "summary": (dict,), "coverage": (dict, type(None))})
    url = _string(top["url"], "url", 2000)
    source = _string(top.get("source") or "", "source", 2000)
    tool = _string(top.get("tool") or "", "tool", 200)
    account = _object(top["account"], "account", _ACCOUNT_KEYS,
                      required={"username", "company"})
    username = _string(account["username"], "account.username", 200)
    if not username:
        raise ReportProblem("account.username: empty")
    company = _string(account["company"], "account.company", 12)
    if not re.fullmatch(r"[0-9]{1,12}", company):
        raise ReportProblem(f"account.company: {_cut(company)} is not a company number")
    did = _optional_number(account.get("did"), "account.did")
    faxno = _optional_number(account.get("faxno"), "account.faxno")
    allow_send = top["allow_send"]
    if not isinstance(allow_send, bool):
        raise ReportProblem("allow_send: not true or false")
    if allow_send and faxno is None:
        raise ReportProblem("account.faxno: missing, and allow_send is true")
    if not isinstance(top["cases"], list):
        raise ReportProblem("cases: not a list")
    if len(top["cases"]) > len(CASES):
        raise ReportProblem(f"cases: {len(top['cases'])}, more than the {len(CASES)} "
                            "verify has")
    by_name = {c.name: c for c in CASES}
    recorded: list[RecordedCase] = []
    seen: set[str] = set()
    for index, item in enumerate(top["cases"]):
        where = f"cases[{index}]"
        entry = _object(item, where, _CASE_KEYS, required={"case", "verdict", "got"})
        _kinds(entry, f"{where}.", {"transcript": (str, type(None)), "step": (str, type(None)),
                                    "decisions": (list,), "request": (dict,), "rules": (str,),
                                    "detail": (str,), "differences": (list,),
                                    "expected": (list,)})
        name = _string(entry["case"], f"{where}.case", 200)
        if name not in by_name:
            raise ReportProblem(f"{where}.case: {_cut(name)} is not a case this version of "
                                "faxage-sim verify knows")
        if name in seen:
            raise ReportProblem(f"{where}.case: {_cut(name)} twice")
        seen.add(name)
        verdict = entry["verdict"]
        if verdict not in _VERDICTS:
            raise ReportProblem(f"{where}.verdict: {_cut(verdict)} is not one of "
                                f"{', '.join(_VERDICTS)}")
        detail = _string(entry.get("detail") or "", f"{where}.detail", 2000)
        got = None if entry["got"] is None else _answer(entry["got"], f"{where}.got")
        if got is None and verdict in ("same", "differs"):
            raise ReportProblem(f"{where}.got: missing, and the verdict is {verdict!r}")
        if by_name[name].kind == "send" and not allow_send:
            raise ReportProblem(f"{where}.case: {name!r} sends, and allow_send is false")
        recorded.append(RecordedCase(by_name[name], verdict, detail, got))
    return Report(source, url, tool, username, company, did, faxno, allow_send,
                  tuple(recorded))


def _answer(data: Any, where: str) -> Answer:
    entry = _object(data, where, _ANSWER_KEYS, required={"status", "content_type"})
    status = entry["status"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ReportProblem(f"{where}.status: {_cut(status)} is not an HTTP status")
    content_type = _string(entry["content_type"], f"{where}.content_type", 1000)
    if ("body" in entry) == ("body_base64" in entry):
        raise ReportProblem(f"{where}: give exactly one of body and body_base64")
    if "body" in entry:
        content = _string(entry["body"], f"{where}.body", MAX_BODY_BYTES).encode()
    else:
        text = _string(entry["body_base64"], f"{where}.body_base64", MAX_BODY_BYTES * 2)
        try:
            content = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ReportProblem(f"{where}.body_base64: not base64") from None
    if len(content) > MAX_BODY_BYTES:
        raise ReportProblem(f"{where}: a body over {MAX_BODY_BYTES} bytes (verify never "
                            "records more)")
    headers = entry.get("headers", [])
    if not isinstance(headers, list) or len(headers) > MAX_HEADERS:
        raise ReportProblem(f"{where}.headers: not a list of at most {MAX_HEADERS} pairs")
    pairs: list[tuple[str, str]] = []
    for number, pair in enumerate(headers):
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(p, str) and len(p) <= 8192 for p in pair)):
            raise ReportProblem(f"{where}.headers[{number}]: not a [name, value] pair of "
                                "texts")
        pairs.append((pair[0], pair[1]))
    truncated = entry.get("truncated", False)
    if not isinstance(truncated, bool):
        raise ReportProblem(f"{where}.truncated: not true or false")
    return Answer(status, content_type, content, tuple(pairs), truncated)


def _object(data: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ReportProblem(f"{where}: not a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ReportProblem(f"{where}: unknown field {_cut(unknown[0])}")
    missing = sorted(required - set(data))
    if missing:
        raise ReportProblem(f"{where}: missing field {missing[0]!r}")
    return data


_KIND_WORDS = {"str": "a text", "int": "a number", "float": "a number",
               "bool": "true or false", "list": "a list", "dict": "an object",
               "NoneType": "null"}


def _kinds(data: dict[str, Any], where: str, kinds: dict[str, tuple[type, ...]]) -> None:
    """The informational fields (replay does not use them) are of their kind when present."""
    for key, allowed in kinds.items():
        if key in data and (not isinstance(data[key], allowed)
                            or (isinstance(data[key], bool) and bool not in allowed)):
            names = dict.fromkeys(_KIND_WORDS[kind.__name__] for kind in allowed)
            raise ReportProblem(f"{where}{key}: not {' or '.join(names)}")


def _string(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ReportProblem(f"{where}: not a text")
    if len(value) > limit:
        raise ReportProblem(f"{where}: longer than {limit} characters")
    return value


def _optional_number(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{10}", value):
        raise ReportProblem(f"{where}: {_cut(value)} is not a 10-digit number")
    return value


def _cut(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
