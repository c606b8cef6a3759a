"""The call-detail-record store on its own: selection by nuid and by calldate against a naive
scan of every record, and how `call` events become records."""

from __future__ import annotations

from typing import NoReturn
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxage_sim.core import cdr
from faxage_sim.core.cdr import FIRST_NUID, CallRecord, CdrQuery, CdrStore, Direction
from faxage_sim.core.events import EventBus, SimEvent

T0 = 1_767_628_800  # 2026-01-05 16:00:00 UTC

calls = st.lists(
    st.tuples(st.sampled_from([Direction.IN, Direction.OUT]),
              st.sampled_from(["3032974100", "3032974101", "3039911234"]),
              st.integers(0, 600),  # start offset: arrival order is not calldate order
              st.integers(0, 120)),
    max_size=60,
)


def naive(records: list[CallRecord], query: CdrQuery) -> list[CallRecord]:
    if not query.selects:
        return []
    found = [r for r in records
             if (query.nuid_above is None or r.nuid > query.nuid_above)
             and (query.begin is None or query.end is None
                  or query.begin <= r.calldate <= query.end)
             and (query.inbound_to is None
                  or (r.direction is Direction.IN and r.dst == query.inbound_to))]
    return sorted(found, key=lambda r: (r.calldate, r.nuid))


@settings(max_examples=300, deadline=None)
@given(calls, st.one_of(st.none(), st.integers(0, 70)),
       st.one_of(st.none(), st.tuples(st.integers(-10, 610), st.integers(-10, 610))),
       st.one_of(st.none(), st.sampled_from(["3032974100", "3039911234", "999"])),
       st.sampled_from([0, 3, 10**9]), st.integers(1, 7))
def test_selection_matches_a_scan_of_every_record(
        made: list[tuple[Direction, str, int, int]], nuidgt: int | None,
        window: tuple[int, int] | None, inbound_to: str | None, sort_at_most: int,
        step: int) -> None:
    """Either way of answering `nuidgt` (a short tail sorted, a long one picked from the
    calldate index: SORT_AT_MOST decides), in steps of any size."""
    store = CdrStore()
    written = [store.record("1000", direction, "7206123456", dst, start=T0 + offset,
                            duration=duration)
               for direction, dst, offset, duration in made]
    store.record("1001", Direction.OUT, "7206123456", "3039911234", start=T0, duration=9)
    begin, end = (T0 + window[0], T0 + window[1]) if window else (None, None)
    query = CdrQuery(nuid_above=nuidgt, begin=begin, end=end, inbound_to=inbound_to)
    with patch.object(cdr, "SORT_AT_MOST", sort_at_most):
        assert store.select("1000", query) == naive(written, query)
        parts = list(store.select_steps("1000", query, step))
    assert [r for part in parts for r in part] == naive(written, query)
    assert all(len(part) <= step for part in parts)


def test_a_long_nuid_tail_is_read_in_steps_never_sorted(monkeypatch: pytest.MonkeyPatch) -> None:
    """nuidgt near 0 over a big store: no step sorts or copies more than SELECT_STEP
    records (sorting the whole tail held the event loop ~0.7 s at a million)."""
    store = CdrStore()
    total = cdr.SORT_AT_MOST + 5 * cdr.SELECT_STEP
    store.record_many("1000", ((Direction.OUT, "7206123456", "3039911234",
                                T0 + 10 * i - 600 * (i % 2), 30) for i in range(total)))

    def no_sort(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("the long tail was sorted")

    monkeypatch.setattr(cdr, "sorted", no_sort, raising=False)
    parts = list(store.select_steps("1000", CdrQuery(nuid_above=1)))
    assert len(parts) == -(-total // cdr.SELECT_STEP)
    assert all(len(part) <= cdr.SELECT_STEP for part in parts)
    found = [r for part in parts for r in part]
    assert len(found) == total - 1
    assert found == sorted(found, key=lambda r: (r.calldate, r.nuid))


def test_nuids_ascend_across_accounts_and_start_over_after_clear() -> None:
    store = CdrStore()
    a = store.record("1000", Direction.OUT, "3032974100", "3039911234", start=T0, duration=35)
    b = store.record("2000", Direction.IN, "3039911234", "3032974100", start=T0, duration=40)
    c = store.record("1000", Direction.OUT, "3032974100", "3039911234", start=T0 - 60,
                     duration=0)
    assert [a.nuid, b.nuid, c.nuid] == [FIRST_NUID, FIRST_NUID + 1, FIRST_NUID + 2]
    assert store.last_nuid == FIRST_NUID + 2
    everything = CdrQuery(nuid_above=0)
    assert store.select("1000", everything) == [c, a]  # calldate order, not nuid order
    assert store.select("2000", everything) == [b]
    assert store.count() == 3 and store.count("1000") == 2
    store.forget("1000")
    assert store.select("1000", everything) == [] and store.count() == 1
    store.clear()
    assert store.count() == 0 and store.last_nuid == FIRST_NUID - 1
    again = store.record("1000", Direction.IN, "3039911234", "3032974100", start=T0,
                         duration=1)
    assert again.nuid == FIRST_NUID


def test_a_range_needs_both_ends_and_no_selection_selects_nothing() -> None:
    store = CdrStore()
    store.record("1000", Direction.OUT, "3032974100", "3039911234", start=T0, duration=35)
    assert store.select("1000", CdrQuery()) == []
    assert store.select("1000", CdrQuery(begin=T0 - 10)) == []
    assert store.select("1000", CdrQuery(end=T0 + 10)) == []
    assert len(store.select("1000", CdrQuery(begin=T0, end=T0))) == 1  # both ends inclusive
    assert store.select("unknown", CdrQuery(nuid_above=0)) == []


def test_call_events_on_the_bus_become_records_and_other_events_do_not() -> None:
    bus, store = EventBus(), CdrStore()
    bus.subscribe(store.observe)
    bus.emit(SimEvent("job.completed", T0, "1000", "job 1: success"))
    bus.emit(SimEvent("call", T0 + 47.9, "1000", "call OUT",
                      {"direction": "OUT", "src": "3032974100", "dst": "3039910001",
                       "start": T0 + 35.6, "duration": 0, "answered": False, "jobid": 1}))
    bus.emit(SimEvent("call", T0 + 99, "1000", "call IN",
                      {"direction": "IN", "src": "3125550100", "dst": "3032974101",
                       "start": T0 + 60, "duration": 41, "answered": True}))
    assert store.select("1000", CdrQuery(nuid_above=0)) == [
        CallRecord(1, T0 + 35, Direction.OUT, "3032974100", "3039910001", 0),
        CallRecord(2, T0 + 60, Direction.IN, "3125550100", "3032974101", 41),
    ]


@given(st.lists(st.integers(0, 20), max_size=60))
def test_an_index_built_at_once_is_the_one_added_record_by_record(calldates: list[int]) -> None:
    """A snapshot's records are indexed at once, off the loop (`AccountCdrs.of`): the same
    order as adding them one by one, equal calldates in nuid order."""
    records = [CallRecord(n, at, Direction.IN, "3125550100", "3032974100", 0)
               for n, at in enumerate(calldates, start=1)]
    one_by_one = cdr.AccountCdrs()
    for record in records:
        one_by_one.add(record)
    at_once = cdr.AccountCdrs.of(records)
    assert vars(at_once) == vars(one_by_one)
