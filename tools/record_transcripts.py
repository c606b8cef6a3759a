"""Record golden request → response transcripts into fixtures/transcripts/.

Each transcript is a sequence of steps replayed against a fresh emulator with a manual clock
(tests/test_transcripts.py). Run this after a deliberate protocol change, then READ the diff
against docs/protocol.md before committing: the files are the contract, not a snapshot to accept
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

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

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
        "description": "docs/protocol.md: check order, ERR02, ERR08 with the print_r dump, "
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
                name="every optional column, in docs/protocol.md's order"),
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


def inbound(did: str, cid: str, pages: int, name: str) -> dict[str, Any]:
    return control("POST", "/_sim/inbound",
                   {"did": did, "cid": cid, "tsid": "ACME FAX", "pages": pages}, name)


def fault(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return control("POST", "/_sim/faults", {"fault": spec}, name)


DID = "3032974100"
DID2 = "3032974101"

TRANSCRIPTS.update({
    "documents": {
        "description": "dlstatus/dltrans: ERR06, ERR24 (not yet converted), ERR25 (failed "
                       "conversion), binary answers with attachment headers; resend.",
        "steps": [
            api("dlstatus", ["jobid", "1"], basis="protocol", name="unknown job: ERR06"),
            send("3039911234", "a job"),
            api("dlstatus", ["jobid", "100001"], basis="protocol",
                name="waiting for conversion: ERR24"),
            api("dltrans", ["jobid", "100001"], basis="protocol", name="dltrans too: ERR24"),
            send("3039910005", "a job whose conversion fails"),
            advance(3600),
            api("dlstatus", ["jobid", "100002"], basis="protocol",
                name="failed conversion: ERR25"),
            api("dlstatus", ["jobid", "100001"], basis="protocol",
                name="the fax as a TIFF, application/octet-stream, attachment"),
            api("dlstatus", ["jobid", "100001"], ["viewtype", "pdf"], basis="protocol",
                name="viewtype=pdf: a PDF"),
            api("dltrans", ["jobid", "100001"], basis="protocol",
                name="the transmittal page, a PDF"),
            api("resend", ["jobid", "100001"], basis="protocol", name="resend: a new JOBID"),
            api("resend", ["jobid", "999"], basis="decision", name="resend unknown: ERR15"),
        ],
    },
    "reports": {
        "description": "pendcount, qstatus, portstatus (decisions: layouts of the newer "
                       "operations; an empty list is an empty body).",
        "steps": [
            api("pendcount", basis="decision", name="nothing pending: 0"),
            api("qstatus", basis="decision", name="nothing transmitting: empty body"),
            send("3039910004", "a job that transmits for 30 minutes"),
            send("3039911234", "another job"),
            api("pendcount", basis="decision", name="two pending"),
            advance(60),
            api("qstatus", basis="decision",
                name="jobs transmitting: jobid, callerID, destination, lineid, pagecount"),
            api("portstatus", basis="decision", name="no port requests: empty body"),
            control("POST", "/_sim/accounts/1000/ports",
                    {"number": "3035550100", "due": "+7d", "status": "FOC received",
                     "comment": "losing carrier confirmed"}, "a port request"),
            control("POST", "/_sim/accounts/1000/ports",
                    {"number": "3035550101", "completed": "+0"}, "a completed one"),
            api("portstatus", basis="decision",
                name="number, requestdate, duedate, completedate, status, comment, complete"),
        ],
    },
    "inbound": {
        "description": "listfax (evidence: the newer vendor layout), getfax, delfax, handled, "
                       "handlecount, incomingcalls, busycalls.",
        "steps": [
            api("listfax", basis="protocol", name="nothing received: ERR11"),
            inbound(DID, "7209914321", 2, "a 2-page fax arrives on the first DID"),
            inbound(DID2, "", 1, "a fax without caller id arrives on the second DID"),
            advance(600),
            api("listfax", basis="evidence", name="default order: by DNIS, newest first"),
            api("listfax", ["idasc", "1"], ["starttime", "1"], ["filename", "1"],
                ["pagecount", "1"], ["showtsid", "1"], basis="evidence",
                name="every optional column, recvid ascending"),
            api("listfax", ["idgt", "400001"], basis="protocol", name="idgt"),
            api("listfax", ["didnumber", DID], basis="protocol", name="didnumber"),
            api("getfax", ["faxid", "400001"], basis="protocol",
                name="getfax: the fax as a PDF attachment"),
            api("getfax", ["faxid", "1"], basis="protocol", name="getfax unknown: ERR12"),
            api("handled", ["recvid", "400001"], ["handled", "1"], basis="decision",
                name="handled=1: Handled"),
            api("handlecount", basis="decision", name="handlecount: total~handled"),
            api("listfax", ["unhandled", "1"], basis="protocol", name="unhandled only"),
            api("handled", ["recvid", "400001"], ["handled", "0"], basis="decision",
                name="handled=0: Unhandled"),
            api("delfax", ["faxid", "400001"], basis="protocol", name="delfax: Deleted"),
            api("delfax", ["faxid", "400001"], basis="protocol", name="delfax again: ERR14"),
            api("incomingcalls", basis="decision", name="incomingcalls: in progress~lines"),
            api("busycalls", basis="decision", name="no busy calls: empty body"),
        ],
    },
    "lines": {
        "description": "disabledid, enabledid, portable, listlines; a disabled DID's calls "
                       "are busy (busycalls).",
        "steps": [
            api("listlines", basis="protocol", name="the account's numbers, one per line"),
            api("disabledid", basis="protocol", name="no didnumber: ERR16"),
            api("disabledid", ["didnumber", "303297410"], basis="protocol",
                name="not 10 digits: ERR16"),
            api("disabledid", ["didnumber", "3039911234"], basis="protocol",
                name="not the account's: ERR17"),
            api("disabledid", ["didnumber", DID], basis="protocol", name="Disabled"),
            inbound(DID, "7209914321", 1, "a call to the disabled DID"),
            advance(60),
            api("busycalls", basis="decision",
                name="the busy call: number-called, number-calling, time"),
            api("listfax", basis="protocol", name="no fax was stored: ERR11"),
            api("enabledid", ["didnumber", DID], basis="protocol", name="Enabled"),
            api("enabledid", ["didnumber", "3039911234"], basis="protocol",
                name="enabledid not the account's: ERR17"),
            api("portable", ["didnumber", "3032975555"], basis="protocol",
                name="a served rate center: 1"),
            api("portable", ["didnumber", "9079911234"], basis="protocol",
                name="not served: 0"),
        ],
    },
    "getcdr": {
        "description": "getcdr.php: lower-case errors, selection by nuidgt or begin+end, "
                       "records ascending by calldate.",
        "steps": [
            {"name": "bad login: lower-case ERR02", "basis": "protocol",
             "request": {"path": "/getcdr.php", "form": [
                 ["username", "demo"], ["company", "1000"], ["password", "x"]]}},
            api(None, basis="protocol", name="neither selection: empty body",
                path="/getcdr.php"),
            send("3039910003", "a job: busy once, then sent"),
            inbound(DID, "7209914321", 1, "an inbound fax"),
            advance(3600),
            api(None, ["nuidgt", "0"], ["nuidshow", "1"], basis="protocol",
                name="nuidgt with nuidshow: nuid,calldate,direction,src,dst,duration",
                path="/getcdr.php"),
            api(None, ["begin", "2026-01-05 09:00:00"], ["end", "2026-01-05 10:00:00"],
                basis="protocol", name="begin and end", path="/getcdr.php"),
            api(None, ["nuidgt", "0"], ["didnumber", DID], basis="protocol",
                name="didnumber: inbound calls to it only", path="/getcdr.php"),
        ],
    },
    "provision": {
        "description": "provision.php (and /new_provision.php): lower-case errors, ERR03 for "
                       "unknown operations, provdid/deprovdid answers (evidence: `provisioned`).",
        "steps": [
            {"name": "bad login: lower-case ERR02", "basis": "protocol",
             "request": {"path": "/provision.php", "form": [
                 ["username", "demo"], ["company", "1000"], ["password", "x"],
                 ["operation", "listac"]]}},
            api(None, basis="protocol", name="no operation: ERR03", path="/provision.php"),
            api("unprovdid", basis="protocol", name="an operation one client sends: ERR03",
                path="/provision.php"),
            api("listnpanxx", ["ac", "303"], basis="protocol",
                name="listnpanxx for 303: npanxx, rate center, state", path="/provision.php"),
            api("listnpanxx", ["ac", "999"], basis="protocol", name="unknown ac: empty body",
                path="/provision.php"),
            api("provdid", ["didnumber", "12345"], basis="protocol",
                name="provdid not 10 digits: ERR04", path="/provision.php"),
            api("provdid", ["didnumber", "3039911234"], basis="protocol",
                name="provdid not available: ERR05", path="/provision.php"),
            api("deprovdid", ["didnumber", "3039911234"], basis="protocol",
                name="deprovdid not the account's: ERR05", path="/provision.php"),
            api("deprovdid", ["didnumber", DID2], basis="protocol", name="deprovisioned",
                path="/provision.php"),
            api("provdid", ["didnumber", DID2], basis="evidence",
                name="provisioned (it returned to the inventory)", path="/new_provision.php"),
        ],
    },
    "faults": {
        "description": "Injected protocol faults: ERR01 in each URL's casing, before the "
                       "login; ERR15 on sendfax; ERR21/ERR23 on stopfax; ERR13 on getfax.",
        "steps": [
            fault({"error": "ERR01", "hits": 3}, "a database outage for three requests"),
            api("status", basis="protocol", name="httpsfax.php: ERR01"),
            {"name": "ERR01 comes before the login", "basis": "protocol",
             "request": {"path": "/httpsfax.php", "form": [["username", "nobody"]]}},
            api(None, ["nuidgt", "0"], basis="protocol", name="getcdr.php: lower-case ERR01",
                path="/getcdr.php"),
            fault({"operation": "sendfax", "error": "ERR15", "hits": 1}, "sendfax fails once"),
            send("3039911234", "job not stored: ERR15", basis="protocol"),
            send("3039911234", "then it works"),
            fault({"operation": "stopfax", "error": "ERR21", "hits": 1}, "stopfax ERR21 once"),
            api("stopfax", ["jobid", "100001"], basis="protocol",
                name="not found on fax server: ERR21"),
            fault({"operation": "stopfax", "error": "ERR23", "hits": 1}, "stopfax ERR23 once"),
            api("stopfax", ["jobid", "100001"], basis="protocol", name="failed to stop: ERR23"),
            api("stopfax", ["jobid", "100001"], basis="protocol", name="then it stops"),
            inbound(DID, "7209914321", 1, "an inbound fax"),
            advance(600),
            fault({"operation": "getfax", "error": "ERR13", "hits": 1}, "getfax ERR13 once"),
            api("getfax", ["faxid", "400001"], basis="protocol",
                name="file could not be opened: ERR13"),
        ],
    },
})


def run_step(client: TestClient, step: dict[str, Any]) -> dict[str, Any]:
    if "control" in step:
        c = step["control"]
        response = client.request(c["method"], c["path"], json=c["json"])
        assert response.status_code < 300, response.text
        return step
    request = step["request"]
    response = client.post(request["path"], data=None, content=encode(request["form"]),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    # Every header but the length (the body says it): the browser-safety headers included,
    # so a change to what every answer carries shows in these files too.
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
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
    with TestClient(create_app(SimConfig(clock=ClockMode.MANUAL)),
                    base_url="http://127.0.0.1") as client:
        steps = [run_step(client, s) for s in spec["steps"]]
    path = OUT / f"{name}.json"
    path.write_text(json.dumps({"description": spec["description"], "steps": steps},
                               indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[1:] or TRANSCRIPTS:
        record(name, TRANSCRIPTS[name])
