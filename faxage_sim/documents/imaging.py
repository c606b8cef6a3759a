"""Fax page images: what a fax machine would print, for sent jobs and received faxes alike.

Every page is a bilevel (`"1"` mode) Pillow image, 1728 pixels wide (the fax line width at
204 dpi), as long as a US-letter page at the job's vertical resolution:

| resolution        | dpi (x × y) | page size    |
|-------------------|-------------|--------------|
| 0 standard        | 204 × 98    | 1728 × 1078  |
| 1 fine            | 204 × 196   | 1728 × 2156  |
| 2 hyperfine       | 204 × 392   | 1728 × 4312  |

Each image carries `info["dpi"]`, which the encoders write as the file's resolution tags.

Public API (stable; the outbound documents and the inbound `getfax` both use it):

- `Resolution` — 0 standard, 1 fine, 2 hyperfine (plain ints are accepted everywhere).
- `PageHeader(when, sender="", number="")` — the line a fax machine prints across the top of
  every page: `<when>  From: <sender>  <number>` on the left, `Page n of N` on the right.
- `render_job_pages(documents, *, resolution=0, header=None, contrast=1, limit=None)
  -> list[Image]` — one image per page of the documents (objects with `filename`, `data`,
  `extension`, such as `core.jobs.Document`), numbered across all of them (`limit`: only the
  first pages). Raises `ConversionError` for a document `formats.inspect_document` rejects.
  The page count always equals the inspection's.
- `render_placeholder_pages(count, *, resolution=0, header=None, label="") -> list[Image]` —
  `count` generated pages with `label` (may hold several lines) drawn in a framed box: for
  faxes whose content is made up (generated inbound traffic).
- `header_band(header, page, total, resolution=0) -> Image` — the header strip exactly as it
  is pasted on top of page `page` (tests compare it with the top rows of a page).
- `font(size) -> ImageFont` — the face every page is drawn with (Pillow's built-in scalable
  font, the same on every machine), cached per thread.
- `encode_tiff(pages) -> bytes` — multi-page TIFF, CCITT Group 4, DPI tags from the pages.
- `encode_pdf(pages, *, created=None) -> bytes` — PDF, one page per image, CCITT G4 image
  streams, page size from the DPI (8.47 × 11 in); dated `created` (epoch seconds) if given.
  Both encoders give the same bytes for the same pages.

What the body of a page shows: JPEG, BMP, GIF (first frame) and every TIFF page are scaled to
fit the page and dithered to black and white (bilevel sources are thresholded, not dithered);
text and CSV are drawn as text (60 lines a page, text wrapped at 100 characters, CSV cells in
aligned columns); PDF, PostScript, PCL, HTML and office formats are not rasterized — each of
their pages is a labelled page naming the source file, its type and the page number.

Pages are composed on the fine grid (close to square pixels) and scaled to the requested
resolution row by row (standard keeps every other row, as a standard-resolution scan does;
hyperfine doubles rows); the header band is pasted after scaling.
"""

from __future__ import annotations

import csv
import io
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Final, Protocol

from .formats import (
    MAX_JOB_PAGES,
    TEXT_LINES_PER_PAGE,
    Inspection,
    inspect_document,
    iter_text_lines,
    text_of,
)

if TYPE_CHECKING:
    from PIL import Image, ImageFont

    Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class Resolution(IntEnum):
    STANDARD = 0
    FINE = 1
    HYPERFINE = 2


FAX_WIDTH: Final = 1728
X_DPI: Final = 204
Y_DPI: Final = {Resolution.STANDARD: 98, Resolution.FINE: 196, Resolution.HYPERFINE: 392}
PAGE_HEIGHTS: Final = {Resolution.STANDARD: 1078, Resolution.FINE: 2156,
                       Resolution.HYPERFINE: 4312}

