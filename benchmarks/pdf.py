"""Reading a PDF plan against the floor of opening it and extracting its characters, in the same run.

    .venv/bin/python benchmarks/pdf.py [FILE.pdf ...]   # default: ../shared/plans/yunnan-10th.pdf

The floor is what any reader built on the same library must do: open the document with
PDFium and take every character with its box. plankg's reader adds line building, tables,
page furniture and wraps (``read``), then the layout stage and the offset map (``read_plan``).
For comparison, pdfplumber's own character extraction (pdfminer) is timed on the same file.
Medians of five runs; the ratio is to the floor measured just before.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from common import median_time

from plankg.extraction import read_plan
from plankg.extraction.readers import pdf as pdf_reader

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "plans" / "yunnan-10th.pdf"


def floor(data: bytes) -> int:
    """Open the PDF and take every character and its box: the least a reader does."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    count = 0
    for i in range(len(pdf)):
        textpage = pdf[i].get_textpage()
        for k in range(textpage.count_chars()):
            textpage.get_charbox(k, loose=True)
            count += 1
        textpage.close()
    pdf.close()
    return count


def pdfminer_chars(data: bytes) -> int:
    """pdfplumber's characters (pdfminer), on a copy PDFium rewrote: pdfminer refuses some files as published."""
    import pdfplumber
    import pypdfium2 as pdfium

    buf = io.BytesIO()
    pdfium.PdfDocument(data).save(buf)
    with pdfplumber.open(io.BytesIO(buf.getvalue())) as pdf:
        return sum(len(page.chars) for page in pdf.pages)


def bench(path: Path) -> None:
    data = path.read_bytes()
    name = path.name
    base = median_time(lambda: floor(data), 5)
    rows = [
        ("floor: PDFium open + every character with its box", base),
        ("plankg PDF reader (lines, tables, pages, wraps)", median_time(lambda: pdf_reader.read(data, name), 5)),
        ("plankg read_plan (reader + layout stage + offset map)", median_time(lambda: read_plan(path), 5)),
        ("pdfplumber characters (pdfminer), for comparison", median_time(lambda: pdfminer_chars(data), repeat=1)),
    ]
    print(f"\n{name}: {len(data) // 1024} KiB")
    for what, t in rows:
        print(f"  {what:58} {t * 1000:9.1f} ms  {t / base:6.2f}×")


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or [DEFAULT]
    for path in paths:
        if not path.exists():
            sys.exit(f"{path}: no such file")
        bench(path)


if __name__ == "__main__":
    main(sys.argv[1:])
