"""An outbound job's fax as imaged and sent: the pages `dlstatus` and `dltrans` hand back.

The header every page carries is the one the sending fax server prints: the job's submit time
(minutes, in the account's zone), `From: <tagname>`, the tagnumber, and `Page n of N`.
Rendering is CPU work (Pillow): callers on the event loop run these in a worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..wire.records import format_time
from . import imaging

if TYPE_CHECKING:
    from PIL import Image

    from ..core.jobs import FaxJob


def job_header(job: FaxJob, tz: ZoneInfo) -> imaging.PageHeader:
    return imaging.PageHeader(when=format_time(job.sendtime, tz)[:16], sender=job.tagname,
                              number=job.tagnumber)


def job_pages(job: FaxJob, tz: ZoneInfo, limit: int | None = None) -> list[Image.Image]:
    return imaging.render_job_pages(job.documents, resolution=job.resolution,
                                    header=job_header(job, tz), contrast=job.contrastalgo,
                                    limit=limit)


def sent_fax_file(job: FaxJob, tz: ZoneInfo, pdf: bool) -> bytes:
    """The whole job as a multi-page G4 TIFF, or as a PDF."""
    pages = job_pages(job, tz)
    if pdf:
        return imaging.encode_pdf(pages, created=job.sendtime)
    return imaging.encode_tiff(pages)
