# examples/faxclient.py
"""Stands in for your application's FAXAGE client: the code the examples test."""

import base64

import httpx


class FaxageError(Exception):
    """FAXAGE answered ERRnn."""


class FaxageClient:
    def __init__(self, url, username, company, password, **httpx_options):
        self.url = url
        self.login = {"username": username, "company": company, "password": password}
        self.http = httpx.Client(timeout=30, **httpx_options)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.http.close()

    def _post(self, operation, **fields):
        answer = self.http.post(self.url, data={**self.login, "operation": operation,
                                                **fields})
        answer.raise_for_status()
        if answer.text.startswith("ERR"):
            raise FaxageError(answer.text)
        return answer.text

    def send(self, faxno, filename, content, **options):
        """Send one document; returns the job id."""
        answer = self._post("sendfax", faxno=faxno, recipname=options.pop("to", ""),
                            **{"faxfilenames[]": filename,
                               "faxfiledata[]": base64.b64encode(content).decode()},
                            **options)
        return int(answer.removeprefix("JOBID: "))

    def status(self, jobid):
        """(shortstatus, longstatus) of one job."""
        fields = self._post("status", jobid=str(jobid)).rstrip("\n").split("\t")
        return fields[4], fields[5]
