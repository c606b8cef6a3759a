"""URL mode: fetching the documents a sendfax names by URL (`faxurl`, `faxurls[]`).

Without `async` the endpoint awaits `fetch_documents` before it answers; with `async=1` it
answers at once and `fetch_later` fetches in the background, then hands the documents to the
core (`Simulator.documents_fetched`), which starts the job's conversion. `settle` waits for
background fetches, so a manual-clock advance never races a fetch.

Fetches are plain HTTP(S) GETs (redirects followed, no proxy from the environment), bounded by
a timeout and a size cap. `--no-fetch` (`FetchSettings.enabled=False`) makes every URL a
one-page HTML document without touching the network.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urlsplit

from ..core.jobs import Document
from ..server.background import BackgroundTasks
from ..server.config import DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_TIMEOUT
from ..wire import catalog
from .formats import SUPPORTED_EXTENSIONS, extension_of
from .worker import inspect_off_loop

if TYPE_CHECKING:
    import httpx

    from ..core.jobs import FaxJob
    from ..core.simulator import Simulator

USER_AGENT: Final = "FAXAGE-urlfetch (faxage-sim)"
MAX_REDIRECTS: Final = 5


@dataclass(frozen=True)
class FetchSettings:
    enabled: bool = True
    timeout: float = DEFAULT_FETCH_TIMEOUT
    max_bytes: int = DEFAULT_FETCH_MAX_BYTES


@dataclass(frozen=True)
class FetchResult:
    data: bytes | None
    status: int | None = None  # the final HTTP status, when an answer came
    error: str | None = None  # why there is no data

    @property
    def ok(self) -> bool:
        return self.data is not None

    def longstatus(self) -> str:
        """How an async job whose URL failed ends: `Failed Conversion[ - Code <status>]`."""
        if self.status is not None and self.status >= 400:
            return catalog.failed_conversion_code(self.status)
        return catalog.LONG_FAILED_CONVERSION


def is_fetchable(url: str) -> bool:
    """An absolute http(s) URL with a host: anything else is not a file to fax (ERR03)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def url_documents(urls: list[str], types: list[str]) -> list[Document]:
    """Documents (not yet fetched) for the posted URLs; `types[i]` pairs with `urls[i]`.

    The type is `types[i]` when given (with or without a dot, any case), else the URL path's
    extension when it is a supported one, else HTML (the vendor's rule). A URL that is not an
    absolute http(s) URL, or whose given type is not a supported one, is dropped (decision:
    like a `faxfilenames[]` entry with an unsupported extension).
    """
    documents = []
    for index, raw in enumerate(urls):
        url = raw.strip()
        if not is_fetchable(url):
            continue
        given = types[index].strip().lower().lstrip(".") if index < len(types) else ""
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or (urlsplit(url).hostname or "")
        if given:
            if given not in SUPPORTED_EXTENSIONS:
                continue
            filetype = given
        else:
            own = extension_of(name)
            filetype = own if own in SUPPORTED_EXTENSIONS else "html"
        documents.append(Document(filename=name, data=None, url=url, filetype=filetype))
    return documents


def no_fetch_html(url: str) -> bytes:
    """The stand-in document for a URL under `--no-fetch`: one short HTML page."""
    shown = html.escape(url[:1000])
    return (f"<!DOCTYPE html><html><head><title>{shown}</title></head><body>"
            f"<p>faxage-sim --no-fetch: {shown} was not fetched.</p></body></html>").encode()


class UrlFetcher:
    def __init__(self, sim: Simulator, settings: FetchSettings | None = None) -> None:
        self.sim = sim
        self.settings = settings or FetchSettings()
        self._client: httpx.AsyncClient | None = None
        self._tasks = BackgroundTasks()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            from ..control.guard import outgoing_headers

            # trust_env=False: a proxy set for the test runner must not fetch local URLs.
            # The outgoing mark (kept on every redirect): the emulator's own /_sim/ refuses
            # it, so a faxurl can never fax the control plane (docs/security.md).
            self._client = httpx.AsyncClient(
                trust_env=False, follow_redirects=True, max_redirects=MAX_REDIRECTS,
                headers={"user-agent": USER_AGENT, **outgoing_headers()})
        return self._client

    async def fetch(self, url: str) -> FetchResult:
        """GET one URL: its body, or why there is none (never raises)."""
        if not self.settings.enabled:
            return FetchResult(no_fetch_html(url), status=None)
        import httpx

        try:
            async with asyncio.timeout(self.settings.timeout):
                async with self._http().stream("GET", url) as response:
                    if response.status_code >= 400:
                        return FetchResult(None, response.status_code,
                                           f"HTTP {response.status_code}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.settings.max_bytes:
                        return FetchResult(None, response.status_code, "too large")
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body.extend(chunk)
                        if len(body) > self.settings.max_bytes:
                            return FetchResult(None, response.status_code, "too large")
                    return FetchResult(bytes(body), response.status_code)
        except TimeoutError:
            return FetchResult(None, None, "timeout")
        except httpx.HTTPError as exc:
            return FetchResult(None, None, f"{type(exc).__name__}: {exc}".rstrip(": "))
        except Exception as exc:  # a malformed URL and the like: reported, never raised
            return FetchResult(None, None, f"{type(exc).__name__}: {exc}")

    async def fetch_documents(self, documents: list[Document]) -> FetchResult | None:
        """Fetch every URL document that has no data yet, concurrently, filling `data` in
        place (and making a `--no-fetch` stand-in HTML). The first failure, or None."""
        wanted = [d for d in documents if d.url is not None and not d.has_bytes]
        results = await asyncio.gather(*(self.fetch(d.url or "") for d in wanted))
        failure = None
        for document, result in zip(wanted, results, strict=True):
            if result.ok:
                document.set_data(result.data)
                if not self.settings.enabled:
                    document.filetype = "html"
            elif failure is None:
                failure = result
        return failure

    def fetch_later(self, job: FaxJob) -> None:
        """Fetch an async job's URLs in the background, then hand them to the core."""
        self._tasks.spawn(self._fetch_for(job))

    async def _fetch_for(self, job: FaxJob) -> None:
        failure = await self.fetch_documents(job.documents)
        await inspect_off_loop(job.documents)
        account = self.sim.accounts.get(job.company)
        if account is None:
            return  # the account was removed meanwhile
        self.sim.documents_fetched(job, failure.longstatus() if failure else None,
                                   account.now())

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def settle(self) -> None:
        """Wait until no background fetch is left."""
        await self._tasks.drain()

    async def aclose(self) -> None:
        self._tasks.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
