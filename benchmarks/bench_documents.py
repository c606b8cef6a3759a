"""Documents: sendfax of a 20 MB PDF and dlstatus of a 50-page job, per MB, beside a plain
base64 decode of the same bytes measured in the same run.

1. sendfax with one 20 MB PDF (urlencoded base64, as most clients post it), through the whole
   URL handler in-process: body parsing, tolerant base64, page counting with pypdf, the job.
   Printed as ms per MB of PDF, beside `base64.b64decode` of the same base64 text.
2. dlstatus of a 50-page job (a text document of 3000 lines): rendering 50 fax pages and
   encoding them as G4 TIFF (and as PDF with `viewtype=pdf`). Printed as ms per MB of the
   answer and ms per page, beside `base64.b64decode` of the answer's bytes in base64.

3. Counting a TIFF's pages: the linear walk of its image directories (inspection, within the
   budget) beside Pillow's frame-by-frame seek (how pages were counted before), on TIFFs of
   100 to `--frames` one-pixel frames, timed alternately: the walk's cost grows with the
   frames, Pillow's faster than that (6,000 frames held every client 13.6 s).

Each figure is the median of `--repeat` runs. Ratios are what compare across machines.

    .venv/bin/python benchmarks/bench_documents.py [--megabytes 20] [--pages 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import base64
import io
import os
from urllib.parse import urlencode

from starlette.testclient import TestClient
from timing import machine, median_seconds, paired_medians

from faxage_sim.core.clock import ClockMode
from faxage_sim.documents.formats import MAX_JOB_PAGES, inspect_document, tiff_frame_sizes
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.wire.forms import decode_base64_tolerant, parse_post

LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
MB = 1024 * 1024


def big_pdf(megabytes: float, pages: int = 40) -> bytes:
    """A valid PDF of about `megabytes`: `pages` pages, each showing one incompressible image."""
    per_page = int(megabytes * MB / pages)
    side = int(per_page ** 0.5)
    rng = os.urandom  # random bytes do not compress: the size is what it says
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for _ in range(pages):
        image_id = len(objects) + 1
        content_id = image_id + 1
        page_id = image_id + 2
        objects.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                       b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n"
                       % (side, side, side * side) + rng(side * side) + b"\nendstream")
        draw = b"q 540 0 0 540 36 126 cm /Im0 Do Q"
        objects.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
                       b"<< /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                       % (image_id, content_id))
        kids.append(f"{page_id} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
              "%%EOF\n".encode())
    return out.getvalue()


def tiff_of_frames(count: int) -> bytes:
    """A TIFF of `count` one-pixel bilevel frames, written directly (Pillow's writer is
    quadratic in the frames)."""
    import struct

    tags = [(256, 4, 1), (257, 4, 1), (258, 3, 1), (259, 3, 1), (262, 3, 0), (273, 4, 8),
            (277, 3, 1), (278, 4, 1), (279, 4, 1)]
    size = 2 + 12 * len(tags) + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", 9) + b"\x00")
    for index in range(count):
        out += struct.pack("<H", len(tags))
        for tag, kind, value in tags:
            out += struct.pack("<HHI", tag, kind, 1) + (
                struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value))
        out += struct.pack("<I", 9 + (index + 1) * size if index + 1 < count else 0)
    return bytes(out)


def pillow_pages(data: bytes) -> int:
    """How pages were counted before: Pillow's frame count, then every frame sought."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        frames = int(getattr(image, "n_frames", 1))
        for index in range(frames):
            image.seek(index)
            image.load()
    return frames


