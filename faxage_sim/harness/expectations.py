"""Matching journal entries against what a test expected, and saying clearly why not.

Journal `fields` hold the POST as PHP parsed it: plain values are strings, arrays are objects
keyed by index (`{"0": "a.pdf"}`), the password is masked and file data replaced by its size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SHOWN_REQUESTS = 15  # the failure message lists at most this many of each kind
SHOWN_VALUE = 40  # characters of one field value


def _normal(value: Any) -> Any:
    """A posted value as the journal has it: arrays as lists, scalars as strings."""
    if isinstance(value, Mapping):
        return [_normal(v) for _, v in sorted(value.items(), key=lambda kv: _index(kv[0]))]
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _index(key: Any) -> tuple[int, str]:
    text = str(key)
    return (int(text), "") if text.isdigit() else (1 << 30, text)


def fields_match(posted: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """Every expected field was posted with that value (`True`/`False` mean "1"/"0")."""
    return all(name in posted and _normal(posted[name]) == _normal(value)
               for name, value in expected.items())


def _show_value(value: Any) -> str:
    normal = _normal(value)
    text = "[" + ", ".join(normal) + "]" if isinstance(normal, list) else normal
    return text if len(text) <= SHOWN_VALUE else text[:SHOWN_VALUE - 1] + "…"


def describe_request(entry: Mapping[str, Any]) -> str:
    """`#12 sendfax faxno=3039911234 recipname=Alice -> JOBID: 100004`"""
    hidden = {"username", "company", "password", "operation"}
    shown = " ".join(f"{k}={_show_value(v)}" for k, v in entry["fields"].items()
                     if k not in hidden)
    operation = entry["operation"] or "(no operation)"
    login = "" if entry["company"] is not None else " [login failed]"
    return (f"#{entry['seq']} {entry['path']} {operation}{login}"
            f"{' ' + shown if shown else ''} -> {entry['first_line']}")


def describe_delivery(delivery: Mapping[str, Any]) -> str:
    """`callback #3 (job 100004) to http://…/notify: delivered, attempts: HTTP 200`"""
    attempts = ", ".join(
        f"HTTP {a['status']}" if a["status"] is not None else str(a["error"])
        for a in delivery["attempts"]) or "none yet"
    return (f"callback #{delivery['id']} ({delivery['kind']} {delivery['ref']}) to "
            f"{delivery['url']}: {delivery['state']}, attempts: {attempts}")


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def describe_mismatch(operation: str, times: int | None, fields: Mapping[str, Any],
                      matching: Sequence[Mapping[str, Any]],
                      seen: Sequence[Mapping[str, Any]], *, company: str, url: str) -> str:
    wanted = "at least once" if times is None else ("never" if times == 0 else _times(times))
    with_fields = (" with " + ", ".join(f"{k}={_show_value(v)}" for k, v in fields.items())
                   if fields else "")
    got = "never" if not matching else _times(len(matching))
    lines = [f"expected {operation!r} {wanted} from company {company}{with_fields}; "
             f"it came {got}."]
    if not seen:
        lines.append(f"No request from company {company} reached the emulator at all: is the "
                     f"client pointed at {url} with this account's credentials?")
        return "\n".join(lines)
    same_op = [e for e in seen if e["operation"] == operation and e not in matching]
    others = [e for e in seen if e["operation"] != operation]
    for title, group in ((f"Matching {operation!r} requests", list(matching) if times else []),
                         (f"Other {operation!r} requests (different fields)", same_op),
                         (f"Other requests from company {company}", others)):
        if group:
            lines.append(f"{title} ({len(group)}):")
            lines.extend("  " + describe_request(e) for e in group[-SHOWN_REQUESTS:])
            if len(group) > SHOWN_REQUESTS:
                lines.append(f"  … and {len(group) - SHOWN_REQUESTS} earlier")
    return "\n".join(lines)
