"""The imaging module: real fax pages (bilevel, 1728 wide, header line) and real TIFF/PDF files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from faxage_sim.core.jobs import Document
from faxage_sim.documents import imaging
from faxage_sim.documents.formats import TEXT_COLUMNS, inspect_document, text_page_lines

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
HEADER = imaging.PageHeader("2026-01-05 09:00", "Acme Corp", "1.303.297.4100")


def sample(name: str) -> Document:
    return Document(name, (SAMPLES / name).read_bytes())


def black_pixels(image: Image.Image) -> int:
    histogram = image.convert("L").histogram()
    return histogram[0]


@pytest.mark.parametrize(("resolution", "height", "ydpi"), [(0, 1078, 98), (1, 2156, 196),
                                                            (2, 4312, 392)])
def test_pages_are_bilevel_fax_width_at_the_resolution(resolution: int, height: int,
                                                       ydpi: int) -> None:
    pages = imaging.render_job_pages([sample("letter.txt")], resolution=resolution,
                                     header=HEADER)
    assert len(pages) == 2
    for page in pages:
        assert page.mode == "1"
        assert page.size == (1728, height)
        assert page.info["dpi"] == (204, ydpi)


def test_every_sample_renders_as_many_pages_as_it_counts() -> None:
    documents = [sample(n) for n in ("three-pages.pdf", "two-pages.tif", "photo.jpg",
                                     "letter.txt", "order.html", "table.csv")]
    counted = [inspect_document(d.extension, d.data).pages for d in documents]
    assert counted == [3, 2, 1, 2, 1, 1]
    pages = imaging.render_job_pages(documents, resolution=1, header=HEADER)
    assert len(pages) == sum(counted)


def test_the_header_band_is_on_top_of_each_page_with_its_page_number() -> None:
    pages = imaging.render_job_pages([sample("three-pages.pdf")], resolution=0, header=HEADER)
    bands = [imaging.header_band(HEADER, n, 3, 0) for n in (1, 2, 3)]
    for page, band in zip(pages, bands, strict=True):
        top = page.crop((0, 0, 1728, band.height))
        assert top.tobytes() == band.tobytes()
        assert black_pixels(band) > 200  # text was drawn
    # The page counter differs, so the bands differ; the left part is the same.
    assert bands[0].tobytes() != bands[1].tobytes()
    assert bands[0].crop((0, 0, 864, bands[0].height)).tobytes() == \
        bands[1].crop((0, 0, 864, bands[1].height)).tobytes()
    # Nothing else is printed between the header and the body.
    assert black_pixels(pages[0].crop((0, bands[0].height, 1728, 45))) == 0


def test_header_text_matches_a_fax_machine_line() -> None:
    assert HEADER.text(2, 5) == \
        "2026-01-05 09:00   From: Acme Corp   1.303.297.4100   Page 2 of 5"
    assert imaging.PageHeader("2026-01-05 09:00").text(1, 1) == "2026-01-05 09:00   Page 1 of 1"


def test_a_header_less_page_has_an_empty_top_band() -> None:
    page = imaging.render_job_pages([sample("letter.txt")], resolution=1)[0]
    assert black_pixels(page.crop((0, 0, 1728, imaging.HEADER_HEIGHT))) == 0
    assert black_pixels(page) > 1000


def test_an_image_is_scaled_to_the_page_and_dithered() -> None:
    picture = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(picture).rectangle((100, 100, 299, 299), fill=0)  # a black middle square
    data = io.BytesIO()
    picture.save(data, "PNG")
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=95)
    page = imaging.render_job_pages([Document("square.jpg", buffer.getvalue())], resolution=1)[0]
    # Scaled to fit the body width (1584 px): the square spans the middle half of it.
    row = page.crop((0, 96 + 792, 1728, 96 + 793))
    inked = [x for x in range(1728) if row.getpixel((x, 0)) == 0]
    assert 72 + 396 - 8 <= inked[0] <= 72 + 396 + 8
    assert 72 + 1188 - 8 <= inked[-1] <= 72 + 1188 + 8
    corner = page.crop((100, 120, 400, 400))
    assert black_pixels(corner) == 0  # white stays white


def test_a_standard_resolution_tiff_keeps_its_physical_aspect() -> None:
    # two-pages.tif: 1728 × 1078 at 204 × 98 dpi, a frame 8.47 × 11 in. On the fine grid its
    # frame (a rectangle inset 100 px) keeps the page's proportions instead of being squashed.
    page = imaging.render_job_pages([sample("two-pages.tif")], resolution=1)[0]
    column = [page.getpixel((864, y)) for y in range(2156)]
    inked = [y for y, v in enumerate(column) if v == 0]
    top, bottom = inked[0], inked[-1]
    assert (bottom - top) > 1500  # ~ (978 - 100) rows × 196/98 × scale, not ~ 880


def test_csv_cells_line_up_in_columns() -> None:
    data = b"a,b\nwide first cell,b\n"
    page = imaging.render_job_pages([Document("t.csv", data)], resolution=1)[0]
    pitch = (2156 - 72 - 96) // 60

    def ink_span(row: int) -> tuple[int, int]:
        band = page.crop((0, 96 + row * pitch, 1728, 96 + (row + 1) * pitch))
        columns = [x for x in range(1728)
                   if any(band.getpixel((x, y)) == 0 for y in range(band.height))]
        return columns[0], columns[-1]

    first_left, first_right = ink_span(0)
    second_left, second_right = ink_span(1)
    assert 72 <= first_left < 90 and 72 <= second_left < 90
    # Both rows end with the "b" of column two, at the same place, past the wide cell.
    assert first_right == second_right
    assert first_right > 72 + 150


def test_text_wraps_long_lines_and_the_count_follows() -> None:
    line = "word " * 50  # 250 characters → 3 printed lines
    lines = text_page_lines(line * 1 + "\n" + "short\n")
    assert len(lines) == 4 and all(len(x) <= TEXT_COLUMNS for x in lines)
    data = ((line + "\n") * 40).encode()  # 120 printed lines → 2 pages
    assert inspect_document("txt", data).pages == 2
    assert len(imaging.render_job_pages([Document("long.txt", data)])) == 2
    # CSV rows never wrap: 40 rows, one page.
    assert inspect_document("csv", data).pages == 1


def test_placeholder_pages_carry_label_and_header() -> None:
    pages = imaging.render_placeholder_pages(3, resolution=2, header=HEADER,
                                             label="Inbound fax 7\nfrom (303)991-1234")
    assert [p.size for p in pages] == [(1728, 4312)] * 3
    assert pages[2].crop((0, 0, 1728, 96)).tobytes() == \
        imaging.header_band(HEADER, 3, 3, 2).tobytes()
    assert black_pixels(pages[0]) > 2000


def test_an_undecodable_document_raises_conversion_error() -> None:
    with pytest.raises(imaging.ConversionError):
        imaging.render_job_pages([Document("fake.pdf", b"this is not a pdf")])
    with pytest.raises(imaging.ConversionError):
        imaging.render_job_pages([Document("bad.txt", None)])


def test_encode_tiff_is_a_multipage_group4_fax_tiff() -> None:
    pages = imaging.render_job_pages([sample("three-pages.pdf")], resolution=1, header=HEADER)
    data = imaging.encode_tiff(pages)
    with Image.open(io.BytesIO(data)) as tiff:
        assert tiff.format == "TIFF"
        assert tiff.n_frames == 3
        for index in range(3):
            tiff.seek(index)
            assert tiff.mode == "1"
            assert tiff.size == (1728, 2156)
            assert tiff.info["compression"] == "group4"
            assert tiff.tag_v2[259] == 4  # Compression: CCITT T.6
            assert (float(tiff.tag_v2[282]), float(tiff.tag_v2[283])) == (204.0, 196.0)
            tiff.load()
            assert tiff.tobytes() == pages[index].tobytes()  # lossless round trip


def test_encode_pdf_has_a_letter_page_per_image() -> None:
    pages = imaging.render_job_pages([sample("two-pages.tif"), sample("photo.jpg")],
                                     resolution=0, header=HEADER)
    reader = PdfReader(io.BytesIO(imaging.encode_pdf(pages)))
    assert len(reader.pages) == 3
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 1728 / 204 * 72) < 0.5 and abs(height - 792) < 0.5
        images = list(page.images)
        assert len(images) == 1
        assert images[0].image is not None and images[0].image.size == (1728, 1078)


def test_encoders_refuse_no_pages() -> None:
    with pytest.raises(ValueError):
        imaging.encode_tiff([])
    with pytest.raises(ValueError):
        imaging.encode_pdf([])


def test_encoding_is_deterministic_and_pdf_dates_are_given() -> None:
    pages = imaging.render_job_pages([sample("letter.txt")], resolution=0, header=HEADER)
    again = imaging.render_job_pages([sample("letter.txt")], resolution=0, header=HEADER)
    assert imaging.encode_tiff(pages) == imaging.encode_tiff(again)
    assert imaging.encode_pdf(pages) == imaging.encode_pdf(again)
    undated = PdfReader(io.BytesIO(imaging.encode_pdf(pages))).metadata
    assert undated is not None and undated.creation_date is None
    dated = PdfReader(io.BytesIO(imaging.encode_pdf(pages, created=1767628800))).metadata
    assert dated is not None and dated.creation_date is not None
    assert dated.creation_date.isoformat().startswith("2026-01-05T16:00:00")
