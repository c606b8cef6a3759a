from __future__ import annotations

from .helpers import FaxApi
from .receivers import CallbackReceiver


def test_a_fax_goes_from_pending_to_success_and_calls_back(
        api: FaxApi, receiver: CallbackReceiver) -> None:
    jobid = api.send_jobid(url_notify=receiver.url)
    assert api.status_fields(jobid)[4] == "pending"
    api.advance(3600)
    fields = api.status_fields(jobid)
    assert fields[4:6] == ["success", "Success"]
    assert [r.fields["jobid"] for r in receiver.received] == [str(jobid)]
