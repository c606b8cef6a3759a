"""The baseline: a bare Starlette app answering a form POST, served like faxage-sim serve.

Run as a script it binds 127.0.0.1 on a free port and prints its URL once ready (the same
ready-line protocol as `faxage-sim serve`), so both start-ups are measured the same way.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def answer(request: Request) -> Response:
    form = await request.form()
    return Response(f"OK {len(form)}", headers={"content-type": "text/html; charset=UTF-8"})


app = Starlette(routes=[Route("/form", answer, methods=["POST"])])

if __name__ == "__main__":
    import uvicorn

    from faxage_sim.server.runner import AnnouncingServer, base_url, bind_socket, uvicorn_config

    sock = bind_socket("127.0.0.1", 0)
    url = base_url(sock)
    AnnouncingServer(uvicorn_config(app), lambda: print(f"listening on {url}",
                                                        flush=True)).run(sockets=[sock])
    del uvicorn
