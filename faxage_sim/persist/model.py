"""The emulator's state as rows of tables, and back: what `--state` files and snapshots hold.

`dump_*` turn live records into `(key..., body)` rows whose body is JSON-ready data (bytes
interned in the `DocumentPool`); `decode_state` checks and decodes a whole set of rows into
records without touching the running emulator; `persist.install` then replaces the
emulator's state with them. So a bad file or upload is refused before anything changes.

Simulated time: each account's clock is saved with its current simulated time and resumes
from it, so pending events (a conversion, a retry, a ringing inbound call, a callback retry)
fire at the same simulated time they were due at before the stop.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterable
from random import Random
from typing import TYPE_CHECKING, Any

from ..core.accounts import Account, AccountSettings, User
from ..core.cdr import CallRecord
from ..core.deliveries import Delivery, DeliveryState
from ..core.inbound import BusyCall, IncomingCall, ReceivedFax
from ..core.inventory import Inventory
from ..core.jobs import FaxJob
from ..core.matching import NumberMatch
from ..core.outbox import OutboxMessage
from ..core.outcomes import TryOutcome
from ..server.journal import JournalEntry
from .codec import CodecError, after_decode, decode, encode
from .decoded import DecodedAccount, DecodedState
from .parts import SAVED_PARTS, check_item, part_rows, where_of
from .parts import TABLE as PARTS_TABLE

if TYPE_CHECKING:
    from ..core.scheduler import ScheduledEvent
    from ..server.state import AppState

SCHEMA_VERSION = 1
FORMAT_NAME = "faxage-sim state"

# Event data values that are records (the rest are plain JSON).
_EVENT_RECORDS: dict[str, Any] = {"call": IncomingCall, "outcome": TryOutcome}
# Pending events a saved state re-creates. Scenario timeline steps are not among them.
JOB_EVENTS = frozenset({"job.conversion", "job.try", "job.retry"})


def _fix_number_match(match: NumberMatch) -> NumberMatch:
    return NumberMatch.of(number=match.number, prefix=match.prefix, pattern=match.pattern)


after_decode(NumberMatch, _fix_number_match)


def to_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def counter_value(counter: itertools.count[int]) -> int:
    """The next value an `itertools.count` gives, without taking it."""
    text = repr(counter)  # "count(123)"
    return int(text[text.index("(") + 1:text.rindex(")")].split(",")[0])


# --- dumping ----------------------------------------------------------------------------

def account_body(account: Account, position: int, generator: Any = None) -> dict[str, Any]:
    """`position`: the account's place among all accounts (listings keep their order);
    `generator`: its inbound traffic generator."""
    desk = account.desk
    return {
        "position": position,
        "settings": encode(AccountSettings, account.settings),
        "users": [encode(User, u) for u in account.users.values()],
        "dids": list(account.dids),
        "disabled_dids": sorted(account.disabled_dids),
        "clock": {"mode": account.clock.mode.value, "speed": account.clock.speed,
                  "now": account.now()},
        "did_urls": dict(account.inbox.did_urls),
        "inbound_in_progress": account.inbox.in_progress,
        "queue_seq": counter_value(desk._queue_seq) if desk is not None else 0,
        "traffic": traffic_body(generator),
    }


def traffic_body(generator: Any) -> dict[str, Any] | None:
    """Where the account's generated callers stand in their random streams, so generated
    calls after a load are the ones the emulator would have made."""
    if generator is None:
        return None
    fake = generator._fake
    return {"rng": encode(Random, generator.rng),
            "faker": None if fake is None else encode(Random, fake.random)}


def job_body(job: FaxJob, account: Account, queued: bool) -> dict[str, Any]:
    body: dict[str, Any] = encode(FaxJob, job)
    event = account.desk.pending.get(job.jobid) if account.desk is not None else None
    body["pending"] = (None if event is None or event.cancelled
                       else {"due": event.due, "data": event_data(event.data or {})})
    body["queued"] = queued
    return body


def event_data(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if key == "runner":  # a scenario timeline step: its spec and its random stream
            value = {"step": encode(_step_spec(), value.step), "rng": encode(Random, value.rng)}
        elif key == "spec":
            value = encode(_scenario_spec(data["kind"]), value)
        elif key in _EVENT_RECORDS:
            value = encode(_EVENT_RECORDS[key], value)
        out[key] = value
    return out


def _step_spec() -> Any:
    from ..scenario.model import StepSpec

    return StepSpec


def _scenario_spec(kind: str) -> Any:
    from ..scenario.model import InboundSpec, OutboundSpec

    return InboundSpec if kind == "scenario.inbound" else OutboundSpec


def _live(event: ScheduledEvent) -> bool:
    """Not a step of a scenario load retired since (it would do nothing)."""
    runner = event.data.get("runner") if event.data is not None else None
    return runner is None or runner.load.active


def account_events(account: Account) -> list[tuple[float, dict[str, Any]]]:
    """The account's pending re-creatable events that are not a job's own next step."""
    kept = sorted(e for e in account.scheduler.events()
                  if e.data is not None and e.data.get("kind") not in JOB_EVENTS and _live(e))
    return [(event.due, event_data(event.data or {})) for event in kept]


def queued_jobids(account: Account) -> set[int]:
    return {j.jobid for j in account.desk.queue} if account.desk is not None else set()


def globals_rows(state: AppState) -> list[tuple[str, str]]:
    sim = state.sim
    counters = sim._counters
    rows: dict[str, Any] = {
        "counters": {
            "jobids": counter_value(counters.jobids),
            "commids": counter_value(counters.commids),
            "companies": counter_value(counters.companies),
            "recvids": counter_value(counters.recvids),
            "nuid": sim.cdrs._next_nuid,
            "deliveries": counter_value(sim.deliveries._ids),
            "emails": counter_value(sim.outbox._ids),
            "journal": counter_value(state.journal._seq),
            "journal_dropped": state.journal.dropped,
        },
        "inventory": encode(Inventory, sim.inventory),
        "faults": fault_rows(state),
        "rules": rule_rows(state),
    }
    return [(name, to_json(value)) for name, value in rows.items()]


def _scenario_rules() -> Any:
    from ..scenario.rules import ActiveRule, ScenarioRules

    return ScenarioRules, ActiveRule


def rule_rows(state: AppState) -> dict[str, Any] | None:
    """The destination rules of loaded scenarios (None when no scenario has any)."""
    layers = state.sim.scenario_rules
    if not layers:
        return None
    layer_type, rule_type = _scenario_rules()
    layer = next((r for r in layers if isinstance(r, layer_type)), None)
    if layer is None:
        return None
    return {"shared": [encode(rule_type, r) for r in layer.shared],
            "by_company": [[c, [encode(rule_type, r) for r in rules]]
                           for c, rules in layer.by_company.items()]}


def fault_rows(state: AppState) -> dict[str, Any]:
    from ..faults.matching import ActiveFault

    if state._faults is None:
        return {"next_id": 1, "faults": []}
    book = state._faults
    return {"next_id": counter_value(book._ids),
            "faults": [encode(ActiveFault, f) for f in book.faults]}


# --- decoding (checks everything, changes nothing) ---------------------------------------

class StateError(ValueError):
    """A state (file or snapshot) that cannot be loaded; the message is one clear line."""

    def __init__(self, message: str) -> None:
        # One printable line whatever the record held (a lone surrogate, a newline).
        line = " ".join(str(message).split("\n"))
        super().__init__(line.encode("utf-8", "backslashreplace").decode("utf-8"))


Rows = dict[str, list[tuple[Any, ...]]]  # table -> rows, each ending with its JSON body


def _body(text: Any, where: str) -> Any:
    from .validate import RecordError, strict_json

    try:
        return strict_json(text, where)
    except RecordError as exc:
        raise StateError(str(exc)) from exc


def _object(text: Any, where: str) -> dict[str, Any]:
    body = _body(text, where)
    if not isinstance(body, dict):
        raise StateError(f"{where}: expected a JSON object, found {str(body)[:60]!r}")
    return body


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StateError(f"{where}: expected a whole number, found {value!r}")
    return value


def _record(cls: Any, data: Any, where: str) -> Any:
    try:
        return decode(cls, data)
    except CodecError as exc:
        raise StateError(f"{where}: {exc}") from exc


def decode_event(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise StateError(f"{where}, field 'kind': a pending event without a kind")
    out = dict(data)
    for key, cls in _EVENT_RECORDS.items():
        if key in out:
            out[key] = _record(cls, out[key], f"{where}, field {key!r}")
    if "runner" in out:
        runner = out["runner"]
        if not isinstance(runner, dict):
            raise StateError(f"{where}, field 'runner': a scenario step without its spec")
        out["runner"] = {"step": _record(_step_spec(), runner.get("step"),
                                         f"{where}, field 'runner.step'"),
                         "rng": _record(Random, runner.get("rng"),
                                        f"{where}, field 'runner.rng'")}
    from .events import REVIVERS

    kind = out["kind"]
    if kind not in REVIVERS:
        raise StateError(f"{where}, field 'kind': unknown kind of pending event "
                         f"{kind[:40]!r}")
    if "spec" in out:
        if kind not in ("scenario.inbound", "scenario.outbound"):
            raise StateError(f"{where}, field 'kind': a {kind} event holds no spec")
        try:
            out["spec"] = _record(_scenario_spec(kind), out["spec"], f"{where}, field 'spec'")
        except StateError:
            other = "scenario.outbound" if kind == "scenario.inbound" else "scenario.inbound"
            with contextlib.suppress(CodecError):
                decode(_scenario_spec(other), out["spec"])
                raise StateError(f"{where}, field 'kind': {kind!r} but its spec is an "
                                 f"{other} one") from None
            raise
    return out


def decode_state(rows: Rows, whole: bool = True) -> DecodedState:
    """Every row decoded, cross-checked and checked against the API's bounds
    (`validate.check_state`); raises `StateError` naming the first problem (its record, and
    its field where one is to blame). `whole`: a complete state, not one account's."""
    from .validate import RecordError, check_state

    where = ["a record"]
    try:
        decoded = _decode_state(rows, where)
        where[0] = "a record"
        check_state(decoded, whole)
        return decoded
    except StateError:
        raise
    except (CodecError, RecordError) as exc:
        text = str(exc)
        raise StateError(text if text.startswith(where[0]) or isinstance(exc, RecordError)
                         else f"{where[0]}: {text}") from exc
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError,
            RecursionError) as exc:
        raise StateError(f"{where[0]} is not valid: {type(exc).__name__}: "
                         f"{str(exc)[:120]}") from exc


