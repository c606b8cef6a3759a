"""Numbers and places from libphonenumber: the committed tables (core/nanp_data.py and
nanp_places.py) agree with the installed `phonenumbers`, what provision.php offers is placed
where the library places it, inbound callers are real geographic numbers, and the contract's
ERR05 list is the library's classification plus the codes docs/protocol.md names."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType
from starlette.testclient import TestClient

from faxage_sim.core import nanp_build, nanp_data, nanp_places, numbering
from faxage_sim.core.clock import ClockMode
from faxage_sim.core.inbound_traffic import TrafficGenerator
from faxage_sim.core.simulator import Simulator
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import FaxApi

GEOGRAPHIC = (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
# Area codes of every class (and the contract's extras): where the rules differ most.
CLASSIFIED_NPAS = sorted(nanp_data.NON_GEOGRAPHIC_NPAS | nanp_data.FOREIGN_NPAS
                         | set(nanp_data.TOLL_FREE_NPAS) | numbering.CONTRACT_NON_GEOGRAPHIC_NPAS
                         | numbering.CONTRACT_OUTSIDE_NPAS | {"303", "212", "808"})
REGENERATE = "regenerate with `python -m faxage_sim.core.nanp_build --write`"


def parse(number: str) -> phonenumbers.PhoneNumber:
    return phonenumbers.parse("+1" + number)


def is_geographic(number: str) -> bool:
    parsed = parse(number)
    return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in GEOGRAPHIC


def listnpanxx_rows(seed: int) -> list[list[str]]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, seed=seed))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        text = FaxApi(client, path="/provision.php").call("listnpanxx")
    return [row.split("\t") for row in text.splitlines()]


# --- the committed table ------------------------------------------------------------------


def test_the_tables_rate_centers_are_where_the_library_places_them() -> None:
    wrong = [(npanxx, city, state, nanp_build.place(npanxx + line))
             for npanxx, city, state in nanp_places.RATE_CENTERS
             for line in nanp_build.SAMPLE_LINES
             if nanp_build.place(npanxx + line) != f"{city}, {state}"
             or not is_geographic(npanxx + line)]
    # The library's data changes monthly: a place it moves is tolerated, not a drift.
    assert len(wrong) <= len(nanp_places.RATE_CENTERS) * len(nanp_build.SAMPLE_LINES) // 50, (
        f"{wrong[:10]}; {REGENERATE}")
    assert len({state for _, _, state in nanp_places.RATE_CENTERS}) >= 40


def test_the_tables_area_code_classes_are_the_librarys() -> None:
    classes = {str(npa): nanp_build.area_code_class(str(npa)) for npa in range(200, 1000)}
    toll_free = tuple(sorted(n for n, c in classes.items() if c == "TOLL_FREE"))
    non_geographic = {n for n, c in classes.items() if c in nanp_build.NON_GEOGRAPHIC_TYPES}
    assert toll_free == nanp_data.TOLL_FREE_NPAS, REGENERATE
    assert non_geographic == nanp_data.NON_GEOGRAPHIC_NPAS, REGENERATE
    assert set(nanp_build.foreign_area_codes()) == nanp_data.FOREIGN_NPAS, REGENERATE
    assert all(nanp_build.classify(npanxx + "2000") == "TOLL_FREE"
               for npanxx in nanp_places.TOLL_FREE_NPANXXS)


# --- the contract against the library (docs/protocol.md, decision err05-text) -----------


def test_err05_blocks_the_librarys_non_geographic_and_foreign_codes() -> None:
    for npa in nanp_data.NON_GEOGRAPHIC_NPAS | nanp_data.FOREIGN_NPAS:
        assert numbering.is_blocked(f"{npa}2342000"), npa
    for npa in nanp_data.TOLL_FREE_NPAS:  # toll-free stays dialable
        assert not numbering.is_blocked(f"{npa}2342000"), npa
    assert numbering.is_blocked("9002345678")
    assert nanp_build.classify("9002345678") == "PREMIUM_RATE"
    assert numbering.is_blocked("5002345678")
    assert nanp_build.classify("5002345678") == "PERSONAL_NUMBER"


@pytest.mark.parametrize(("number", "library_says"), [
    ("4562345678", "INVALID"),  # the contract's non-geographic codes the library leaves out
    ("7002345678", "INVALID"),
    ("9762345678", "INVALID"),
    ("9072345678", "FIXED_LINE_OR_MOBILE"),  # Alaska: US geographic, outside FAXAGE's area
    ("3035552000", "FIXED_LINE_OR_MOBILE"),  # exchange 555
    ("3039762000", "FIXED_LINE_OR_MOBILE"),  # exchange 976
    ("3034112000", "FIXED_LINE_OR_MOBILE"),  # N11 exchange
])
def test_where_the_contract_blocks_more_than_the_library(number: str, library_says: str) -> None:
    assert numbering.is_blocked(number)
    assert nanp_build.classify(number) == library_says


# --- what the emulator offers and generates ------------------------------------------------


def test_listnpanxx_place_names_agree_with_the_library() -> None:
    rows = listnpanxx_rows(seed=0)
    agree = [row for row in rows
             if (row[1] == "Toll-Free" and nanp_build.classify(row[0] + "2000") == "TOLL_FREE")
             or (nanp_build.place(row[0] + "2000") == f"{row[1]}, {row[2]}"
                 and is_geographic(row[0] + "2000"))]
    assert len(rows) >= 70
    assert len(agree) >= 0.9 * len(rows), [row for row in rows if row not in agree]
    assert ["303297", "Denver", "CO"] in rows


def test_the_same_seed_offers_the_same_places_and_another_seed_others() -> None:
    assert listnpanxx_rows(seed=7) == listnpanxx_rows(seed=7)
    assert listnpanxx_rows(seed=7) != listnpanxx_rows(seed=8)


def callers(seed: int, count: int = 300) -> list[tuple[str, str]]:
    sim = Simulator()
    traffic = TrafficGenerator(sim.inbound, sim.accounts["1000"], seed)
    return [(call.cid, call.tsid) for call in (traffic.make_call() for _ in range(count))]


def test_inbound_caller_ids_and_station_ids_are_valid_geographic_numbers() -> None:
    calls = callers(seed=3)
    cids = [cid for cid, _ in calls if cid]
    assert len(cids) > 200
    assert all(is_geographic(cid) and not numbering.is_blocked(cid) for cid in cids), [
        cid for cid in cids if not is_geographic(cid)]
    assert all(nanp_build.PLACE.fullmatch(nanp_build.place(cid)) for cid in cids)
    numeric_tsids = [tsid for _, tsid in calls if tsid.startswith("+1 ")]
    assert numeric_tsids and all(
        phonenumbers.is_valid_number(phonenumbers.parse(tsid)) for tsid in numeric_tsids)


def test_the_same_seed_gives_the_same_callers_and_another_seed_others() -> None:
    assert callers(seed=3) == callers(seed=3)
    assert callers(seed=3) != callers(seed=4)


@settings(max_examples=500, deadline=None)
@given(st.one_of(
    st.from_regex(r"[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True),
    st.builds(str.__add__, st.sampled_from(CLASSIFIED_NPAS),
              st.from_regex(r"[2-9][0-9]{6}", fullmatch=True))))
def test_any_number_is_blocked_exactly_as_the_library_and_the_contracts_extras_say(
        number: str) -> None:
    parsed = parse(number)
    kind = nanp_build.classify(number)
    region = phonenumbers.region_code_for_number(parsed)
    contract_only = (numbering.is_blocked_by_pattern(number)
                     or number[:3] in numbering.CONTRACT_NON_GEOGRAPHIC_NPAS
                     or number[:3] in numbering.CONTRACT_OUTSIDE_NPAS)
    if kind in nanp_build.NON_GEOGRAPHIC_TYPES or region not in (None, "US", "CA"):
        assert numbering.is_blocked(number)
    elif kind in ("TOLL_FREE", *nanp_build.GEOGRAPHIC_TYPES) and not contract_only:
        assert not numbering.is_blocked(number)
    assert numbering.is_blocked(number) == (
        contract_only or number[:3] in nanp_data.NON_GEOGRAPHIC_NPAS
        or number[:3] in nanp_data.FOREIGN_NPAS)


def test_a_callers_station_id_shows_the_callers_own_number_never_another() -> None:
    sim = Simulator()
    account = sim.accounts["1000"]
    calls = [sim.inbound.generated_call(account, cid="3032971234") for _ in range(60)]
    assert {call.cid for call in calls} == {"3032971234"}
    numeric = {call.tsid for call in calls if call.tsid.startswith("+1 ")}
    assert numeric == {"+1 303 297 1234"}
