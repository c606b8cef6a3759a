"""`/_sim/scenario`: load a scenario at run time, check one, list the shipped ones.

`POST /_sim/scenario` takes exactly one of `name` (shipped), `path` (a file the emulator can
read), `yaml` (the text) or `scenario` (a mapping, or YAML/JSON text, or a shipped name);
with `company` it is loaded into that account only; `seed` overrides the scenario's seed.
Problems answer 400 with every issue (file, line, path, message); nothing is changed then.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import (
    MAX_ID,
    ControlError,
    account_or_404,
    company_param,
    control_endpoint,
    ok,
    read_json,
    shown,
    state_of,
)

SOURCES = ("name", "path", "yaml", "scenario")


def _load(data: dict[str, Any]) -> Any:
    """The scenario a request names; raises `ScenarioError` or `ControlError`."""
    import yaml

    try:
        return _read(data)
    except yaml.YAMLError as exc:  # e.g. a control character, which YAML refuses to read
        raise ControlError(400, f"the scenario is not readable YAML: {shown(exc)}") from exc
    except RecursionError as exc:
        raise ControlError(400, "the scenario is nested too deeply") from exc


def _read(data: dict[str, Any]) -> Any:
    from ..scenario import loader, shipped

    given = [k for k in SOURCES if k in data]
    if len(given) != 1:
        raise ControlError(400, 'give exactly one of "name" (a shipped scenario), "path", '
                                '"yaml" (its text) or "scenario" (a mapping or text)')
    key = given[0]
    value = data[key]
    if key == "scenario" and isinstance(value, dict):
        return loader.load_data(value)
    if not isinstance(value, str) or not value.strip():
        raise ControlError(400, f'"{key}" must be a non-empty string')
    if key == "name" and shipped.find(value) is None:
        raise ControlError(404, shipped.unknown(value))
    if key in ("name", "path"):
        return loader.load(value)
    if key == "scenario" and shipped.find(value.strip()) is not None:
        return loader.load(value.strip())
    return loader.load_text(value)


def _seed(data: dict[str, Any]) -> int | None:
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                             or abs(seed) > MAX_ID):
        raise ControlError(400, f'"seed" must be a whole number from -{MAX_ID} to {MAX_ID}')
    return seed


def _unknown(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ControlError(400, f"unknown field(s) {shown(', '.join(sorted(unknown)))}")


@control_endpoint
async def load(request: Request) -> Response:
    from ..scenario.apply import apply_global, apply_to_account
    from ..scenario.errors import ScenarioError

    state = state_of(request)
    data = await read_json(request)
    _unknown(data, {*SOURCES, "company", "seed"})
    company = company_param(request, data)
    if company is not None:
        account_or_404(state, company)
    seed = _seed(data)
    try:
        scenario = _load(data)
        if company is not None:
            applied = apply_to_account(state, scenario, company, seed=seed)
        else:
            applied = apply_global(state, scenario, seed=seed)
    except ScenarioError as exc:
        return ok({"error": f"the scenario has {len(exc.issues)} problem(s): "
                            + "; ".join(str(i) for i in exc.issues[:5]),
                   "issues": [i.as_json() for i in exc.issues]}, status=400)
    await state.settle()
    return ok(applied.as_json())


@control_endpoint
async def check(request: Request) -> Response:
    """Read and check a scenario without loading it."""
    from ..scenario.errors import ScenarioError

    data = await read_json(request)
    _unknown(data, set(SOURCES))
    try:
        scenario = _load(data)
    except ScenarioError as exc:
        return ok({"error": f"the scenario has {len(exc.issues)} problem(s): "
                            + "; ".join(str(i) for i in exc.issues[:5]),
                   "ok": False, "issues": [i.as_json() for i in exc.issues]}, status=400)
    return ok({"ok": True, **scenario.summary()})


@control_endpoint
async def current(request: Request) -> Response:
    state = state_of(request)
    scenario = state.scenario
    return ok({"scenario": scenario.summary() if scenario is not None else None,
               "faults": len(state.faults.faults)})


@control_endpoint
async def list_shipped(request: Request) -> Response:
    from ..scenario import shipped

    return ok({"scenarios": [{"name": s.name, "description": s.description(),
                              "file": s.location} for s in shipped.shipped()]})


ROUTES = [
    Route("/_sim/scenario", current, methods=["GET"]),
    Route("/_sim/scenario", load, methods=["POST"]),
    Route("/_sim/scenario/check", check, methods=["POST"]),
    Route("/_sim/scenarios", list_shipped, methods=["GET"]),
]
