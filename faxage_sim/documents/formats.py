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
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from typing import Final

# The vendor's table of supported types (sendfax, "Supported File Types").
SUPPORTED_EXTENSIONS: Final = frozenset(
    {"jpg", "jpeg", "pdf", "ps", "tif", "tiff", "doc", "dot", "docx", "odt", "rtf", "xls",
     "xlsx", "ods", "csv", "htm", "html", "bmp", "gif", "pcl", "txt"}
)

TEXT_LINES_PER_PAGE: Final = 60
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


@dataclass(frozen=True)
class Inspection:
    pages: int
    ok: bool
    reason: str = ""


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
        lines = text_line_count(text, wrap=ext == "txt")
        return Inspection(pages=max(1, -(-lines // TEXT_LINES_PER_PAGE)), ok=True)
    if ext in ("htm", "html"):
        text = _as_text(data)
        if text is None:
            return _fail("not text")
        return Inspection(pages=max(1, -(-len(text) // HTML_CHARS_PER_PAGE)), ok=True)
    per_page = ESTIMATES.get(ext, 24_000)
    return Inspection(pages=max(1, -(-len(data) // per_page)), ok=True)


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
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    raw = normalized.split("\n")
    if raw and raw[-1] == "" and len(raw) > 1:
        raw.pop()  # the newline that ends the last line does not start another
    lines: list[str] = []
    for line in raw:
        line = _CONTROL.sub(" ", line.expandtabs(8))
        if wrap and len(line) > TEXT_COLUMNS:
            lines.extend(textwrap.wrap(line, TEXT_COLUMNS, replace_whitespace=False,
                                       drop_whitespace=True) or [""])
        else:
            lines.append(line)
    return lines


def text_line_count(text: str, *, wrap: bool = True) -> int:
    """`len(text_page_lines(text, wrap=wrap))`, without building the lines when none needs
    wrapping (what nearly every text document is: counting its pages is then one split)."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if raw and raw[-1] == "" and len(raw) > 1:
        raw.pop()
    # Control characters print as one space each; only tabs (expanded) change a line's width.
    if not wrap or ("\t" not in text and max(map(len, raw)) <= TEXT_COLUMNS):
        return len(raw)
    return len(text_page_lines(text, wrap=wrap))


def _pdf_pages(data: bytes) -> Inspection:
    from pypdf import PdfReader

    try:
        pages = len(PdfReader(io.BytesIO(data), strict=False).pages)
    except Exception:
        return _fail("unreadable pdf")
    return Inspection(pages=pages, ok=True) if pages else _fail("pdf without pages")


_PIL_FORMATS: Final = {
    "tif": "TIFF", "tiff": "TIFF", "gif": "GIF", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP",
}


def _image_pages(data: bytes, ext: str) -> Inspection:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != _PIL_FORMATS[ext]:
                return _fail(f"bytes are {image.format}, not {ext}")
            # A TIFF's pages are fax pages; an animated GIF prints its first frame only.
            frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
            for index in range(frames):
                image.seek(index)
                image.load()
    except (UnidentifiedImageError, OSError, ValueError, EOFError,
            Image.DecompressionBombError):
        return _fail(f"unreadable {ext}")
    return Inspection(pages=max(1, int(frames)), ok=True)
