"""The control plane: JSON under `/_sim/`, emulator-only (the real service has none of it).

Its modules are imported by `routes()`, on the first control request (lean start-up);
`guard` (imported by the app at start-up) stands in front of all of them.
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
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
        parts,
        ports,
        requests,
        scenario,
        snapshot,
        system,
    )

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
        *parts.ROUTES,  # last: it matches only a declared part's path
    ]
