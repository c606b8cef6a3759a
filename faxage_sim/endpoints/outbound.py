"""httpsfax.php operations on outbound jobs: sendfax, status, clear, stopfax."""

from __future__ import annotations

from ..core.jobs import Document, FaxJob, JobState, Priority
from ..core.simulator import Submission, SubmitProblem
from ..documents.formats import is_supported
from ..documents.worker import inspect_off_loop
from ..wire import catalog
from ..wire.forms import PhpPost, decode_base64_tolerant, posted_id
from ..wire.records import StatusOptions, format_status_record, parse_time, records
from .base import Answer, OpContext, injected, text

SUBMIT_ERRORS = {
    SubmitProblem.NO_FILES: catalog.ERR03_NO_FILES,
    SubmitProblem.INVALID_NUMBER: catalog.ERR04_BAD_FAXNO,
    SubmitProblem.BLOCKED_NUMBER: catalog.ERR05_BLOCKED,
}


def posted_documents(post: PhpPost) -> list[Document]:
    """Standard mode: `faxfilenames[]` paired with `faxfiledata[]`, supported types only."""
    names = post.get_list("faxfilenames")
    datas = post.get_list("faxfiledata")
    if not names or datas is None or len(names) != len(datas):
        return []
    return [
        Document(filename=name, data=decode_base64_tolerant(data))
        for name, data in zip(names, datas, strict=True)
        if is_supported(name)
    ]


def submission_from(post: PhpPost, documents: list[Document]) -> Submission:
    resolution = post.get_str("resolution")
    contrast = post.get_str("contrastalgo")
    url_notify = (post.get_str("url_notify") or "").strip()
    return Submission(
        faxno=post.get_str("faxno"),
        recipname=post.get_str("recipname") or "",
        documents=documents,
        tagname=post.get_str("tagname") or "",
        tagnumber=post.get_str("tagnumber") or "",
        priority=Priority.LOW if (post.get_str("priority") or "").lower() == "low"
        else Priority.HIGH,
        resolution=int(resolution) if resolution in ("1", "2") else None,
        contrastalgo=2 if contrast == "2" else 1,
        url_notify=url_notify if url_notify.lower().startswith(("http://", "https://"))
        else None,
        em_notify=post.get_str("em_notify") == "1",
        async_fetch=post.get_str("async") == "1",
    )


async def sendfax(ctx: OpContext) -> Answer:
    documents = posted_documents(ctx.post)
    url_mode = "faxurl" in ctx.post or "faxurls" in ctx.post
    if url_mode:
        from . import urlmode  # URL fetching machinery: loaded when first asked for

        documents += urlmode.posted_url_documents(ctx.post)
    submission = submission_from(ctx.post, documents)
    problem = ctx.sim.admit(ctx.account, ctx.user, submission)  # before any URL is fetched
    if problem is not None:
        return text(SUBMIT_ERRORS[problem])
    if url_mode and not await urlmode.fetch_before_answer(ctx, submission):
        return text(catalog.ERR03_NO_FILES)
    if injected(ctx, "ERR15"):  # an injected fault: the job is not stored
        return text(catalog.ERR15_INVALID_JOB)
    await inspect_off_loop(submission.documents)  # CPU work: never on the event loop
    job = ctx.sim.submit(ctx.account, ctx.user, submission)
    if isinstance(job, SubmitProblem):
        return text(SUBMIT_ERRORS[job])
    if url_mode:
        urlmode.start_background_fetch(ctx, job)
    return text(catalog.jobid_answer(job.jobid))


def _requested_ids(post: PhpPost) -> set[str] | None:
    """`jobid` and `jobids[]` (each element may itself be comma-joined); None: no filter."""
    raw: list[str] = []
    jobid = post.get_str("jobid")
    if jobid:
        raw.append(jobid)
    listed = post.get_list("jobids")
    if listed is not None:
        raw.extend(listed)
    else:
        joined = post.get_str("jobids")
        if joined:
            raw.append(joined)
    if not raw:
        return None
    return {part.strip() for item in raw for part in item.split(",") if part.strip()}


def status(ctx: OpContext) -> Answer:
    post, account = ctx.post, ctx.account
    tz = account.settings.tz
    wanted = _requested_ids(post)
    begin_text, end_text = post.get_str("begin"), post.get_str("end")
    begin, end = parse_time(begin_text, tz), parse_time(end_text, tz)
    useronly = post.flag("useronly")

    def selected(job: FaxJob) -> bool:
        if job.cleared:
            return False
        if useronly and job.username != ctx.user.username:
            return False
        if begin_text and (begin is None or job.sendtime < begin):
            return False
        return not (end_text and (end is None or job.sendtime > end))

    # Asked-for ids are looked up, not scanned for: polling one job stays fast however many
    # the account holds. Ids compare as numbers, as MySQL compares them ("0100001" = 100001).
    candidates = (account.jobs.values() if wanted is None else
                  [account.jobs[n] for n in {posted_id(i) for i in wanted}
                   if n is not None and n in account.jobs])
    jobs = sorted((j for j in candidates if selected(j)), key=lambda j: j.jobid)
    if not jobs:
        return text(catalog.ERR06_NO_JOBS)
    options = StatusOptions(
        pagecount=post.flag("pagecount"), csid=post.flag("csid"), login=post.flag("showlogin"),
        xmitpages=post.flag("xmitpages"), tries=post.flag("showtries"),
        extqueue=post.flag("extqueue"),
    )
    return text(records(format_status_record(j, tz, options) for j in jobs))


def clear(ctx: OpContext) -> Answer:
    jobid = ctx.post.get_str("jobid")
    job = ctx.sim.find_job(ctx.account, posted_id(jobid))
    if job is None or job.pending:
        return text(catalog.err07_cannot_clear(jobid or ""))
    job.cleared = True
    return text(catalog.cleared(job.jobid))


def stopfax(ctx: OpContext) -> Answer:
    jobid = posted_id(ctx.post.get_str("jobid"))
    if jobid is None:
        return text(catalog.ERR18_NO_JOBID)
    job = ctx.sim.find_job(ctx.account, jobid)
    if job is None:
        return text(catalog.ERR19_JOB_NOT_FOUND)
    if job.state is JobState.TRANSMITTING:
        return text(catalog.err22_in_transmission(job.jobid))
    if job.state not in (JobState.WAITING_FOR_CONVERSION, JobState.IN_QUEUE):
        return text(catalog.err20_not_in_queue(job.jobid))
    # Injected faults: the job stays as it is.
    if injected(ctx, "ERR21"):
        return text(catalog.err21_not_on_fax_server(job.jobid))
    if injected(ctx, "ERR23"):
        return text(catalog.err23_failed_to_stop(job.jobid))
    assert ctx.account.desk is not None
    ctx.account.desk.stop(job, ctx.account.now())
    return text(catalog.stopped(job.jobid))
