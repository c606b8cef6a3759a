"""Hostile input on the protocol URLs, generated: what an outside fuzzer tries first.

Huge digit strings, NaN/Infinity/1e308 texts, names nested thousands deep, tens of thousands
of array entries, keys of thousands of digits, boundaries longer than any parser expects,
bodies in odd encodings. Over 20,000 requests in one run (in-process ASGI, cheap), every one
answered as PHP would answer it — never a 500, never a traceback — and the account's state,
read through the API, exactly as it was. A last test runs the worst of them against a real
uvicorn socket while another client keeps asking: no answer of that client waits 1 s.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote, quote_from_bytes

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.wire import catalog
from faxage_sim.wire.forms import MAX_INPUT_VARS, php_intval, posted_id

from .helpers import CREDENTIALS
from .hostile import (
    PROTOCOL_PATHS,
    TEXT_CONTENT_TYPE,
    URLENCODED,
    AsgiDriver,
    Reply,
    populate,
    world_snapshot,
)
from .live import LiveServer

LOGIN = "&".join(f"{k}={v}" for k, v in CREDENTIALS.items())
OPERATIONS = ["sendfax", "status", "clear", "stopfax", "dlstatus", "dltrans", "resend",
              "listfax", "getfax", "delfax", "handled", "handlecount", "incomingcalls",
              "busycalls", "pendcount", "qstatus", "auditlog", "disabledid", "enabledid",
              "portable", "listlines", "listac", "listnpanxx", "listdids", "provdid",
              "deprovdid"]
FIELDS = ["jobid", "jobids", "faxid", "recvid", "idgt", "nuidgt", "faxno", "didnumber",
          "begin", "end", "ac", "npanxx", "handled", "faxfilenames", "faxfiledata", "faxurl",
          "url_notify", "resolution", "priority", "viewtype", "useronly", "company",
          "username", "password", "operation"]

# --- strategies: what a fuzzer sends ----------------------------------------------------

# Numbers no object of the account can have (ids saturate past 19 digits, or are not ids
# at all), so that no hostile request may legitimately change anything.
huge_digits = st.builds(lambda n, sign, zeros, pad: f"{pad}{sign}{'0' * zeros}{'9' * n}{pad}",
                        st.integers(20, 6000), st.sampled_from(["", "-", "+"]),
                        st.sampled_from([0, 1, 4300]), st.sampled_from(["", " ", "\t"]))
float_texts = st.one_of(
    st.sampled_from(["NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", "-inf", "1e308",
                     "-1e308", "1e309", "1e-308", "1.7976931348623157e308", "0x7FFFFFFF",
                     "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                     "18446744073709551616", "1" + "0" * 400, "1e" + "9" * 5000, "", " ",
                     "-", "+", "--1", "1_000", "\u0661\u0662", "\uff11\uff12\uff13", "0b11",
                     "\x00", "1\x00", "١٠٠٠٠١", "99999999999999999999.5"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=1e19, max_value=1e308).map(str),
)
hostile_numbers = st.one_of(huge_digits, float_texts)
plain_values = st.one_of(hostile_numbers, st.text(max_size=30),
                         st.sampled_from(["1", "0", "pdf", "2026-01-05 09:00:00", "a.txt"]))


# Bytes a fuzzer likes: invalid UTF-8, overlong forms, surrogates, NULs, stray syntax.
JUNK = [b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x00",
        b"%", b"%%", b"%0", b"%zz", b"=", b"==", b"&", b"[", b"]", b"[]", b"\r\n", b"--",
        b"\r\n--B--\r\n", b"%00%ff%ED%A0%80", b"\x80" * 64, bytes(range(256))]


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{quote(k, safe='[]')}={quote(v)}" for k, v in pairs).encode()


def assert_protocol_answer(reply: Reply) -> None:
    """HTTP 200, a FAXAGE content type, no traceback: the same for every hostile request."""
    assert reply.status == 200, (reply.status, reply.text[:500])
    content_type = reply.headers.get("content-type")
    assert content_type in (TEXT_CONTENT_TYPE, catalog.BINARY_CONTENT_TYPE), content_type
    assert b"Traceback" not in reply.body and b"internal error" not in reply.body


# --- the world the hostile traffic meets ----------------------------------------------------


# The operations that may change what a client sees: in the id test, jobs and faxes are
# looked at after every request to one of them (for a precise report); every test compares
# the whole world before and after (the `driver` fixture).
MUTATING = frozenset({"sendfax", "clear", "stopfax", "resend", "delfax", "handled",
                      "disabledid", "enabledid", "provdid", "deprovdid"})


def quick_look(driver: AsgiDriver) -> tuple[str, str]:
    """Jobs and faxes as the client sees them."""
    status = driver.form("/httpsfax.php", {**CREDENTIALS, "operation": "status"}).text
    listfax = driver.form("/httpsfax.php", {**CREDENTIALS, "operation": "listfax"}).text
    return status, listfax


_BEFORE: dict[int, tuple[str, str]] = {}


def quick_look_before(driver: AsgiDriver) -> tuple[str, str]:
    """The quick look of the world before any hostile request."""
    return _BEFORE[id(driver)]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[AsgiDriver, list[str]]]:
    driver = AsgiDriver()
    populate(driver)
    _BEFORE[id(driver)] = quick_look(driver)
    yield driver, world_snapshot(driver)
    driver.close()


@pytest.fixture
def driver(world: tuple[AsgiDriver, list[str]]) -> Iterator[AsgiDriver]:
    """The populated emulator; after the test, everything its client sees is as before."""
    driver, before = world
    yield driver
    assert world_snapshot(driver) == before


HOSTILE = settings(deadline=None, derandomize=False, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow, HealthCheck.data_too_large])


# --- 1. ids: every id field the service reads, with numbers no PHP int can hold ----------

ID_FIELDS: list[tuple[str, str, str]] = [
    ("/httpsfax.php", "status", "jobid"), ("/httpsfax.php", "status", "jobids"),
    ("/httpsfax.php", "status", "jobids[]"), ("/httpsfax.php", "clear", "jobid"),
    ("/httpsfax.php", "stopfax", "jobid"), ("/httpsfax.php", "dlstatus", "jobid"),
    ("/httpsfax.php", "dltrans", "jobid"), ("/httpsfax.php", "resend", "jobid"),
    ("/httpsfax.php", "getfax", "faxid"), ("/httpsfax.php", "delfax", "faxid"),
    ("/httpsfax.php", "handled", "recvid"), ("/httpsfax.php", "handled", "faxid"),
    ("/httpsfax.php", "listfax", "idgt"), ("/getcdr.php", "", "nuidgt"),
    ("/httpsfax-debug.php", "status", "jobid"),
]


def expected_id_answer(driver: AsgiDriver, path: str, operation: str, field: str,
                       value: str) -> str | None:
    """What PHP answers (None: a listing, checked against the unfiltered one)."""
    number = posted_id(value)
    if operation == "status":
        wanted = [p.strip() for p in value.split(",") if p.strip()]
        return None if not wanted else catalog.ERR06_NO_JOBS
    return {
        "clear": catalog.err07_cannot_clear(value),
        "stopfax": catalog.ERR18_NO_JOBID if number is None else catalog.ERR19_JOB_NOT_FOUND,
        "dlstatus": catalog.ERR06_NO_JOBS, "dltrans": catalog.ERR06_NO_JOBS,
        "resend": catalog.ERR15_INVALID_JOB, "getfax": catalog.ERR12_FAX_NOT_FOUND,
        "delfax": catalog.ERR14_FAX_NOT_FOUND, "handled": catalog.ERR_HANDLED_NOT_FOUND,
        "": "",  # getcdr: a number past every record, or no selection at all
    }.get(operation)


@settings(HOSTILE, max_examples=5000)
@given(target=st.sampled_from(ID_FIELDS), value=hostile_numbers)
def test_every_id_field_answers_what_php_answers_for_numbers_past_64_bits(
        driver: AsgiDriver, target: tuple[str, str, str], value: str) -> None:
    path, operation, field = target
    fields = {**CREDENTIALS, field: value}
    if operation:
        fields["operation"] = operation
    reply = driver.form(path, fields)
    assert_protocol_answer(reply)
    body = reply.text
    if path == "/httpsfax-debug.php":
        pass  # the print_r dump comes first; the answer itself is checked on httpsfax.php
    elif operation == "listfax":
        everything = quick_look_before(driver)[1]
        above = php_intval(value.strip())
        kept = [line for line in everything.splitlines(keepends=True)
                if int(line.split("\t", 1)[0]) > above]
        assert body == ("".join(kept) if kept else catalog.ERR11_NO_FAXES)
    else:
        expected = expected_id_answer(driver, path, operation, field, value)
        if expected is not None:
            assert body == expected, (target, value[:80])
    if operation in MUTATING:
        assert quick_look(driver) == quick_look_before(driver)


# --- 2. shapes: nesting, entries by the ten thousand, keys of thousands of digits ---------


@st.composite
def hostile_shapes(draw: st.DrawFn) -> tuple[bytes, str]:
    """(body, operation)."""
    field = draw(st.sampled_from(FIELDS))
    kind = draw(st.sampled_from(["deep", "many", "long-key", "brackets", "long-name"]))
    value = quote(draw(plain_values))
    if kind == "deep":
        # The extremes are drawn less often than the limit's edges: they cost milliseconds.
        depth = draw(st.sampled_from([1, 2, 63, 64, 65, 66] * 4 + [1000, 20_000]))
        key = draw(st.sampled_from(["x", "", "0", "9" * 30]))
        name = field + f"[{key}]" * depth
        body = f"{name}={value}"
    elif kind == "many":
        edges = [MAX_INPUT_VARS - 1, MAX_INPUT_VARS, MAX_INPUT_VARS + 1, MAX_INPUT_VARS + 2]
        count = draw(st.sampled_from([1, 2, *edges] * 5 + [20_000, 40_000]))
        entry = draw(st.sampled_from([f"{field}[]", f"{field}[][x]", field, "", f"{field}[0]"]))
        body = "&".join([f"{entry}={value}"] * count)
    elif kind == "long-key":
        digits = draw(st.integers(19, 6000))
        sign = draw(st.sampled_from(["", "-", "0"]))
        body = f"{field}[{sign}{'9' * digits}]={value}&{field}[]={value}"
    elif kind == "brackets":
        run = draw(st.sampled_from([1, 2, 3, 64, 65, 1000] * 3 + [50_000]))
        pattern = draw(st.sampled_from(["[", "]", "[]", "][", "[x", "x]"]))
        body = f"{field}{pattern * run}={value}"
    else:
        body = f"{field * draw(st.integers(1, 3000))}={value}"
    # The login and operation come last: past max_input_vars PHP never sees them.
    operation = draw(st.sampled_from(OPERATIONS))
    order = draw(st.sampled_from(["first", "last"]))
    login = f"{LOGIN}&operation={operation}"
    return (f"{login}&{body}" if order == "first" else f"{body}&{login}").encode(), operation


@settings(HOSTILE, max_examples=4000)
@given(case=hostile_shapes(), path=st.sampled_from(PROTOCOL_PATHS))
def test_deep_wide_and_long_names_get_protocol_answers(
        driver: AsgiDriver, case: tuple[bytes, str], path: str) -> None:
    body, _operation = case
    assert_protocol_answer(driver.post(path, body))


def test_past_max_input_vars_the_login_is_never_read(driver: AsgiDriver) -> None:
    body = "&".join(["jobids[]=1"] * 20_000).encode() + f"&{LOGIN}&operation=status".encode()
    assert driver.post("/httpsfax.php", body).text == catalog.ERR02_LOGIN
    body = f"{LOGIN}&operation=status&".encode() + "&".join(["jobids[]=x"] * 40_000).encode()
    assert driver.post("/httpsfax.php", body).text == catalog.ERR06_NO_JOBS


# --- 3. multipart: boundaries of any length, bodies cut anywhere ---------------------------


@st.composite
def hostile_multipart(draw: st.DrawFn) -> tuple[str, bytes, bool, str]:
    """(content type, body, well_formed, operation)."""
    length = draw(st.sampled_from([1, 70, 255, 256, 257, 300, 1000] * 3 + [5000, 20_000]))
    alphabet = draw(st.sampled_from(["b", "-", "'()+_,-./:=? ", "\xe9\xff"]))
    boundary = (alphabet * length)[:length].rstrip(" ") or "b"
    quoted = draw(st.booleans())
    operation = draw(st.sampled_from(OPERATIONS))
    fields = [*CREDENTIALS.items(), ("operation", operation),
              (draw(st.sampled_from(FIELDS[:6])), draw(hostile_numbers))]
    parts = b"".join(
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode(
            "latin-1") + value.encode() + b"\r\n" for name, value in fields)
    body = parts + f"--{boundary}--\r\n".encode("latin-1")
    damage = draw(st.sampled_from(["none", "truncate", "garbage", "no-end", "crlf",
                                   "huge-header", "files"]))
    if damage == "truncate":
        body = body[:len(body) * draw(st.integers(0, 99)) // 100]
    elif damage == "garbage":
        body = draw(st.sampled_from(JUNK)) * draw(st.sampled_from([1, 100]))
    elif damage == "no-end":
        body = parts
    elif damage == "crlf":
        body = b"\r\n" * draw(st.sampled_from([1, 2, 100, 1000, 50_000]))
    elif damage == "huge-header":
        body = (f"--{boundary}\r\nX: ".encode("latin-1") + b"h" * 20_000 + b"\r\n\r\nx\r\n"
                + body)
    elif damage == "files":
        file_part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"f\"; "
                     "filename=\"a.bin\"\r\n\r\n\x00\x01\r\n").encode("latin-1")
        body = file_part * draw(st.sampled_from([1, 2, 3, 1000 * 1000 // (len(boundary) + 100)])) \
            + body
    shown = f'"{boundary}"' if quoted else boundary
    content_type = f"multipart/form-data; boundary={shown}"
    # PHP ends an unquoted boundary at the first `,` or `;`.
    readable = quoted or not any(c in boundary for c in ",;")
    return content_type, body, readable and damage in ("none", "no-end", "files"), operation


@settings(HOSTILE, max_examples=4000)
@given(case=hostile_multipart())
def test_multipart_of_any_boundary_is_read_as_php_reads_it(
        driver: AsgiDriver, case: tuple[str, bytes, bool, str]) -> None:
    content_type, body, well_formed, _operation = case
    reply = driver.post("/httpsfax.php", body, content_type)
    assert_protocol_answer(reply)
    if well_formed:
        # The login arrived, so the answer is the operation's own.
        assert reply.text != catalog.ERR02_LOGIN, content_type[:60]


def test_an_unreadable_multipart_body_is_an_empty_post(driver: AsgiDriver) -> None:
    reply = driver.post("/httpsfax.php", b"not multipart at all" * 100,
                        "multipart/form-data; boundary=" + "x" * 300)
    assert reply.text == catalog.ERR02_LOGIN
    reply = driver.post("/getcdr.php", b"--B\r\n" + b"X-" * 50_000,
                        "multipart/form-data; boundary=B")
    assert reply.text == catalog.LC_ERR02_LOGIN


# --- 4. odd encodings -----------------------------------------------------------------------

CODECS = ["utf-8", "utf-16", "utf-16-be", "utf-32", "latin-1", "cp1252", "utf-7",
          "shift_jis", "koi8-r"]


@st.composite
def odd_encodings(draw: st.DrawFn) -> tuple[str | None, bytes, str]:
    """(content type, body, operation)."""
    operation = draw(st.sampled_from(OPERATIONS))
    fields = [*CREDENTIALS.items(), ("operation", operation),
              (draw(st.sampled_from(FIELDS)), draw(plain_values))]
    how = draw(st.sampled_from(["codec", "raw-bytes", "escaped-bytes", "bom", "nul"]))
    if how == "codec":
        codec = draw(st.sampled_from(CODECS))
        text = "&".join(f"{k}={v}" for k, v in fields)
        body = text.encode(codec, errors="replace")
    elif how == "raw-bytes":
        body = form_body(fields) + b"&" + draw(st.sampled_from(JUNK))
    elif how == "escaped-bytes":
        junk = draw(st.sampled_from(JUNK)) * draw(st.sampled_from([1, 2, 1000]))
        body = form_body(fields) + b"&" + draw(st.sampled_from(FIELDS)).encode() + b"=" + \
            quote_from_bytes(junk).encode()
    elif how == "bom":
        body = b"\xef\xbb\xbf" + form_body(fields)
    else:
        body = form_body(fields).replace(b"&", b"\x00&", draw(st.integers(1, 3)))
    content_type = draw(st.sampled_from([
        URLENCODED, URLENCODED.upper(), f"{URLENCODED}; charset=utf-16",
        f"{URLENCODED};charset=\"latin-1\"", f" {URLENCODED} ;", "text/plain", None,
        "application/json", "multipart/form-data", "multipart/form-data; boundary=",
        "application/x-www-form-urlencoded\x00", "\xff\xfe/\xff"]))
    return content_type, body, operation


@settings(HOSTILE, max_examples=4000)
@given(case=odd_encodings(), path=st.sampled_from(PROTOCOL_PATHS))
def test_bodies_in_odd_encodings_get_protocol_answers(
        driver: AsgiDriver, case: tuple[str | None, bytes, str], path: str) -> None:
    content_type, body, _operation = case
    assert_protocol_answer(driver.post(path, body, content_type))


# --- 5. any field, any operation, hostile values ----------------------------------------------


@settings(HOSTILE, max_examples=3500)
@given(path=st.sampled_from(PROTOCOL_PATHS), operation=st.sampled_from(OPERATIONS),
       fields=st.lists(st.tuples(
           st.one_of(st.sampled_from(FIELDS),
                     st.builds(lambda f, k: f"{f}[{k}]", st.sampled_from(FIELDS),
                               st.one_of(st.just(""), huge_digits, float_texts))),
           st.one_of(hostile_numbers, plain_values)), min_size=1, max_size=2),
       method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]))
def test_hostile_values_in_any_field_of_any_operation(
        driver: AsgiDriver, path: str, operation: str, fields: list[tuple[str, str]],
        method: str) -> None:
    # The login first, so the operation is reached; no valid faxno is ever generated, so
    # sendfax cannot make a job.
    body = form_body([*CREDENTIALS.items(), ("operation", operation), *fields])
    reply = driver.request(method, path, body, [(b"content-type", URLENCODED.encode())])
    assert_protocol_answer(reply)


# --- 6. on a real socket: nothing holds up another client -----------------------------------

WORST_BODIES: list[tuple[str, str, bytes]] = [
    ("40,000 array entries", URLENCODED, "&".join(["jobids[]=7"] * 40_000).encode()),
    ("20,000 array entries after the login", URLENCODED,
     f"{LOGIN}&operation=status&".encode() + "&".join(["jobids[]=7"] * 20_000).encode()),
    ("50,000 levels of nesting", URLENCODED, b"a" + b"[x]" * 50_000 + b"=1"),
    ("a key of 6,000 digits", URLENCODED, b"x[" + b"9" * 6000 + b"]=1&" + LOGIN.encode()),
    ("a 6,000-digit jobid", URLENCODED,
     f"{LOGIN}&operation=status&jobid={'9' * 6000}".encode()),
    ("8 MiB of lone percent signs", URLENCODED, b"a=" + b"%4x" * (8 * 1024 * 1024 // 3)),
    ("8 MiB of invalid UTF-8", URLENCODED, b"a=" + b"\xff" * (8 * 1024 * 1024)),
    ("8 MiB of escapes", URLENCODED, b"a=" + b"%41" * (8 * 1024 * 1024 // 3)),
    ("a 5,000-character boundary", "multipart/form-data; boundary=" + "b" * 5000,
     (f"--{'b' * 5000}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
      f"--{'b' * 5000}--\r\n").encode()),
    ("20,000 multipart file parts", "multipart/form-data; boundary=B",
     b"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nx\r\n" * 20_000
     + b"--B--\r\n"),
]


def test_no_hostile_request_holds_up_another_client_for_a_second() -> None:
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    with LiveServer(app) as live:
        finished = threading.Event()
        answers: list[tuple[str, int]] = []

        def attack() -> None:
            with httpx.Client(base_url=live.url, timeout=120) as attacker:
                for name, content_type, body in WORST_BODIES:
                    for path in ("/httpsfax.php", "/getcdr.php"):
                        reply = attacker.post(path, content=body,
                                              headers={"content-type": content_type})
                        answers.append((f"{name} on {path}", reply.status_code))
            finished.set()

        waits: list[float] = []
        with httpx.Client(base_url=live.url, timeout=30) as bystander:
            attacker_thread = threading.Thread(target=attack)
            attacker_thread.start()
            while not finished.is_set():
                started = time.monotonic()
                reply = bystander.post("/httpsfax.php", data={**CREDENTIALS,
                                                              "operation": "pendcount"})
                waits.append(time.monotonic() - started)
                assert reply.text == "0"
            attacker_thread.join()
    assert [status for _, status in answers] == [200] * len(answers), answers
    assert len(waits) > len(answers), "the bystander was not served while the attack ran"
    assert max(waits) < 1.0, f"a bystander waited {max(waits):.2f} s"
    assert not any(math.isnan(w) for w in waits)


def test_the_reported_crashes_get_protocol_answers(driver: AsgiDriver) -> None:
    """The issue's reproductions, each once, with the exact answers."""
    key = "9" * 4301
    assert driver.post("/httpsfax.php", f"x[{key}]=1".encode()).text == catalog.ERR02_LOGIN
    boundary = "b" * 257
    body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                   for k, v in [*CREDENTIALS.items(), ("operation", "pendcount")])
    reply = driver.post("/httpsfax.php", (body + f"--{boundary}--\r\n").encode(),
                        f"multipart/form-data; boundary={boundary}")
    assert reply.text == "1"  # the login was read: one job is still pending
    huge = "9" * 4301
    for operation, field, answer in [
            ("status", "jobid", catalog.ERR06_NO_JOBS), ("status", "jobids", catalog.ERR06_NO_JOBS),
            ("clear", "jobid", catalog.err07_cannot_clear(huge)),
            ("stopfax", "jobid", catalog.ERR19_JOB_NOT_FOUND),
            ("dlstatus", "jobid", catalog.ERR06_NO_JOBS),
            ("dltrans", "jobid", catalog.ERR06_NO_JOBS),
            ("resend", "jobid", catalog.ERR15_INVALID_JOB),
            ("getfax", "faxid", catalog.ERR12_FAX_NOT_FOUND),
            ("delfax", "faxid", catalog.ERR14_FAX_NOT_FOUND),
            ("handled", "recvid", catalog.ERR_HANDLED_NOT_FOUND),
            ("listfax", "idgt", catalog.ERR11_NO_FAXES)]:
        reply = driver.form("/httpsfax.php", {**CREDENTIALS, "operation": operation, field: huge})
        assert (reply.status, reply.text) == (200, answer), operation
    assert driver.form("/getcdr.php", {**CREDENTIALS, "nuidgt": huge}).text == ""
