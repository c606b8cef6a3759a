"""The dashboard's pages, images, downloads and its few JSON actions.

Pages are Jinja2 templates (autoescaped: a recipname or TSID holding HTML shows as text).
Each page has one live region; `?partial=1` renders that region alone, which the page's
script fetches again when the live stream says something changed. Every state change goes
through a `fetch()` POST/DELETE with a JSON body, to the control plane or to
`/_sim/ui/api/...`: never an HTML form post.
"""

from __future__ import annotations

import asyncio
from importlib import resources
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from ..server.state import AppState
from ..server.version import VERSION as __version__
from . import images, views
from .stream import events

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("faxage_sim.ui", "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    auto_reload=False)  # package data: never changes while running
templates = Jinja2Templates(env=_env)
STATIC_TYPES = {"dashboard.js": "text/javascript; charset=utf-8",
                "dashboard.css": "text/css; charset=utf-8"}
NAV = [("overview", "/_sim/ui/", "Overview"), ("jobs", "/_sim/ui/jobs", "Outbound jobs"),
       ("inbound", "/_sim/ui/inbound", "Inbound faxes"), ("journal", "/_sim/ui/journal",
                                                          "Request journal")]


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.faxage
    return state


def _clock_line(state: AppState) -> dict[str, Any]:
    accounts = list(state.sim.accounts.values())
    first = accounts[0] if accounts else None
    return {"now": views.when(first.now(), first) if first else "",
            "mode": first.clock.mode.value if first else state.config.clock.value,
            "company": first.company if first else "", "accounts": len(accounts)}


def render(request: Request, name: str, section: str, context: dict[str, Any]) -> Response:
    """The page, or with `?partial=1` its live region alone."""
    state = state_of(request)
    context = {**context, "section": section, "nav": NAV, "version": __version__,
               "clock": _clock_line(state), "query": request.url.query}
    partial = request.query_params.get("partial") == "1"
    template = f"{name}_live.html" if partial else f"{name}.html"
    response = templates.TemplateResponse(request, template, context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _company(request: Request) -> str | None:
    value = request.query_params.get("company")
    return value.strip() or None if value else None


async def overview(request: Request) -> Response:
    state = state_of(request)
    state.sim.run_due()
    return render(request, "overview", "overview", {
        **views.overview(state), "scenarios": views.shipped_scenarios()})


async def jobs(request: Request) -> Response:
    state = state_of(request)
    state.sim.run_due()
    params = request.query_params
    return render(request, "jobs", "jobs", views.jobs_page(
        state, _company(request), params.get("state"), views.page_number(params.get("page"))))


def not_found(request: Request, what: str) -> Response:
    response = templates.TemplateResponse(
        request, "missing.html", {"section": "", "nav": NAV, "version": __version__,
                                  "clock": _clock_line(state_of(request)), "what": what,
                                  "query": ""}, status_code=404)
    return response


async def job(request: Request) -> Response:
    state = state_of(request)
    found = views.find_job(state, request.path_params["jobid"])
    if found is None:
        return not_found(request, f"job {request.path_params['jobid']}")
    state.sim.run_due(found[1].company)
    return render(request, "job", "jobs", views.job_detail(state, *found))


async def inbound(request: Request) -> Response:
    state = state_of(request)
    state.sim.run_due()
    params = request.query_params
    return render(request, "inbound", "inbound", views.inbound_page(
        state, _company(request), params.get("did"), views.page_number(params.get("page"))))


async def journal(request: Request) -> Response:
    state = state_of(request)
    params = request.query_params
    return render(request, "journal", "journal", views.journal_page(
        state, _company(request), params.get("operation") or None,
        params.get("errors") == "1", views.page_number(params.get("page"))))


async def request_detail(request: Request) -> Response:
    raw = request.path_params["seq"]
    found = views.request_detail(state_of(request), int(raw)) if raw.isdigit() else None
    if found is None:
        return JSONResponse({"error": f"no request {raw} in the journal"}, status_code=404)
    return JSONResponse(found)


# --- images and downloads -----------------------------------------------------------------


def _png(data: bytes | None) -> Response:
    if data is None:
        return JSONResponse({"error": "no such page"}, status_code=404)
    return Response(data, media_type="image/png", headers={"Cache-Control": "no-cache"})


def _page_number(request: Request) -> int | None:
    raw = request.path_params["page"]
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000 else None


async def job_page_image(request: Request) -> Response:
    found = views.find_job(state_of(request), request.path_params["jobid"])
    number = _page_number(request)
    if found is None or number is None or not found[0].converted:
        return _png(None)
    try:
        data = await images.job_page_png(*found, number, request.query_params.get("size")
                                         == "full")
    except ValueError:  # a document that cannot be imaged
        data = None
    return _png(data)


async def fax_page_image(request: Request) -> Response:
    found = views.find_fax(state_of(request), request.path_params["recvid"])
    number = _page_number(request)
    if found is None or number is None:
        return _png(None)
    try:
        data = await images.fax_page_png(*found, number, request.query_params.get("size")
                                         == "full")
    except ValueError:
        data = None
    return _png(data)


def _download(data: bytes, filename: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


async def job_file(request: Request) -> Response:
    from ..documents.sent import sent_fax_file
    from ..documents.transmittal import transmittal_pdf
    from ..wire import catalog

    found = views.find_job(state_of(request), request.path_params["jobid"])
    kind = request.path_params["kind"]
    if found is None or not found[0].converted or kind not in ("tiff", "pdf", "transmittal"):
        return JSONResponse({"error": "no such file (is the job converted?)"}, status_code=404)
    job_, account = found
    tz = account.settings.tz
    if kind == "transmittal":
        data = await asyncio.to_thread(transmittal_pdf, job_, tz)
        return _download(data, catalog.transmittal_filename(job_.jobid), "application/pdf")
    pdf = kind == "pdf"
    data = await asyncio.to_thread(sent_fax_file, job_, tz, pdf)
    return _download(data, catalog.sent_fax_filename(job_.jobid, "pdf" if pdf else "tif"),
                     "application/pdf" if pdf else "image/tiff")


async def fax_file(request: Request) -> Response:
    from ..documents.received import received_file

    found = views.find_fax(state_of(request), request.path_params["recvid"])
    if found is None:
        return JSONResponse({"error": "no such fax"}, status_code=404)
    fax, account = found
    data = await asyncio.to_thread(received_file, fax, account.settings.tz)
    return _download(data, fax.filename,
                     "application/pdf" if fax.extension == "pdf" else "image/tiff")


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    media_type = STATIC_TYPES.get(name)
    if media_type is None:
        return JSONResponse({"error": f"no file {name}"}, status_code=404)
    data = resources.files("faxage_sim.ui").joinpath("static", name).read_bytes()
    return Response(data, media_type=media_type, headers={"Cache-Control": "no-cache"})


# --- actions (JSON in, JSON out) -----------------------------------------------------------


def _json_only(request: Request) -> Response | None:
    """The dashboard's own actions take JSON only: a cross-site form cannot send it."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        return JSONResponse({"error": "send a JSON body (Content-Type: application/json)"},
                            status_code=415)
    return None


async def clock_next(request: Request) -> Response:
    """Advance every clock to the next scheduled event (nothing when none is due)."""
    refused = _json_only(request)
    if refused is not None:
        return refused
    state = state_of(request)
    await state.settle()
    delta = state.sim.next_due()
    if delta is not None:
        await state.advance(delta)
    # Idle as a run until idle means it: no event left and nothing in flight.
    in_flight = state.in_flight()
    return JSONResponse({"advanced": delta or 0.0, "in_flight": in_flight,
                         "idle": state.sim.next_due() is None and in_flight == 0})


async def to_overview(request: Request) -> Response:
    return RedirectResponse("/_sim/ui/", status_code=307)


async def html_not_found(request: Request) -> Response:
    return not_found(request, request.url.path)


def routes() -> list[BaseRoute]:
    return [
        Route("/_sim/ui", to_overview, methods=["GET", "HEAD"]),
        Route("/_sim/ui/", overview, methods=["GET", "HEAD"]),
        Route("/_sim/ui/jobs", jobs, methods=["GET", "HEAD"]),
        Route("/_sim/ui/jobs/{jobid}", job, methods=["GET", "HEAD"]),
        Route("/_sim/ui/jobs/{jobid}/pages/{page}.png", job_page_image, methods=["GET"]),
        Route("/_sim/ui/jobs/{jobid}/files/{kind}", job_file, methods=["GET"]),
        Route("/_sim/ui/inbound", inbound, methods=["GET", "HEAD"]),
        Route("/_sim/ui/inbound/{recvid}/pages/{page}.png", fax_page_image, methods=["GET"]),
        Route("/_sim/ui/inbound/{recvid}/file", fax_file, methods=["GET"]),
        Route("/_sim/ui/journal", journal, methods=["GET", "HEAD"]),
        Route("/_sim/ui/events", events, methods=["GET"]),
        Route("/_sim/ui/static/{name}", static, methods=["GET"]),
        Route("/_sim/ui/api/requests/{seq}", request_detail, methods=["GET"]),
        Route("/_sim/ui/api/clock/next", clock_next, methods=["POST"]),
        Route("/_sim/ui/{rest:path}", html_not_found),
    ]
