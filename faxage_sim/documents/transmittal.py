"""The transmittal page `dltrans` hands back: a one-page PDF with the job summary and a
reduced copy of the fax's first page, as fax services print for their records."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..core.numbering import format_display
from ..wire.records import status_fields
from . import imaging
from .sent import job_page

if TYPE_CHECKING:
    from PIL import Image

    from ..core.jobs import FaxJob

TITLE = "Fax Transmittal"
THUMBNAIL_SCALE = 0.4  # the first page, reduced to 40 % of its size
_LEFT = 120
_TITLE_FONT = 56
_ROW_FONT = 30
_ROW_PITCH = 44
_VALUE_X = 560


def summary_rows(job: FaxJob, tz: ZoneInfo) -> list[tuple[str, str]]:
    """The job summary, label and value, in the order the page prints them."""
    fields = status_fields(job, tz)
    return [
        ("Job ID", fields["jobid"]),
        ("Comm ID", fields["commid"]),
        ("Recipient", job.destname),
        ("Fax number", format_display(job.destnum)),
        ("Sent by", job.username),
        ("From (header)", " ".join(p for p in (job.tagname, job.tagnumber) if p)),
        ("Submitted", fields["sendtime"]),
        ("Completed", fields["completetime"]),
        ("Status", f"{fields['shortstatus']}: {fields['longstatus']}"),
        ("Pages", f"{fields['xmitpages']} of {fields['pagecount']} sent"),
        ("Transmit time", fields["xmittime"]),
        ("Remote station", job.csid),
        ("Tries", str(job.tries)),
        ("Documents", ", ".join(d.filename for d in job.documents)),
    ]


def render_transmittal(rows: list[tuple[str, str]],
                       first_page: Image.Image | None) -> Image.Image:
    """The page itself (fine resolution, bilevel): title, summary rows, reduced first page."""
    from PIL import Image, ImageDraw

    width, height = imaging.page_size(imaging.Resolution.FINE)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    title_font = imaging.font(_TITLE_FONT)
    row_font = imaging.font(_ROW_FONT)
    draw.text((_LEFT, 110), TITLE, font=title_font, fill=0)
    draw.line((_LEFT, 200, width - _LEFT, 200), fill=0, width=4)
    y = 240
    for label, value in rows:
        draw.text((_LEFT, y), label, font=row_font, fill=0)
        draw.text((_VALUE_X, y), value[:80], font=row_font, fill=0)
        y += _ROW_PITCH
    if first_page is not None:
        thumbnail = _reduced(first_page)
        top = y + 40
        draw.text((_LEFT, top), "First page", font=row_font, fill=0)
        top += _ROW_PITCH
        page.paste(thumbnail, (_LEFT, top))
        draw.rectangle((_LEFT - 3, top - 3, _LEFT + thumbnail.width + 2,
                        top + thumbnail.height + 2), outline=0, width=3)
    mono = page.convert("1")  # text stays crisp (pure black), the thumbnail is dithered
    mono.info["dpi"] = imaging.dpi(imaging.Resolution.FINE)
    return mono


def _reduced(first_page: Image.Image) -> Image.Image:
    """The first page at THUMBNAIL_SCALE of its physical size, on the fine grid."""
    from PIL import Image

    width, height = imaging.page_size(imaging.Resolution.FINE)
    size = (round(width * THUMBNAIL_SCALE), round(height * THUMBNAIL_SCALE))
    return first_page.convert("L").resize(size, Image.Resampling.BOX)


def transmittal_pdf(job: FaxJob, tz: ZoneInfo) -> bytes:
    page = render_transmittal(summary_rows(job, tz), job_page(job, tz, 1))
    return imaging.encode_pdf([page], created=job.completetime or job.sendtime)
