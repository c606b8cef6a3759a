"""An outbound job's fax as imaged and sent: the pages `dlstatus` and `dltrans` hand back.

The header every page carries is the one the sending fax server prints: the job's submit time
(minutes, in the account's zone), `From: <tagname>`, the tagnumber, and `Page n of N`.
Rendering is CPU work (Pillow): callers on the event loop run these in a document worker
(`documents.worker.run_off_loop`). A file is encoded page by page from a `PageRun`, and a
single page is drawn alone, so no job holds more than one page as an image.
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


def job_page_run(job: FaxJob, tz: ZoneInfo) -> imaging.PageRun:
    """The job's pages, drawn when asked for."""
    return imaging.job_page_run(job.documents, resolution=job.resolution,
                                header=job_header(job, tz), contrast=job.contrastalgo)


def job_pages(job: FaxJob, tz: ZoneInfo, limit: int | None = None) -> list[Image.Image]:
    return job_page_run(job, tz).first(limit)


def job_page(job: FaxJob, tz: ZoneInfo, number: int) -> Image.Image | None:
    """Page `number` alone (None past the last)."""
    return job_page_run(job, tz).page(number)


def sent_fax_file(job: FaxJob, tz: ZoneInfo, pdf: bool) -> bytes:
    """The whole job as a multi-page G4 TIFF, or as a PDF, encoded a page at a time."""
    run = job_page_run(job, tz)
    if pdf:
        return imaging.encode_pdf(run, created=job.sendtime)
    return imaging.encode_tiff(run)
