"""The web dashboard at `/_sim/ui/`: the simulated fax network, live, in a browser.

Imported on the first dashboard request (server/app.py), so `faxage-sim serve` starts as fast
without it. See docs/dashboard.md.
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    from .pages import routes as page_routes

    return page_routes()
