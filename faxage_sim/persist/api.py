"""The persistence API: the `--state FILE` database, whole-state snapshots, account snapshots.

* `open_state` / `attach`: `faxage-sim serve --state FILE` (load, then keep saving);
* `snapshot_bytes` / `load_snapshot`: `GET`/`PUT /_sim/snapshot` (one SQLite file);
* `account_snapshot` / `restore_account`: one account as JSON (the pytest handle's
  `snapshot()`/`restore()`).

Nothing here is imported unless one of these is used, so the default in-memory emulator pays
nothing for it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .codec import CodecError, DocumentPool, use_pool
from .decoded import DecodedState
from .install import install
from .model import (
    SCHEMA_VERSION,
    Rows,
    StateError,
    all_rows,
    decode_state,
    rows_of_accounts,
)
from .store import StateFile, StateFileError

if TYPE_CHECKING:
    from ..core.cdr import AccountCdrs
    from ..server.state import AppState
    from .writer import Persister

__all__ = ["LoadedState", "StateError", "StateFileError", "account_snapshot", "attach",
           "load_snapshot", "open_state", "restore_account", "snapshot_bytes"]


@dataclass
class LoadedState:
    file: StateFile
    decoded: DecodedState | None  # None: a new (empty) file
    pool: DocumentPool
    marks: dict[str, int] | None = None  # ids reserved by the run that wrote the file


def _decode(rows: Rows, documents: dict[str, bytes], whole: bool = True,
            pool: DocumentPool | None = None) -> tuple[DecodedState, DocumentPool]:
    pool = pool if pool is not None else DocumentPool(documents)
    use_pool(pool)
    try:
        return decode_state(rows, whole), pool
    except CodecError as exc:
        raise StateError(str(exc)) from exc
    finally:
        use_pool(None)


def open_state(path: str) -> LoadedState:
    """Open, lock and read FILE; raises `StateFileError` (one line) when it cannot be used."""
    from . import store

    file = store.open_state_file(path)
    source = store.StateDocuments(file.path)
    if not file.existed:
        file.open_for_writing()
        return LoadedState(file, None, DocumentPool(source=source))
    try:
        rows = store.read_rows(file.conn, str(path))
        # Jobs' documents stay in the file, read when asked (`store.StateDocuments`).
        lengths = store.read_document_lengths(file.conn, str(path))
        decoded, pool = _decode(rows, {}, pool=DocumentPool(source=source, lengths=lengths))
        pool.lengths = {}  # its documents know they are in the file (`Document.source`)
        for account in decoded.accounts.values():
            for job, _event, _queued in account.jobs:
                if job.pending:  # to be sent: its documents in memory, as when posted
                    for document in job.documents:
                        document.bring_back()
        marks = _marks(file)
    except StateError as exc:
        file.close()  # refused: the file is left exactly as it was
        message = str(exc)
        if not message.startswith(str(path)):
            message = f"{path} is corrupt: {message}"
        raise StateFileError(f"--state {message}") from exc
    file.open_for_writing()
    import sqlite3

    try:
        store.add_new_tables(file.conn)
    except sqlite3.Error as exc:
        file.close()
        raise StateFileError(f"--state {path}: {exc}") from exc
    return LoadedState(file, decoded, pool, marks)


def _marks(file: StateFile) -> dict[str, int]:
    import sqlite3

    from .sequences import read_marks
    from .validate import RecordError

    try:
        return read_marks(file.conn)
    except (RecordError, sqlite3.DatabaseError) as exc:
        raise StateError(str(exc)) from exc


def attach(state: AppState, loaded: LoadedState) -> Persister:
    """Install what the file held (if anything) and keep the file up to date from now on."""
    from .writer import Persister

    if loaded.decoded is not None:
        install(state, loaded.decoded)
    persister = Persister(state, loaded.file, loaded.pool, marks=loaded.marks)
    persister.attach()
    if loaded.decoded is None:
        persister.everything_changed()  # a new file: write the whole (fresh) state now
        persister.save_now()
    return persister


def restored_summary(loaded: LoadedState) -> dict[str, int] | None:
    return loaded.decoded.summary() if loaded.decoded is not None else None


# --- whole-state snapshots ---------------------------------------------------------------

def _rows(state: AppState, *, with_cdrs: bool = True) -> tuple[Rows, DocumentPool]:
    """The running state as rows, encoded on the loop in one step, and the pool of the
    documents they name (their bytes read back from it elsewhere: `materialized`); without
    the call records if `with_cdrs` is false (immutable: they are taken apart)."""
    pool = DocumentPool()
    use_pool(pool)
    try:
        return all_rows(state, with_cdrs=with_cdrs), pool
    finally:
        use_pool(None)


def _rows_and_files(state: AppState) -> tuple[Rows, dict[str, bytes]]:
    """Every record of the running state as rows, and the documents they name."""
    rows, pool = _rows(state)
    return rows, pool.materialized()


def snapshot_bytes(state: AppState) -> bytes:
    from . import store

    return store.to_bytes(*_rows_and_files(state))


async def snapshot_bytes_off_loop(state: AppState) -> bytes:
    """`snapshot_bytes` that does not stall other clients: what can change is encoded on the
    loop, in one step; call records (immutable, appended only) are taken as they are now —
    a copy of each account's list — and encoded, with the whole SQLite file, in a worker
    thread. A million records took GET /_sim/snapshot 22.3 s on the loop."""
    import asyncio

    from . import store
    from .model import cdr_rows, taken_call_records

    rows, pool = _rows(state, with_cdrs=False)
    records = taken_call_records(state)

    def build() -> bytes:
        for company, taken in records.items():
            rows["cdrs"].extend(cdr_rows(company, taken))
        return store.to_bytes(rows, pool.materialized())

    return await asyncio.to_thread(build)


def decode_snapshot(data: bytes) -> DecodedState:
    """A snapshot file's records, decoded and checked whole (`StateError` if bad). Touches no
    running state: `load_snapshot_off_loop` runs it in a worker thread."""
    from . import store

    rows, documents = store.from_bytes(data)
    decoded, _pool = _decode(rows, documents)
    for account in decoded.accounts.values():
        account.index_cdrs()  # here, not in the install on the loop
    return decoded


async def load_snapshot_off_loop(state: AppState, data: bytes) -> dict[str, int]:
    """`load_snapshot` that does not stall other clients: the file is read, decoded and
    checked in a worker thread (seconds for a big state); only the install runs on the loop."""
    import asyncio

    decoded = await asyncio.to_thread(decode_snapshot, data)
    return install_snapshot(state, decoded)


def load_snapshot(state: AppState, data: bytes) -> dict[str, int]:
    """Replace the whole state with a snapshot, checked whole first (`StateError` if bad:
    nothing has changed then)."""
    return install_snapshot(state, decode_snapshot(data))


def install_snapshot(state: AppState, decoded: DecodedState) -> dict[str, int]:
    """Replace the whole state with decoded, checked records."""
    # Checked whole before; should installing still fail, the state before it is put back.
    backup = _current(state)
    try:
        install(state, decoded)
    except Exception as exc:
        backup.put_back(state)
        raise StateError(f"the snapshot could not be installed ({type(exc).__name__}: "
                         f"{str(exc)[:120]}); nothing changed") from exc
    finally:
        if state.persister is not None:
            state.persister.ids_replaced()
    if state.persister is not None:
        state.persister.everything_changed()  # its documents are written with it
    return decoded.summary()


@dataclass
class _Backup:
    """The running state, kept to put back should an install fail. What can change is
    encoded (in one step on the loop, as `GET /_sim/snapshot` takes it) and decoded only if
    it is put back; call records, immutable and only appended to, are kept as they are: an
    install replaces the store's indexes and never touches one. (Encoding and decoding the
    whole state here took 8.8 s for 200,000 call records, on the loop.)"""

    rows: Rows
    documents: DocumentPool
    cdrs: dict[str, AccountCdrs]

    def put_back(self, state: AppState) -> None:
        decoded, _pool = _decode(self.rows, self.documents.materialized())
        install(state, decoded)
        kept = state.sim.cdrs._accounts
        kept.update((company, index) for company, index in self.cdrs.items()
                    if company in state.sim.accounts)


def _current(state: AppState) -> _Backup:
    return _Backup(*_rows(state, with_cdrs=False), dict(state.sim.cdrs._accounts))


# --- account snapshots (JSON) ------------------------------------------------------------

ACCOUNT_FORMAT = "faxage-sim account snapshot"


def account_snapshot(state: AppState, company: str, *, with_cdrs: bool = True) -> dict[str, Any]:
    from ..faults.matching import ActiveFault
    from .codec import encode
    from .model import _scenario_rules

    pool = DocumentPool()
    use_pool(pool)
    try:
        rows = rows_of_accounts(state, [company], with_cdrs=with_cdrs)
        faults = [encode(ActiveFault, f) for f in
                  (state._faults.faults if state._faults is not None else [])
                  if f.owner == company]
        layer_type, rule_type = _scenario_rules()
        layer = next((r for r in state.sim.scenario_rules if isinstance(r, layer_type)), None)
        rules = [encode(rule_type, r) for r in
                 (layer.by_company.get(company, []) if layer is not None else [])]
    finally:
        use_pool(None)
    return {
        "format": ACCOUNT_FORMAT, "schema_version": SCHEMA_VERSION, "company": company,
        "tables": {name: [list(r) for r in table] for name, table in rows.items()},
        "documents": {k: base64.b64encode(v).decode("ascii")
                      for k, v in pool.materialized().items()},
        "faults": faults, "rules": rules,
    }


async def restore_account_off_loop(state: AppState, company: str,
                                   snapshot: Any) -> dict[str, int]:
    """`restore_account` with the snapshot decoded and checked in a worker thread."""
    import asyncio

    decoded = await asyncio.to_thread(_decode_account_snapshot, snapshot)
    return restore_account(state, company, snapshot, decoded=decoded)


def restore_account(state: AppState, company: str, snapshot: Any,
                    decoded: DecodedState | None = None) -> dict[str, int]:
    """Make account `company` a copy of the snapshot's account: settings, clock, jobs,
    faxes, busy calls, call records, callbacks, emails and pending events. The account keeps
    its own users (credentials) and numbers: the snapshot's numbers map onto the account's in
    order (more are allocated if the snapshot had more). Checked whole before any change."""
    if decoded is None:
        decoded = _decode_account_snapshot(snapshot)
    if len(decoded.accounts) != 1:
        raise StateError("an account snapshot holds exactly one account")
    # To put back should the restore fail half-way (it was checked whole: unlikely), decoded
    # only then; its call records kept as they are (immutable: a restore replaces the index).
    sim = state.sim
    backup = account_snapshot(state, company, with_cdrs=False)
    records = sim.cdrs._accounts.get(company)
    # A restore puts the account's callbacks and emails last; put back, they keep their place.
    places = ({d.id: at for at, d in enumerate(sim.deliveries.deliveries)},
              {m.id: at for at, m in enumerate(sim.outbox.messages)})
    try:
        summary = _restore_account(state, company, decoded)
    except Exception as exc:
        try:
            _restore_account(state, company, _decode_account_snapshot(backup))
        except StateError:
            raise exc from None
        if records is not None:
            sim.cdrs._accounts[company] = records
        sim.deliveries.deliveries.sort(key=lambda d: places[0].get(d.id, len(places[0])))
        sim.outbox.messages.sort(key=lambda m: places[1].get(m.id, len(places[1])))
        raise StateError(f"the account snapshot could not be restored "
                         f"({type(exc).__name__}: {str(exc)[:120]}); nothing changed") from exc
    finally:
        if state.persister is not None:
            state.persister.ids_replaced()
    return summary


def _restore_account(state: AppState, company: str, decoded: DecodedState) -> dict[str, int]:
    from msgspec.structs import replace

    from .events import revive_all
    from .install import fill_account, restore_traffic

    data = next(iter(decoded.accounts.values()))
    sim = state.sim
    account = sim.accounts[company]
    # Map the snapshot's numbers onto this account's.
    own = list(account.dids)
    if len(own) < len(data.dids):
        own += sim.allocate_dids(len(data.dids) - len(own))
    mapping = dict(zip(data.dids, own, strict=False))

    def mapped(number: str) -> str:
        return mapping.get(number, number)

    for fax in data.faxes:
        fax.did = mapped(fax.did)
    data.busy = [type(b)(mapped(b.did), b.cid, b.at, b.reason) for b in data.busy]
    data.cdrs = [replace(r, dst=mapped(r.dst)) if r.direction.value == "IN"
                 else replace(r, src=mapped(r.src)) for r in data.cdrs]
    data.cdr_index = None  # the records are new ones now
    data.did_urls = {mapped(k): v for k, v in data.did_urls.items()}
    for _due, event in data.events:
        call = event.get("call")
        if call is not None:
            call.did = mapped(call.did)
    # Replace the account's records.
    account.scheduler.clear()
    account.jobs.clear()
    from ..core.clock import Clock, ClockMode
    from ..core.inbound import Inbox

    account.inbox = Inbox()
    sim.cdrs.forget(company)
    sim.deliveries.deliveries[:] = [d for d in sim.deliveries.deliveries if d.company != company]
    sim.outbox.messages[:] = [m for m in sim.outbox.messages if m.company != company]
    account.dids = own
    account.disabled_dids = {mapped(d) for d in data.disabled_dids}
    account.settings = data.settings
    account.clock = Clock(ClockMode(data.clock["mode"]), speed=float(data.clock["speed"]) or 1.0,
                          start=float(data.clock["now"]))
    if account.desk is not None:
        account.desk.queue.clear()
        account.desk.lines.clear()
        account.desk.pending.clear()
    fill_account(state, account, data)
    for delivery in decoded.deliveries:
        delivery.company = company
        delivery.backoff = account.settings.callback_policy.delay_before
        sim.deliveries.deliveries.append(delivery)
    for message in decoded.emails:
        message.company = company
        sim.outbox.messages.append(message)
    _bump_counters(state, data)
    _restore_faults_and_rules(state, company, decoded)
    sim.inbound.settings_changed(account)
    restore_traffic(sim.inbound.generators.get(company), data.traffic)
    revive_all(state, account, data.jobs, data.events)
    if state.persister is not None:
        state.persister.everything_changed()
    return decoded.summary()


def _decode_account_snapshot(snapshot: Any) -> DecodedState:
    if not isinstance(snapshot, dict) or snapshot.get("format") != ACCOUNT_FORMAT:
        raise StateError("not a faxage-sim account snapshot (what snapshot() returned)")
    version = snapshot.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        raise StateError(f"an account snapshot of schema {version!r}; this faxage-sim reads "
                         f"schema {SCHEMA_VERSION}")
    tables, documents = snapshot.get("tables"), snapshot.get("documents")
    if not isinstance(tables, dict) or not isinstance(documents, dict):
        raise StateError("the account snapshot has no tables or documents")
    try:
        files = {str(k): base64.b64decode(v, validate=True) for k, v in documents.items()}
    except (TypeError, ValueError) as exc:
        raise StateError(f"a document of the account snapshot is not base64: {exc}") from exc
    rows: Rows = {str(name): [tuple(r) for r in table] for name, table in tables.items()
                  if isinstance(table, list) and all(isinstance(r, list) for r in table)}
    import json

    faults, rules = snapshot.get("faults", []), snapshot.get("rules", [])
    rows["globals"] = [
        ("counters", "{}"), ("inventory", "null"),
        ("faults", json.dumps({"next_id": 1, "faults": faults})),
        ("rules", json.dumps({"shared": [],
                              "by_company": [[str(snapshot.get("company")), rules]]}))]
    decoded, _pool = _decode(rows, files, whole=False)
    return decoded


def _restore_faults_and_rules(state: AppState, company: str, decoded: DecodedState) -> None:
    """The account's own faults and scenario rules become the snapshot's."""
    from .model import _scenario_rules

    book = state.faults
    book.faults = [f for f in book.faults if f.owner != company]
    for fault in decoded.faults:
        fault.owner = company
        fault.id = next(book._ids)
        book.faults.append(fault)
    rules = decoded.rules.by_company.get(next(iter(decoded.rules.by_company), ""), []) \
        if decoded.rules is not None else []
    sim = state.sim
    layer_type, _rule_type = _scenario_rules()
    layer = next((r for r in sim.scenario_rules if isinstance(r, layer_type)), None)
    if layer is None and rules:
        layer = layer_type()  # asked before the magic numbers, as a scenario load does
        sim.set_scenario_rules([layer, *sim.scenario_rules])
    for rule in rules:
        rule.company = company
    if layer is not None and rules:
        layer.by_company[company] = rules
    elif layer is not None:
        layer.by_company.pop(company, None)


def _bump_counters(state: AppState, data: Any) -> None:
    """Restored ids stay as they were; new ones continue above them."""
    import itertools

    from .model import counter_value

    sim = state.sim
    counters = sim._counters
    if data.jobs:
        high = max(job.jobid for job, _p, _q in data.jobs) + 1
        if counter_value(counters.jobids) < high:
            counters.jobids = itertools.count(high)
        commid = max(job.commid for job, _p, _q in data.jobs) + 1
        if counter_value(counters.commids) < commid:
            counters.commids = itertools.count(commid)
    if data.faxes:
        high = data.faxes[-1].recvid + 1
        if counter_value(counters.recvids) < high:
            counters.recvids = itertools.count(high)
    if data.cdrs:
        sim.cdrs._next_nuid = max(sim.cdrs._next_nuid, data.cdrs[-1].nuid + 1)

