"""The request path's shortcuts give what the long way gives, and stay bounded whatever a
client posts (benchmarks/README.md lists what each saves)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from faxage_sim.documents.formats import text_line_count, text_page_lines
from faxage_sim.wire import forms
from faxage_sim.wire.records import TIME_FORMAT, format_time


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\r\n\x01\x7fé")), max_size=400),
       st.booleans())
def test_text_line_count_is_the_number_of_printed_lines(text: str, wrap: bool) -> None:
    assert text_line_count(text, wrap=wrap) == len(text_page_lines(text, wrap=wrap))


def test_text_line_count_of_long_lines_wraps_them() -> None:
    text = "word " * 100 + "\n" + "x" * 250 + "\n\tshort\n"
    assert text_line_count(text) == len(text_page_lines(text)) > 3


@given(st.text(alphabet=st.sampled_from(list("0123456789 +-x\t٣")), max_size=25))
def test_php_intval_shortcut_for_plain_ids(value: str) -> None:
    match = forms._LEADING_INT.match(value)
    assert match is not None
    sign, digits = match.groups()
    expected = 0 if not digits else (
        (forms.PHP_INT_MIN if sign == "-" else forms.PHP_INT_MAX) if len(digits) > 19
        else min(max(-int(digits) if sign == "-" else int(digits), forms.PHP_INT_MIN),
                 forms.PHP_INT_MAX))
    assert forms.php_intval(value) == expected


def test_known_field_names_are_kept_up_to_a_bound() -> None:
    body = urlencode([(f"name{i}[]", "v") for i in range(3000)]
                     + [("x" * 100, "long")]).encode()
    post = forms.build_post(forms.parse_urlencoded(body, max_vars=10_000))
    assert post.get_str("x" * 100) == "long"
    assert post.get_list("name2999") == ["v"]
    assert len(forms._known_names) <= forms._KNOWN_NAME_LIMIT
    assert len(forms._known_raw_names) <= forms._KNOWN_NAME_LIMIT
    post = forms.post_from_urlencoded(body, max_vars=10_000)
    assert post.get_str("x" * 100) == "long"
    assert post.get_list("name2999") == ["v"]
    assert len(forms._known_raw_fields) <= forms._KNOWN_NAME_LIMIT
    assert all(len(name) <= forms._KNOWN_NAME_CHARS for name in forms._known_raw_fields)
    assert all(len(name) <= forms._KNOWN_NAME_CHARS for name in forms._known_names)


_FORM_PIECES = [b"a", b"b", b"=", b"&", b"[", b"]", b"[]", b"%5B%5D", b"%5b", b"+", b"%",
                b"%2B", b"%zz", b"0", b"1", b"-1", b".", b" ", b"\0", b"\xe2\x82\xac",
                b"faxfiledata[]", b"jobids[]=", b"a[x][]", b"[" * 70, b"9223372036854775807",
                b"&a" + b"[]" * 65 + b"=deep&"]


@settings(max_examples=500, deadline=None)
@example(b"a=1&a" + b"[]" * 65 + b"=deep&b[]=2&b[5]=x&b[]=y&c[k][]=3&c=4", 12)
@given(st.lists(st.sampled_from(_FORM_PIECES), max_size=40).map(b"".join),
       st.integers(min_value=1, max_value=12))
def test_the_one_pass_urlencoded_post_is_the_pairs_built(body: bytes, max_vars: int) -> None:
    for limit in (max_vars, forms.MAX_INPUT_VARS):
        expected = forms.build_post(forms.parse_urlencoded(body, max_vars=limit))
        for _ in range(2):  # the names split afresh, then as seen before
            post = forms.post_from_urlencoded(body, max_vars=limit)
            assert post == expected
            assert [type(v) for v in post.values.values()] == [
                type(v) for v in expected.values.values()]  # arrays keep their next index
            assert forms.sorted_items(post.values) == forms.sorted_items(expected.values)


def test_parse_post_reads_a_urlencoded_body_in_one_pass() -> None:
    body = b"a=1&b[]=2&b[]=3&c[k][]=4"
    for content_type in ("application/x-www-form-urlencoded",
                         "Application/X-WWW-Form-Urlencoded; charset=UTF-8"):
        assert forms.parse_post(content_type, body) == forms.post_from_urlencoded(body) \
            == forms.build_post(forms.parse_urlencoded(body))
    assert forms.parse_post("text/plain", body).values == {}


def test_a_name_seen_before_reads_as_it_did_the_first_time() -> None:
    body = b"faxfilenames%5B%5D=a.txt&a+b=1&c.d[x]=2&e[=3"
    first = forms.parse_post("application/x-www-form-urlencoded", body).values
    again = forms.parse_post("application/x-www-form-urlencoded", body).values
    assert first == again == {"faxfilenames": {0: "a.txt"}, "a_b": "1", "c_d": {"x": "2"},
                              "e_": "3"}


def test_formatted_times_are_the_zone_s_wall_clock() -> None:
    denver, tokyo = ZoneInfo("America/Denver"), ZoneInfo("Asia/Tokyo")
    for epoch in (1767628800.0, 1767628800.9, 1773477000.0):  # a fraction, a DST change
        for zone in (denver, tokyo, denver):
            assert format_time(epoch, zone) == datetime.fromtimestamp(
                int(epoch), zone).strftime(TIME_FORMAT)


def test_the_driver_is_woken_only_by_an_event_before_its_sleep_ends() -> None:
    """Every sendfax schedules its conversion: the clock driver wakes for it only if it comes
    before the driver would wake anyway (a manual clock's never comes by itself)."""
    import asyncio

    from faxage_sim.core.clock import Clock, ClockMode
    from faxage_sim.server.config import SimConfig
    from faxage_sim.server.state import AppState

    async def scenario() -> None:
        state = AppState(SimConfig(clock=ClockMode.MANUAL))
        manual = state.sim.accounts["1000"]
        scaled = state.sim.create_account(clock=Clock(ClockMode.SCALED, speed=100.0))
        await state.start()
        try:
            while state._wakeup is None:  # the driver's first turn, then its sleep
                await asyncio.sleep(0)
            waiter = state._wakeup
            manual.scheduler.schedule(manual.now(), lambda at: None)
            scaled.scheduler.schedule(scaled.now() + 1000.0, lambda at: None)  # 10 s away
            await asyncio.sleep(0)
            assert state._wakeup is waiter and not waiter.done()
            scaled.scheduler.schedule(scaled.now() + 1.0, lambda at: None)  # 10 ms away
            assert waiter.done()
            while state._wakeup is waiter or state._wakeup is None:  # it ran, and sleeps again
                await asyncio.sleep(0)
        finally:
            await state.stop()

    asyncio.run(scenario())
