"""What is read from a file is input: strict JSON and field-by-field bounds for stored records.

A snapshot, an account restore and a `--state` file go through `strict_json` (no NaN or
Infinity, no nesting past `MAX_RECORD_DEPTH`, no lone surrogates) and `check_state` (every
number finite and within the bounds the API enforces, time zones known, rates capped, ids
within `MAX_STORED_ID`) before anything is replaced. Each refusal is one line naming the
record and the field: ``job 100001, field 'completetime': 1e+300 is after the year 3000``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import random
from typing import TYPE_CHECKING, Any

from ..core.accounts import AccountSettings, RetryPolicy, Timings, User
from ..core.clock import ClockMode
from ..core.timeref import MAX_DURATION_SECONDS
from ..scenario.validate import pattern_matches
from .codec import MAX_FLOAT, SKIPPED_FIELDS, is_record, record_fields

if TYPE_CHECKING:
    from .decoded import DecodedAccount, DecodedState

# Nesting of one stored record's JSON (a job with its pending scenario step is about 8 deep;
# a journal entry's form fields may nest to the form parser's 64).
MAX_RECORD_DEPTH = 80
# Past this, the text is refused before parsing (the parser recurses once per level).
MAX_PARSED_DEPTH = 500
# Every stored time (epoch seconds) and duration: the API starts clocks before 2100 and each
# delay is capped at ten years, so a run never gets near this; dates stay formattable in
# every zone with centuries to spare.
MAX_STORED_TIME = MAX_FLOAT  # 3000-01-01T00:00:00Z
# Every stored id and counter (jobid, commid, recvid, nuid, callback and email ids...). Far
# above what a run hands out (a million a second for thirty years) and 9,000 times below
# SQLite's signed 64-bit limit, so no restored id can push a shared counter to overflow.
MAX_STORED_ID = 10**15
# Counters and reserved marks run ahead of the ids (a block of reservations, the id after a
# restored one): twice the id bound, still 4,000 times below SQLite's limit.
MAX_STORED_COUNTER = 2 * MAX_STORED_ID
MIN_STORED_INT = -(2**63)
MAX_STORED_INT = 2**63 - 1
MAX_STORED_PAGES = 10_000  # pages of one stored job or fax (pages x seconds stay in range)
MAX_STORED_STRING = 16 << 20  # characters of one stored text (a journal answer, say)
MAX_USERS = 1000  # as POST /_sim/accounts
MAX_DIDS = 10_000
RESOLUTIONS = frozenset({0, 1, 2})
COUNTER_NAMES = ("jobids", "commids", "companies", "recvids", "nuid", "deliveries", "emails",
                 "journal", "journal_dropped")


class RecordError(ValueError):
    """One stored value out of bounds; `str()` names the record and the field."""


class _Constant(str):
    """Where the text held NaN, Infinity or -Infinity (found afterwards, to name the field)."""


def _path_of_constant(value: Any) -> tuple[str, str] | None:
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, at = stack.pop()
        if isinstance(item, _Constant):
            return at, str(item)
        if isinstance(item, dict):
            stack.extend((v, f"{at}.{k}" if at else str(k)) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{at}[{i}]") for i, v in enumerate(item))
    return None


def strict_json(text: Any, where: str) -> Any:
    """`text` parsed as standard JSON: no NaN/Infinity, bounded nesting, valid Unicode."""
    if not isinstance(text, str):
        raise RecordError(f"{where}: the record is not JSON text")
    if len(text) > MAX_STORED_STRING * 2:
        raise RecordError(f"{where}: the record is larger than {MAX_STORED_STRING * 2} "
                          "characters")
    if _depth_exceeds(text, MAX_PARSED_DEPTH):
        raise RecordError(f"{where}: the record is not valid JSON here: it nests deeper than "
                          f"{MAX_PARSED_DEPTH} levels")
    seen: list[str] = []
    out_of_range: list[str] = []

    def constant(name: str) -> _Constant:
        seen.append(name)
        return _Constant(name)

    # Every number is range-checked as it is parsed (cheap); only a record holding one out
    # of range is walked, to name the field.
    def parse_float(literal: str) -> float:
        number = float(literal)
        if not 0.0 <= number <= MAX_STORED_TIME:  # NaN and the infinities fail this too
            out_of_range.append(literal)
        return number

    def parse_int(literal: str) -> int:
        number = int(literal)
        if not MIN_STORED_INT <= number <= MAX_STORED_INT:
            out_of_range.append(literal)
        return number

    try:
        value = json.loads(text, parse_constant=constant, parse_float=parse_float,
                           parse_int=parse_int)
    except (ValueError, RecursionError) as exc:
        raise RecordError(f"{where}: the record is not valid JSON ({_short(exc)})") from exc
    if text.count("[") + text.count("{") > MAX_RECORD_DEPTH:
        deep = _too_deep(value, MAX_RECORD_DEPTH)
        if deep is not None:
            raise RecordError(f"{where}, field {deep or 'value'!r}: nests deeper than "
                              f"{MAX_RECORD_DEPTH} levels")
    if out_of_range or "\\ud" in text or "\\uD" in text:  # a number, or a surrogate
        check_values(value, where)
    if seen:
        found = _path_of_constant(value)
        at, name = found if found is not None else ("value", seen[0])
        raise RecordError(f"{where}, field {at or 'value'!r}: {name} is not a number JSON "
                          "allows")
    return value


def _depth_exceeds(text: str, limit: int) -> bool:
    """Brackets outside strings nest deeper than `limit` (checked before parsing, so a deep
    document costs one linear scan and never the parser's recursion)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _too_deep(value: Any, limit: int) -> str | None:
    """Where a parsed value nests past `limit` levels: the top-level field's path (None:
    it does not). Iterative: no recursion."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, at = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return at
            if isinstance(item, dict):
                stack.extend((v, depth + 1, at if depth else str(k)) for k, v in item.items())
            else:
                stack.extend((v, depth + 1, at) for v in item)
    return None


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- every value of every record -----------------------------------------------------------

def check_values(value: Any, where: str, path: str = "") -> None:
    """Walk a decoded record: numbers finite and in range, texts valid Unicode and bounded."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, at = stack.pop()
        if item is None or isinstance(item, bool | bytes | enum.Enum | random.Random):
            continue
        if isinstance(item, float):
            if at.endswith("rng[2]") and math.isfinite(item) \
                    and abs(item) <= MAX_STORED_TIME:
                continue  # a random stream's spare normal deviate (Random.getstate()[2])
            if not math.isfinite(item) or not 0.0 <= item <= MAX_STORED_TIME:
                raise RecordError(f"{where}, field {at or 'value'!r}: {_shown(item)} is not "
                                  f"a time or duration between 0 and {MAX_STORED_TIME:.0f}")
        elif isinstance(item, int):
            if not MIN_STORED_INT <= item <= MAX_STORED_INT:
                raise RecordError(f"{where}, field {at or 'value'!r}: {_shown(item)} is "
                                  "outside SQLite's signed 64-bit range")
            # By name, wherever they are: page counts drive loops, ids feed shared counters.
            last = at.rsplit(".", 1)[-1]
            if last.endswith(("pages", "pagecount")):
                _within(where, at, item, 0, MAX_STORED_PAGES)
            elif last.endswith(("id", "ids")) or last in ("seq", "nuid", "ref"):
                _within(where, at, item, 0, MAX_STORED_ID)
        elif isinstance(item, str):
            _check_text(item, where, at)
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str):
                    _check_text(key, where, at)
                stack.append((child, f"{at}.{key}" if at else str(key)))
        elif isinstance(item, list | tuple | set | frozenset):
            for index, child in enumerate(item):
                stack.append((child, f"{at}[{index}]"))
        elif is_record(type(item)):
            for f in record_fields(item):
                if f.name not in SKIPPED_FIELDS:
                    name = f.name
                    stack.append((getattr(item, f.name), f"{at}.{name}" if at else name))
        # anything else came out of the codec's own checks (a Clock spec, say)


