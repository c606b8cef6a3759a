"""The file of a received fax, as getfax sends it: a PDF (the default) or a multi-page TIFF.

The format is the account's fax format when the fax arrived (it names the file, `fax<recvid>.pdf`
or `.tif`, in listfax too). A document the sender supplied is sent as given when it already is
in that format, and otherwise imaged page by page; a generated fax is a set of placeholder
pages saying who sent it. Every page carries the header line the sending machine printed.
Files are made on first download and kept, so listing 100,000 faxes never renders one.
"""

from __future__ import annotations

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


def received_file(fax: ReceivedFax, tz: ZoneInfo) -> bytes:
    """The fax's file bytes (made once, then cached on the fax)."""
    if fax.file_cache is None:
        fax.file_cache = _make(fax, tz)
    return fax.file_cache


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
