"""Every declared account part (`scenario.parts`) is saved: one item of each, put in through
its core call, comes back byte-identical through a whole-state snapshot, an account snapshot
and a `--state` file (written by the save that follows the core call, not only at stop). A
new part whose `Account` field persist does not save fails here, named."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.accounts import Account
from faxage_sim.core.clock import ClockMode
from faxage_sim.persist import parts, store
from faxage_sim.persist.api import attach, open_state
from faxage_sim.persist.codec import SKIPPED_FIELDS
from faxage_sim.scenario.model import ACCOUNT_PARTS
from faxage_sim.scenario.parts import AccountPart
from faxage_sim.scenario.schema import scenario_schema
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .persist_helpers import new_client, ok

OCTETS = {"Content-Type": "application/octet-stream"}
# Values for the schema kinds of an item's fields (`x-kind`), none of them a default.
KIND_EXAMPLES: dict[str, Any] = {"phone": "3035550100", "time": "+2d", "duration": "1h",
                                 "did": "#1", "company": "1000"}


def example(schema: dict[str, Any], where: str) -> Any:
    """A value the schema accepts, unlike the field's default where it can be."""
    if "$ref" in schema:
        schema = scenario_schema()["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("x-kind") in KIND_EXAMPLES:
        return KIND_EXAMPLES[schema["x-kind"]]
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema.get("type")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 0), 1)
    if kind == "string":
        return "Example text"[:schema.get("maxLength", 12)].ljust(schema.get("minLength", 0), "x")
    pytest.fail(f"{where}: no example for the schema {schema}; add one to this test")


def example_item(part: AccountPart) -> dict[str, Any]:
    """One item of the part with every declared field given."""
    fields = scenario_schema()["$defs"][part.name]["properties"]
    return {name: example(schema, f"{part.key}.{name}") for name, schema in fields.items()}


def account_fields() -> list[str]:
    """Every field of an `Account` that is state (not a live link: desk, inbox, clock...)."""
    names = getattr(Account, "__struct_fields__", None) or [
        f.name for f in dataclasses.fields(Account)]
    return [name for name in names if name not in SKIPPED_FIELDS]


def fingerprint(account: Account) -> dict[str, str]:
    return {name: repr(getattr(account, name)) for name in account_fields()}


def account_of(client: TestClient, company: str = "1000") -> Account:
    account: Account = client.app.state.faxage.sim.accounts[company]  # type: ignore[attr-defined]
    return account


def part_fields(client: TestClient, part: AccountPart) -> dict[str, str]:
    """One example item added through the part's core call (its control route): the
    `Account` fields it changed, as they are now."""
    before = fingerprint(account_of(client))
    ok(client.post(f"/_sim/accounts/1000/{part.route}", json=example_item(part)))
    after = fingerprint(account_of(client))
    changed = {name: text for name, text in after.items() if before[name] != text}
    assert changed, f"{part.key}: adding an item changed no field of the Account"
    return changed


def part_rows(snapshot: bytes) -> list[tuple[Any, ...]]:
    rows, _documents = store.from_bytes(snapshot)
    return sorted(rows[parts.TABLE])


def test_every_declared_part_is_a_saved_part() -> None:
    declared = {part.key for part in ACCOUNT_PARTS}
    assert set(parts.SAVED_PARTS) == declared, (
        "persist.parts.SAVED_PARTS is derived from scenario.model.ACCOUNT_PARTS")


@pytest.mark.parametrize("part", ACCOUNT_PARTS, ids=lambda p: p.key)
def test_a_saved_part_is_the_account_attribute_checked_by_its_schema(
        part: AccountPart) -> None:
    """The record class is the `Account` attribute's item type; an item its control route
    made passes the whole stored check, derived from the record's types and the part's
    schema."""
    saved = parts.SAVED_PARTS[part.key]
    hinted = Account.__annotations__[part.key]
    assert hinted == f"list[{saved.record.__name__}]", (part.key, hinted)
    client = new_client()
    part_fields(client, part)
    items = getattr(account_of(client), part.key)
    assert items, part.key
    for item in items:
        saved.check(item, "probe")


