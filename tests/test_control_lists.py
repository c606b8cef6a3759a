"""Control-plane lists answer at most MAX_LIST_ITEMS items, the newest, and count the rest."""

from __future__ import annotations

from unittest import mock

from starlette.testclient import TestClient

from faxage_sim.control import lists

from .helpers import FaxApi
from .inbound_helpers import stored_fax


def test_jobs_and_callbacks_answer_the_newest_and_count_the_rest(
        api: FaxApi, client: TestClient) -> None:
    jobids = [api.send_jobid(url_notify="http://127.0.0.1:9/gone") for _ in range(5)]
    api.advance(3600)
    with mock.patch.object(lists, "MAX_LIST_ITEMS", 3):
        jobs = client.get("/_sim/jobs").json()
        callbacks = client.get("/_sim/callbacks").json()
        emails = client.get("/_sim/emails").json()
    assert ([j["jobid"] for j in jobs["jobs"]], jobs["omitted"]) == (jobids[2:], 2)
    assert ([c["ref"] for c in callbacks["callbacks"]], callbacks["omitted"]) == (jobids[2:], 2)
    assert (emails["emails"], emails["omitted"]) == ([], 0)
    everything = client.get("/_sim/jobs").json()
    assert (len(everything["jobs"]), everything["omitted"]) == (5, 0)


def test_inbound_answers_each_accounts_newest_faxes_and_counts_the_rest(
        api: FaxApi, client: TestClient) -> None:
    recvids = [stored_fax(client, api) for _ in range(5)]
    with mock.patch.object(lists, "MAX_LIST_ITEMS", 3):
        (account,) = client.get("/_sim/inbound?company=1000").json()["accounts"]
    assert [f["recvid"] for f in account["faxes"]] == recvids[2:]
    assert (account["omitted_faxes"], account["busy_calls"], account["omitted_busy_calls"]) \
        == (2, [], 0)
    (everything,) = client.get("/_sim/inbound?company=1000").json()["accounts"]
    assert (len(everything["faxes"]), everything["omitted_faxes"]) == (5, 0)
