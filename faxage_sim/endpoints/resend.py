"""httpsfax.php `resend` (newer operation): send an old job again as a new job."""

from __future__ import annotations

from ..core.simulator import SubmitProblem
from ..wire import catalog
from ..wire.forms import posted_id
from . import urlmode
from .base import Answer, OpContext, text
from .outbound import SUBMIT_ERRORS


def resend(ctx: OpContext) -> Answer:
    """`jobid` → `JOBID: <new>`: the old job's documents, destination and options, sent by the
    calling user. Unknown, cleared or another company's job: `ERR15: Invalid Job ID`
    (decision; the issue settles it)."""
    job = ctx.sim.find_job(ctx.account, posted_id(ctx.post.get_str("jobid")))
    if job is None:
        return text(catalog.ERR15_INVALID_JOB)
    new = ctx.sim.resend(ctx.account, ctx.user, job)
    if isinstance(new, SubmitProblem):  # the submission gate refused it: as sendfax answers
        return text(SUBMIT_ERRORS[new])
    urlmode.start_background_fetch(ctx, new)
    return text(catalog.jobid_answer(new.jobid))
