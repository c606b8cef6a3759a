"""The fault index finds exactly what walking every fault in order finds (generated books and
requests), so the number of faults in force no longer taxes each request."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from faxage_sim.faults.matching import FaultBook, FaultSpec, Firing, ProtocolError, RequestFacts

COMPANIES = ("1000", "2000", "3000")
OPERATIONS = ("status", "sendfax", "getfax")
PATHS = ("/httpsfax.php", "/getcdr.php")
ERRORS = (ProtocolError.ERR01, ProtocolError.ERR13, ProtocolError.ERR15, None)

specs = st.builds(
    lambda companies, operations, paths, error, every: FaultSpec(
        companies=companies, operations=operations, paths=paths, error=error,
        status=None if error is not None else 503, every=every),
    st.lists(st.sampled_from(COMPANIES), max_size=2).map(tuple),
    st.lists(st.sampled_from(OPERATIONS), max_size=2).map(tuple),
    st.lists(st.sampled_from(PATHS), max_size=1).map(tuple),
    st.sampled_from(ERRORS),
    st.none() | st.integers(1, 3),
)
facts = st.builds(RequestFacts, st.sampled_from(PATHS), st.sampled_from((*OPERATIONS, None)),
                  st.sampled_from((*COMPANIES, None)), st.none(), st.none())
owners = st.sampled_from((None, *COMPANIES))


def walked(book: FaultBook, request: RequestFacts, kind: object) -> Firing | None:
    """What FaultBook did before its index: every fault, in order."""
    for fault in book.faults:
        spec = fault.spec
        if (spec.error is kind) if spec.operation_level else kind == "front":
            firing = fault.consider(request)
            if firing is not None:
                return firing
    return None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(specs, owners), max_size=30), st.lists(facts, max_size=30),
       st.data())
def test_the_index_finds_what_walking_every_fault_finds(
        faults: list[tuple[FaultSpec, str | None]], requests: list[RequestFacts],
        data: st.DataObject) -> None:
    indexed, linear = FaultBook(), FaultBook()
    for ordinal, (spec, owner) in enumerate(faults):
        for book in (indexed, linear):
            book.add(spec, seed=1, start=0.0, ordinal=ordinal, owner=owner)
    for request in requests:
        if data.draw(st.booleans()):
            got, want = indexed.front(request), walked(linear, request, "front")
        else:
            error = data.draw(st.sampled_from((ProtocolError.ERR13, ProtocolError.ERR15)))
            got, want = indexed.at_operation(request, error), walked(linear, request, error)
        assert (got and got.fault.id) == (want and want.fault.id)
    assert [(f.seen, f.fired) for f in indexed.faults] == [(f.seen, f.fired)
                                                           for f in linear.faults]


def test_faults_added_removed_or_replaced_are_seen_at_once() -> None:
    book = FaultBook()
    request = RequestFacts("/httpsfax.php", "status", "1000", None, None)
    first = book.add(FaultSpec(name="a", error=ProtocolError.ERR01), seed=1, start=0.0,
                     ordinal=0)
    assert (firing := book.front(request)) is not None and firing.fault is first
    book.clear()
    second = book.add(FaultSpec(name="b", error=ProtocolError.ERR01), seed=1, start=0.0,
                      ordinal=0)
    assert (firing := book.front(request)) is not None and firing.fault is second
    book.faults = []  # as a restored state replaces them
    assert book.front(request) is None
    book.faults.append(first)
    assert (firing := book.front(request)) is not None and firing.fault is first
    assert book.remove(first.id)
    assert book.front(request) is None
