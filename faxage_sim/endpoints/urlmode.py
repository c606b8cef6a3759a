"""sendfax URL mode on the wire: `faxurl` / `faxurls[]` / `faxurltypes[]` / `async`.

Without `async=1` the URLs are fetched before the answer, and one that cannot be fetched
makes the answer `ERR03: No files to fax`. With `async=1` the answer is `JOBID:` at once and
the URLs are fetched in the background (`documents.fetch.UrlFetcher.fetch_later`); a failed
fetch ends the job as `Failed Conversion`. Posted files and URLs may be combined (files first).
"""

from __future__ import annotations

from ..core.jobs import Document, FaxJob
from ..core.simulator import Submission
from ..documents.fetch import url_documents
from ..wire.forms import PhpPost
from .base import OpContext


def posted_url_documents(post: PhpPost) -> list[Document]:
    """`faxurls[]` (or a plain `faxurls`), else `faxurl`; `faxurltypes[i]` gives URL i's type."""
    urls = post.get_list("faxurls") or []
    if not urls:
        single = post.get_str("faxurls") or post.get_str("faxurl")
        urls = [single] if single else []
    types = post.get_list("faxurltypes") or []
    if not types and post.get_str("faxurltypes"):
        types = [post.get_str("faxurltypes") or ""]
    return url_documents(urls, types)


def _unfetched(submission: Submission) -> list[Document]:
    return [d for d in submission.documents if d.url is not None and not d.has_bytes]


async def fetch_before_answer(ctx: OpContext, submission: Submission) -> bool:
    """Fetch the URLs now unless the job fetches them later; False: one failed (ERR03)."""
    wanted = _unfetched(submission)
    if not wanted or (submission.async_fetch and ctx.state.fetcher.settings.enabled):
        return True
    failure = await ctx.state.fetcher.fetch_documents(wanted)
    if failure is not None:
        failed = next(d for d in wanted if not d.has_bytes)
        ctx.sim.emit("url.failed", ctx.account.now(), ctx.account.company,
                     f"sendfax: {failed.url} could not be fetched ({failure.error}): ERR03")
    return failure is None


def start_background_fetch(ctx: OpContext, job: FaxJob) -> None:
    if job.awaiting_fetch:
        ctx.state.fetcher.fetch_later(job)