def test_an_attribute_not_a_list_of_records_is_refused() -> None:
    with pytest.raises(TypeError, match=re.escape("str (Account.dids) is not a record")):
        parts.item_record("dids")
    with pytest.raises(TypeError, match="not a list of one record class"):
        parts.item_record("jobs")
    with pytest.raises(TypeError, match="Account has no attribute 'faxes'"):
        parts.item_record("faxes")


def test_a_parts_text_fields_take_the_limits_of_its_schema() -> None:
    """A `str` field of the record named as a field of the part's schema item is held to that
    field's limits without code, a shared `$defs` entry (a phone number) resolved: what the
    control route refuses, a loaded state refuses."""
    defs = scenario_schema()["$defs"]
    for part in ACCOUNT_PARTS:
        properties = defs[part.name]["properties"]
        saved = parts.SAVED_PARTS[part.key]
        for name, schema in saved.texts.items():
            declared = properties[name]
            assert schema == defs[declared["$ref"].rsplit("/", 1)[-1]] if "$ref" in declared \
                else schema == declared, (part.key, name)
    assert set(parts.SAVED_PARTS["port_requests"].texts) == {"number", "status", "comment"}
    assert parts.SAVED_PARTS["port_requests"].times == {
        "requestdate": False, "duedate": True, "completedate": True}
    port = account_of(new_client()).port_requests
    assert port == []
    from faxage_sim.core.ports import port_request
    from faxage_sim.persist.validate import RecordError

    with pytest.raises(RecordError) as refused:
        parts.SAVED_PARTS["port_requests"].check(port_request("30355501OO", 0.0), "probe")
    assert str(refused.value) == "probe, field 'number': '30355501OO' does not match ^[0-9]{10}$"


@pytest.mark.parametrize("part", ACCOUNT_PARTS, ids=lambda p: p.key)
def test_a_part_survives_a_whole_snapshot(part: AccountPart) -> None:
    source, copy = new_client(), new_client()
    changed = part_fields(source, part)
    snapshot = source.get("/_sim/snapshot").content
    assert part_rows(snapshot), f"{part.key}: a snapshot holds no row of it"
    ok(copy.put("/_sim/snapshot", content=snapshot, headers=OCTETS))
    restored = fingerprint(account_of(copy))
    assert {name: restored[name] for name in changed} == changed, part.key
    assert part_rows(copy.get("/_sim/snapshot").content) == part_rows(snapshot)


@pytest.mark.parametrize("part", ACCOUNT_PARTS, ids=lambda p: p.key)
def test_a_part_survives_an_account_snapshot(part: AccountPart) -> None:
    source, target = new_client(), new_client()
    changed = part_fields(source, part)
    snapshot = ok(source.get("/_sim/accounts/1000/snapshot"))
    ok(target.post("/_sim/accounts/1000/restore", json={"snapshot": snapshot}))
    restored = fingerprint(account_of(target))
    assert {name: restored[name] for name in changed} == changed, part.key
    again = ok(target.get("/_sim/accounts/1000/snapshot"))
    assert again["tables"][parts.TABLE] == snapshot["tables"][parts.TABLE]


def _app_with_state(path: Path) -> Any:
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    attach(app.state.faxage, open_state(str(path)))
    return app


