"""Stored records are input: hostile values generated into every field of every record kind
of a valid snapshot. Each upload is refused whole (400, one JSON line naming the record and
the field, nothing changed: compared through the API) or accepted, and then every read path
(FAXAGE status/listfax/getcdr, the control plane, the dashboard pages) answers without a 500.
The same records in a `--state` file are refused with one line and exit 2, the file untouched;
in an account restore they never push another tenant's ids out of bounds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from faxage_sim.persist import store
from faxage_sim.persist.validate import MAX_STORED_ID

from .helpers import FaxApi
from .persist_helpers import OTHER, api_view, build_everything, control_view, new_client, ok
from .receivers import CallbackReceiver
from .test_persist_roundtrip import HALF_DAY

OCTETS = {"Content-Type": "application/octet-stream"}
DEEP = 200_000

# The hostile values: wrong types, out-of-range numbers, bad names and shapes.
HOSTILE: list[Any] = [
    float("nan"), float("inf"), float("-inf"), 1e308, 1e300, 10**30, -1, -1.5, 2**63, 2**64,
    2**63 - 1, 0, "", "abc", None, True, [], {}, [1, [2]], {"a": {"b": None}}, "x" * 5000,
    "../../../etc/passwd", "Mars/Olympus", "\ud800", "2026-13-45 99:99:99", "NaN",
    10**300, [[[[[]]]]], {"kind": "job.try"}, json.loads("[" * 150 + "]" * 150),
]


class Snapshot(bytes):
    def __repr__(self) -> str:  # hypothesis prints its arguments: not half a megabyte
        return f"<snapshot of {len(self)} bytes>"


@pytest.fixture(scope="module")
def built() -> Iterator[tuple[TestClient, bytes]]:
    """Every kind of record (`build_everything`)."""
    with CallbackReceiver() as receiver:
        client = new_client()
        build_everything(client, receiver)
        snapshot = Snapshot(client.get("/_sim/snapshot").content)
        yield client, snapshot
        client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def scenario_snapshot() -> bytes:
    """The records only a scenario makes: destination rules, timeline steps to come, a burst
    and an outbound run half done (their pending events)."""
    client = new_client()
    ok(client.post("/_sim/scenario", json={"scenario": HALF_DAY, "seed": 5}))
    FaxApi(client).advance(30 * 60)
    return Snapshot(client.get("/_sim/snapshot").content)


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value: each object member and list item, nested ones too."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:4]):  # a few items of long lists
            yield from leaf_paths(child, (*path, index))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(copy[path[0]], path[1:], new)  # type: ignore[index]
    return copy


def to_text(value: Any) -> str:
    """JSON as a lenient writer would put it in a row: NaN/Infinity literals included."""
    return json.dumps(value, allow_nan=True)


RECORD_NAMES = {  # how a refusal names a row of each table
    "accounts": lambda row: f"account {row[0]}",
    "jobs": lambda row: f"job {row[1]}",
    "faxes": lambda row: f"fax {row[1]}",
    "busy_calls": lambda row: f"account {row[0]}, busy call {row[1]}",
    "cdrs": lambda row: f"call record {row[0]}",
    "events": lambda row: f"account {row[0]}, pending event {row[1]}",
    "deliveries": lambda row: f"callback {row[0]}",
    "emails": lambda row: f"email {row[0]}",
    "journal": lambda row: f"journal entry {row[0]}",
    "account_parts": lambda row: f"account {row[0]}, {row[1]} {row[2]}",
    "globals": lambda row: f"globals {row[0]}",
}


def every_place(rows: store.Rows) -> list[tuple[str, int, tuple[Any, ...]]]:
    places = []
    for table, table_rows in rows.items():
        for index, row in enumerate(table_rows[:3]):
            body = json.loads(row[-1])
            places += [(table, index, path) for path in leaf_paths(body)]
    return places


def read_everything(client: TestClient) -> None:
    """Every read path answers (no 500): the control plane, the FAXAGE API, the dashboard."""
    control_view(client)
    api_view(client)
    for account in ok(client.get("/_sim/accounts"))["accounts"]:
        if not account["users"]:
            continue
        login = {"company": account["company"], "username": account["users"][0]["username"],
                 "password": ok(client.get(f"/_sim/accounts/{account['company']}",
                                           params={"show_passwords": "1"}))
                 ["users"][0]["password"]}
        api = FaxApi(client, credentials=login)
        for operation in ("status", "listfax", "busycalls", "incomingcalls", "portstatus"):
            api.call(operation)
        FaxApi(client, credentials=login, path="/getcdr.php").call(None, nuidgt="0")
    pages = ["/_sim/ui/", "/_sim/ui/jobs", "/_sim/ui/inbound", "/_sim/ui/journal"]
    pages += [f"/_sim/ui/jobs/{job['jobid']}" for job in ok(client.get("/_sim/jobs"))["jobs"]]
    for page in pages:
        answer = client.get(page)
        assert answer.status_code < 500, (page, answer.text[:300])
    ok(client.post("/_sim/clock/advance", json={"seconds": 3600}))
    control_view(client)
    api_view(client)


def one_json_line(answer: Any) -> str:
    assert answer.headers["content-type"].startswith("application/json"), answer.text[:200]
    assert "\n" not in answer.text.strip()
    message: str = answer.json()["error"]
    return message


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_snapshot_records_are_refused_whole_or_served(
        built: tuple[TestClient, bytes], scenario_snapshot: bytes, data: st.DataObject) -> None:
    client, everything = built
    snapshot = data.draw(st.sampled_from([everything, scenario_snapshot]), label="snapshot")
    rows, documents = store.from_bytes(snapshot)
    table, index, path = data.draw(st.sampled_from(every_place(rows)), label="place")
    value = data.draw(st.sampled_from(HOSTILE), label="value")
    row = rows[table][index]
    body = replaced(json.loads(row[-1]), path, value)
    rows[table][index] = (*row[:-1], to_text(body))
    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    before = control_view(client)
    answer = client.put("/_sim/snapshot", content=store.to_bytes(rows, documents),
                        headers=OCTETS)
    assert answer.status_code in (200, 400), answer.text[:300]
    if answer.status_code == 400:
        message = one_json_line(answer)
        assert message.startswith(RECORD_NAMES[table](row)) or table == "globals", message
        named = [str(p) for p in path if isinstance(p, str)]
        assert not named or any(repr(n) in message or n in message for n in named) \
            or "JSON" in message, (path, message)
        assert control_view(client) == before  # nothing changed
    else:
        read_everything(client)


@pytest.mark.parametrize(("field", "value"), [
    (("clock", "now"), "abc"), (("clock", "now"), None), (("clock", "speed"), "x"),
    (("clock", "now"), float("nan")), (("settings", "inbound_rate_per_hour"), 1e9),
    (("settings", "timezone"), "../../etc/localtime"), (("settings", "timezone"), "Mars/X"),
    (("settings", "timings", "page_seconds"), []),
])
def test_known_account_probes_change_nothing(built: tuple[TestClient, bytes],
                                             field: tuple[str, ...], value: Any) -> None:
    client, snapshot = built
    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    rows, documents = store.from_bytes(snapshot)
    company, text = rows["accounts"][0]
    rows["accounts"][0] = (company, to_text(replaced(json.loads(text), field, value)))
    before = control_view(client)
    answer = client.put("/_sim/snapshot", content=store.to_bytes(rows, documents),
                        headers=OCTETS)
    assert answer.status_code == 400
    message = one_json_line(answer)
    assert message.startswith(f"account {company}") and field[-1] in message, message
    assert control_view(client) == before


@pytest.mark.parametrize(("field", "value"), [
    ("completetime", 1e300), ("sendtime", float("nan")), ("sendtime", float("inf")),
    ("pagecount", 10**30), ("jobid", 2**64), ("commid", 2**63),
])
def test_known_job_probes_change_nothing(built: tuple[TestClient, bytes], field: str,
                                         value: Any) -> None:
    client, snapshot = built
    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    rows, documents = store.from_bytes(snapshot)
    company, jobid, text = rows["jobs"][0]
    rows["jobs"][0] = (company, jobid, to_text({**json.loads(text), field: value}))
    before = control_view(client)
    answer = client.put("/_sim/snapshot", content=store.to_bytes(rows, documents),
                        headers=OCTETS)
    assert answer.status_code == 400
    message = one_json_line(answer)
    assert message.startswith(f"job {jobid}") and field in message, message
    assert control_view(client) == before


def test_every_hostile_value_in_every_field_of_an_account_part_is_refused_or_served(
        built: tuple[TestClient, bytes]) -> None:
    """Exhaustive for the account parts' rows (port requests...), on top of the sampling
    above: each field of one row of each part, each hostile value."""
    client, snapshot = built

    def parts_view() -> dict[str, Any]:  # what a refused load must leave as it was
        accounts = ok(client.get("/_sim/accounts"))
        return {"accounts": accounts, **{a["company"]: ok(client.get(
            f"/_sim/accounts/{a['company']}/ports")) for a in accounts["accounts"]}}

    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    before = parts_view()
    rows, documents = store.from_bytes(snapshot)
    firsts = {row[1]: index for index, row in reversed(list(enumerate(rows["account_parts"])))}
    assert firsts, "build_everything made no account part"
    for index in firsts.values():
        row = rows["account_parts"][index]
        for field in json.loads(row[-1]):
            for value in HOSTILE:
                hostile = {**rows, "account_parts": list(rows["account_parts"])}
                hostile["account_parts"][index] = (
                    *row[:-1], to_text({**json.loads(row[-1]), field: value}))
                answer = client.put("/_sim/snapshot", content=store.to_bytes(
                    hostile, documents), headers=OCTETS)
                assert answer.status_code in (200, 400), (field, value, answer.text[:300])
                if answer.status_code == 400:
                    message = one_json_line(answer)
                    assert message.startswith(RECORD_NAMES["account_parts"](row)), message
                    assert field in message or "JSON" in message, (field, message)
                    assert parts_view() == before
                else:  # served: the ports' read paths answer
                    parts_view()
                    FaxApi(client, credentials=None if row[0] == "1000" else OTHER).call(
                        "portstatus")
                    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))


@pytest.mark.parametrize(("field", "value"), [
    ("number", "12345"), ("number", "30355501OO"), ("number", None), ("requestdate", -1.0),
    ("requestdate", None), ("duedate", 1e300), ("completedate", "tomorrow"), ("status", ""),
    ("status", "x" * 101), ("status", "FOC\tnow"), ("comment", "x" * 501),
    ("comment", "line\rbreak"), ("complete", "yes"),
])
def test_known_port_request_probes_change_nothing(built: tuple[TestClient, bytes], field: str,
                                                  value: Any) -> None:
    """What `POST /_sim/accounts/{company}/ports` refuses, a stored port request may not
    hold: refused whole, naming the row and the field."""
    client, snapshot = built
    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    rows, documents = store.from_bytes(snapshot)
    row = rows["account_parts"][0]
    rows["account_parts"][0] = (*row[:-1], to_text({**json.loads(row[-1]), field: value}))
    before = control_view(client)
    answer = client.put("/_sim/snapshot", content=store.to_bytes(rows, documents),
                        headers=OCTETS)
    assert answer.status_code == 400, answer.text[:300]
    message = one_json_line(answer)
    assert message.startswith(RECORD_NAMES["account_parts"](row)) and field in message, message
    assert control_view(client) == before


def test_deep_json_in_a_row_is_refused(built: tuple[TestClient, bytes]) -> None:
    client, snapshot = built
    rows, documents = store.from_bytes(snapshot)
    company, jobid, _text = rows["jobs"][0]
    rows["jobs"][0] = (company, jobid, "[" * DEEP + "]" * DEEP)
    answer = client.put("/_sim/snapshot", content=store.to_bytes(rows, documents),
                        headers=OCTETS)
    assert answer.status_code == 400
    assert one_json_line(answer) == \
        f"job {jobid}: the record is not valid JSON here: it nests deeper than 500 levels"


# --- account restore ---------------------------------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_account_restores_are_refused_or_served(
        built: tuple[TestClient, bytes], data: st.DataObject) -> None:
    client, snapshot = built
    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    account = ok(client.get("/_sim/accounts/2001/snapshot"))
    tables = account["tables"]
    places = [(t, i, p) for t, table_rows in tables.items() for i, row in enumerate(table_rows[:3])
              for p in leaf_paths(json.loads(row[-1]))]
    table, index, path = data.draw(st.sampled_from(places), label="place")
    value = data.draw(st.sampled_from(HOSTILE), label="value")
    row = tables[table][index]
    row[-1] = to_text(replaced(json.loads(row[-1]), path, value))
    before = control_view(client)
    answer = client.post("/_sim/accounts/2001/restore", json={"snapshot": account})
    assert answer.status_code in (200, 400), answer.text[:300]
    if answer.status_code == 400:
        one_json_line(answer)
        assert control_view(client) == before
    else:
        read_everything(client)
    # However it went, the ids the other tenant gets next are within bounds.
    jobid = FaxApi(client).send_jobid("3039911234")
    assert 0 < jobid <= MAX_STORED_ID + 1


def test_a_restored_jobid_of_2_to_the_64_is_refused(built: tuple[TestClient, bytes]) -> None:
    client, snapshot = built
    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    account = ok(client.get("/_sim/accounts/2001/snapshot"))
    row = account["tables"]["jobs"][0]
    jobid = row[1]
    row[-1] = json.dumps({**json.loads(row[-1]), "jobid": 2**64})
    row[1] = 2**64
    answer = client.post("/_sim/accounts/2001/restore", json={"snapshot": account})
    assert answer.status_code == 400
    assert one_json_line(answer).startswith(f"job {2**64}"), jobid
    row[1] = jobid
    row[-1] = row[-1].replace(str(2**64), str(jobid)).replace('"sendtime":', '"sendtime":NaN,"x":')
    answer = client.post("/_sim/accounts/2001/restore", json={"snapshot": account})
    assert answer.status_code == 400
    assert one_json_line(answer) == \
        f"job {jobid}, field 'sendtime': NaN is not a number JSON allows"


# --- --state files -------------------------------------------------------------------------

def state_file(tmp_path: Path, rows: store.Rows, documents: dict[str, bytes]) -> Path:
    path = tmp_path / "state.sqlite"
    path.write_bytes(store.to_bytes(rows, documents))
    return path


def refused_at_start(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    from faxage_sim.persist.cli import open_for_serve

    before = path.read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        open_for_serve(str(path))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("faxage-sim: --state "), err
    assert path.read_bytes() == before  # untouched: not even switched to WAL mode
    assert not Path(f"{path}-wal").exists()
    return err


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_state_files_are_refused_with_one_line(
        built: tuple[TestClient, bytes], tmp_path_factory: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    _client, snapshot = built
    rows, documents = store.from_bytes(snapshot)
    table, index, path = data.draw(st.sampled_from(every_place(rows)), label="place")
    value = data.draw(st.sampled_from(HOSTILE), label="value")
    row = rows[table][index]
    rows[table][index] = (*row[:-1], to_text(replaced(json.loads(row[-1]), path, value)))
    file = state_file(tmp_path_factory.mktemp("state"), rows, documents)
    from faxage_sim.persist.api import open_state
    from faxage_sim.persist.model import StateError

    try:
        loaded = open_state(str(file))
    except StateError:
        refused_at_start(file, capsys)
    else:
        loaded.file.close()


@pytest.mark.parametrize("change", ["text_for_number", "int_for_object", "deep", "version"])
def test_known_state_file_probes(built: tuple[TestClient, bytes], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str], change: str) -> None:
    _client, snapshot = built
    rows, documents = store.from_bytes(snapshot)
    company, jobid, text = rows["jobs"][0]
    if change == "text_for_number":
        rows["jobs"][0] = ("1000", "abc", text)
    elif change == "int_for_object":
        rows["jobs"][0] = (company, jobid, "5")
    elif change == "deep":
        rows["jobs"][0] = (company, jobid, "[" * DEEP + "]" * DEEP)
    path = state_file(tmp_path, rows, documents)
    if change == "version":
        import sqlite3

        conn = sqlite3.connect(path)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", ("9" * 5000,))
        conn.commit()
        conn.close()
    err = refused_at_start(path, capsys)
    assert ("schema version" in err) if change == "version" else ("job " in err), err


def test_a_random_streams_negative_spare_deviate_is_not_refused() -> None:
    """A fault's normal latency leaves a negative float in its random state: legitimate."""
    client = new_client()
    ok(client.post("/_sim/faults", json={"fault": {
        "operation": "status", "latency": {"distribution": "normal", "mean": "0s",
                                           "stddev": "1s", "cap": "0s"}}, "seed": 3}))
    api = FaxApi(client)
    for _ in range(5):
        api.status()
    snapshot = client.get("/_sim/snapshot").content
    answer = client.put("/_sim/snapshot", content=snapshot, headers=OCTETS)
    assert answer.status_code == 200, answer.text


