"""Making faxes arrive through the control plane, for the inbound tests."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from .helpers import FaxApi

DID_A = "3032974100"  # the default account's numbers
DID_B = "3032974101"
CALLER = "7209914321"


def fax_arrives(client: TestClient, did: str = DID_A, *, cid: str | None = CALLER,
                tsid: str = "ACME FAX", sender: str = "Acme Corp", pages: int = 1,
                status: int | None = None, **extra: Any) -> dict[str, Any]:
    """Ring `did` now, with every sender detail given (nothing generated)."""
    payload = {"did": did, "cid": cid, "tsid": tsid, "sender": sender, "pages": pages, **extra}
    response = client.post("/_sim/inbound", json=payload)
    if status is not None:
        assert response.status_code == status, response.text
    else:
        assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def stored_fax(client: TestClient, api: FaxApi, did: str = DID_A, **kwargs: Any) -> int:
    """A fax that has completely arrived (the call took 0 seconds): its recvid."""
    result = fax_arrives(client, did, duration=0, **kwargs)
    assert result["outcome"] == "answered" and result["recvid"] is not None, result
    recvid: int = result["recvid"]
    return recvid


def other_company(client: TestClient, dids: list[str] | None = None,
                  **settings: Any) -> FaxApi:
    """A second account (company 2000) with its own numbers, and a client logged into it."""
    body: dict[str, Any] = {"company": "2000", "users": [
        {"username": "eve", "password": "pw", "manager": True}]}
    body["dids"] = dids if dids is not None else ["3032974200"]
    if settings:
        body["settings"] = settings
    response = client.post("/_sim/accounts", json=body)
    assert response.status_code == 201, response.text
    return FaxApi(client, {"username": "eve", "company": "2000", "password": "pw"})
