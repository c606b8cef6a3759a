"""em_notify: an email per completed job, kept in the outbox and sent to a real aiosmtpd server."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from .app_factory import MakeApi, make_api
from .helpers import FaxApi

__all__ = ["make_api"]  # the fixture, used by name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class MailSink:
    """An aiosmtpd handler that keeps what it receives (or refuses recipients)."""

    received: list[tuple[str, list[str], Message]] = field(default_factory=list)
    refuse: bool = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def emails(api: FaxApi, **params: str) -> list[dict[str, Any]]:
    response = api.client.get("/_sim/emails", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["emails"]
    return found


def test_the_outbox_keeps_the_email_without_smtp(api: FaxApi) -> None:
    jobid = api.send_jobid(em_notify="1")
    quiet = api.send_jobid()
    assert emails(api) == []  # nothing until the job completes
    api.run_until_idle()
    record = api.status(jobid=str(jobid))
    (message,) = emails(api)
    assert {k: message[k] for k in ("company", "jobid", "username", "to", "subject", "body",
                                    "state", "error")} == {
        "company": "1000", "jobid": jobid, "username": "demo", "to": "demo@example.com",
        "subject": str(jobid), "body": record, "state": "kept", "error": None}
    assert record.split("\t")[0] == str(jobid) and record.count("\n") == 1
    assert quiet != jobid


def test_email_goes_over_smtp(make_api: MakeApi, smtp: tuple[MailSink, int]) -> None:
    sink, port = smtp
    api = make_api(smtp=("127.0.0.1", port), smtp_from="Fax Robot <fax@example.org>")
    jobid = api.send_jobid(em_notify="1")
    api.run_until_idle()
    ((mail_from, rcpt, message),) = sink.received
    assert mail_from == "fax@example.org"
    assert rcpt == ["demo@example.com"]
    assert message["From"] == "Fax Robot <fax@example.org>"
    assert message["To"] == "demo@example.com"
    assert message["Subject"] == str(jobid)
    # Dated at completion on the simulated clock: 16:00 UTC + 22 s conversion + 25 s dial +
    # 30 s for the page + 5 s hang-up.
    assert message["Date"] == "Mon, 05 Jan 2026 16:01:22 +0000"
    # SMTP carries lines with CRLF; the text is the status record.
    body = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body == api.status(jobid=str(jobid))
    (kept,) = emails(api)
    assert kept["state"] == "sent" and kept["error"] is None
    assert kept["sent_wall_time"] is not None


def test_failed_and_stopped_jobs_are_emailed_too(make_api: MakeApi,
                                                 smtp: tuple[MailSink, int]) -> None:
    sink, port = smtp
    api = make_api(smtp=("127.0.0.1", port))
    busy = api.send_jobid(faxno="3039910001", em_notify="1")
    stopped = api.send_jobid(em_notify="1")
    api.call("stopfax", jobid=str(stopped))
    api.run_until_idle()
    subjects = sorted(m["Subject"] for _, _, m in sink.received)
    assert subjects == sorted([str(busy), str(stopped)])
    bodies = {m["Subject"]: m.get_payload(decode=True).decode() for _, _, m in sink.received}
    assert bodies[str(busy)].split("\t")[4:6] == [
        "failure", "Busy signal detected; too many attempts to dial"]
    assert bodies[str(stopped)].split("\t")[4:6] == ["failure", "Stopped by user"]


def test_an_unreachable_relay_is_recorded_and_the_api_carries_on(make_api: MakeApi) -> None:
    api = make_api(smtp=("127.0.0.1", free_port()))  # nothing listens there
    jobid = api.send_jobid(em_notify="1")
    api.run_until_idle()
    assert api.status_fields(jobid)[4:6] == ["success", "Success"]
    (message,) = emails(api)
    assert message["state"] == "failed"
    assert message["error"].startswith("ConnectionRefusedError")


def test_a_refused_recipient_is_recorded(make_api: MakeApi,
                                         smtp: tuple[MailSink, int]) -> None:
    sink, port = smtp
    sink.refuse = True
    api = make_api(smtp=("127.0.0.1", port))
    api.send_jobid(em_notify="1")
    api.run_until_idle()
    (message,) = emails(api)
    assert message["state"] == "failed"
    assert message["error"].startswith("SMTPRecipientsRefused")
    assert "550" in message["error"]
    assert sink.received == []


def test_a_user_without_address_gets_no_email(api: FaxApi, client: TestClient) -> None:
    created = client.post("/_sim/accounts", json={
        "company": "2000", "users": [{"username": "bob", "password": "pw"}]})
    assert created.status_code in (200, 201), created.text
    bob = FaxApi(client, {"username": "bob", "company": "2000", "password": "pw"})
    jobid = bob.send_jobid(em_notify="1")
    api.run_until_idle()
    (message,) = emails(api)
    assert (message["jobid"], message["to"], message["state"]) == (jobid, "", "no-address")


def test_outbox_filters_and_clear(api: FaxApi, client: TestClient) -> None:
    created = client.post("/_sim/accounts", json={
        "company": "2000", "users": [{"username": "bob", "password": "pw",
                                      "email": "bob@example.net"}]})
    assert created.status_code in (200, 201), created.text
    bob = FaxApi(client, {"username": "bob", "company": "2000", "password": "pw"})
    mine = api.send_jobid(em_notify="1")
    theirs = bob.send_jobid(em_notify="1")
    api.run_until_idle()
    assert [m["jobid"] for m in emails(api, company="1000")] == [mine]
    assert [m["to"] for m in emails(api, company="2000")] == ["bob@example.net"]
    assert [m["jobid"] for m in emails(api, jobid=str(theirs))] == [theirs]
    assert [m["jobid"] for m in emails(api, state="kept")] == [mine, theirs]
    assert emails(api, state="sent") == []
    bad = client.get("/_sim/emails", params={"state": "lost"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]
    assert client.get("/_sim/emails", params={"jobid": "x"}).status_code == 400
    assert client.request("DELETE", "/_sim/emails", json={}).json() == {"cleared": 2}
    assert emails(api) == []


def test_reset_empties_the_outbox(api: FaxApi, client: TestClient) -> None:
    api.send_jobid(em_notify="1")
    api.run_until_idle()
    assert len(emails(api)) == 1
    assert client.post("/_sim/reset", json={}).status_code == 200
    assert emails(api) == []