def _key(value: Any, where: str) -> int:
    """An integer key column (jobid, recvid, nuid...) as SQLite or JSON gave it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise StateError(f"{where}: its key {str(value)[:60]!r} is not a whole number")
    return value


def _company(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise StateError(f"{where}: its company {str(value)[:60]!r} is not a text")
    return value


def _decode_state(rows: Rows, at: list[str]) -> DecodedState:
    """`at[0]` names the record being decoded (for the message of an unexpected failure)."""
    from ..faults.matching import ActiveFault

    for table, table_rows in rows.items():
        at[0] = f"the {table} table"
        width = {"events": 4, "globals": 2, "journal": 2, "accounts": 2,
                 PARTS_TABLE: 4}.get(table, 3)
        if not isinstance(table_rows, list) or not all(
                isinstance(r, tuple) and len(r) == width for r in table_rows):
            raise StateError(f"the {table} table: expected rows of {width} columns")
    glob: dict[str, Any] = {}
    for name, body in rows.get("globals", []):
        at[0] = f"globals {name}"
        glob[str(name)] = _body(body, at[0])
    for name in ("counters", "inventory", "faults"):
        if name not in glob:
            raise StateError(f"the globals table has no {name!r} row")
    at[0] = "globals counters"
    if not isinstance(glob["counters"], dict):
        raise StateError("globals counters: expected an object")
    counters = {str(k): _int(v, f"globals counters, field {k!r}")
                for k, v in glob["counters"].items()}
    accounts: dict[str, DecodedAccount] = {}
    account_rows = [(_company(company, f"account {company}"),
                     _object(text, f"account {company}"))
                    for company, text in rows.get("accounts", [])]
    account_rows.sort(key=lambda row: row[1].get("position", 0)
                      if isinstance(row[1].get("position", 0), int) else 0)
    for company, data in account_rows:
        where = at[0] = f"account {company}"
        for name in ("clock", "settings", "users", "dids", "disabled_dids", "did_urls",
                     "inbound_in_progress", "queue_seq"):
            if name not in data:
                raise StateError(f"{where}, field {name!r}: missing")
        clock = data["clock"]
        if not isinstance(clock, dict):
            raise StateError(f"{where}, field 'clock': expected an object")
        for name in ("users", "dids", "disabled_dids"):
            if not isinstance(data[name], list):
                raise StateError(f"{where}, field {name!r}: expected a list")
        for name in ("dids", "disabled_dids"):
            if not all(isinstance(d, str) for d in data[name]):
                raise StateError(f"{where}, field {name!r}: expected texts")
        did_urls = data["did_urls"]
        if not isinstance(did_urls, dict) or not all(
                isinstance(v, str) for v in did_urls.values()):
            raise StateError(f"{where}, field 'did_urls': expected an object of texts")
        accounts[company] = DecodedAccount(
            company=company,
            settings=_record(AccountSettings, data["settings"], f"{where}, field 'settings'"),
            users=[_record(User, u, f"{where}, field 'users[{i}]'")
                   for i, u in enumerate(data["users"])],
            dids=list(data["dids"]), disabled_dids=set(data["disabled_dids"]),
            clock=clock, did_urls=dict(did_urls),
            in_progress=_int(data["inbound_in_progress"], f"{where}, field "
                             "'inbound_in_progress'"),
            queue_seq=_int(data["queue_seq"], f"{where}, field 'queue_seq'"),
            traffic=data.get("traffic"))
        traffic = accounts[company].traffic
        if traffic is not None:
            if not isinstance(traffic, dict):
                raise StateError(f"{where}, field 'traffic': expected an object")
            _record(Random, traffic.get("rng"), f"{where}, field 'traffic.rng'")
            if traffic.get("faker") is not None:
                _record(Random, traffic["faker"], f"{where}, field 'traffic.faker'")

    def owner(company: Any, what: str) -> DecodedAccount:
        account = accounts.get(str(company))
        if account is None:
            raise StateError(f"{what} belongs to company {company}, which has no account row")
        return account

    for company, jobid, text in rows.get("jobs", []):
        where = at[0] = f"job {jobid}"
        _key(jobid, where)
        body = _object(text, where)
        if "pending" not in body or "queued" not in body:
            raise StateError(f"{where}, field 'pending': missing")
        pending, queued = body.pop("pending"), body.pop("queued")
        job = _record(FaxJob, body, where)
        if job.jobid != jobid or job.company != company:
            name = "jobid" if job.jobid != jobid else "company"
            raise StateError(f"{where}, field {name!r}: the row's key and its record disagree")
        if pending is not None:
            if not isinstance(pending, dict) or not _number(pending.get("due")):
                raise StateError(f"{where}, field 'pending': expected due and data")
            pending = {"due": float(pending["due"]),
                       "data": decode_event(pending.get("data"), f"{where}, field 'pending'")}
        if not isinstance(queued, bool):
            raise StateError(f"{where}, field 'queued': expected true or false")
        owner(company, where).jobs.append((job, pending, queued))
    for company, recvid, text in rows.get("faxes", []):
        fax = _keyed(ReceivedFax, "fax", recvid, text, at, "recvid")
        owner(company, at[0]).faxes.append(fax)
    for company, seq, text in rows.get("busy_calls", []):
        where = at[0] = f"account {company}, busy call {seq}"
        owner(company, where).busy.append(_record(BusyCall, _body(text, where), where))
    for nuid, company, text in rows.get("cdrs", []):
        record = _keyed(CallRecord, "call record", nuid, text, at, "nuid")
        owner(company, at[0]).cdrs.append(record)
    for company, seq, due, text in rows.get("events", []):
        where = at[0] = f"account {company}, pending event {seq}"
        if not _number(due):
            raise StateError(f"{where}, field 'due': {str(due)[:60]!r} is not a number")
        owner(company, where).events.append(
            (float(due), decode_event(_body(text, where), where)))
    for company, part, seq, text in rows.get(PARTS_TABLE, []):
        where = at[0] = where_of(company, part, seq)
        _key(seq, where)
        saved = SAVED_PARTS.get(part) if isinstance(part, str) else None
        if saved is None:
            raise StateError(f"{where}: {str(part)[:40]!r} is not a part of an account")
        item = _record(saved.record, _body(text, where), where)
        check_item(part, seq, item, where)
        owner(company, where).parts.setdefault(part, []).append((seq, item))
    for account in accounts.values():
        account.jobs.sort(key=lambda j: j[0].jobid)
        account.faxes.sort(key=lambda f: f.recvid)
        account.cdrs.sort(key=lambda r: r.nuid)
        account.events.sort(key=lambda e: e[0])
    deliveries = [_keyed(Delivery, "callback", i, t, at)
                  for i, _c, t in sorted(rows.get("deliveries", []), key=_first_key)]
    emails = [_keyed(OutboxMessage, "email", i, t, at)
              for i, _c, t in sorted(rows.get("emails", []), key=_first_key)]
    journal = [_keyed(JournalEntry, "journal entry", s, t, at)
               for s, t in sorted(rows.get("journal", []), key=_first_key)]
    faults_data = glob["faults"]
    at[0] = "globals faults"
    if not isinstance(faults_data, dict) or not isinstance(faults_data.get("faults"), list):
        raise StateError("globals faults: expected an object with next_id and faults")
    faults = [_record(ActiveFault, f, f"globals faults, field 'faults[{i}]'")
              for i, f in enumerate(faults_data["faults"])]
    at[0] = "globals inventory"
    return DecodedState(
        accounts=accounts, counters=counters,
        inventory=(decode(Inventory, glob["inventory"]) if glob["inventory"] is not None
                   else None),
        faults=faults, fault_next_id=_int(faults_data.get("next_id"),
                                          "globals faults, field 'next_id'"),
        rules=_decode_rules(glob.get("rules")),
        deliveries=deliveries, emails=emails, journal=journal)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _first_key(row: tuple[Any, ...]) -> tuple[int, Any]:
    """Rows sorted by their id, whatever a hostile file put in the id column."""
    key = row[0]
    return (0, key) if isinstance(key, int) and not isinstance(key, bool) else (1, 0)


def _keyed(cls: Any, kind: str, key: Any, text: Any, at: list[str],
           name: str | None = None) -> Any:
    """The record of a row keyed by its id: `name` its id field (`seq` or `id` if not given),
    which must equal the row's key."""
    where = at[0] = f"{kind} {key}"
    _key(key, where)
    record = _record(cls, _body(text, where), where)
    if name is None:
        name = "seq" if hasattr(record, "seq") else "id"
    if getattr(record, name, key) != key:
        raise StateError(f"{where}, field {name!r}: the row's key and its record disagree")
    return record


