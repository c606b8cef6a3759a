"""The Simulator's one call per domain action, without HTTP: settings changes and the
submission gate, as the control plane, scenarios and the endpoints all reach them."""

from __future__ import annotations

import pytest

from faxage_sim.core.accounts import SettingsError
from faxage_sim.core.events import SimEvent
from faxage_sim.core.jobs import Document, FaxJob
from faxage_sim.core.simulator import Simulator, Submission, SubmitProblem


def _events(sim: Simulator) -> list[SimEvent]:
    seen: list[SimEvent] = []
    sim.bus.subscribe(seen.append)
    return seen


def _submission(faxno: str | None = "3039911234") -> Submission:
    return Submission(faxno=faxno, recipname="Bob",
                      documents=[Document("a.txt", b"hello\n")])


def test_a_settings_change_is_applied_told_and_seen_by_the_desk() -> None:
    sim = Simulator()
    account = sim.accounts["1000"]
    user = account.users["demo"]
    sim.change_settings(account, {"outbound_lines": 1}, account.now())
    first = sim.submit(account, user, _submission())
    second = sim.submit(account, user, _submission())
    assert isinstance(first, FaxJob) and isinstance(second, FaxJob)
    sim.advance(22)  # both converted; one line: the second waits in the queue
    assert second.longstatus == "In Queue"
    seen = _events(sim)
    sim.change_settings(account, {"outbound_lines": 2}, account.now(), by="a test")
    assert account.settings.outbound_lines == 2
    assert [(e.kind, e.message) for e in seen if e.kind == "account.settings"] == [
        ("account.settings", "settings changed by a test: outbound_lines=2")]
    assert second.longstatus.startswith("Transmitting")  # the freed line was used at once


def test_a_bad_settings_change_changes_nothing_and_tells_nothing() -> None:
    sim = Simulator()
    account = sim.accounts["1000"]
    seen = _events(sim)
    before = account.settings.outbound_lines
    with pytest.raises(SettingsError, match=r"settings\.tries: expected int"):
        sim.change_settings(account, {"outbound_lines": 5, "tries": "many"}, account.now())
    assert account.settings.outbound_lines == before
    assert seen == []


def test_the_background_inbound_rate_follows_a_settings_change() -> None:
    sim = Simulator()
    account = sim.accounts["1000"]
    assert account.scheduler.pending() == 0
    sim.change_settings(account, {"inbound_rate_per_hour": 60}, account.now())
    assert account.scheduler.pending() == 1  # the next arrival is on the scheduler


@pytest.mark.parametrize(("faxno", "documents", "problem"), [
    ("3039911234", [], SubmitProblem.NO_FILES),
    ("12345", [Document("a.txt", b"x")], SubmitProblem.INVALID_NUMBER),
    ("5555551234", [Document("a.txt", b"x")], SubmitProblem.BLOCKED_NUMBER),
])
def test_the_submission_gate_refuses_and_stores_nothing(
        faxno: str, documents: list[Document], problem: SubmitProblem) -> None:
    sim = Simulator()
    account = sim.accounts["1000"]
    submission = Submission(faxno=faxno, recipname="", documents=documents)
    assert sim.admit(account, account.users["demo"], submission) is problem
    assert sim.submit(account, account.users["demo"], submission) is problem
    assert account.jobs == {}


def test_resend_goes_through_the_submission_gate() -> None:
    sim = Simulator()
    account = sim.accounts["1000"]
    user = account.users["demo"]
    job = sim.submit(account, user, _submission())
    assert isinstance(job, FaxJob)
    again = sim.resend(account, user, job)
    assert isinstance(again, FaxJob) and again.jobid == job.jobid + 1
    job.documents.clear()  # what the gate checks first: a job with nothing to send
    assert sim.resend(account, user, job) is SubmitProblem.NO_FILES
