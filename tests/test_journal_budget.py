"""The journal keeps bytes, not only counts: long names and values are cut and marked, a
request's fields have a budget, and the journal as a whole a byte limit."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from faxage_sim.control.requests import MAX_REQUESTS_PER_LIST
from faxage_sim.core.budget import cut_text, fit_fields, text_cost
from faxage_sim.server.journal import (
    ELIDED_FIELDS,
    JOURNAL_FIELDS_BUDGET,
    JOURNAL_NAME_MAX,
    JOURNAL_VALUE_MAX,
    Journal,
    JournalEntry,
    _elided,
    _fit_entry,
    journal_fields,
)
from faxage_sim.server.state import AppState
from faxage_sim.wire.forms import PhpPost, build_post

LOGIN = {"username": "demo", "company": "1000", "password": "demo"}


def test_cut_text_keeps_the_start_and_says_how_long_it_was() -> None:
    assert cut_text("abc", 3) == "abc"
    assert cut_text("x" * 8_388_608, 4) == "xxxx…[cut, 8388608 chars]"


def test_fit_fields_counts_what_it_leaves_out() -> None:
    fields = {f"f{i}": "v" * 10 for i in range(5)}
    assert fit_fields(fields, 36) == {"f0": "v" * 10, "f1": "v" * 10, "f2": "v" * 10,
                                      "…": "[cut, 2 more field(s), 24 chars]"}


_NAMES = st.sampled_from(["password", "faxfiledata", "faxfiledata[]", "faxfiledata[x][]",
                          "faxno", "a[]", "a[k]", "b[x][y]", "n" * 200, "n" * 201, "m" * 129])


def two_pass_fields(post: PhpPost) -> tuple[dict[str, Any], int]:
    """The journal's fields the long way, as they were first written: every name cut and
    every value elided into a dict (two cut names alike: the later value wins, in place),
    then fitted to the budget, then costed."""
    out: dict[str, Any] = {}
    for key, value in post.values.items():
        name = cut_text(str(key), JOURNAL_NAME_MAX)
        if type(value) is str and name not in ELIDED_FIELDS:
            out[name] = value if len(value) <= JOURNAL_VALUE_MAX else f"<{len(value)} chars>"
        else:
            out[name] = _elided(name, value)
    fields = fit_fields(out, JOURNAL_FIELDS_BUDGET)
    return fields, text_cost(fields)


@settings(max_examples=300, deadline=None)
@example([("n" * 200 + "a", 10), ("n" * 200 + "b", 20), ("x", 5)])  # cut names alike
@example([(f"f{i}", 1000) for i in range(20)])  # past the budget
@given(st.lists(st.tuples(st.one_of(_NAMES, st.text(min_size=1, max_size=6)),
                          st.integers(min_value=0, max_value=3000)), max_size=40))
def test_the_one_pass_fields_are_elided_fitted_and_costed_as_the_long_way(
        pairs: list[tuple[str, int]]) -> None:
    post = build_post((name, "v" * size) for name, size in pairs)
    fields, cost = journal_fields(post)
    assert (fields, cost) == two_pass_fields(post)
    assert cost == text_cost(fields)


def test_an_entry_s_size_is_the_same_given_its_fields_cost_or_not() -> None:
    post = build_post([("username", "demo"), ("password", "x"), ("faxfiledata[]", "A" * 99)])
    fields, cost = journal_fields(post)
    entry = JournalEntry(
        seq=1, wall_time=0.0, sim_time=None, path="/httpsfax.php", method="POST",
        client_ip="127.0.0.1", operation="o" * 300, company=None, username=None,
        fields=fields, status=200, first_line="ok", duration_ms=0.0, extra={"k": "vv"})
    assert _fit_entry(entry, cost) == _fit_entry(entry) == 600 + cost + 3 + len(
        "/httpsfax.php") + 256 + len("…[cut, 300 chars]") + 2 + 9


def test_a_long_field_name_is_cut_and_marked(client: TestClient) -> None:
    name = "n" * 1_000_000
    client.post("/httpsfax.php", data={**LOGIN, "operation": "status", name: "1"})
    fields = client.get("/_sim/requests").json()["requests"][-1]["fields"]
    assert fields == {"username": "demo", "company": "1000", "password": "********",
                      "operation": "status",
                      "n" * JOURNAL_NAME_MAX + "…[cut, 1000000 chars]": "1"}


def test_many_long_values_stay_within_the_fields_budget(client: TestClient) -> None:
    many = {f"v{i:04}": "x" * 1024 for i in range(1001)}
    client.post("/httpsfax.php", data={**LOGIN, "operation": "status", **many})
    fields = client.get("/_sim/requests").json()["requests"][-1]["fields"]
    kept = [name for name in fields if name.startswith("v")]
    assert 0 < len(kept) < 1001
    assert sum(len(k) + len(v) for k, v in fields.items()) <= JOURNAL_FIELDS_BUDGET + 100
    left_out = int(fields["…"].split()[1])  # (PHP's max_input_vars reads about 1,000)
    assert 990 <= len(kept) + left_out <= 1001
    assert fields["…"] == f"[cut, {left_out} more field(s), {left_out * (5 + 1024)} chars]"


def test_the_journal_drops_its_oldest_entries_past_its_byte_limit() -> None:
    journal = Journal(limit=100_000, byte_limit=50_000)
    for seq in range(1, 101):
        journal.add(JournalEntry(
            seq=seq, wall_time=0.0, sim_time=None, path="/httpsfax.php", method="POST",
            client_ip="127.0.0.1", operation="status", company=None, username=None,
            fields={"x": "y" * 1000}, status=200, first_line="", duration_ms=0.0))
    assert journal.bytes <= 50_000
    assert journal.dropped == 100 - len(journal.entries) > 0
    assert journal.entries[-1].seq == 100


def test_hostile_requests_keep_the_journal_small(client: TestClient, state: AppState) -> None:
    """The issue's probe, scaled down: 20 requests with a 1 MB field name each (60 of 8 MB
    kept 520 MB before)."""
    before = state.journal.bytes
    for i in range(20):
        client.post("/httpsfax.php", data={**LOGIN, "operation": "status",
                                           f"{i}" + "n" * 1_000_000: "1"})
    assert len(state.journal.entries) >= 20
    # 20 MB came in; what stays is under 2 KiB a request (the estimate counts every text).
    assert state.journal.bytes - before < 20 * 2048
    biggest = max(len(json.dumps(e.as_json())) for e in state.journal.entries)
    assert biggest < 2048


def test_a_listing_carries_at_most_the_cap_and_counts_the_rest(client: TestClient,
                                                               state: AppState) -> None:
    for _ in range(MAX_REQUESTS_PER_LIST + 5):
        state.journal.add(JournalEntry(
            seq=state.journal.next_seq(), wall_time=0.0, sim_time=None, path="/httpsfax.php",
            method="POST", client_ip="127.0.0.1", operation="status", company="1000",
            username="demo", fields={}, status=200, first_line="", duration_ms=0.0))
    listed = client.get("/_sim/requests").json()
    assert (len(listed["requests"]), listed["matched"], listed["omitted"]) == (
        MAX_REQUESTS_PER_LIST, MAX_REQUESTS_PER_LIST + 5, 5)
    assert listed["requests"][-1]["seq"] == MAX_REQUESTS_PER_LIST + 5  # the newest
    small = client.get("/_sim/requests", params={"limit": "2"}).json()
    assert (len(small["requests"]), small["omitted"]) == (2, MAX_REQUESTS_PER_LIST + 3)
