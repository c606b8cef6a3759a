"""Record golden request → response transcripts into fixtures/transcripts/.

Each transcript is a sequence of steps replayed against a fresh emulator with a manual clock
(tests/test_transcripts.py). Run this after a deliberate protocol change, then READ the diff
against PROTOCOL.md before committing: the files are the contract, not a snapshot to accept
blindly.

    python tools/record_transcripts.py            # rewrite every transcript defined here
    python tools/record_transcripts.py sendfax    # only some
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from faxage_sim.app import create_app
from faxage_sim.config import SimConfig
from faxage_sim.core.clock import ClockMode

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "transcripts"
LOGIN = [["username", "demo"], ["company", "1000"], ["password", "demo"]]
HELLO = base64.b64encode(b"Hello, fax!\n").decode()


def api(operation: str | None, *fields: list[str], basis: str, name: str,
        path: str = "/httpsfax.php") -> dict[str, Any]:
    form = [*LOGIN, *([["operation", operation]] if operation else []), *fields]
    return {"name": name, "basis": basis, "request": {"path": path, "form": form}}


def send(faxno: str, name: str, *extra: list[str], basis: str = "evidence") -> dict[str, Any]:
    return api("sendfax", ["recipname", "Alice"], ["faxno", faxno],
               ["faxfilenames[]", "hello.txt"], ["faxfiledata[]", HELLO], *extra,
               basis=basis, name=name)


def advance(seconds: int) -> dict[str, Any]:
    return {"name": f"advance the clock {seconds} s", "basis": "control",
            "control": {"method": "POST", "path": "/_sim/clock/advance",
                        "json": {"seconds": seconds}}}


def control(method: str, path: str, body: dict[str, Any], name: str) -> dict[str, Any]:
    return {"name": name, "basis": "control",
            "control": {"method": method, "path": path, "json": body}}


TRANSCRIPTS: dict[str, dict[str, Any]] = {
    "transport": {
        "description": "PROTOCOL.md section 1: check order, ERR02, ERR08 with the print_r dump, "
                       "404 for unknown paths, the debug URL.",
        "steps": [
            {"name": "no POST at all", "basis": "protocol",
             "request": {"path": "/httpsfax.php", "form": []}},
            api("status", basis="protocol", name="wrong password",
                ) | {"request": {"path": "/httpsfax.php", "form": [
                    ["username", "demo"], ["company", "1000"], ["password", "wrong"],
                    ["operation", "status"]]}},
            api("frobnicate", ["jobids[]", "1"], ["jobids[]", "2"], basis="decision",
                name="unknown operation: ERR08, one space, the POST dumped, password masked"),
            api(None, basis="decision", name="missing operation"),
            api("status", basis="protocol", name="unknown path", path="/sendfax.php"),
            api("status", basis="protocol", name="debug URL: dump, then the normal answer",
                path="/httpsfax-debug.php"),
        ],
    },
    "sendfax": {
        "description": "sendfax standard mode: validation order ERR03 → ERR04 → ERR05, JOBID.",
        "steps": [
            send("3039911234", "success: JOBID, one space, no newline"),
            send("3039911234", "a plain faxfilenames[] with percent-encoded brackets works too",
                 basis="protocol") | {"request": {"path": "/httpsfax.php", "form": [
                     *LOGIN, ["operation", "sendfax"], ["recipname", "Bob"],
                     ["faxno", "3039911234"], ["faxfilenames[0]", "a.txt"],
                     ["faxfiledata[0]", HELLO]]}},
            api("sendfax", ["faxno", "3039911234"], basis="protocol",
                name="no files: ERR03"),
            api("sendfax", ["faxno", "3039911234"], ["faxfilenames[]", "a.exe"],
                ["faxfiledata[]", HELLO], basis="protocol",
                name="no supported extension: ERR03"),
            api("sendfax", ["faxno", "3039911234"], ["faxfilenames[]", "a.txt"],
                ["faxfilenames[]", "b.txt"], ["faxfiledata[]", HELLO], basis="protocol",
                name="names and data counts differ: ERR03"),
            api("sendfax", ["faxno", "303-991-1234"], ["faxfilenames[]", "a.txt"],
                ["faxfiledata[]", HELLO], basis="protocol", name="faxno not 10 digits: ERR04"),
            send("3035551212", "exchange 555 (the vendor's example): ERR05", basis="decision"),
            send("9119911234", "N11 area code: ERR05", basis="decision"),
            send("9079911234", "Alaska: ERR05", basis="decision"),
        ],
    },
    "status": {
        "description": "status: record layout (evidence), optional columns in order, extqueue "
                       "(decision), jobids[], ERR06.",
        "steps": [
            api("status", basis="protocol", name="no jobs: ERR06"),
            send("3039911234", "a job to watch"),
            send("3039910003", "a job that is busy once"),
            api("status", ["extqueue", "1"], basis="decision",
                name="pending: zero times, extqueue suffix"),
            advance(3600),
            api("status", basis="evidence", name="all jobs, tab-separated, \\n after each"),
            api("status", ["jobid", "100002"], ["pagecount", "1"], ["csid", "1"],
                ["showlogin", "1"], ["xmitpages", "1"], ["showtries", "1"], basis="protocol",
                name="every optional column, in PROTOCOL.md's order"),
            api("status", ["jobids[]", "100001,100002"], basis="protocol",
                name="jobids[] as one comma-joined value"),
            api("status", ["jobid", "99"], basis="protocol", name="unknown jobid: ERR06"),
        ],
    },
    "clear": {
        "description": "clear: completed jobs only; `<jobid> cleared` (decision).",
        "steps": [
            send("3039911234", "a job"),
            api("clear", ["jobid", "100001"], basis="protocol", name="pending: ERR07"),
            advance(3600),
            api("clear", ["jobid", "100001"], basis="decision", name="completed: cleared"),
            api("status", ["jobid", "100001"], basis="protocol",
                name="a cleared job no longer appears"),
            api("clear", ["jobid", "100001"], basis="protocol", name="already cleared: ERR07"),
        ],
    },
    "stopfax": {
        "description": "stopfax: ERR18, ERR19, ERR20, ERR22 and `<jobid> stopped`.",
        "steps": [
            api("stopfax", basis="protocol", name="no jobid: ERR18"),
            api("stopfax", ["jobid", "12x"], basis="protocol", name="not numeric: ERR18"),
            api("stopfax", ["jobid", "424242"], basis="protocol", name="unknown: ERR19"),
            send("3039911234", "a job to stop"),
            api("stopfax", ["jobid", "100001"], basis="protocol",
                name="waiting for conversion: stopped"),
            api("status", ["jobid", "100001"], basis="protocol",
                name="a stopped job is a failure, Stopped by user"),
            api("stopfax", ["jobid", "100001"], basis="protocol", name="completed: ERR20"),
            send("3039910004", "a job that transmits for 30 minutes"),
            advance(120),
            api("stopfax", ["jobid", "100002"], basis="protocol", name="transmitting: ERR22"),
        ],
    },
}


def run_step(client: TestClient, step: dict[str, Any]) -> dict[str, Any]:
    if "control" in step:
        c = step["control"]
        response = client.request(c["method"], c["path"], json=c["json"])
        assert response.status_code == 200, response.text
        return step
    request = step["request"]
    response = client.post(request["path"], data=None, content=encode(request["form"]),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    headers = {k: v for k, v in response.headers.items()
               if k in ("content-type", "content-disposition")}
    recorded: dict[str, Any] = {"status": response.status_code, "headers": headers}
    if headers.get("content-type") == "application/octet-stream":
        # Binary files (getfax, dlstatus, dltrans): their kind by magic bytes, not every byte.
        recorded["body_starts_with"] = response.content[:4].decode("latin-1")
    else:
        recorded["body"] = response.text
    return {**step, "response": recorded}


def encode(form: list[list[str]]) -> bytes:
    from urllib.parse import urlencode

    return urlencode([(k, v) for k, v in form]).encode()


def record(name: str, spec: dict[str, Any]) -> None:
    with TestClient(create_app(SimConfig(clock=ClockMode.MANUAL))) as client:
        steps = [run_step(client, s) for s in spec["steps"]]
    path = OUT / f"{name}.json"
    path.write_text(json.dumps({"description": spec["description"], "steps": steps},
                               indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[1:] or TRANSCRIPTS:
        record(name, TRANSCRIPTS[name])