def test_serve_refuses_a_hostile_state_file_before_listening(
        built: tuple[TestClient, bytes], tmp_path: Path) -> None:
    """The real command: one line, exit 2, nothing listening, the file untouched."""
    from .test_persist_file import refusal

    _client, snapshot = built
    rows, documents = store.from_bytes(snapshot)
    company, jobid, _text = rows["jobs"][0]
    rows["jobs"][0] = (company, jobid, "[" * DEEP + "]" * DEEP)
    path = state_file(tmp_path, rows, documents)
    before = path.read_bytes()
    assert refusal("--state", str(path)) == (
        f"faxage-sim: --state {path} is corrupt: job {jobid}: the record is not valid JSON "
        "here: it nests deeper than 500 levels")
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_a_pending_try_of_negative_length_is_refused() -> None:
    """A try's length becomes the job's xmittime when it ends: accepted negative, the state
    it leads to could never be saved and loaded again."""
    from faxage_sim.persist.validate import RecordError, check_event

    event = {"kind": "job.try", "jobid": 100001, "started": 10.0, "connected": 60.0,
             "pages": 1, "outcome": {"kind": "success"}}
    check_event(event, "job 100001", "pending.data", None)  # type: ignore[arg-type]
    for key in ("connected", "started"):
        with pytest.raises(RecordError) as refused:
            check_event({**event, key: -1.0}, "job 100001", "pending.data", None)  # type: ignore[arg-type]
        assert str(refused.value) == (f"job 100001, field 'pending.data.{key}': -1.0 is not "
                                      "between 0 and 3.25037e+10")



