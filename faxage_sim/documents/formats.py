"""Supported file types and what a document's bytes say about it: valid or not, how many pages.

Pages are counted where the format allows and estimated elsewhere:

- PDF: its pages (pypdf); TIFF: its pages (frames); JPEG, BMP, GIF: one page (a GIF's first
  frame);
- text: 60 lines a page, lines longer than 100 characters wrapped (`text_page_lines`, which
  the imaging module draws from, so the count and the rendered pages always agree); CSV: 60
  rows a page, never wrapped;
- HTML: one page per 3000 characters;
- everything else: estimated from the size (`ESTIMATES`, bytes per page).

Bytes that do not match the extension, or that cannot be decoded, make the job fail as
`Failed Conversion` — at conversion time, never at submit.

Every document is inspected within a budget (`docs/limits.md`): at most `MAX_JOB_PAGES` pages
(a job's documents together, too), raster frames of at most `MAX_FRAME_PIXELS` pixels and
`MAX_DOCUMENT_PIXELS` decoded pixels in all. A document over the budget is one FAXAGE cannot
convert: `Failed Conversion`. The budget is counted in pages and pixels, not in seconds, so a
document gets the same answer on every machine; counting is linear (a TIFF's pages come from
walking its chain of image directories, a text's from one pass over its lines that stops at
the limit), so inspecting a hostile file costs little more than reading it. Callers on the
event loop inspect in a worker thread (`documents.inspect`).
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import textwrap
from collections.abc import Iterator
from typing import Final

import msgspec

# The vendor's table of supported types (sendfax, "Supported File Types").
SUPPORTED_EXTENSIONS: Final = frozenset(
    {"jpg", "jpeg", "pdf", "ps", "tif", "tiff", "doc", "dot", "docx", "odt", "rtf", "xls",
     "xlsx", "ods", "csv", "htm", "html", "bmp", "gif", "pcl", "txt"}
)

TEXT_LINES_PER_PAGE: Final = 60
# The budget of one job's documents (docs/limits.md). 500 pages is over four hours on a fax
# line; a 600 dpi scan of a letter page is 33.7 million pixels.
MAX_JOB_PAGES: Final = 500
MAX_FRAME_PIXELS: Final = 40_000_000
MAX_DOCUMENT_PIXELS: Final = 2_000_000_000
OVER_BUDGET: Final = "over the page or pixel budget"
TEXT_COLUMNS: Final = 100  # a text line longer than this wraps onto the next line
HTML_CHARS_PER_PAGE: Final = 3000
# Formats whose pages cannot be counted without a full renderer: bytes per estimated page.
ESTIMATES: Final = {
    "doc": 24_000, "dot": 24_000, "docx": 12_000, "odt": 12_000, "rtf": 6_000,
    "xls": 24_000, "xlsx": 12_000, "ods": 12_000, "ps": 40_000, "pcl": 40_000,
}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
MAGIC: Final = {
    "doc": (_OLE,), "dot": (_OLE,), "xls": (_OLE,),
    "docx": (_ZIP,), "xlsx": (_ZIP,), "odt": (_ZIP,), "ods": (_ZIP,),
    "rtf": (b"{\\rtf",), "ps": (b"%!",), "pcl": (b"\x1bE", b"\x1b%-12345X"),
    "pdf": (b"%PDF-",),
}


def extension_of(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_supported(filename: str) -> bool:
    return extension_of(filename) in SUPPORTED_EXTENSIONS


class Inspection(msgspec.Struct, frozen=True):
    """What a document's bytes say: whether FAXAGE could convert it, and its pages."""

    pages: int
    ok: bool
    reason: str = ""


_READABLE: dict[int, Inspection] = {}  # one shared answer per page count (every job keeps one)


def _fail(reason: str) -> Inspection:
    return Inspection(pages=1, ok=False, reason=reason)


