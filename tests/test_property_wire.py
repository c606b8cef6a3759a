"""Property: any request, however malformed, gets a protocol answer — never a traceback,
never a 500 — and never corrupts state."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import CREDENTIALS, b64

PROTOCOL_PATHS = ["/httpsfax.php", "/httpsfax-debug.php", "/getcdr.php", "/provision.php",
                  "/new_provision.php"]
OPERATIONS = ["sendfax", "status", "clear", "stopfax", "dlstatus", "dltrans", "listfax",
              "getfax", "delfax", "disabledid", "enabledid", "portable", "listlines", "handled",
              "resend", "pendcount", "handlecount", "incomingcalls", "qstatus", "busycalls",
              "auditlog", "portstatus", "listac", "listnpanxx", "listdids", "provdid",
              "deprovdid", "unprovdid"]
FIELDS = ["jobid", "jobids", "faxno", "recipname", "faxfilenames", "faxfiledata", "faxurl",
          "faxurls", "faxurltypes", "async", "url_notify", "priority", "resolution", "begin",
          "end", "pagecount", "useronly", "extqueue", "faxid", "didnumber", "viewtype", "ac",
          "npanxx", "nuidgt", "nuidshow", "idgt", "recvid", "handled", "tagnumber"]

texts = st.text(max_size=40)
# What an outside fuzzer tries first (tests/test_hostile_protocol.py goes much further).
huge_digits = st.builds(lambda n, sign: sign + "9" * n, st.sampled_from([19, 20, 400, 4301, 6000]),
                        st.sampled_from(["", "-", " "]))
float_texts = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e308", "-1e308", "1e309",
                               "9223372036854775807", "9223372036854775808",
                               "-9223372036854775809", "0x10", "\uff11"])
values = st.one_of(
    texts,
    st.sampled_from(["1", "0", "", "3039911234", "3039910004", "100001", "-1", "9" * 30,
                     "2026-01-05 09:00:00", "http://127.0.0.1:9/x", "a.pdf", "x.tif"]),
    st.builds(b64, st.binary(max_size=64)),
    huge_digits,
    float_texts,
)
names = st.one_of(
    st.sampled_from(FIELDS),
    st.builds(lambda n, k: f"{n}[{k}]", st.sampled_from(FIELDS),
              st.one_of(st.just(""), st.integers(-3, 5).map(str), texts, huge_digits)),
    st.builds(lambda n, depth: n + "[x]" * depth, st.sampled_from(FIELDS),
              st.sampled_from([63, 64, 65, 3000])),
    texts,
)
pairs = st.lists(st.tuples(names, values), max_size=12)


def encode(form: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in form).encode()


def multipart(form: list[tuple[str, str]]) -> bytes:
    parts = [f'--B0und\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             for k, v in form]
    return ("".join(parts) + "--B0und--\r\n").encode("utf-8", "surrogatepass")


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    path=st.one_of(st.sampled_from(PROTOCOL_PATHS),
                   st.text(max_size=20).map(lambda t: "/" + quote(t))),
    credentials=st.sampled_from([CREDENTIALS, {}, {**CREDENTIALS, "password": "x"}]),
    operation=st.one_of(st.sampled_from(OPERATIONS), texts),
    form=pairs,
    shape=st.sampled_from(["urlencoded", "multipart", "raw", "many"]),
    raw=st.binary(max_size=200),
)
def test_any_request_gets_a_protocol_answer(
        client: TestClient, path: str, credentials: dict[str, str], operation: str,
        form: list[tuple[str, str]], shape: str, raw: bytes) -> None:
    full = [*credentials.items(), ("operation", operation), *form]
    if shape == "urlencoded":
        body, ctype = encode(full), "application/x-www-form-urlencoded"
    elif shape == "multipart":
        body, ctype = multipart(full), "multipart/form-data; boundary=B0und"
    elif shape == "many":  # tens of thousands of entries: max_input_vars, linear parsing
        entries = "&".join([f"{quote(k)}[]={quote(v)}" for k, v in form or [("jobids", "1")]]
                           * (20_000 // max(1, len(form))))
        body = encode(full) + b"&" + entries.encode()
        ctype = "application/x-www-form-urlencoded"
    else:
        body, ctype = raw, "application/x-www-form-urlencoded"
    jobs_before = len(client.get("/_sim/jobs").json()["jobs"])
    response = client.post(path, content=body, headers={"content-type": ctype})
    if path in PROTOCOL_PATHS:
        assert response.status_code == 200, response.text
        if response.headers["content-type"] != "application/octet-stream":
            assert response.headers["content-type"] == "text/html; charset=UTF-8"
            assert "Traceback" not in response.text
    else:
        assert response.status_code in (200, 404, 405), response.text
    # State stays whole: a job was added only when a JOBID was answered.
    jobs_after = len(client.get("/_sim/jobs").json()["jobs"])
    added = response.text.count("JOBID: ") if response.headers.get(
        "content-type", "").startswith("text/html") else 0
    assert jobs_after - jobs_before <= added
    status = client.post("/httpsfax.php", data={**CREDENTIALS, "operation": "status"}).text
    assert status.startswith(("ERR06", "1"))
    for line in status.splitlines() if not status.startswith("ERR06") else []:
        assert len(line.split("\t")) == 9


def test_the_simulation_survives_random_traffic_then_completes(client: TestClient) -> None:
    """After the property run's kind of abuse, every job still reaches a final state."""
    for faxno in ("3039911234", "3039910001", "3039910006"):
        client.post("/httpsfax.php", data={**CREDENTIALS, "operation": "sendfax",
                                           "faxno": faxno, "faxfilenames[]": "a.txt",
                                           "faxfiledata[]": b64(b"x")})
    client.post("/httpsfax.php", content=b"\xff\xfe%%%[[[", headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert client.post("/_sim/clock/run-until-idle", json={}).json()["idle"] is True
    jobs = client.get("/_sim/jobs").json()["jobs"]
    assert [j["shortstatus"] for j in jobs] == ["success", "failure", "failure"]


def test_fresh_app_for_property_runs_is_isolated() -> None:
    with TestClient(create_app(SimConfig(clock=ClockMode.MANUAL)),
                    base_url="http://127.0.0.1") as client:
        assert client.get("/_sim/jobs").json() == {"jobs": [], "omitted": 0}