def load_with_one_stored_value(client: TestClient, snapshot: bytes,
                               ending: tuple[Any, ...], value: Any) -> tuple[Any, Any]:
    """Load `snapshot` with the first stored place whose path ends with `ending` set to
    `value`, after loading it as it is: (the answer, the control view before it)."""
    rows, documents = store.from_bytes(snapshot)
    table, index, path = next((t, i, p) for t, i, p in every_place(rows)
                              if p[-len(ending):] == ending)
    row = rows[table][index]
    rows[table][index] = (*row[:-1], to_text(replaced(json.loads(row[-1]), path, value)))
    ok(client.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    before = control_view(client)
    return client.put("/_sim/snapshot", content=store.to_bytes(rows, documents),
                      headers=OCTETS), before


def test_a_stored_steps_settings_change_is_checked_on_load(
        built: tuple[TestClient, bytes], scenario_snapshot: bytes) -> None:
    """A timeline step still to come changes settings when it comes due: a change its own
    check refuses (an unknown, empty name) is refused on load, not a 500 at that time."""
    client, _ = built
    answer, before = load_with_one_stored_value(client, scenario_snapshot,
                                                ("settings", 0, 0), "")
    assert answer.status_code == 400
    assert one_json_line(answer) == (
        "account 1000, pending event 2, field 'data.runner.step.settings': settings.: unknown "
        "field (known: callback_policy, default_resolution, fax_format, inbound_lines, "
        "inbound_rate_per_hour, inbound_url, outbound_lines, retry_delay_seconds, tagname, "
        "tagnumber, timezone, timings, tries)")
    assert control_view(client) == before
    assert client.post("/_sim/clock/advance", json={"seconds": 86400}).status_code == 200


def test_a_stored_outbound_runs_spec_is_checked_on_load(
        built: tuple[TestClient, bytes], scenario_snapshot: bytes) -> None:
    """An outbound run half done keeps its spec in its pending events: a priority no scenario
    file could give is refused on load, not a 500 when the next fax of the run is due."""
    client, _ = built
    answer, before = load_with_one_stored_value(client, scenario_snapshot,
                                                ("spec", "priority"), "")
    assert answer.status_code == 400
    message = one_json_line(answer)
    assert message.endswith("field 'data.spec.priority': expected one of \"high\", \"low\", "
                            "got \"\""), message
    assert control_view(client) == before
    assert client.post("/_sim/clock/advance", json={"seconds": 86400}).status_code == 200
