"""Fax pages as PNG images for the dashboard, rendered (Pillow) from the real fax documents.

A job's pages are the ones `dlstatus` sends (documents/sent.py); a received fax's are the ones
`getfax` sends (documents/received.py). Rendering is CPU work, done in a worker thread, and
the last few PNGs are kept so a page of thumbnails does not render a job twice. Page N is
drawn alone (the pages before it are skipped, not drawn).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..documents.worker import run_off_loop

if TYPE_CHECKING:
    from PIL import Image

    from ..core.accounts import Account
    from ..core.inbound import ReceivedFax
    from ..core.jobs import FaxJob

THUMB_WIDTH = 220
FULL_WIDTH = 1100  # fax pages are 1728 dots wide; this reads well on a screen
CACHE_ENTRIES = 256


class PngCache:
    def __init__(self, entries: int = CACHE_ENTRIES) -> None:
        self.entries = entries
        self._items: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], png: bytes) -> None:
        with self._lock:
            self._items[key] = png
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)


CACHE = PngCache()


def to_png(page: Image.Image, width: int) -> bytes:
    from PIL import Image

    gray = page.convert("L")
    # Fax dots are not square (204 x 98 dpi at standard resolution): scale to true shape.
    xdpi, ydpi = page.info.get("dpi", (1, 1))
    aspect = (gray.height / float(ydpi)) / (gray.width / float(xdpi))
    height = max(1, round(width * aspect))
    # BOX averaging keeps thin fax strokes visible as grey rather than dropping them.
    small = gray.resize((width, height), Image.Resampling.BOX)
    out = io.BytesIO()
    small.save(out, "PNG", optimize=False)
    return out.getvalue()


def _job_png(job: FaxJob, account: Account, number: int, width: int) -> bytes | None:
    from ..documents.sent import job_page

    page = job_page(job, account.settings.tz, number)  # that page alone is drawn
    return to_png(page, width) if page is not None else None


def _fax_png(fax: ReceivedFax, account: Account, number: int, width: int) -> bytes | None:
    from ..documents.received import received_page

    page = received_page(fax, account.settings.tz, number)
    return to_png(page, width) if page is not None else None


async def _cached(key: tuple[object, ...], render: Callable[[], bytes | None]) -> bytes | None:
    """The PNG under `key`, rendered in a worker thread the first time."""
    from ..documents.imaging import ConversionError

    found = CACHE.get(key)
    if found is None:
        try:
            found = await run_off_loop(render)
        except ConversionError:  # a file the check passed but Pillow cannot draw: no picture
            return None
        if found is not None:
            CACHE.put(key, found)
    return found


async def job_page_png(job: FaxJob, account: Account, number: int, full: bool) -> bytes | None:
    width = FULL_WIDTH if full else THUMB_WIDTH
    return await _cached(("job", id(job), job.jobid, number, width),
                         lambda: _job_png(job, account, number, width))


async def fax_page_png(fax: ReceivedFax, account: Account, number: int,
                       full: bool) -> bytes | None:
    width = FULL_WIDTH if full else THUMB_WIDTH
    return await _cached(("fax", id(fax), fax.recvid, number, width),
                         lambda: _fax_png(fax, account, number, width))
