"""Read a plan file safely: detect its encoding, normalise conversion debris, keep offsets.

Everything downstream works on ``SourceText.text`` (the normalised text). Spans are kept
in normalised offsets and turned into offsets of the original decoded text only when they
leave the program (JSON, RDF), through :meth:`SourceText.locate`.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PlanError

# Punctuation next to which OCR leaves stray ASCII spaces (" , " "年 , ").
_PUNCT = set("，。、；：,;:！？（）()“”\"《》∶")
# Characters that may sit inside a number printed with stray spaces: "2 0 0 1", "0.6 %".
_NUMBER_TAIL = set("0123456789.%‰")


@dataclass(frozen=True)
class SourceText:
    """A decoded plan text with its normalised form and the offset map between them."""

    original: str
    text: str
    encoding: str
    sha256: str
    path: str | None = None
    format: str = "text"  # the reader that produced ``original``: text, pdf, docx, html
    pages: tuple = ()  # readers.Page, for paginated sources (offsets into ``original``)
    grids: tuple = ()  # readers.Grid, tables read from the document's own cells (offsets into ``original``)
    notes: tuple = ()  # what the reader did that a user may want to know (readers.Extracted.notes)
    # For each normalised character, where its source starts and ends in ``original``.
    _starts: array = field(repr=False, default_factory=lambda: array("l"))
    _ends: array = field(repr=False, default_factory=lambda: array("l"))
    _line_starts: list[int] = field(repr=False, default_factory=list)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span [start, end) to the original text."""
        if start >= end:
            pos = self._starts[start] if start < len(self._starts) else len(self.original)
            return pos, pos
        return self._starts[start], self._ends[end - 1]

    def from_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span [start, end) of the original text to normalised offsets (reader grids' cells)."""
        return bisect.bisect_left(self._starts, start), bisect.bisect_left(self._starts, end)

    def line_of(self, original_offset: int) -> int:
        """1-based line number of an offset in the original text."""
        return bisect.bisect_right(self._line_starts, original_offset)

    def locate(self, start: int, end: int) -> dict:
        """Provenance of a normalised span: original offsets, lines and quoted text."""
        o_start, o_end = self.to_original(start, end)
        where = {
            "start": o_start,
            "end": o_end,
            "line": self.line_of(o_start),
            "end_line": self.line_of(max(o_start, o_end - 1)),
            "text": self.original[o_start:o_end],
        }
        if self.pages:
            where["page"] = self.page_of(o_start)
            cell = self.cell_at(o_start, o_end)
            if cell is not None and cell.bbox is not None:
                where["bbox"] = list(cell.bbox)  # (x0, top, x1, bottom) in points on its page
        return where

    def cell_at(self, o_start: int, o_end: int):
        """The table cell (a readers.GridCell) whose rendered text holds an original span, if any."""
        for grid in self.grids:
            if grid.start <= o_start < grid.end:
                return next((c for c in grid.cells if c.start <= o_start and o_end <= c.end), None)
        return None

    def page_of(self, original_offset: int) -> int | None:
        """The number of the page an offset in the original text lies on (paginated sources)."""
        k = bisect.bisect_right([p.start for p in self.pages], original_offset) - 1
        return self.pages[max(k, 0)].number if self.pages else None


def read_plan(path: str | Path) -> SourceText:
    """Read a plan file; raise :class:`PlanError` with a one-line reason if it cannot be read."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise PlanError(f"{p}: is a directory, not a plan text") from None
    except FileNotFoundError:
        raise PlanError(f"{p}: no such file") from None
    except OSError as exc:
        raise PlanError(f"{p}: cannot read ({exc.strerror})") from None
    return read_bytes(data, str(p))


def read_bytes(data: bytes, name: str = "<bytes>") -> SourceText:
    """Read a document of any supported format; the format is sniffed from the content."""
    from .readers import sniff

    fmt = sniff(data, name)
    if fmt == "text":
        return decode_plan(data, name)
    if fmt == "doc":
        raise PlanError(f"{name}: legacy Word .doc file; convert it first "
                        "(libreoffice --headless --convert-to docx FILE) and read the .docx")
    if fmt == "encrypted":
        raise PlanError(f"{name}: an encrypted (password-protected) Office document; save it without a password")
    if fmt == "zip":
        raise PlanError(f"{name}: a ZIP archive that is not a Word .docx document")
    import importlib

    reader = importlib.import_module(f".readers.{fmt}", __package__)
    extracted = reader.read(data, name)
    return from_extracted(extracted, data, name)


def from_extracted(extracted, data: bytes, name: str) -> SourceText:
    """A SourceText over a reader's extracted text, keeping its pages and grids."""
    text = extracted.text
    if not text.strip():
        raise PlanError(f"{name}: no text in the document")
    normalised, starts, ends = prepare(text, frozenset(extracted.soft_breaks))
    return SourceText(
        original=text,
        text=normalised,
        encoding=extracted.encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        path=name,
        format=extracted.format,
        pages=tuple(extracted.pages),
        grids=tuple(extracted.grids),
        notes=tuple(extracted.notes),
        _starts=starts,
        _ends=ends,
        _line_starts=[0] + [m.end() for m in re.finditer("\n", text)],
    )


def decode_plan(data: bytes, name: str = "<bytes>") -> SourceText:
    """Decode plan bytes and normalise them (see module docstring)."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise PlanError(f"{name}: empty file")
    text, encoding = _decode(data, name)
    if not text.strip():
        raise PlanError(f"{name}: empty file")
    normalised, starts, ends = prepare(text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return SourceText(
        original=text,
        text=normalised,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        path=name,
        _starts=starts,
        _ends=ends,
        _line_starts=line_starts,
    )


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", name), "utf-8-sig"
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return _checked_text(_strict(data[2:], enc, name), name), enc
    if b"\x00" in data:
        raise PlanError(f"{name}: binary file (contains NUL bytes), not a plan text")
    try:
        return _checked_text(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise PlanError(f"{name}: undecodable text (neither UTF-8, UTF-16 with BOM nor GB18030)") from None
    # GB18030 maps almost any byte sequence to *something*; accept it only if the
    # result reads as Chinese text rather than as mojibake from some other encoding.
    if not _looks_like_chinese(text):
        raise PlanError(f"{name}: undecodable text (neither UTF-8, UTF-16 with BOM nor GB18030)")
    encoding = "gbk" if _encodes(text, "gbk") else "gb18030"
    return _checked_text(text, name), encoding


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise PlanError(f"{name}: undecodable text: invalid {encoding} at byte {exc.start}") from None


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


# Control characters (Unicode category Cc: U+0000-001F, U+007F-009F) but tab, line feed, VT, FF, CR.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _checked_text(text: str, name: str) -> str:
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) // 1000):
        raise PlanError(f"{name}: binary file ({controls} control characters), not a plan text")
    return text


def _looks_like_chinese(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return True
    cjk = sum(1 for ch in non_ascii if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")
    return cjk / len(non_ascii) > 0.9


def _fold(ch: str) -> str:
    """Fold one character: full-width ASCII letters, digits and number signs to ASCII (NFKC).

    Chinese punctuation (，：（）) is kept as printed: it is meaningful to the parsers,
    and NFKC would turn it into ASCII punctuation.
    """
    if "\uff01" <= ch <= "\uff5e":
        folded = unicodedata.normalize("NFKC", ch)
        if folded.isalnum() or folded in "%.+-/":
            return folded
    return ch


def prepare(text: str, soft_breaks: frozenset[int] = frozenset()) -> tuple[str, array, array]:
    """The text the readers work on: characters normalised, then the page layout undone.

    ``soft_breaks`` are offsets in ``text`` of line breaks a reader knows to be wraps.
    """
    from .layout import normalise_layout

    normalised, starts, ends = normalise(text)
    return normalise_layout(text, normalised, starts, ends, soft_breaks)


# Characters normalise() keeps as they are: not a CR, a space or a full-width form that _fold may fold.
_PLAIN = re.compile(r"[^\r \uff01-\uff5e]+")


def normalise(text: str) -> tuple[str, array, array]:
    """Normalise line ends, full-width alphanumerics and stray spaces in numbers.

    Returns the normalised text and, per normalised character, the start and end
    offsets of its source in ``text``.
    """
    out: list[str] = []
    starts = array("l")
    ends = array("l")
    n = len(text)
    i = 0
    while i < n:
        if plain := _PLAIN.match(text, i):  # most of a plan: characters kept as they are, in one step
            j = plain.end()
            out.append(text[i:j])
            starts.extend(range(i, j))
            ends.extend(range(i + 1, j + 1))
            i = j
            continue
        ch = text[i]
        if ch == "\r":
            end = i + 2 if i + 1 < n and text[i + 1] == "\n" else i + 1
            out.append("\n")
            starts.append(i)
            ends.append(end)
            i = end
            continue
        if ch == " " and out:
            j = i
            while j < n and text[j] == " ":
                j += 1
            nxt = _fold(text[j]) if j < n else ""
            prev = out[-1][-1]
            # "2 0 0 1年", "91 %": drop a space between a digit and more of the number. Not a
            # wider gap: "285.5   750" are two numbers in columns (pdftotext -layout).
            if j - i == 1 and (prev.isdigit() and nxt in _NUMBER_TAIL or prev == "." and nxt.isdigit()):
                i = j
                continue
            # " , ": drop spaces hugging punctuation (but not indentation at a line start).
            if prev != "\n" and (prev in _PUNCT or nxt in _PUNCT):
                i = j
                continue
        out.append(_fold(ch))
        starts.append(i)
        ends.append(i + 1)
        i += 1
    return "".join(out), starts, ends