def tiff_counting(most: int, repeat: int) -> None:
    print(f"\ncounting a TIFF's pages, median of {repeat} (alternating)")
    print(f"  {'frames':>7}  {'directory walk':>15}  {'Pillow seek':>12}  {'ratio':>7}")
    for frames in sorted({100, 500, 1000, most}):
        data = tiff_of_frames(frames)
        walk, seek = paired_medians(
            lambda d=data, n=frames: tiff_frame_sizes(d, n),  # type: ignore[misc]
            lambda d=data: pillow_pages(d), repeat)  # type: ignore[misc]
        print(f"  {frames:>7,}  {walk * 1000:>12.2f} ms  {seek * 1000:>9.1f} ms  "
              f"{seek / walk:>6.0f}x")
    hostile = tiff_of_frames(6_000)
    check = median_seconds(lambda: inspect_document("tif", hostile), repeat)
    print(f"  inspecting 6,000 frames (over the {MAX_JOB_PAGES}-page budget): "
          f"{check * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=20.0)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frames", type=int, default=2_000)
    parser.add_argument("--only-tiff", action="store_true", help="part 3 alone")
    args = parser.parse_args()
    print(machine())
    tiff_counting(args.frames, args.repeat)
    if args.only_tiff:
        return

    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        pdf = big_pdf(args.megabytes)
        encoded = base64.b64encode(pdf).decode()
        body = urlencode({**LOGIN, "operation": "sendfax", "faxno": "3039911234",
                          "recipname": "Bench", "faxfilenames[0]": "big.pdf",
                          "faxfiledata[0]": encoded}).encode()
        headers = {"content-type": "application/x-www-form-urlencoded"}

        def sendfax() -> None:
            answer = client.post("/httpsfax.php", content=body, headers=headers).text
            assert answer.startswith("JOBID: "), answer

        size_mb = len(pdf) / MB
        send = median_seconds(sendfax, args.repeat)
        decode = median_seconds(lambda: base64.b64decode(encoded), args.repeat)
        print(f"\nsendfax of a {size_mb:.1f} MB PDF (40 pages), median of {args.repeat}")
        print(f"  sendfax (whole request)      {send * 1000 / size_mb:8.1f} ms/MB "
              f"({send * 1000:.0f} ms)")
        print(f"  base64 decode, same bytes    {decode * 1000 / size_mb:8.1f} ms/MB "
              f"({decode * 1000:.0f} ms)")
        print(f"  ratio                        {send / decode:8.1f}x")
        parse = median_seconds(
            lambda: parse_post("application/x-www-form-urlencoded", body), args.repeat)
        tolerant = median_seconds(lambda: decode_base64_tolerant(encoded), args.repeat)
        count = median_seconds(lambda: inspect_document("pdf", pdf), args.repeat)
        print("  where it goes: form parsing (PHP $_POST) "
              f"{parse * 1000 / size_mb:.1f} ms/MB, tolerant base64 "
              f"{tolerant * 1000 / size_mb:.1f} ms/MB, page count (pypdf) "
              f"{count * 1000 / size_mb:.1f} ms/MB")

        lines = "".join(f"{n:5d} line of a long text job, to fill fifty fax pages\n"
                        for n in range(args.pages * 60))
        answer = client.post("/httpsfax.php", data={
            **LOGIN, "operation": "sendfax", "faxno": "3039911234", "recipname": "Bench",
            "faxfilenames[0]": "long.txt",
            "faxfiledata[0]": base64.b64encode(lines.encode()).decode()}).text
        jobid = answer.removeprefix("JOBID: ")
        client.post("/_sim/clock/advance", json={"seconds": 600})
        for viewtype in ("tiff", "pdf"):
            fields = {**LOGIN, "operation": "dlstatus", "jobid": jobid, "viewtype": viewtype}
            data = client.post("/httpsfax.php", data=fields).content
            out_mb = len(data) / MB
            assert data[:4] in (b"II*\x00", b"%PDF"), data[:100]
            took = median_seconds(lambda f=fields: client.post("/httpsfax.php", data=f),  # type: ignore[misc]
                                  args.repeat)
            as_b64 = base64.b64encode(data)
            decode = median_seconds(lambda b=as_b64: base64.b64decode(b),  # type: ignore[misc]
                                    args.repeat)
            print(f"\ndlstatus of a {args.pages}-page job as {viewtype.upper()} "
                  f"({len(data) / 1024:.0f} KB), median of {args.repeat}")
            print(f"  dlstatus (whole request)     {took * 1000 / out_mb:8.1f} ms/MB "
                  f"({took * 1000:.0f} ms, {took * 1000 / args.pages:.1f} ms/page)")
            print(f"  base64 decode, same bytes    {decode * 1000 / out_mb:8.1f} ms/MB "
                  f"({decode * 1000:.2f} ms)")
            print(f"  ratio                        {took / decode:8.0f}x")


if __name__ == "__main__":
    main()