@pytest.mark.parametrize("part", ACCOUNT_PARTS, ids=lambda p: p.key)
def test_a_part_changed_by_its_core_calls_is_saved_to_the_state_file(
        part: AccountPart, tmp_path: Path) -> None:
    """Through the core calls themselves (no control request tells the file): the next save
    writes the item, and a clear, before any stop."""
    path = tmp_path / "state.sqlite"
    app = _app_with_state(path)
    state = app.state.faxage
    with TestClient(app, base_url="http://127.0.0.1") as client:
        sim, account = state.sim, account_of(client)
        empty = fingerprint(account)
        persister = state.persister
        persister.save_now()
        persister.changed = False
        part.add_data(sim, account, example_item(part), account.now())
        assert persister.changed, f"{part.key}: its core call told no change (an event)"
        after = fingerprint(account)
        changed = {name: text for name, text in after.items() if empty[name] != text}
        assert changed, f"{part.key}: adding an item changed no field of the Account"
        persister.save_now()
        with sqlite3.connect(path) as reader:
            saved = reader.execute(f"SELECT * FROM {parts.TABLE}").fetchall()
        reader.close()
        assert saved, f"{part.key}: the save after its core call wrote no row"
    second = _app_with_state(path)
    with TestClient(second, base_url="http://127.0.0.1") as client:
        restored = fingerprint(account_of(client))
        assert {name: restored[name] for name in changed} == changed, part.key
        persister = second.state.faxage.persister
        persister.changed = False
        assert part.clear(second.state.faxage.sim, account_of(client)) == 1
        assert persister.changed, f"{part.key}: clearing it told no change (an event)"
        persister.save_now()
    third = _app_with_state(path)
    with TestClient(third, base_url="http://127.0.0.1") as client:
        cleared = fingerprint(account_of(client))
        assert {name: cleared[name] for name in changed} == {
            name: empty[name] for name in changed}, part.key


def test_a_state_file_from_before_account_parts_loads_and_gets_the_table(
        tmp_path: Path) -> None:
    """A file written before the `account_parts` table holds none of its rows: loaded (not
    refused as corrupt), and the table is made so the next saves can write port requests."""
    path = tmp_path / "old.sqlite"
    app = _app_with_state(path)
    with TestClient(app, base_url="http://127.0.0.1"):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute(f"DROP TABLE {parts.TABLE}")
    conn.close()
    second = _app_with_state(path)
    with TestClient(second, base_url="http://127.0.0.1") as client:
        ok(client.post("/_sim/accounts/1000/ports", json={"number": "3035550100"}))
    third = _app_with_state(path)
    with TestClient(third, base_url="http://127.0.0.1") as client:
        listed = ok(client.get("/_sim/accounts/1000/ports"))["port_requests"]
        assert [p["number"] for p in listed] == ["3035550100"]


def test_appended_cleared_and_replaced_port_requests_are_saved_as_they_are(
        tmp_path: Path) -> None:
    """The writer appends new items to what the file holds and rewrites a part that was
    cleared or replaced: each reload lists what the running emulator listed."""
    path = tmp_path / "state.sqlite"

    def numbers(client: TestClient) -> list[str]:
        return [p["number"] for p in ok(client.get("/_sim/accounts/1000/ports"))
                ["port_requests"]]

    def reloaded() -> list[str]:
        app = _app_with_state(path)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            return numbers(client)

    app = _app_with_state(path)
    persister = app.state.faxage.persister
    with TestClient(app, base_url="http://127.0.0.1") as client:
        def add(number: str) -> None:
            ok(client.post("/_sim/accounts/1000/ports", json={"number": number}))

        add("3035550001")
        persister.save_now()
        add("3035550002")
        add("3035550003")
        persister.save_now()
        seen = numbers(client)
        assert seen == ["3035550001", "3035550002", "3035550003"]
        with sqlite3.connect(path) as reader:
            on_disk = [r[0] for r in reader.execute(
                f"SELECT json_extract(body, '$.number') FROM {parts.TABLE} ORDER BY seq")]
        reader.close()
        assert on_disk == seen
        ok(client.request("DELETE", "/_sim/accounts/1000/ports", json={}))
        add("3035550004")  # cleared and added to within one save
        persister.save_now()
        with sqlite3.connect(path) as reader:
            on_disk = [r[0] for r in reader.execute(
                f"SELECT json_extract(body, '$.number') FROM {parts.TABLE} ORDER BY seq")]
        reader.close()
        assert on_disk == ["3035550004"]
    assert reloaded() == ["3035550004"]
