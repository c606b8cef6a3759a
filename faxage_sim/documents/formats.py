"""Supported file types and what a document's bytes say about it: valid or not, how many pages.

Pages are counted where the format allows (PDF pages, TIFF/GIF frames, text lines) and
estimated elsewhere (see `ESTIMATES`). Bytes that do not match the extension, or that cannot be
decoded, make the job fail as `Failed Conversion` — at conversion time, never at submit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

# The vendor's table of supported types (sendfax, "Supported File Types").
SUPPORTED_EXTENSIONS: Final = frozenset(
    {"jpg", "jpeg", "pdf", "ps", "tif", "tiff", "doc", "dot", "docx", "odt", "rtf", "xls",
     "xlsx", "ods", "csv", "htm", "html", "bmp", "gif", "pcl", "txt"}
)

TEXT_LINES_PER_PAGE: Final = 60
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
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
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
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


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
            frames = getattr(image, "n_frames", 1)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return _fail(f"unreadable {ext}")
    return Inspection(pages=max(1, int(frames)), ok=True)