def _decode_rules(data: Any) -> Any:
    if data is None:
        return None
    layer_type, rule_type = _scenario_rules()
    if not isinstance(data, dict) or not isinstance(data.get("shared"), list) \
            or not isinstance(data.get("by_company"), list):
        raise StateError("globals rules, field 'shared': expected the scenario rules")
    layer = layer_type()
    layer.shared = [_record(rule_type, r, f"globals rules, field 'shared[{i}]'")
                    for i, r in enumerate(data["shared"])]
    for pair in data["by_company"]:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], list)):
            raise StateError("globals rules, field 'shared': expected the scenario rules")
    layer.by_company = {str(c): [_record(rule_type, r, f"globals rules, field "
                                          f"'by_company' ({c}) [{i}]")
                                 for i, r in enumerate(rules)]
                        for c, rules in data["by_company"]}
    return layer


def rows_of_accounts(state: AppState, companies: Iterable[str], *,
                     with_cdrs: bool = True) -> Rows:
    """Every row of the given accounts (the per-account snapshot); without their call
    records if `with_cdrs` is false (`cdr_rows` encodes those, off the event loop)."""
    sim = state.sim
    rows: Rows = {"accounts": [], "jobs": [], "faxes": [], "busy_calls": [], "cdrs": [],
                  "events": [], "deliveries": [], "emails": [], PARTS_TABLE: []}
    positions = {c: i for i, c in enumerate(sim.accounts)}
    for company in companies:
        account = sim.accounts[company]
        rows["accounts"].append((company, to_json(account_body(
            account, positions[company], sim.inbound.generators.get(company)))))
        queued = queued_jobids(account)
        for job in account.jobs.values():
            rows["jobs"].append((company, job.jobid,
                                 to_json(job_body(job, account, job.jobid in queued))))
        for fax in account.inbox.faxes.values():
            rows["faxes"].append((company, fax.recvid, to_json(encode(ReceivedFax, fax))))
        for seq, busy in enumerate(account.inbox.busy_calls):
            rows["busy_calls"].append((company, seq, to_json(encode(BusyCall, busy))))
        cdrs = sim.cdrs._accounts.get(company) if with_cdrs else None
        if cdrs is not None:
            rows["cdrs"].extend(cdr_rows(company, cdrs.by_nuid))
        for seq, (due, data) in enumerate(account_events(account)):
            rows["events"].append((company, seq, due, to_json(data)))
        rows[PARTS_TABLE].extend(part_rows(company, account, to_json=to_json))
    wanted = set(companies)
    for delivery in sim.deliveries.deliveries:
        if delivery.company in wanted:
            rows["deliveries"].append(delivery_row(delivery))
    for message in sim.outbox.messages:
        if message.company in wanted:
            rows["emails"].append(email_row(message))
    return rows


