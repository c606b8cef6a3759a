"""httpsfax.php operations that hand back an outbound job's images: dlstatus and dltrans.

Checks (docs/protocol.md): unknown or another company's job → ERR06; still waiting for conversion
→ ERR24; conversion failed (or the job was stopped before it was converted) → ERR25. The
images are rendered from the job's documents on every call, in a document worker, one page at
a time (a file is encoded as its pages are drawn; no more than one page is held as an image),
so a large job never holds up other requests nor fills the memory. A job has at most
`MAX_JOB_PAGES` pages: a longer one failed its conversion (ERR25).
"""

from __future__ import annotations

from ..core.jobs import FaxJob
from ..documents.imaging import ConversionError
from ..documents.worker import run_off_loop
from ..wire import catalog
from ..wire.forms import posted_id
from .base import Answer, OpContext, binary, text


def _converted_job(ctx: OpContext) -> FaxJob | Answer:
    job = ctx.sim.find_job(ctx.account, posted_id(ctx.post.get_str("jobid")))
    if job is None:
        return text(catalog.ERR06_NO_JOBS)
    if not job.converted:
        return text(catalog.ERR24_NOT_CONVERTED if job.pending else catalog.ERR25_NO_FILE)
    return job


async def dlstatus(ctx: OpContext) -> Answer:
    """The fax as imaged: G4 TIFF by default, PDF with `viewtype=pdf` (any case)."""
    from ..documents.sent import sent_fax_file

    found = _converted_job(ctx)
    if isinstance(found, Answer):
        return found
    pdf = (ctx.post.get_str("viewtype") or "").strip().lower() == "pdf"
    try:
        data = await run_off_loop(sent_fax_file, found, ctx.account.settings.tz, pdf)
    except ConversionError:  # a file the check passed but Pillow cannot draw after all
        return text(catalog.ERR25_NO_FILE)
    return binary(data, catalog.sent_fax_filename(found.jobid, "pdf" if pdf else "tif"))


async def dltrans(ctx: OpContext) -> Answer:
    """The one-page transmittal PDF: job summary and a reduced first page."""
    from ..documents.transmittal import transmittal_pdf

    found = _converted_job(ctx)
    if isinstance(found, Answer):
        return found
    try:
        data = await run_off_loop(transmittal_pdf, found, ctx.account.settings.tz)
    except ConversionError:
        return text(catalog.ERR25_NO_FILE)
    return binary(data, catalog.transmittal_filename(found.jobid))
