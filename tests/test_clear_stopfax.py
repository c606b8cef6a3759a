"""clear and stopfax: every error of docs/protocol.md and the exact success texts."""

from __future__ import annotations

from starlette.testclient import TestClient

from .helpers import FaxApi
from .receivers import CallbackReceiver

NOT_CLEARABLE = ("ERR07: Job ID: {} not found, does not belong to you or is pending and "
                 "cannot be cleared yet")


def other_company(client: TestClient) -> FaxApi:
    assert client.post("/_sim/accounts", json={"company": "3000"}).status_code == 201
    return FaxApi(client, {"username": "demo", "company": "3000", "password": "demo"})


def test_clear_a_completed_job_then_it_is_gone(api: FaxApi) -> None:
    jobid = api.send_jobid()
    api.advance(3600)
    assert api.call("clear", jobid=str(jobid)) == f"{jobid} cleared"
    assert api.status(jobid=str(jobid)) == (
        "ERR06: No jobs to display or job id specified not found")
    assert api.call("clear", jobid=str(jobid)) == NOT_CLEARABLE.format(jobid)


def test_clear_refuses_pending_unknown_missing_and_foreign_jobs(
        api: FaxApi, client: TestClient) -> None:
    pending = api.send_jobid()
    assert api.call("clear", jobid=str(pending)) == NOT_CLEARABLE.format(pending)
    assert api.call("clear", jobid="424242") == NOT_CLEARABLE.format("424242")
    assert api.call("clear") == NOT_CLEARABLE.format("")
    foreign = other_company(client).send_jobid()
    api.advance(3600)
    assert api.call("clear", jobid=str(foreign)) == NOT_CLEARABLE.format(foreign)


def test_stopfax_while_waiting_for_conversion(api: FaxApi, receiver: CallbackReceiver) -> None:
    jobid = api.send_jobid(url_notify=receiver.url)
    assert api.call("stopfax", jobid=str(jobid)) == f"{jobid} stopped"
    assert api.status_fields(jobid, showtries="1")[4:] == [
        "failure", "Stopped by user", "2026-01-05 09:00:00", "2026-01-05 09:00:00", "00:00:00",
        "0"]
    api.advance(1)  # the callback of the stopped job fires
    assert [(r.fields["jobid"], r.fields["longstatus"]) for r in receiver.received] == [
        (str(jobid), "Stopped by user")]
    api.advance(3600)  # nothing of the stopped job runs later
    assert api.status_fields(jobid)[5] == "Stopped by user"
    assert api.job(jobid)["attempts"] == []


def test_stopfax_in_queue_waiting_for_a_line(api: FaxApi, client: TestClient) -> None:
    client.put("/_sim/accounts/1000", json={"outbound_lines": 1})
    busy_line = api.send_jobid("3039910004")
    queued = api.send_jobid()
    api.advance(60)
    assert api.status_fields(queued, extqueue="1")[5] == (
        "In Queue Tries: 0 Status: Waiting for line")
    assert api.call("stopfax", jobid=str(queued)) == f"{queued} stopped"
    assert api.call("stopfax", jobid=str(busy_line)) == (
        f"ERR22: Job ID - {busy_line} - is in transmission")


def test_stopfax_between_tries(api: FaxApi) -> None:
    jobid = api.send_jobid("3039910001")
    api.advance(100)
    assert api.status_fields(jobid)[5] == "In Queue"
    assert api.call("stopfax", jobid=str(jobid)) == f"{jobid} stopped"
    api.advance(3600)
    assert len(api.job(jobid)["attempts"]) == 1


def test_stopfax_on_a_completed_job_is_err20(api: FaxApi) -> None:
    jobid = api.send_jobid()
    api.advance(3600)
    assert api.call("stopfax", jobid=str(jobid)) == f"ERR20: Job ID - {jobid} - is not In Queue"


def test_stopfax_without_a_numeric_jobid_is_err18(api: FaxApi) -> None:
    assert api.call("stopfax") == "ERR18: No jobid specified"
    assert api.call("stopfax", jobid="") == "ERR18: No jobid specified"
    assert api.call("stopfax", jobid="12a") == "ERR18: No jobid specified"


def test_stopfax_on_unknown_or_foreign_jobs_is_err19(api: FaxApi, client: TestClient) -> None:
    foreign = other_company(client).send_jobid()
    assert api.call("stopfax", jobid="999999") == (
        "ERR19: JOB ID not found or does not belong to you")
    assert api.call("stopfax", jobid=str(foreign)) == (
        "ERR19: JOB ID not found or does not belong to you")
    # The foreign job was not touched: it still completes normally.
    owner = FaxApi(api.client, {"username": "demo", "company": "3000", "password": "demo"})
    api.advance(3600)
    assert owner.status_fields(foreign)[4] == "success"