def delivery_row(delivery: Delivery) -> tuple[Any, ...]:
    body = encode(Delivery, delivery)
    if delivery.state is DeliveryState.IN_FLIGHT:
        body["state"] = DeliveryState.SCHEDULED.value  # sent again after a restart
    return (delivery.id, delivery.company, to_json(body))


def email_row(message: OutboxMessage) -> tuple[Any, ...]:
    return (message.id, message.company, to_json(encode(OutboxMessage, message)))


def cdr_rows(company: str, records: Iterable[CallRecord]) -> list[tuple[Any, ...]]:
    return [(r.nuid, company, to_json(encode(CallRecord, r))) for r in records]


def taken_call_records(state: AppState) -> dict[str, list[CallRecord]]:
    """Each account's call records as they are now, for `cdr_rows` to encode elsewhere (a
    worker thread): a copy of the list, not of the records (immutable, only appended to)."""
    sim = state.sim
    return {company: list(cdrs.by_nuid) for company, cdrs in sim.cdrs._accounts.items()
            if company in sim.accounts}


def all_rows(state: AppState, *, with_cdrs: bool = True) -> Rows:
    rows = rows_of_accounts(state, list(state.sim.accounts), with_cdrs=with_cdrs)
    rows["globals"] = globals_rows(state)
    rows["journal"] = [(e.seq, to_json(encode(JournalEntry, e))) for e in state.journal.entries]
    return rows