# Layout on the fine (composition) grid, in pixels.
_COMPOSE_HEIGHT: Final = PAGE_HEIGHTS[Resolution.FINE]
HEADER_HEIGHT: Final = 48  # even, so standard resolution keeps exactly half of it
_HEADER_FONT: Final = 24
_MARGIN_X: Final = 72
_BODY_TOP: Final = 96
_BODY_BOTTOM: Final = _COMPOSE_HEIGHT - 72
_TEXT_FONT: Final = 26
_LABEL_FONT: Final = 36
_CELL_GAP: Final = 24


class ConversionError(ValueError):
    """A document that cannot be imaged: the job fails as `Failed Conversion`."""


class SourceDocument(Protocol):
    @property
    def filename(self) -> str: ...

    @property
    def data(self) -> bytes | None: ...

    @property
    def extension(self) -> str: ...


@dataclass(frozen=True)
class PageHeader:
    """The header line of a fax page; `when` is the date and time as it should be printed."""

    when: str
    sender: str = ""  # tagname: the name that follows "From:"
    number: str = ""  # tagnumber

    def left_text(self) -> str:
        parts = [self.when] if self.when else []
        if self.sender:
            parts.append(f"From: {self.sender}")
        if self.number:
            parts.append(self.number)
        return "   ".join(parts)

    @staticmethod
    def page_text(page: int, total: int) -> str:
        return f"Page {page} of {total}"

    def text(self, page: int, total: int) -> str:
        """The whole line as one string (left part, then the page counter)."""
        left = self.left_text()
        return f"{left}   {self.page_text(page, total)}" if left else self.page_text(page, total)


def resolution_of(value: int) -> Resolution:
    """Any job's resolution value as a `Resolution` (unknown values: standard)."""
    return Resolution(value) if value in (0, 1, 2) else Resolution.STANDARD


def page_size(resolution: int) -> tuple[int, int]:
    return FAX_WIDTH, PAGE_HEIGHTS[resolution_of(resolution)]


def dpi(resolution: int) -> tuple[int, int]:
    return X_DPI, Y_DPI[resolution_of(resolution)]


# --- fonts (FreeType faces are not safe to share between threads) -----------------------

_fonts = threading.local()


def font(size: int) -> Font:
    from PIL import ImageFont

    cache: dict[int, Font] | None = getattr(_fonts, "cache", None)
    if cache is None:
        cache = {}
        _fonts.cache = cache
    font = cache.get(size)
    if font is None:
        # Pillow's built-in scalable face: the same glyphs on every machine.
        font = ImageFont.load_default(size)
        cache[size] = font
    return font


_Glyph = tuple["Image.Image | None", int, int, float]  # mask, left, top, advance


def _glyph(size: int, char: str) -> _Glyph:
    """One character rendered once per thread and size: pasting cached masks draws a line
    of text about 4x faster than asking FreeType for the whole line each time."""
    glyphs: dict[tuple[int, str], _Glyph] | None = getattr(_fonts, "glyphs", None)
    if glyphs is None:
        glyphs = {}
        _fonts.glyphs = glyphs
    glyph = glyphs.get((size, char))
    if glyph is None:
        from PIL import Image, ImageDraw

        face = font(size)
        left, top, right, bottom = (int(v) for v in face.getbbox(char))
        advance = float(face.getlength(char))
        if right <= left or bottom <= top:
            glyph = (None, 0, 0, advance)
        else:
            mask = Image.new("1", (right - left, bottom - top), 0)
            draw = ImageDraw.Draw(mask)
            draw.fontmode = "1"
            draw.text((-left, -top), char, font=face, fill=1)
            glyph = (mask, left, top, advance)
        glyphs[(size, char)] = glyph
    return glyph


def _draw_text(page: Image.Image, xy: tuple[int, int], text: str, size: int) -> None:
    """Black text with its top-left at `xy` (clipped at the page's edges)."""
    x, y = xy
    position = float(x)
    limit = page.width
    for char in text:
        mask, left, top, advance = _glyph(size, char)
        if mask is not None:
            page.paste(0, (round(position) + left, y + top), mask)
        position += advance
        if position > limit:
            return


def _text_width(text: str, size: int) -> int:
    return round(sum(_glyph(size, char)[3] for char in text))


# --- composition -----------------------------------------------------------------------