def inspect_document(extension: str, data: bytes | None) -> Inspection:
    """Validate `data` as a file of type `extension` and count its pages."""
    if data is None:
        return _fail("not base64")
    if not data:
        return _fail("empty file")
    ext = extension.lower()
    signatures = MAGIC.get(ext)
    # PDFs may carry a few bytes of junk before the header, as readers allow.
    lenient_pdf = ext == "pdf" and b"%PDF-" in data[:1024]
    if signatures is not None and not any(data.startswith(s) for s in signatures) \
            and not lenient_pdf:
        return _fail(f"bytes are not {ext}")
    if ext == "pdf":
        return _pdf_pages(data)
    if ext in ("tif", "tiff", "gif", "jpg", "jpeg", "bmp"):
        return _image_pages(data, ext)
    if ext in ("txt", "csv"):
        text = _as_text(data)
        if text is None:
            return _fail("not text")
        most = MAX_JOB_PAGES * TEXT_LINES_PER_PAGE + 1  # one line past the limit is enough
        lines = text_line_count(text, wrap=ext == "txt", most=most)
        return _counted(max(1, -(-lines // TEXT_LINES_PER_PAGE)))
    if ext in ("htm", "html"):
        text = _as_text(data)
        if text is None:
            return _fail("not text")
        return _counted(max(1, -(-len(text) // HTML_CHARS_PER_PAGE)))
    per_page = ESTIMATES.get(ext, 24_000)
    return _counted(max(1, -(-len(data) // per_page)))


def _counted(pages: int) -> Inspection:
    """A readable document of `pages` pages: over the page limit, one FAXAGE cannot convert."""
    if pages > MAX_JOB_PAGES:
        return Inspection(pages=pages, ok=False, reason=OVER_BUDGET)
    return _readable(pages)


def _readable(pages: int) -> Inspection:
    found = _READABLE.get(pages)
    if found is None:
        found = _READABLE.setdefault(pages, Inspection(pages=pages, ok=True))
    return found


def _as_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    return text_of(data)


def text_of(data: bytes) -> str:
    """A text document's characters: UTF-8 when it is, else Latin-1 (never fails)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def text_page_lines(text: str, *, wrap: bool = True) -> list[str]:
    """The printed lines of a text (or, unwrapped, CSV) document, in order.

    Line ends are LF, CRLF or CR; tabs stop every 8 columns; other control characters print
    as spaces; with `wrap`, a line longer than `TEXT_COLUMNS` continues on the next line(s),
    broken between words where it can be.
    """
    return list(iter_text_lines(text, wrap=wrap))


_LINE_END = re.compile(r"\r\n|\r|\n")


def iter_text_lines(text: str, *, wrap: bool = True, most: int | None = None) -> Iterator[str]:
    """`text_page_lines` one line at a time, in one pass: counting or skipping pages never
    holds the whole document as lines. With `most`, a caller that stops after `most` lines
    (counting against the page limit) gets them without wrapping a whole huge line: wrapping
    is greedy from the left, so the first lines of a long enough prefix are the line's."""
    position, end = 0, len(text)
    while True:
        found = _LINE_END.search(text, position)
        if found is None:
            if position == end and position > 0:
                return  # the line end that ends the last line does not start another
            raw, position = text[position:], -1
        else:
            raw, position = text[position:found.start()], found.end()
        line = _CONTROL.sub(" ", raw.expandtabs(8))
        if wrap and len(line) > TEXT_COLUMNS:
            window = None if most is None else (most + 1) * TEXT_COLUMNS * 2
            if window is not None and len(line) > window:
                wrapped = textwrap.wrap(line[:window], TEXT_COLUMNS, replace_whitespace=False,
                                        drop_whitespace=True)
                if most is not None and len(wrapped) > most:
                    yield from wrapped[:-1]  # the last may have been cut by the window
                    return
            yield from textwrap.wrap(line, TEXT_COLUMNS, replace_whitespace=False,
                                     drop_whitespace=True) or [""]
        else:
            yield line
        if position < 0:
            return


def text_line_count(text: str, *, wrap: bool = True, most: int | None = None) -> int:
    """`len(text_page_lines(text, wrap=wrap))`, at most `most`. A small document in which no
    line needs wrapping (nearly every one) is counted with one split; any other in one
    bounded pass (`iter_text_lines`), never holding its lines."""
    if len(text) <= _SPLIT_COUNT_MAX and "\t" not in text:
        raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if raw and raw[-1] == "" and len(raw) > 1:
            raw.pop()
        # Control characters print as one space each: only tabs change a line's width.
        if not wrap or max(map(len, raw)) <= TEXT_COLUMNS:
            return len(raw) if most is None else min(len(raw), most)
    lines = iter_text_lines(text, wrap=wrap, most=most)
    return sum(1 for _ in (lines if most is None else itertools.islice(lines, most)))


_SPLIT_COUNT_MAX: Final = 64 * 1024


def _pdf_pages(data: bytes) -> Inspection:
    from pypdf import PdfReader

    try:
        pages = len(PdfReader(io.BytesIO(data), strict=False).pages)
    except Exception:
        return _fail("unreadable pdf")
    return _counted(pages) if pages else _fail("pdf without pages")


_PIL_FORMATS: Final = {
    "tif": "TIFF", "tiff": "TIFF", "gif": "GIF", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP",
}


def tiff_frame_sizes(data: bytes, most: int) -> list[tuple[int, int]] | None:
    """Width and height of each page of a TIFF, from one walk down its chain of image
    directories (classic and BigTIFF), stopping after `most` + 1 pages. None: not a TIFF
    this walk can follow (bad header, a directory outside the file, a loop).

    Pillow finds a TIFF's pages by seeking frame by frame, which re-reads directories and
    costs seconds for thousands of tiny frames; this walk reads each directory's two size
    tags and its link, nothing else.
    """
    order = {b"II": "<", b"MM": ">"}.get(data[:2])
    if order is None or len(data) < 8:
        return None
    version = struct.unpack_from(order + "H", data, 2)[0]
    if version == 42:
        count_fmt, entry_size, offset_fmt, head = "H", 12, "I", 4
    elif version == 43 and len(data) >= 16:
        count_fmt, entry_size, offset_fmt, head = "Q", 20, "Q", 8
    else:
        return None
    count_size, offset_size = struct.calcsize(count_fmt), struct.calcsize(offset_fmt)
    value_at = 8 if version == 42 else 12  # where an entry's value (or offset) starts
    offset = struct.unpack_from(order + offset_fmt, data, head)[0]
    seen: set[int] = set()
    sizes: list[tuple[int, int]] = []
    while offset:
        if offset in seen or offset + count_size > len(data) or len(sizes) > most:
            return sizes if len(sizes) > most else None
        seen.add(offset)
        entries = struct.unpack_from(order + count_fmt, data, offset)[0]
        table = offset + count_size
        link = table + entries * entry_size
        if link + offset_size > len(data):
            return None
        width = height = 0
        for at in range(table, link, entry_size):
            tag, kind = struct.unpack_from(order + "HH", data, at)
            if tag not in (256, 257):
                continue
            fmt = {3: "H", 4: "I", 16: "Q"}.get(kind)
            if fmt is None:
                return None
            value = struct.unpack_from(order + fmt, data, at + value_at)[0]
            if tag == 256:
                width = value
            else:
                height = value
        sizes.append((width, height))
        offset = struct.unpack_from(order + offset_fmt, data, link)[0]
    return sizes


def _image_pages(data: bytes, ext: str) -> Inspection:
    from PIL import Image

    frames = 1
    if ext in ("tif", "tiff"):
        sizes = tiff_frame_sizes(data, MAX_JOB_PAGES)
        if sizes is None or not sizes:
            return _fail(f"unreadable {ext}")
        frames = len(sizes)
        if frames > MAX_JOB_PAGES or not _within_pixels(sizes):
            return Inspection(pages=frames, ok=False, reason=OVER_BUDGET)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != _PIL_FORMATS[ext]:
                return _fail(f"bytes are {image.format}, not {ext}")
            if not _within_pixels([image.size]):
                return Inspection(pages=1, ok=False, reason=OVER_BUDGET)
            # A TIFF's pages are fax pages; an animated GIF prints its first frame only.
            for index in range(frames):
                image.seek(index)
                image.load()
    except Exception:  # damaged files make Pillow raise anything (KeyError, struct.error...)
        return _fail(f"unreadable {ext}")
    return _readable(frames)


def _within_pixels(sizes: list[tuple[int, int]]) -> bool:
    areas = [width * height for width, height in sizes]
    return max(areas) <= MAX_FRAME_PIXELS and sum(areas) <= MAX_DOCUMENT_PIXELS


class DocumentStore:
    """Document bytes kept once however many jobs send them (content-addressed: equal bytes
    are one object). Bytes no job holds any more leave the store as it grows."""

    def __init__(self) -> None:
        import threading

        self._files: dict[bytes, bytes] = {}
        self._lock = threading.Lock()
        self._sweep_at = 1024

    def intern(self, data: bytes) -> bytes:
        with self._lock:
            found = self._files.setdefault(data, data)
            if len(self._files) >= self._sweep_at:
                self._sweep()
            return found

    def _sweep(self) -> None:
        import sys

        # Held by the store alone: key and value are the one object, plus getrefcount's own
        # argument (CPython's reference counts; elsewhere nothing is ever dropped).
        for data in [d for d in self._files if sys.getrefcount(d) <= 4]:
            del self._files[data]
        self._sweep_at = max(1024, 2 * len(self._files))

    def __len__(self) -> int:
        return len(self._files)


DOCUMENTS: Final = DocumentStore()
