"""getcdr.php with inbound traffic: answered and busy inbound calls beside outbound dial tries,
`didnumber`, and provisioned numbers receiving calls.

Inbound timings (core.inbound): 10 s handshake, 45 s a page (fine resolution), 5 s hang-up.
Outbound ones as in test_getcdr.py.
"""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from .helpers import FaxApi

DID_A, DID_B = "3032974100", "3032974101"


def ring(client: TestClient, did: str, cid: str | None, *, status: int | None = None,
         **extra: Any) -> dict[str, Any]:
    response = client.post("/_sim/inbound", json={
        "did": did, "cid": cid, "tsid": "FAX", "sender": "Sender", **extra})
    if status is not None:
        assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def body(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def test_a_scripted_day_with_busy_inbound_calls_record_by_record(
        client: TestClient, api: FaxApi) -> None:
    cdr = FaxApi(client, path="/getcdr.php")
    assert client.put("/_sim/accounts/1000", json={"inbound_lines": 1}).status_code == 200
    assert api.call("disabledid", didnumber=DID_B) == "Disabled"
    api.send_jobid("3039910003")  # busy at 09:00:22, success on the retry at 09:05:34
    # 09:00:00: answered, one page (60 s); and a call to the disabled DID, fast busy.
    assert ring(client, DID_A, "3125550100", pages=1)["outcome"] == "answered"
    assert ring(client, DID_B, None, pages=1)["outcome"] == "busy"
    # 09:00:30: the only inbound line is taken, so this one is busy too.
    ring(client, DID_A, "2125550123", pages=1, in_seconds=30, status=202)
    # 09:10:00: answered, two pages (105 s).
    ring(client, DID_A, "4155550111", pages=2, in_seconds=600, status=202)
    api.run_until_idle()

    # nuids follow the calls' ends; the records come by calldate (ties by nuid).
    day = [
        "1,2026-01-05 09:00:00,IN,,3032974101,0",
        "4,2026-01-05 09:00:00,IN,3125550100,3032974100,60",
        "3,2026-01-05 09:00:22,OUT,3032974100,3039910003,0",
        "2,2026-01-05 09:00:30,IN,2125550123,3032974100,0",
        "5,2026-01-05 09:05:34,OUT,3032974100,3039910003,35",
        "6,2026-01-05 09:10:00,IN,4155550111,3032974100,105",
    ]
    assert cdr.call(None, nuidgt="0", nuidshow="1") == body(day)
    assert cdr.call(None, begin="2026-01-05 09:00:00", end="2026-01-05 09:10:00") == body(
        [line.split(",", 1)[1] for line in day])
    assert cdr.call(None, nuidgt="0", nuidshow="1", didnumber=DID_A) == body(
        [day[1], day[3], day[5]])
    assert cdr.call(None, nuidgt="0", didnumber=DID_B) == body(
        ["2026-01-05 09:00:00,IN,,3032974101,0"])
    assert cdr.call(None, nuidgt="3", nuidshow="1", didnumber=DID_A) == body(
        [day[1], day[5]])
    # The busy calls are the ones busycalls reports.
    assert api.call("busycalls") == body([
        f"{DID_B}\t\t2026-01-05 09:00:00", f"{DID_A}\t2125550123\t2026-01-05 09:00:30"])


def test_a_provisioned_number_receives_calls_until_deprovisioned(
        client: TestClient, api: FaxApi) -> None:
    prov = FaxApi(client, path="/provision.php")
    cdr = FaxApi(client, path="/getcdr.php")
    number = prov.call("listdids", ac="212").splitlines()[0]
    assert prov.call("provdid", didnumber=number) == f"{number} provisioned"
    assert api.call("listlines") == body([DID_A, DID_B, number])
    assert api.call("portable", didnumber=number) == "1"

    answered = ring(client, number, "3125550100", pages=1, duration=0)
    assert (answered["outcome"], answered["company"]) == ("answered", "1000")
    assert api.call("disabledid", didnumber=number) == "Disabled"
    assert ring(client, number, "3125550100", pages=1)["outcome"] == "busy"
    assert cdr.call(None, nuidgt="0", didnumber=number) == body([
        f"2026-01-05 09:00:00,IN,3125550100,{number},0",
        f"2026-01-05 09:00:00,IN,3125550100,{number},0",
    ])

    assert prov.call("deprovdid", didnumber=number) == f"{number} deprovisioned"
    assert api.call("listlines") == body([DID_A, DID_B])
    assert api.call("disabledid", didnumber=number) == \
        "ERR17: DID not found or doesn't belong to you"
    assert ring(client, number, "3125550100", pages=1)["outcome"] == "dropped"
    # The account's history keeps the calls the number had while it was theirs.
    assert cdr.call(None, nuidgt="0", nuidshow="1", didnumber=number) == body([
        f"1,2026-01-05 09:00:00,IN,3125550100,{number},0",
        f"2,2026-01-05 09:00:00,IN,3125550100,{number},0",
    ])
    assert prov.call("listdids", ac="212").splitlines()[0] == number  # back in the inventory


def test_nuidgt_paging_finds_every_record_once_amid_background_inbound_traffic(
        client: TestClient, api: FaxApi) -> None:
    cdr = FaxApi(client, path="/getcdr.php")
    settings = {"inbound_rate_per_hour": 120, "inbound_lines": 2}
    assert client.put("/_sim/accounts/1000", json=settings).status_code == 200
    seen: list[str] = []
    last = 0
    for step in range(45):
        if step % 4 == 0:
            api.send_jobid(("3039910001", "3039910004", "3039911234")[step % 3])
        api.advance(41)
        page = cdr.call(None, nuidgt=str(last), nuidshow="1").splitlines()
        seen.extend(page)
        last = max([last, *(int(line.split(",")[0]) for line in page)])
    everything = cdr.call(None, nuidgt="0", nuidshow="1").splitlines()
    directions = {line.split(",")[2] for line in everything}
    assert directions == {"IN", "OUT"} and len(everything) >= 30
    assert sorted(seen) == sorted(everything) and len(set(seen)) == len(seen)