def _blank(height: int = _COMPOSE_HEIGHT) -> Image.Image:
    from PIL import Image

    return Image.new("1", (FAX_WIDTH, height), 1)


def _finish(page: Image.Image, resolution: Resolution, header: PageHeader | None,
            number: int, total: int) -> Image.Image:
    """Scale a composed page to `resolution`, paste its header band, set its DPI."""
    from PIL import Image

    width, height = page_size(resolution)
    if page.size != (width, height):
        page = page.resize((width, height), Image.Resampling.NEAREST)
    if header is not None:
        page.paste(header_band(header, number, total, resolution), (0, 0))
    page.info["dpi"] = dpi(resolution)
    return page


def header_band(header: PageHeader, page: int, total: int, resolution: int = 0) -> Image.Image:
    """The header strip of page `page` of `total`, at `resolution`, as pasted on the page."""
    from PIL import Image

    band = _blank(HEADER_HEIGHT)
    top = (HEADER_HEIGHT - _HEADER_FONT) // 2 - 2
    right = header.page_text(page, total)
    right_x = FAX_WIDTH - _MARGIN_X // 2 - _text_width(right, _HEADER_FONT)
    _draw_text(band, (_MARGIN_X // 2, top), header.left_text(), _HEADER_FONT)
    _draw_text(band, (right_x, top), right, _HEADER_FONT)
    res = resolution_of(resolution)
    height = HEADER_HEIGHT * PAGE_HEIGHTS[res] // _COMPOSE_HEIGHT
    if height != HEADER_HEIGHT:
        band = band.resize((FAX_WIDTH, height), Image.Resampling.NEAREST)
    return band


def _draw_label(page: Image.Image, lines: Sequence[str]) -> None:
    """A framed box in the upper part of the body holding `lines`."""
    from PIL import ImageDraw

    pitch = _LABEL_FONT + 18
    box_top = _BODY_TOP + 240
    box_bottom = box_top + 60 + pitch * max(1, len(lines))
    ImageDraw.Draw(page).rectangle(
        (_MARGIN_X + 80, box_top, FAX_WIDTH - _MARGIN_X - 80, box_bottom), outline=0, width=4)
    for i, line in enumerate(lines):
        _draw_text(page, (_MARGIN_X + 120, box_top + 36 + i * pitch), line, _LABEL_FONT)


def _text_page(lines: Sequence[str]) -> Image.Image:
    page = _blank()
    pitch = (_BODY_BOTTOM - _BODY_TOP) // TEXT_LINES_PER_PAGE
    for i, line in enumerate(lines):
        if line:
            _draw_text(page, (_MARGIN_X, _BODY_TOP + i * pitch), line, _TEXT_FONT)
    return page


def _csv_page(lines: Sequence[str]) -> Image.Image:
    """CSV rows of one page, each cell at its column's offset (widths measured on the page)."""
    page = _blank()
    rows = [_csv_cells(line) for line in lines]
    widths: list[int] = []
    for row in rows:
        for col, cell in enumerate(row):
            width = _text_width(cell, _TEXT_FONT)
            if col == len(widths):
                widths.append(width)
            else:
                widths[col] = max(widths[col], width)
    offsets, x = [], _MARGIN_X
    for width in widths:
        offsets.append(x)
        x += min(width, FAX_WIDTH // 2) + _CELL_GAP
    pitch = (_BODY_BOTTOM - _BODY_TOP) // TEXT_LINES_PER_PAGE
    for i, row in enumerate(rows):
        for col, cell in enumerate(row):
            if cell and offsets[col] < FAX_WIDTH - _MARGIN_X:
                _draw_text(page, (offsets[col], _BODY_TOP + i * pitch), cell, _TEXT_FONT)
    return page


def _csv_cells(line: str) -> list[str]:
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return [line]


def _image_page(frame: Image.Image, contrast: int) -> Image.Image:
    """One picture (or scanned page) scaled to fit the body and made black and white."""
    from PIL import Image

    bilevel = frame.mode == "1"
    gray = _grayscale(frame)
    x_dpi, y_dpi = _source_dpi(frame)
    # Physical size in inches → pixels of the fine grid (204 × 196 dpi).
    width_in, height_in = gray.width / x_dpi, gray.height / y_dpi
    box_w, box_h = FAX_WIDTH - 2 * _MARGIN_X, _BODY_BOTTOM - _BODY_TOP
    scale = min(box_w / (width_in * X_DPI), box_h / (height_in * Y_DPI[Resolution.FINE]))
    size = (max(1, round(width_in * X_DPI * scale)),
            max(1, round(height_in * Y_DPI[Resolution.FINE] * scale)))
    gray = gray.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    if bilevel:
        mono = gray.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=None)
    else:
        if contrast == 2:
            # contrastalgo=2: more darkening, for light scans.
            gray = gray.point(lambda v: int(255 * (v / 255) ** 1.8))
        mono = gray.convert("1")  # Floyd–Steinberg dithering
    page = _blank()
    page.paste(mono, ((FAX_WIDTH - mono.width) // 2, _BODY_TOP))
    return page


def _grayscale(frame: Image.Image) -> Image.Image:
    from PIL import Image

    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P"
                                               and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    if frame.mode in ("I;16", "I;16B", "I;16L", "I"):
        return frame.point(lambda v: v / 256).convert("L")
    return frame.convert("L")


def _source_dpi(frame: Image.Image) -> tuple[float, float]:
    """The source's pixel density; square pixels when it does not say (or says nonsense)."""
    raw = frame.info.get("dpi")
    if not isinstance(raw, tuple | list) or len(raw) < 2:
        return 200.0, 200.0
    try:
        x, y = float(raw[0]), float(raw[1])
    except (TypeError, ValueError):
        return 200.0, 200.0
    if x <= 0 or y <= 0 or x != x or y != y:
        return 200.0, 200.0
    return x, y


# --- documents → page bodies -----------------------------------------------------------

_RASTER: Final = frozenset({"tif", "tiff", "jpg", "jpeg", "bmp", "gif"})
TYPE_NAMES: Final = {
    "pdf": "PDF", "ps": "PostScript", "pcl": "PCL", "htm": "HTML", "html": "HTML",
    "doc": "Word", "dot": "Word template", "docx": "Word 2007", "odt": "OpenDocument text",
    "rtf": "Rich Text", "xls": "Excel", "xlsx": "Excel 2007", "ods": "OpenDocument spreadsheet",
}


def _inspected(document: SourceDocument) -> Inspection:
    # A job's document keeps what its inspection found (`core.jobs.Document.inspected`).
    cached = getattr(document, "inspected", None)
    inspection = cached() if callable(cached) else inspect_document(document.extension,
                                                                     document.data)
    if not inspection.ok or document.data is None:
        raise ConversionError(f"{document.filename}: {inspection.reason}")
    return inspection


def _document_bodies(document: SourceDocument, inspection: Inspection, contrast: int,
                     skip: int = 0) -> Iterator[Image.Image]:
    """The composed (fine-grid, header-less) pages of one document, from page `skip` + 1 on:
    only the pages asked for are drawn, one at a time."""
    ext = document.extension
    assert document.data is not None
    data = document.data
    if ext in _RASTER:
        yield from _raster_bodies(data, ext, inspection.pages, contrast, skip)
    elif ext in ("txt", "csv"):
        lines = iter_text_lines(text_of(data), wrap=ext == "txt")
        lines = itertools.islice(lines, skip * TEXT_LINES_PER_PAGE, None)
        draw = _csv_page if ext == "csv" else _text_page
        for _ in range(skip, inspection.pages):
            # An empty document is one page with one empty line, as it is counted.
            yield draw(list(itertools.islice(lines, TEXT_LINES_PER_PAGE)) or [""])
    else:
        kind = TYPE_NAMES.get(ext, ext.upper())
        for number in range(skip + 1, inspection.pages + 1):
            page = _blank()
            _draw_label(page, [
                document.filename,
                f"page {number} of {inspection.pages} of this {kind} document "
                f"({len(data):,} bytes)",
                f"faxage-sim does not rasterize {kind} content:",
                "this page stands in for the page that was faxed.",
            ])
            yield page


def _raster_bodies(data: bytes, ext: str, pages: int, contrast: int,
                   skip: int = 0) -> Iterator[Image.Image]:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            for index in range(skip, pages):
                image.seek(index)
                frame = ImageOps.exif_transpose(image) if ext in ("jpg", "jpeg") else image
                yield _image_page(frame, contrast)
    except Exception as exc:  # damaged files make Pillow raise anything (KeyError...)
        raise ConversionError(f"unreadable {ext}: {exc!r}") from exc


@dataclass(frozen=True)
class PageRun:
    """The pages of one fax, drawn when asked for: `pages_from(n)` yields page n, n + 1, ...
    to the last; every page is `size`, bilevel, at `resolution`. A whole file is encoded
    from it one page at a time (`encode_tiff`, `encode_pdf`), a picture of page n draws
    that page alone (`page`), so no more than one page is ever held as an image."""

    count: int
    resolution: Resolution
    pages_from: Callable[[int], Iterator[Image.Image]]

    @property
    def size(self) -> tuple[int, int]:
        return page_size(self.resolution)

    def page(self, number: int) -> Image.Image | None:
        """Page `number` (from 1), or None past the last."""
        if not 1 <= number <= self.count:
            return None
        return next(self.pages_from(number), None)

    def first(self, limit: int | None = None) -> list[Image.Image]:
        """The first `limit` pages (all of them without one), as images."""
        pages = self.pages_from(1)
        return list(pages if limit is None else itertools.islice(pages, max(0, limit)))


def job_page_run(documents: Sequence[SourceDocument], *, resolution: int = 0,
                 header: PageHeader | None = None, contrast: int = 1) -> PageRun:
    """The pages of `documents`, numbered `Page n of N` across all of them. Raises
    `ConversionError` for a document `formats.inspect_document` rejects, or for more pages
    than the job's limit (`formats.MAX_JOB_PAGES`)."""
    res = resolution_of(resolution)
    inspected = [(document, _inspected(document)) for document in documents]
    total = sum(inspection.pages for _, inspection in inspected)
    if total > MAX_JOB_PAGES:
        raise ConversionError(f"{total} pages: over the limit of {MAX_JOB_PAGES}")

    def pages_from(first: int) -> Iterator[Image.Image]:
        skip, number = first - 1, first
        for document, inspection in inspected:
            if skip >= inspection.pages:
                skip -= inspection.pages
                continue
            for body in _document_bodies(document, inspection, contrast, skip):
                yield _finish(body, res, header, number, total)
                number += 1
            skip = 0

    return PageRun(total, res, pages_from)


def render_job_pages(documents: Sequence[SourceDocument], *, resolution: int = 0,
                     header: PageHeader | None = None, contrast: int = 1,
                     limit: int | None = None) -> list[Image.Image]:
    """Every page of `documents`, in order, numbered `Page n of N` across all of them.

    `limit` renders only the first pages (still numbered against the whole job).
    """
    return job_page_run(documents, resolution=resolution, header=header,
                        contrast=contrast).first(limit)


def placeholder_page_run(count: int, *, resolution: int = 0, header: PageHeader | None = None,
                         label: str = "") -> PageRun:
    """`count` generated pages, each with `label` in a framed box and its page number."""
    res = resolution_of(resolution)
    total = max(1, count)

    def pages_from(first: int) -> Iterator[Image.Image]:
        for number in range(first, total + 1):
            page = _blank()
            _draw_label(page, [*label.splitlines(), f"page {number} of {total}"])
            yield _finish(page, res, header, number, total)

    return PageRun(total, res, pages_from)


def render_placeholder_pages(count: int, *, resolution: int = 0,
                             header: PageHeader | None = None,
                             label: str = "", limit: int | None = None) -> list[Image.Image]:
    """`count` generated pages, each with `label` in a framed box and its page number
    (`limit`: only the first ones)."""
    return placeholder_page_run(count, resolution=resolution, header=header,
                                label=label).first(limit)


# --- encoders --------------------------------------------------------------------------


Pages = Sequence["Image.Image"] | PageRun


def _prepared(pages: Pages) -> tuple[Image.Image, list[Image.Image], tuple[float, float]]:
    """The image to save, the images appended to it, and the resolution of the file."""
    if isinstance(pages, PageRun) and pages.count == 1:
        pages = pages.first()  # Pillow writes a lone image its own way: keep its bytes
    if isinstance(pages, PageRun):
        x_dpi, y_dpi = dpi(pages.resolution)
        return _run_image(pages), [], (float(x_dpi), float(y_dpi))
    if not pages:
        raise ValueError("no pages to encode")
    mono = [p if p.mode == "1" else p.convert("1") for p in pages]
    resolution = pages[0].info.get("dpi", (X_DPI, Y_DPI[Resolution.STANDARD]))
    return mono[0], mono[1:], (float(resolution[0]), float(resolution[1]))


def encode_tiff(pages: Pages) -> bytes:
    """A multi-page TIFF: CCITT Group 4, bilevel, resolution tags from the first page."""
    first, rest, resolution = _prepared(pages)
    out = io.BytesIO()
    first.save(out, "TIFF", compression="group4", save_all=True, append_images=rest,
               dpi=resolution)
    return out.getvalue()


def encode_pdf(pages: Pages, *, created: float | None = None) -> bytes:
    """A PDF with one page per image; Pillow writes bilevel images as CCITT G4 streams.

    `created` (epoch seconds, e.g. on the simulated clock) dates the file; without it the
    file carries no date, so the same pages always give the same bytes.
    """
    import time

    first, rest, resolution = _prepared(pages)
    when = time.gmtime(created) if created is not None else None
    out = io.BytesIO()
    first.save(out, "PDF", save_all=True, append_images=rest, dpi=resolution,
               title="faxage-sim fax", producer="faxage-sim", creationDate=when,
               modDate=when)
    return out.getvalue()


def _run_image_class() -> type[Image.Image]:
    """A multi-frame Pillow image whose frames are a `PageRun`'s pages, drawn when the
    encoder loads each: Pillow's own TIFF and PDF writers stream it page by page and write
    the same bytes as for a list of the same pages."""
    from PIL import Image

    class RunImage(Image.Image):
        def __init__(self, run: PageRun) -> None:
            super().__init__()
            self._run = run
            self._mode = "1"
            self._size = run.size
            x_dpi, y_dpi = dpi(run.resolution)
            self.info = {"dpi": (x_dpi, y_dpi)}
            self._frame = 0  # the frame asked for (seek)
            self._drawn = -1  # the frame whose pixels are loaded
            self._pages: Iterator[Image.Image] = iter(())

        @property
        def n_frames(self) -> int:
            return self._run.count

        @property
        def is_animated(self) -> bool:
            return self._run.count > 1

        def tell(self) -> int:
            return self._frame

        def seek(self, frame: int) -> None:
            if not 0 <= frame < self._run.count:
                raise EOFError("no more pages")
            self._frame = frame  # drawn when loaded: seeking back to the start costs nothing

        def load(self) -> Any:
            if self._drawn != self._frame:
                if self._drawn < 0 or self._drawn + 1 != self._frame:
                    self._pages = self._run.pages_from(self._frame + 1)
                page = next(self._pages)
                if page.mode != "1" or page.size != self._size:
                    raise ValueError("a page of another size or mode in a page run")
                self._im = page.im
                self._drawn = self._frame
            return None  # the writers only need the pixels loaded, not an access object

        @property
        def im(self) -> Any:
            self.load()
            return self._im

        @im.setter
        def im(self, value: Any) -> None:
            self._im = value

    return RunImage


_RUN_IMAGE: type[Image.Image] | None = None


def _run_image(run: PageRun) -> Image.Image:
    global _RUN_IMAGE
    if _RUN_IMAGE is None:
        _RUN_IMAGE = _run_image_class()
    return _RUN_IMAGE(run)  # type: ignore[call-arg]
