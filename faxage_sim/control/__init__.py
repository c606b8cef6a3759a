"""The control plane: JSON under `/_sim/`, emulator-only (the real service has none of it)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import (
    accounts,
    cdr,
    clock,
    deliveries,
    emails,
    faults,
    inbound,
    inventory,
    jobs,
    ports,
    requests,
    scenario,
    snapshot,
    system,
)


def routes() -> list[BaseRoute]:
    return [
        *system.ROUTES,
        *clock.ROUTES,
        *accounts.ROUTES,
        *jobs.ROUTES,
        *deliveries.ROUTES,
        *emails.ROUTES,
        *requests.ROUTES,
        *cdr.ROUTES,
        *inventory.ROUTES,
        *inbound.ROUTES,
        *scenario.ROUTES,
        *faults.ROUTES,
        *ports.ROUTES,
        *snapshot.ROUTES,
    ]
