"""`/_sim/snapshot`: the whole state as one file, and one account as JSON.

* `GET /_sim/snapshot` answers the state as an SQLite database (the schema of a `--state`
  file; `application/vnd.sqlite3`). It holds every user's password: control plane only.
* `PUT /_sim/snapshot` (body: such a file, `Content-Type: application/vnd.sqlite3`, as GET
  gives it, or `application/octet-stream`) replaces
  the whole state. The upload is checked whole first; a bad one answers 400 with what is wrong
  and changes nothing.
* `GET /_sim/accounts/{company}/snapshot` and `POST /_sim/accounts/{company}/restore`
  (`{"snapshot": ...}`): one account, as the pytest handle's `snapshot()`/`restore()` use.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import (
    ControlError,
    account_or_404,
    control_endpoint,
    ok,
    read_body,
    read_json,
    state_of,
)

SNAPSHOT_MEDIA_TYPE = "application/vnd.sqlite3"
MAX_SNAPSHOT_BYTES = 4 << 30


@control_endpoint
async def download(request: Request) -> Response:
    from ..persist.api import snapshot_bytes_off_loop

    state = state_of(request)
    await state.settle()
    data = await snapshot_bytes_off_loop(state)
    return Response(data, media_type=SNAPSHOT_MEDIA_TYPE, headers={
        "Content-Disposition": 'attachment; filename="faxage-sim-snapshot.sqlite"'})


@control_endpoint
async def upload(request: Request) -> Response:
    from ..persist.api import StateError, load_snapshot_off_loop

    state = state_of(request)
    data = await read_body(request, MAX_SNAPSHOT_BYTES, "the snapshot is too large")
    if not data:
        raise ControlError(400, "the body is empty: PUT a snapshot file "
                                "(what GET /_sim/snapshot answered)")
    try:
        summary = await load_snapshot_off_loop(state, data)
    except StateError as exc:
        raise ControlError(400, str(exc)) from exc
    state.wake()
    await asyncio.sleep(0)
    return ok({"status": "restored", **summary})


@control_endpoint
async def account_download(request: Request) -> Response:
    from ..persist.api import account_snapshot

    state = state_of(request)
    account = account_or_404(state, request.path_params["company"])
    await state.settle()
    return ok(account_snapshot(state, account.company))


@control_endpoint
async def account_restore(request: Request) -> Response:
    from ..persist.api import StateError, restore_account_off_loop

    state = state_of(request)
    account = account_or_404(state, request.path_params["company"])
    data = await read_json(request)
    if set(data) != {"snapshot"}:
        raise ControlError(400, 'the body is {"snapshot": <what GET .../snapshot answered>}')
    try:
        summary = await restore_account_off_loop(state, account.company, data["snapshot"])
    except StateError as exc:
        raise ControlError(400, str(exc)) from exc
    state.wake()
    return ok({"status": "restored", "company": account.company, "dids": account.dids,
               **summary})


ROUTES = [
    Route("/_sim/snapshot", download, methods=["GET"]),
    Route("/_sim/snapshot", upload, methods=["PUT"]),
    Route("/_sim/accounts/{company}/snapshot", account_download, methods=["GET"]),
    Route("/_sim/accounts/{company}/restore", account_restore, methods=["POST"]),
]
