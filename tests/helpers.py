"""A small FAXAGE client for tests: posts forms the way real clients do."""

from __future__ import annotations

import base64
from typing import Any

from httpx import Response
from starlette.testclient import TestClient

CREDENTIALS = {"username": "demo", "company": "1000", "password": "demo"}
# Real seconds a condition may take before a test gives up on it: generous, so that the
# suite passes on a machine busy with other work (a test waits on what it checks, and only
# a broken run ever waits this long).
DEADLINE = 120.0


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class FaxApi:
    def __init__(self, client: TestClient, credentials: dict[str, str] | None = None,
                 path: str = "/httpsfax.php") -> None:
        self.client = client
        self.credentials = dict(credentials or CREDENTIALS)
        self.path = path

    def post(self, operation: str | None, **fields: Any) -> Response:
        data: dict[str, Any] = dict(self.credentials)
        if operation is not None:
            data["operation"] = operation
        data.update(fields)
        return self.client.post(self.path, data=data)

    def call(self, operation: str | None, **fields: Any) -> str:
        response = self.post(operation, **fields)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=UTF-8"
        return response.text

    def send(self, faxno: str = "3039911234", *, recipname: str = "Alice",
             files: dict[str, bytes] | None = None, **fields: Any) -> str:
        files = files if files is not None else {"note.txt": b"Hello, fax!\n"}
        data = dict(fields)
        for i, (name, content) in enumerate(files.items()):
            data[f"faxfilenames[{i}]"] = name
            data[f"faxfiledata[{i}]"] = b64(content)
        return self.call("sendfax", faxno=faxno, recipname=recipname, **data)

    def send_jobid(self, faxno: str = "3039911234", **kwargs: Any) -> int:
        answer = self.send(faxno, **kwargs)
        assert answer.startswith("JOBID: "), answer
        return int(answer.removeprefix("JOBID: "))

    def status(self, **fields: Any) -> str:
        return self.call("status", **fields)

    def status_fields(self, jobid: int, **flags: Any) -> list[str]:
        body = self.status(jobid=str(jobid), **flags)
        assert body.endswith("\n") and body.count("\n") == 1, body
        return body[:-1].split("\t")

    def advance(self, seconds: float, company: str | None = None) -> None:
        payload: dict[str, Any] = {"seconds": seconds}
        if company is not None:
            payload["company"] = company
        response = self.client.post("/_sim/clock/advance", json=payload)
        assert response.status_code == 200, response.text

    def run_until_idle(self) -> None:
        response = self.client.post("/_sim/clock/run-until-idle", json={})
        assert response.status_code == 200 and response.json()["idle"], response.text

    def job(self, jobid: int) -> dict[str, Any]:
        response = self.client.get(f"/_sim/jobs/{jobid}")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result
