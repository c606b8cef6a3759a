"""`/_sim/inbound`: make a fax arrive, list what arrived; per-DID inbound settings.

A call placed here rings now on the owning account's clock (or `in_seconds` later). Fields
left out are generated like background traffic (faker, from the simulator seed); `null` or
`""` means "none" (a caller id of `null` is listed as `Unavailable`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.accounts import Account
from ..core.inbound import (
    TSID_MAX,
    CallOutcome,
    CallResult,
    IncomingCall,
    ReceivedFax,
    SuppliedDocument,
)
from ..core.numbering import is_ten_digits
from ..core.timeref import parse_duration
from ..documents.formats import extension_of, inspect_document, is_supported
from ..wire.forms import decode_base64_tolerant
from ..wire.records import caller_id, format_time
from .common import (
    ControlError,
    account_or_404,
    company_param,
    control_endpoint,
    ok,
    read_json,
    scenario_defs,
    schema_check,
    shown,
    state_of,
    whole_id,
    whole_param,
)
from .lists import newest
from .serialize import iso

if TYPE_CHECKING:
    from ..core.simulator import Simulator

CALL_FIELDS = {"did", "cid", "tsid", "sender", "pages", "document", "company", "duration",
               "in_seconds"}
MAX_PAGES = 500
MAX_URL_LENGTH = 2048


@functools.cache
def _call_schema() -> dict[str, Any]:
    """A call placed here: the scenario files' inbound step, with the control plane's names
    (did, cid) and its extras (duration, in_seconds: durations like the scenario's)."""
    from ..scenario.declare import ref

    inbound = scenario_defs()["$defs"]["inbound"]["properties"]
    text_or_null: dict[str, Any] = {"type": ["string", "null"], "maxLength": 10_000}
    return {
        "type": "object", "additionalProperties": False,
        "properties": {
            "did": ref("phone"),
            "cid": {"oneOf": [ref("phone"), {"type": "null"}, {"enum": [""]}]},
            "tsid": text_or_null, "sender": text_or_null,
            "pages": inbound["pages"],
            "duration": ref("duration"), "in_seconds": ref("duration"),
            # checked by _document and company_value, which read them
            "document": {"description": "{filename, data (base64)}"},
            "company": {"description": "the account (default: the DID's owner)"},
        }}


def _ten_digits(value: Any, name: str) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not is_ten_digits(text):
        raise ControlError(400, f'"{name}" must be a 10-digit number')
    return text


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    """None when absent (generate one); "" for null."""
    if name not in data:
        return None
    value = data[name]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ControlError(400, f'"{name}" must be a string or null')
    return value


def _document(data: Any) -> SuppliedDocument:
    if not isinstance(data, dict) or not isinstance(data.get("filename"), str) \
            or not isinstance(data.get("data"), str):
        raise ControlError(400, '"document" must be {"filename": "...", "data": "<base64>"}')
    unknown = set(data) - {"filename", "data"}
    if unknown:
        raise ControlError(400, f"document: unknown field(s) {', '.join(sorted(unknown))}")
    filename = data["filename"]
    if not is_supported(filename):
        raise ControlError(400, f"document: {filename!r} is not a supported file type")
    content = decode_base64_tolerant(data["data"])
    if content is None:
        raise ControlError(400, "document: data is not base64")
    extension = extension_of(filename)
    inspection = inspect_document(extension, content)
    if not inspection.ok:
        raise ControlError(400, f"document: {inspection.reason}")
    return SuppliedDocument(filename, content, extension, inspection.pages)


def _pages(data: dict[str, Any]) -> int | None:
    if "pages" not in data:
        return None
    value = data["pages"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGES:
        raise ControlError(400, f'"pages" must be a whole number from 1 to {MAX_PAGES}')
    return value


def received_fax_json(fax: ReceivedFax, account: Account) -> dict[str, Any]:
    tz = account.settings.tz
    return {
        "recvid": fax.recvid, "company": fax.company, "did": fax.did, "cid": fax.cid,
        "cid_shown": caller_id(fax.cid), "tsid": fax.tsid, "sender": fax.sender,
        "starttime": format_time(fax.starttime, tz), "recvdate": format_time(fax.recvdate, tz),
        "duration": fax.duration, "pagecount": fax.pagecount, "filename": fax.filename,
        "handled": fax.handled, "unreadable": fax.unreadable,
        "document": None if fax.document is None else {
            "filename": fax.document.filename, "bytes": len(fax.document.data)},
    }


def _build_call(sim: Simulator, account: Account, did: str,
                data: dict[str, Any]) -> IncomingCall:
    document = _document(data["document"]) if data.get("document") is not None else None
    pages = _pages(data)
    if document is not None and pages is not None and pages != document.pages:
        raise ControlError(400, f'"pages" is {pages} but the document has {document.pages}')
    cid = _optional_text(data, "cid")
    if cid:
        cid = _ten_digits(cid, "cid")
    tsid, sender = _optional_text(data, "tsid"), _optional_text(data, "sender")
    duration = parse_duration(data["duration"]) if "duration" in data else None
    generated = None  # checked everything first: a refused call draws nothing from the seed
    if cid is None or tsid is None or sender is None or (pages is None and document is None):
        generated = sim.inbound.generated_call(account, did, cid)
    return IncomingCall(
        did=did,
        cid=cid if cid is not None else _generated(generated).cid,
        tsid=(tsid if tsid is not None else _generated(generated).tsid)[:TSID_MAX],
        sender=sender if sender is not None else _generated(generated).sender,
        pages=document.pages if document is not None
        else pages if pages is not None else _generated(generated).pages,
        document=document,
        duration=duration,
    )


def _generated(call: IncomingCall | None) -> IncomingCall:
    assert call is not None  # made whenever a field was left out
    return call


def _result_json(result: CallResult, call: IncomingCall, account: Account | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outcome": result.outcome.value, "company": result.company, "did": call.did,
        "cid": call.cid, "tsid": call.tsid, "pages": call.pages,
        "busy_reason": result.busy_reason,
        "starttime": iso(result.starttime), "recvdate": iso(result.recvdate),
        "recvid": result.fax.recvid if result.fax is not None else None,
    }
    if result.fax is not None and account is not None:
        body["fax"] = received_fax_json(result.fax, account)
    return body


@control_endpoint
async def place_call(request: Request) -> Response:
    """`{"did": "3032974100", ...}`: a fax call to that number (see the module doc)."""
    data = await read_json(request)
    if "did" not in data:
        raise ControlError(400, 'give "did": the 10-digit number being called')
    schema_check(data, _call_schema())
    did = _ten_digits(data["did"], "did")
    state = state_of(request)
    sim = state.sim
    company = company_param(request, data)
    account = account_or_404(state, company) if company is not None else sim.inbound.owner(did)
    delay = parse_duration(data.get("in_seconds", 0))
    if account is None:
        cid = _optional_text(data, "cid")
        call = IncomingCall(did=did, cid=_ten_digits(cid, "cid") if cid else "")
        return ok(_result_json(sim.inbound.ring(call), call, None))
    if not account.owns_did(did):
        raise ControlError(400, f"{did} is not a number of account {account.company}")
    call = _build_call(sim, account, did, data)
    if delay > 0:
        sim.inbound.ring_later(call, account, delay)
        return ok({"outcome": "scheduled", "company": account.company, "did": did,
                   "rings_at": iso(account.now() + delay)}, status=202)
    sim.run_due(account.company)
    result = sim.inbound.ring(call, account=account)
    await state.settle()  # a call of no duration ends now, and its push goes out
    status = 201 if result.outcome is CallOutcome.ANSWERED else 200
    return ok(_result_json(result, call, account), status=status)


def _accounts(request: Request) -> list[Account]:
    state = state_of(request)
    company = company_param(request)
    if company is not None:
        return [account_or_404(state, company)]
    return list(state.sim.accounts.values())


@control_endpoint
async def list_inbound(request: Request) -> Response:
    """Received faxes (recvid ascending), busy calls and calls in progress, per account.

    `?company=` one account; `?did=` one number; `?limit=N` the last N faxes of each. Each
    account's faxes and busy calls are at most the newest MAX_LIST_ITEMS (control/lists);
    `omitted_faxes` and `omitted_busy_calls` count the older ones left out.
    """
    state = state_of(request)
    did = request.query_params.get("did")
    limit = whole_param(request, "limit")
    accounts = _accounts(request)
    state.sim.run_due(company_param(request))
    result = []
    for account in accounts:
        inbox = account.inbox
        faxes = [f for f in inbox.after(None) if did is None or f.did == did]
        if limit is not None:
            faxes = faxes[-limit:] if limit else []
        shown_faxes, omitted_faxes = newest(faxes)
        busy, omitted_busy = newest([c for c in inbox.busy_calls if did is None or c.did == did])
        tz = account.settings.tz
        result.append({
            "company": account.company,
            "inbound_lines": account.settings.inbound_lines,
            "calls_in_progress": inbox.in_progress,
            "faxes": [received_fax_json(f, account) for f in shown_faxes],
            "omitted_faxes": omitted_faxes,
            "busy_calls": [
                {"did": c.did, "cid": c.cid, "at": format_time(c.at, tz), "reason": c.reason}
                for c in busy
            ],
            "omitted_busy_calls": omitted_busy,
        })
    return ok({"accounts": result})


@control_endpoint
async def show_fax(request: Request) -> Response:
    raw = request.path_params["recvid"]
    recvid = whole_id(raw, "recvid")
    state = state_of(request)
    for account in state.sim.accounts.values():
        fax = account.inbox.get(recvid) if recvid is not None else None
        if fax is not None:
            return ok(received_fax_json(fax, account))
    raise ControlError(404, f"no received fax {shown(raw)}")


def _did_json(account: Account, did: str) -> dict[str, Any]:
    own = account.inbox.did_urls.get(did)
    return {"company": account.company, "did": did,
            "enabled": did not in account.disabled_dids, "inbound_url": own,
            "effective_inbound_url": own or account.settings.inbound_url}


def _account_did(request: Request) -> tuple[Account, str]:
    account = account_or_404(state_of(request), request.path_params["company"])
    did = request.path_params["did"]
    if not account.owns_did(did):
        raise ControlError(404, f"{shown(did)} is not a number of account {account.company}")
    return account, did


@control_endpoint
async def show_did(request: Request) -> Response:
    account, did = _account_did(request)
    return ok(_did_json(account, did))


@control_endpoint
async def update_did(request: Request) -> Response:
    """`{"inbound_url": "http://..." | null, "enabled": true | false}` for one number."""
    account, did = _account_did(request)
    data = await read_json(request)
    unknown = set(data) - {"inbound_url", "enabled"}
    if unknown:
        raise ControlError(400, f"unknown field(s) {', '.join(sorted(unknown))}")
    url = data.get("inbound_url")
    if url is not None and (not isinstance(url, str) or len(url) > MAX_URL_LENGTH
                            or not url.lower().startswith(("http://", "https://"))):
        raise ControlError(400, '"inbound_url" must be an http:// or https:// URL of at most '
                                f"{MAX_URL_LENGTH} characters, or null")
    enabled = data.get("enabled")
    if "enabled" in data and not isinstance(enabled, bool):
        raise ControlError(400, '"enabled" must be true or false')
    if "inbound_url" in data:
        if url:
            account.inbox.did_urls[did] = url
        else:
            account.inbox.did_urls.pop(did, None)
    if isinstance(enabled, bool):
        state_of(request).sim.set_did_enabled(account, did, enabled, account.now(),
                                              by="the control plane")
    return ok(_did_json(account, did))


ROUTES = [
    Route("/_sim/inbound", place_call, methods=["POST"]),
    Route("/_sim/inbound", list_inbound, methods=["GET"]),
    Route("/_sim/inbound/{recvid}", show_fax, methods=["GET"]),
    Route("/_sim/accounts/{company}/dids/{did}", show_did, methods=["GET"]),
    Route("/_sim/accounts/{company}/dids/{did}", update_did, methods=["PUT", "PATCH"]),
]
