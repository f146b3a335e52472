"""Format readers: each turns one kind of published document into the same ``SourceText``.

A reader takes the file's bytes and returns a :class:`Extracted`: the document's text in
reading order (its "original" for provenance), the pages it came from, and the tables it
holds as grids of cells. Tables are also rendered into the text in the tab-per-line layout
(one cell per tab-indented line, rows separated by blank lines) so the outline sees them
where they stand; ``SourceText.grids`` keeps their real cell structure (rows, columns,
spans), which the indicator-table reader prefers to re-splitting lines.

The format is chosen in one place, :func:`sniff`, from the content (magic bytes) and only
then from the file name. Plain text and Markdown go through :mod:`.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PlanError


@dataclass(frozen=True)
class Page:
    """A page of a paginated source: its 1-based number and its span in the extracted text."""

    number: int
    start: int  # offsets into Extracted.text (the SourceText's ``original``)
    end: int


@dataclass
class GridCell:
    """One cell of a table as the document defines it (merged cells keep their spans)."""

    text: str
    row: int  # 0-based position of its top-left corner
    col: int
    rowspan: int = 1
    colspan: int = 1
    start: int = 0  # its span in Extracted.text (the rendered cell line)
    end: int = 0
    bbox: tuple[float, float, float, float] | None = None  # PDF: (x0, top, x1, bottom) in points
    page: int | None = None


@dataclass
class Grid:
    """A table read from the document's own cell structure."""

    start: int  # span of the rendered table in Extracted.text
    end: int
    cells: list[GridCell] = field(default_factory=list)
    source: str = ""  # how it was found: "docx", "html", "pdf-ruled", "pdf-aligned", "text"


@dataclass
class Extracted:
    """What a format reader gives back."""

    text: str
    format: str  # "text", "pdf", "docx", "html"
    encoding: str = "utf-8"
    pages: list[Page] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader did that a user may want to know
    soft_breaks: list[int] = field(default_factory=list)  # line breaks the page geometry shows to be wraps


FORMATS = ("pdf", "docx", "html", "text")


def sniff(data: bytes, name: str = "") -> str:
    """The format of a document, from its content first and its name second."""
    head = data[:2048]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] or name.lower().endswith(".docx") else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # OLE2: a legacy Word (or Excel) file, or an encrypted .docx, which Office stores in one.
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "doc"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark: look at it as text
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if probe.startswith((b"<!doctype html", b"<html")) or b"<html" in head.lower() or b"<body" in head.lower():
        return "html"
    suffix = Path(name).suffix.lower()
    if suffix in (".htm", ".html", ".xhtml") and probe.startswith(b"<"):
        return "html"
    return "text"
