"""Inbound push: fields POSTed to a real HTTP receiver when a fax arrives, recorded and
retried like job callbacks."""

from __future__ import annotations

from starlette.testclient import TestClient

from .helpers import FaxApi
from .inbound_helpers import DID_A, DID_B, fax_arrives, stored_fax
from .receivers import CallbackReceiver


def test_the_account_url_gets_each_fax(client: TestClient, api: FaxApi,
                                       receiver: CallbackReceiver) -> None:
    response = client.put("/_sim/accounts/1000", json={"inbound_url": receiver.url})
    assert response.status_code == 200
    assert response.json()["settings"]["inbound_url"] == receiver.url
    fax_arrives(client, DID_A, pages=2, tsid="ACME FAX")
    api.advance(104)
    assert receiver.received == []  # not before the call ends
    api.advance(1)
    assert len(receiver.received) == 1
    push = receiver.received[0]
    assert push.path == "/callback"
    assert push.content_type == "application/x-www-form-urlencoded"
    assert push.fields == {
        "recvid": "400001", "recvdate": "2026-01-05 09:01:45",
        "starttime": "2026-01-05 09:00:00", "cid": "(720)991-4321", "dnis": "(303)297-4100",
        "pagecount": "2", "tsid": "ACME FAX",
    }


def test_a_withheld_caller_is_pushed_as_unavailable(client: TestClient, api: FaxApi,
                                                    receiver: CallbackReceiver) -> None:
    client.put("/_sim/accounts/1000", json={"inbound_url": receiver.url})
    stored_fax(client, api, DID_B, cid=None, tsid="")
    api.advance(0)
    assert [r.fields["cid"] for r in receiver.received] == ["Unavailable"]
    assert receiver.received[0].fields["tsid"] == ""


def test_a_did_url_wins_over_the_accounts(client: TestClient, api: FaxApi,
                                          receiver: CallbackReceiver) -> None:
    with CallbackReceiver() as other:
        client.put("/_sim/accounts/1000", json={"inbound_url": receiver.url})
        response = client.put(f"/_sim/accounts/1000/dids/{DID_B}",
                              json={"inbound_url": other.url})
        assert response.status_code == 200
        assert response.json() == {"company": "1000", "did": DID_B, "enabled": True,
                                   "inbound_url": other.url,
                                   "effective_inbound_url": other.url}
        first = stored_fax(client, api, DID_A)
        second = stored_fax(client, api, DID_B)
        api.advance(0)
        assert [r.fields["recvid"] for r in receiver.received] == [str(first)]
        assert [r.fields["recvid"] for r in other.received] == [str(second)]


def test_no_url_no_push(client: TestClient, api: FaxApi, receiver: CallbackReceiver) -> None:
    stored_fax(client, api)
    api.run_until_idle()
    assert receiver.received == []
    assert client.get("/_sim/callbacks?kind=inbound").json() == {"callbacks": [], "omitted": 0}


def test_a_failed_push_is_recorded_and_retried(client: TestClient, api: FaxApi,
                                               receiver: CallbackReceiver) -> None:
    receiver.status = 500
    client.put("/_sim/accounts/1000", json={
        "inbound_url": receiver.url,
        "callback_policy": {"attempts": 2, "backoff_seconds": 30}})
    recvid = stored_fax(client, api)
    api.advance(0)
    assert len(receiver.received) == 1
    receiver.status = 200
    api.advance(30)
    assert len(receiver.received) == 2
    deliveries = client.get("/_sim/callbacks?kind=inbound&company=1000").json()["callbacks"]
    assert len(deliveries) == 1
    delivery = deliveries[0]
    assert (delivery["kind"], delivery["ref"], delivery["state"]) == ("inbound", recvid,
                                                                     "delivered")
    assert [a["status"] for a in delivery["attempts"]] == [500, 200]


def test_a_busy_call_pushes_nothing(client: TestClient, api: FaxApi,
                                    receiver: CallbackReceiver) -> None:
    client.put("/_sim/accounts/1000", json={"inbound_url": receiver.url})
    api.call("disabledid", didnumber=DID_A)
    fax_arrives(client, DID_A, status=200)
    api.run_until_idle()
    assert receiver.received == []
