"""The file of a received fax, as getfax sends it: a PDF (the default) or a multi-page TIFF.

The format is the account's fax format when the fax arrived (it names the file, `fax<recvid>.pdf`
or `.tif`, in listfax too). A document the sender supplied is sent as given when it already is
in that format, and otherwise imaged page by page; a generated fax is a set of placeholder
pages saying who sent it. Every page carries the header line the sending machine printed.
Files are made on first download and the recent ones kept (`FILE_CACHE_BYTES` in all), so
listing 100,000 faxes never renders one and downloading them all does not keep them all.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from ..core.inbound import INBOUND_RESOLUTION, ReceivedFax
from ..core.numbering import format_display

if TYPE_CHECKING:
    from PIL import Image

    from .imaging import PageHeader, PageRun

HEADER_TIME_FORMAT: Final = "%m/%d/%Y %H:%M"
# Extensions that already are the stored format ("tif" is how the fax format names TIFF).
SAME_FORMAT: Final = {"pdf": frozenset({"pdf"}), "tif": frozenset({"tif", "tiff"})}


# The files made last stay on their faxes (a client fetching a fax again, or its pages, is
# served at once); beyond this many bytes in all the oldest are dropped, so a long run that
# downloads every fax does not keep them all (docs/limits.md). Made again when asked: the
# same bytes (no date in the file; the header in the account's zone of that moment).
FILE_CACHE_BYTES: Final = 8 * 1024 * 1024


class _RecentFiles:
    """Which faxes hold a made file, oldest first, and their bytes in all."""

    def __init__(self) -> None:
        import threading

        self.faxes: OrderedDict[int, ReceivedFax] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()  # files are made in the document workers

    def keep(self, fax: ReceivedFax, data: bytes) -> None:
        with self.lock:
            old = self.faxes.pop(id(fax), None)
            if old is not None and old.file_cache is not None:
                self.size -= len(old.file_cache)
            fax.file_cache = data
            self.faxes[id(fax)] = fax
            self.size += len(data)
            while self.size > FILE_CACHE_BYTES and len(self.faxes) > 1:
                _key, oldest = self.faxes.popitem(last=False)
                if oldest.file_cache is not None:
                    self.size -= len(oldest.file_cache)
                    oldest.file_cache = None


_RECENT: Final = _RecentFiles()


def received_file(fax: ReceivedFax, tz: ZoneInfo) -> bytes:
    """The fax's file bytes (made once, then kept on the fax while among the recent ones)."""
    data = fax.file_cache
    if data is None:
        data = _make(fax, tz)
        _RECENT.keep(fax, data)
    return data


def _make(fax: ReceivedFax, tz: ZoneInfo) -> bytes:
    from . import imaging

    document = fax.document
    if document is not None and document.extension in SAME_FORMAT.get(fax.extension, ()):
        return document.data
    run = received_page_run(fax, tz)
    return imaging.encode_tiff(run) if fax.extension == "tif" else imaging.encode_pdf(run)


def received_page_run(fax: ReceivedFax, tz: ZoneInfo) -> PageRun:
    """The fax's pages, drawn when asked for: the sender's document imaged, or the
    generated pages."""
    from . import imaging

    header = _header(fax, tz)
    if fax.document is not None:
        return imaging.job_page_run([fax.document], resolution=INBOUND_RESOLUTION,
                                    header=header)
    return imaging.placeholder_page_run(fax.pagecount, resolution=INBOUND_RESOLUTION,
                                        header=header, label=_label(fax, tz))


def received_pages(fax: ReceivedFax, tz: ZoneInfo, limit: int | None = None) -> list[Image.Image]:
    """The fax's pages as images (`limit`: only the first ones)."""
    return received_page_run(fax, tz).first(limit)


def received_page(fax: ReceivedFax, tz: ZoneInfo, number: int) -> Image.Image | None:
    """Page `number` alone (None past the last), for a picture of it."""
    return received_page_run(fax, tz).page(number)


def _header(fax: ReceivedFax, tz: ZoneInfo) -> PageHeader:
    from .imaging import PageHeader

    when = datetime.fromtimestamp(int(fax.starttime), tz).strftime(HEADER_TIME_FORMAT)
    number = format_display(fax.cid) if fax.cid else ""
    return PageHeader(when, sender=fax.sender or fax.tsid, number=number)


def _label(fax: ReceivedFax, tz: ZoneInfo) -> str:
    when = datetime.fromtimestamp(int(fax.recvdate), tz).strftime("%Y-%m-%d %H:%M:%S")
    lines = [f"Fax from {fax.sender or fax.tsid or 'an unknown sender'}",
             f"to {format_display(fax.did)}, received {when}"]
    if fax.tsid:
        lines.append(f"station id: {fax.tsid}")
    lines.append(f"faxage-sim received fax {fax.recvid}")
    return "\n".join(lines)