def _check_text(text: str, where: str, at: str) -> None:
    if len(text) > MAX_STORED_STRING:
        raise RecordError(f"{where}, field {at or 'value'!r}: a text of {len(text)} "
                          f"characters (at most {MAX_STORED_STRING})")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RecordError(f"{where}, field {at or 'value'!r}: not valid Unicode "
                              "(a lone surrogate)") from exc


def _field(where: str, name: str, message: str) -> RecordError:
    return RecordError(f"{where}, field {name!r}: {message}")


def _within(where: str, name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise _field(where, name, f"{_shown(value)} is not between {low:g} and {high:g}")


def _id(where: str, name: str, value: int | None, low: int = 0) -> None:
    if value is not None:
        _within(where, name, value, low, MAX_STORED_ID)


# --- the records, field by field (the API's bounds) ----------------------------------------

def check_settings(settings: AccountSettings, where: str) -> None:
    from ..core.settings import SettingsError, _check_zone
    from ..scenario.schema import SETTING_MAXIMA

    where = f"{where}, settings"
    for name, high in SETTING_MAXIMA.items():
        for owner in (settings, settings.timings, settings.callback_policy):
            if hasattr(owner, name):
                _within(where, name, getattr(owner, name), 0, high)
    for owner in (settings, settings.timings, settings.callback_policy):
        assert isinstance(owner, AccountSettings | Timings | RetryPolicy)
        for f in dataclasses.fields(owner):
            value = getattr(owner, f.name)
            if f.name.endswith("_seconds") and isinstance(value, float):
                _within(where, f.name, value, 0, MAX_DURATION_SECONDS)
    try:
        _check_zone(settings.timezone, "timezone")
    except SettingsError as exc:
        raise _field(where, "timezone", f"unknown time zone {_shown(settings.timezone)}") \
            from exc
    if settings.timezone != settings.timezone.strip() or ".." in settings.timezone \
            or settings.timezone.startswith("/"):
        raise _field(where, "timezone", f"unknown time zone {_shown(settings.timezone)}")
    if settings.fax_format.lower() not in ("pdf", "tiff", "tif"):
        raise _field(where, "fax_format", "expected pdf or tiff")
    if settings.default_resolution not in RESOLUTIONS:
        raise _field(where, "default_resolution", "expected 0, 1 or 2")
    url = settings.inbound_url
    if url and (not url.lower().startswith(("http://", "https://")) or len(url) > 2048):
        raise _field(where, "inbound_url", "expected an http:// or https:// URL (or null)")
    pages = settings.timings.page_seconds
    if 0 not in pages or not set(pages) <= RESOLUTIONS:
        raise _field(where, "timings.page_seconds",
                     "expected seconds for resolution 0 (and only 0, 1, 2)")
    for resolution, seconds in pages.items():
        _within(where, f"timings.page_seconds.{resolution}", seconds, 0, MAX_DURATION_SECONDS)


def check_clock(clock: Any, where: str) -> None:
    from ..scenario.declare import MAX_CLOCK_SPEED

    where = f"{where}, clock"
    if not isinstance(clock, dict):
        raise RecordError(f"{where}: expected an object with mode, speed and now")
    mode = clock.get("mode")
    if not isinstance(mode, str) or mode not in ClockMode._value2member_map_:
        raise _field(where, "mode", f"{_shown(mode)} is not one of "
                     f"{', '.join(m.value for m in ClockMode)}")
    for name, low, high in (("speed", 0.0, float(MAX_CLOCK_SPEED)),
                            ("now", 0.0, MAX_STORED_TIME)):
        value = clock.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise _field(where, name, f"{_shown(value)} is not a number")
        _within(where, name, value, low, high)


def check_account(account: DecodedAccount) -> None:
    from ..core.jobs import JobState

    where = f"account {account.company}"
    if not account.company or len(account.company) > 64:
        raise _field(where, "company", "expected 1 to 64 characters")
    check_settings(account.settings, where)
    check_clock(account.clock, where)
    if len(account.users) > MAX_USERS:
        raise _field(where, "users", f"more than {MAX_USERS}")
    if len(account.dids) > MAX_DIDS:
        raise _field(where, "dids", f"more than {MAX_DIDS}")
    for user in account.users:
        assert isinstance(user, User)
        if not user.username:
            raise _field(where, "users", "a user without a name")
    _within(where, "inbound_in_progress", account.in_progress, 0, 1000)
    _id(where, "queue_seq", account.queue_seq)
    check_values(account.did_urls, where, "did_urls")
    check_values(account.dids, where, "dids")
    check_values(account.users, where, "users")
    for job, pending, _queued in account.jobs:
        at = f"job {job.jobid}"
        _id(at, "jobid", job.jobid, 1)
        _id(at, "commid", job.commid, 1)
        _id(at, "queue_seq", job.queue_seq)
        _within(at, "pagecount", job.pagecount, 0, MAX_STORED_PAGES)
        _within(at, "xmitpages", job.xmitpages, 0, MAX_STORED_PAGES)
        _within(at, "tries", job.tries, 0, 1000)
        _within(at, "xmittime", job.xmittime, 0, MAX_STORED_TIME)
        if job.resolution not in RESOLUTIONS:
            raise _field(at, "resolution", "expected 0, 1 or 2")
        if job.line is not None:
            _within(at, "line", job.line, 0, 1000)
        if job.state is JobState.TRANSMITTING and job.line is None:
            raise _field(at, "line", "a transmitting job without its line")
        for index, attempt in enumerate(job.attempts):
            _within(at, f"attempts[{index}].number", attempt.number, 0, 1000)
            _within(at, f"attempts[{index}].line", attempt.line, 0, 1000)
            _within(at, f"attempts[{index}].pages_sent", attempt.pages_sent, 0,
                    MAX_STORED_PAGES)
            _within(at, f"attempts[{index}].connected_seconds", attempt.connected_seconds, 0,
                    MAX_STORED_TIME)
        if pending is not None:
            _within(at, "pending.due", pending["due"], 0, MAX_STORED_TIME)
            check_event(pending["data"], at, "pending.data", account)
    for fax in account.faxes:
        at = f"fax {fax.recvid}"
        _id(at, "recvid", fax.recvid, 1)
        _within(at, "pagecount", fax.pagecount, 0, MAX_STORED_PAGES)
        if fax.document is not None:
            _within(at, "document.pages", fax.document.pages, 0, MAX_STORED_PAGES)
    for record in account.cdrs:
        at = f"call record {record.nuid}"
        _id(at, "nuid", record.nuid, 1)
        _within(at, "calldate", record.calldate, 0, MAX_STORED_TIME)
        _within(at, "duration", record.duration, 0, 86_400)
    for index, (due, event) in enumerate(account.events):
        at = f"{where}, pending event {index}"
        _within(at, "due", due, 0, MAX_STORED_TIME)
        check_event(event, at, "data", account)
    if account.traffic is not None and not isinstance(account.traffic, dict):
        raise _field(where, "traffic", "expected an object")
    # Account parts (port requests...) are checked as they are decoded (`persist.parts`).


def check_declared_text(where: str, name: str, value: Any, schema: dict[str, Any]) -> None:
    """A text within what the scenario schema (and so the control plane) accepts; the same
    match as `scenario.validate`, so nothing the API took is refused on load."""
    if not isinstance(value, str):
        raise _field(where, name, f"expected a text, found {_shown(value)}")
    if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        raise _field(where, name, f"expected {schema.get('minLength', 0)} to "
                     f"{schema.get('maxLength')} characters")
    if "pattern" in schema and not pattern_matches(schema["pattern"], value):
        raise _field(where, name, f"{_shown(value)} does not match {schema['pattern']}")


def check_time(where: str, name: str, value: Any, optional: bool = False) -> None:
    """A stored time: a number from 0 to `MAX_STORED_TIME` (or None if `optional`)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _field(where, name, f"{_shown(value)} is not a time")
    _within(where, name, value, 0, MAX_STORED_TIME)


# What each kind of pending event needs in its data (beyond its kind), and of which type.
_INT, _FLOAT, _TEXT = "a whole number", "a number", "a text"
EVENT_FIELDS: dict[str, dict[str, str]] = {
    "job.conversion": {"jobid": _INT},
    "job.retry": {"jobid": _INT},
    "job.connect": {"jobid": _INT},
    "job.try": {"jobid": _INT, "started": _FLOAT, "connected": _FLOAT, "pages": _INT},
    "inbound.call": {"start": _FLOAT},
    "inbound.ring": {},
    "inbound.traffic": {},
    "delivery": {"id": _INT},
    "scenario.step": {},
    "scenario.inbound": {"did": _TEXT},
    "scenario.outbound": {"username": _TEXT, "number": _TEXT, "pages": _INT, "n": _INT},
    "scenario.unreadable": {"did": _TEXT},
}
EVENT_RECORDS: dict[str, tuple[str, ...]] = {  # decoded records the reviver uses
    "job.try": ("outcome",), "inbound.call": ("call",), "inbound.ring": ("call",),
    "scenario.step": ("runner",), "scenario.inbound": ("runner", "spec"),
    "scenario.outbound": ("runner", "spec"), "scenario.unreadable": (),
}


def check_event(data: dict[str, Any], where: str, name: str, account: DecodedAccount) -> None:
    kind = data["kind"]
    needs = EVENT_FIELDS.get(kind)
    if needs is None:
        raise _field(where, f"{name}.kind", f"unknown kind of pending event {_shown(kind)}")
    for key, what in needs.items():
        value = data.get(key)
        ok = (isinstance(value, int) and not isinstance(value, bool)) if what == _INT else \
            (isinstance(value, int | float) and not isinstance(value, bool)) \
            if what == _FLOAT else isinstance(value, str)
        if not ok:
            raise _field(where, f"{name}.{key}", f"expected {what}, found {_shown(value)}")
    for key in EVENT_RECORDS.get(kind, ()):
        if data.get(key) is None:
            raise _field(where, f"{name}.{key}", "missing")
    for key in ("pages", "n"):
        if key in needs:
            _within(where, f"{name}.{key}", data[key], 0, MAX_STORED_PAGES)
    for key, what in needs.items():  # times and durations: a negative try's length would end
        if what == _FLOAT:            # as a job's xmittime the next save then refuses
            _within(where, f"{name}.{key}", data[key], 0, MAX_STORED_TIME)
    check_values({k: v for k, v in data.items() if k != "kind"}, where, name)
    runner = data.get("runner")
    step = runner.get("step") if isinstance(runner, dict) else getattr(runner, "step", None)
    if step is not None:
        check_declared_part(step, where, f"{name}.runner.step")
    if data.get("spec") is not None and kind in ("scenario.inbound", "scenario.outbound"):
        check_declared_part(data["spec"], where, f"{name}.spec")


def check_declared_part(part: Any, where: str, name: str) -> None:
    """A stored scenario part (a timeline step still to come, its inbound or outbound spec)
    checked against its own declarations, as a scenario file's would be: each field that
    holds its checked value as it is (no reader) by its schema, each nested part likewise,
    a settings change as the change itself. What a reader made (a time, a duration, a page
    range) the codec has typed, and the stored bounds hold."""
    import dataclasses

    from ..scenario.declare import declared_fields
    from ..scenario.schema import scenario_schema
    from ..scenario.validate import Validator

    validator = Validator(scenario_schema())
    for f in declared_fields(type(part)):
        value = getattr(part, f.name)
        at = f"{name}.{f.name}"
        if f.name == "where" or (value is None and f.default is None):
            continue  # a part leaves out what it does not do (None is a field's absence)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            check_declared_part(value, where, at)
        elif f.name == "settings":
            _check_setting_changes(value, where, at)
        elif f.metadata.get("read") is None:
            problems = validator.problems(value, f.metadata["schema"])
            if problems:
                raise _field(where, at, problems[0])


def _check_setting_changes(changes: Any, where: str, name: str) -> None:
    """A stored scenario step's settings change is checked as the change itself will be
    (`apply_fields`, on a scratch copy): refused on load, not a failure when it comes due."""
    import copy

    from ..core.settings import SettingsError, apply_fields

    try:
        apply_fields(AccountSettings(), copy.deepcopy(changes))
    except SettingsError as exc:
        raise _field(where, name, str(exc)) from exc


def check_fault(fault: Any, where: str) -> None:
    """An injected fault within what `POST /_sim/faults` accepts."""
    from ..faults.spec import DISTRIBUTIONS, HTTP_STATUSES

    check_values(fault, where)
    _id(where, "id", fault.id)
    spec = fault.spec
    if spec.status is not None and spec.status not in HTTP_STATUSES:
        raise _field(where, "spec.status", f"{_shown(spec.status)} is not one of "
                     f"{', '.join(map(str, HTTP_STATUSES))}")
    if spec.server not in (None, "php", "nginx"):
        raise _field(where, "spec.server", "expected php or nginx")
    if spec.probability is not None:
        _within(where, "spec.probability", spec.probability, 0, 1)
    for name in ("nth", "every", "hits"):
        value = getattr(spec, name)
        if value is not None:
            _within(where, f"spec.{name}", value, 1, MAX_STORED_ID)
    for name in ("after", "truncate_keep"):
        value = getattr(spec, name)
        if value is not None:
            _within(where, f"spec.{name}", value, 0, MAX_STORED_ID)
    for name in ("duration", "hang_max"):
        value = getattr(spec, name)
        if value is not None:
            _within(where, f"spec.{name}", value, 0, MAX_DURATION_SECONDS)
    if spec.latency is not None:
        if spec.latency.distribution not in DISTRIBUTIONS:
            raise _field(where, "spec.latency.distribution",
                         f"expected one of {', '.join(DISTRIBUTIONS)}")
        for f in dataclasses.fields(spec.latency):
            value = getattr(spec.latency, f.name)
            if isinstance(value, float):
                _within(where, f"spec.latency.{f.name}", value, 0, MAX_DURATION_SECONDS)
    if spec.drip is not None:
        _within(where, "spec.drip.chunk_bytes", spec.drip.chunk_bytes, 1, 1 << 30)
        _within(where, "spec.drip.interval", spec.drip.interval, 0, MAX_DURATION_SECONDS)
    for name in ("seen", "fired"):
        _within(where, name, getattr(fault, name), 0, MAX_STORED_ID)


def check_counters(counters: dict[str, int], required: bool = True,
                   where: str = "globals counters") -> None:
    for name in COUNTER_NAMES:
        if name not in counters:
            if required:
                raise RecordError(f"{where}, field {name!r}: missing")
            continue
        _within(where, name, counters[name], 0, MAX_STORED_COUNTER)


def check_state(decoded: DecodedState, whole: bool = True) -> None:
    """Every record of a decoded state within the API's bounds; raises `RecordError`.
    `whole`: a complete state (its counters must be there), not one account's snapshot."""
    check_counters(decoded.counters, required=whole)
    _id("faults", "next_id", decoded.fault_next_id)
    for account in decoded.accounts.values():
        check_account(account)
    for delivery in decoded.deliveries:
        at = f"callback {delivery.id}"
        check_values(delivery, at)
        _id(at, "id", delivery.id, 1)
        _id(at, "ref", delivery.ref)
        _within(at, "attempts_allowed", delivery.attempts_allowed, 0, 1000)
        _within(at, "timeout_seconds", delivery.timeout_seconds, 0, 86_400)
    for message in decoded.emails:
        at = f"email {message.id}"
        _id(at, "id", message.id, 1)
        _id(at, "jobid", message.jobid)
    for entry in decoded.journal:
        at = f"journal entry {entry.seq}"
        _id(at, "seq", entry.seq)
    for fault in decoded.faults:
        check_fault(fault, f"fault {fault.id}")
    if decoded.inventory is not None:
        check_values(decoded.inventory, "globals inventory")
    if decoded.rules is not None:
        check_values({"shared": decoded.rules.shared, "by_company": decoded.rules.by_company},
                     "globals rules")

