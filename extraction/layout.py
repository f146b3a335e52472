"""Layout normalisation: undo what page layout did to a plan's text, keeping the offset map.

Converters from PDF (``pdftotext``, plain or ``-layout``) and the PDF reader leave the
marks of the printed page in the text: form feeds at page breaks, page numbers, running
headers and footers, paragraphs hard-wrapped at the page width, and indentation that is
typesetting rather than structure. This stage removes them before the outline is read.

Every step is a list of edits (delete or replace a span of the current text); applying an
edit carries the offset map along, so each remaining character still points at its
source in the original text. Each rule is a rule of page layout, not of any plan, and
each is conservative: where the text does not show the pattern (a text with one paragraph
per line, say), nothing is changed.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

_NUMERAL = "零〇一二三四五六七八九十百千两"
_NUM = f"[{_NUMERAL}0-9]{{1,6}}"
# A line that begins a unit of structure: never joined to the line before it, nor is it
# the start of a join onto the next line.
_STRUCTURE = re.compile(
    rf"^[ \t\u3000]*(?:#{{1,6}}|>|\||(?:\*\*)?第{_NUM}(?:篇|章|节|部分)|(?:\*\*)?专[ \u3000]*栏|(?:\*\*)?附[ \u3000]*件"
    r"|(?:\*\*)?(?:目[ \u3000]*录|前[ \u3000]*言|序[ \u3000]*言)[ \u3000]*$)")
_HEADINGS = re.compile(rf"第{_NUM}(?:篇|章|节)")
# A line that begins a list item: "（一）", "一、", "1.", "（3）", "- ", "● ".
_LIST_ITEM = re.compile(
    rf"^[ \u3000]*(?:[（(]{_NUM}[)）]|[{_NUMERAL}]{{1,3}}[、.．]|\d{{1,3}}[、.．](?!\d)|[-*+•●○■□◆▲△★☆]\s?)")
# What may close a sentence: its punctuation, then closing quotes or brackets.
_SENTENCE_END = re.compile(r"[。！？!?；;：:…][”’」』）)》\]\s*]*$")
# A page number on a line of its own: "12", "- 12 -", "— 3 —", "第12页", "第 3 页 共 28 页", "3/28".
_PAGE_NUMBER = re.compile(
    r"^[ \t\u3000]*(?:[-－—–~·•]+[ \u3000]*)?"
    r"(?:第[ \u3000]*)?\d{1,4}(?:[ \u3000]*页)?(?:[ \u3000]*(?:[/／]|共)[ \u3000]*\d{1,4}[ \u3000]*页?)?"
    r"(?:[ \u3000]*[-－—–~·•]+)?[ \t\u3000]*$")
_BARE_NUMBER = re.compile(r"^[ \t\u3000]*\d{1,4}[ \t\u3000]*$")
_INDENT = re.compile(r"^[ \u3000]+")
# East Asian wide and full-width characters (Unicode's East_Asian_Width W and F, in blocks).
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")

# Where lines are wrapped at the page width, most prose lines lie within this fraction of it.
_WRAP_BAND = 0.85
_FULL = 0.8  # a line this close to the wrap width was wrapped (spacing and indentation vary)
_MIN_WRAPPED_LINES = 8
_MIN_WIDTH = 16  # display columns: shorter lines say nothing about a wrap width
_FURNITURE_MAX = 40  # characters: a running header or footer is a short line
_HEAD_LINES = 2  # lines at the top and bottom of a page that may be running headers or footers


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] with ``text`` (empty to delete)."""

    start: int
    end: int
    text: str = ""


@dataclass
class _Line:
    start: int
    end: int  # offset of its newline (or of the end of the text)
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip(" \t\u3000\f")


def apply_edits(text: str, starts: array, ends: array, edits: Iterable[Edit]) -> tuple[str, array, array]:
    """Apply non-overlapping edits, carrying the offset map to the original along.

    A replacement's characters all point at the whole span they replace.
    """
    edits = sorted(edits, key=lambda e: (e.start, e.end))
    if not edits:
        return text, starts, ends
    out: list[str] = []
    new_starts, new_ends = array("l"), array("l")
    pos = 0
    for edit in edits:
        if edit.start < pos:
            continue  # overlaps an earlier edit: the first one wins
        out.append(text[pos:edit.start])
        new_starts.extend(starts[pos:edit.start])
        new_ends.extend(ends[pos:edit.start])
        if edit.text:
            src_start = starts[edit.start] if edit.start < len(starts) else (ends[-1] if ends else 0)
            src_end = ends[edit.end - 1] if edit.end > edit.start else src_start
            out.append(edit.text)
            new_starts.extend([src_start] * len(edit.text))
            new_ends.extend([src_end] * len(edit.text))
        pos = edit.end
    out.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


def normalise_layout(original: str, text: str, starts: array, ends: array,
                     soft_breaks: frozenset[int] = frozenset()) -> tuple[str, array, array]:
    """Run every layout step over ``text`` (``original`` normalised), keeping the offset map.

    ``soft_breaks`` are offsets in the original text of line breaks that a reader knows,
    from the page's geometry, to be wraps inside a paragraph.
    """
    # A form feed inside a line opens a new line: the page's first.
    breaks = [Edit(m.start(), m.end(), "\n\f") for m in re.finditer("(?<=[^\n])\f", text)]
    text, starts, ends = apply_edits(text, starts, ends, breaks)
    text, starts, ends = apply_edits(text, starts, ends, _page_furniture(text))
    known = {m.start() for m in re.finditer("\n", text) if starts[m.start()] in soft_breaks} if soft_breaks else None
    # Wraps first: an indented line is a paragraph opening, which the join must see.
    widths = [_width(original[starts[ln.start]:ends[ln.end - 1]]) if ln.end > ln.start else 0 for ln in _lines(text)]
    text, starts, ends = apply_edits(text, starts, ends, _hard_wraps(text, widths, known))
    return apply_edits(text, starts, ends, _uniform_indentation(text))


def _lines(text: str) -> list[_Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def _delete_line(line: _Line, text: str) -> Edit:
    return Edit(line.start, min(line.end + 1, len(text)))


def _width(s: str) -> int:
    """Display width in columns: a wide (CJK) character takes two."""
    return len(s) + len(_WIDE.findall(s))


# --- page breaks, page numbers, running headers and footers -----------------------------

def _page_furniture(text: str) -> list[Edit]:
    lines = _lines(text)
    pages = _pages(lines)
    doomed = _furniture_at_breaks(lines, pages) if len(pages) > 1 else _furniture_without_breaks(lines)
    # Blank lines around a page break or a removed page number are the page's margins,
    # not paragraph breaks: a paragraph running on over the page must join up again.
    k = 0
    while k < len(lines):
        run = k
        while run < len(lines) and (lines[run].blank or run in doomed):
            run += 1
        at_break = any(i in doomed or "\f" in lines[i].text for i in range(k, run + 1) if i < len(lines))
        if at_break and 0 < k and run < len(lines):
            blanks = [i for i in range(k, run) if lines[i].blank]
            # A table going on over the page keeps one blank line: its rows' separator.
            if blanks and lines[k - 1].text.startswith("\t") and lines[run].text.lstrip("\f").startswith("\t"):
                blanks = blanks[1:]
            doomed |= set(blanks)
        k = run + 1
    edits = [_delete_line(lines[i], text) for i in sorted(doomed)]
    for i, line in enumerate(lines):
        if i in doomed:
            continue
        edits.extend(Edit(line.start + m.start(), line.start + m.start() + 1) for m in re.finditer("\f", line.text))
    return edits


def _pages(lines: list[_Line]) -> list[list[int]]:
    """Line indices of each page, split at form feeds (a form feed opens its page's first line)."""
    pages: list[list[int]] = [[]]
    for i, line in enumerate(lines):
        if "\f" in line.text and (pages[-1] or len(pages) > 1 or i > 0):
            pages.append([])
        pages[-1].append(i)
    return [p for p in pages if p]


def _edge_lines(lines: list[_Line], page: list[int]) -> list[int]:
    body = [i for i in page if not lines[i].blank]
    return body[:_HEAD_LINES] + [i for i in body[-_HEAD_LINES:] if i not in body[:_HEAD_LINES]]


def _furniture_key(text: str) -> str:
    """A header or footer keyed without its digits (page numbers, dates vary) and spaces."""
    return re.sub(r"\d+", "#", re.sub(r"[\s\u3000\f]+", "", text))


def _furniture_at_breaks(lines: list[_Line], pages: list[list[int]]) -> set[int]:
    doomed: set[int] = set()
    edges = [_edge_lines(lines, p) for p in pages]
    keys = Counter()
    for edge in edges:
        keys.update({_furniture_key(lines[i].text) for i in edge})
    # A running header or footer stands at the edge of many pages.
    repeated = {k for k, n in keys.items() if n >= max(2, math.ceil(0.25 * len(pages))) and k.strip("#")}
    repeated = {k for k in repeated if len(k) <= _FURNITURE_MAX}
    bare: dict[int, int] = {}  # line -> its number minus its page's position
    for page_index, edge in enumerate(edges):
        for i in edge:
            t = lines[i].text.replace("\f", "")
            if t.startswith("\t"):
                continue  # a table cell
            if _BARE_NUMBER.match(t):
                bare[i] = int(t) - page_index
            elif _PAGE_NUMBER.match(t) or _furniture_key(t) in repeated:
                doomed.add(i)
    # A bare number is a page number only where the numbers count the pages.
    offsets = Counter(bare.values())
    if offsets and (offset := offsets.most_common(1)[0])[1] >= min(2, len(pages) - 1):
        doomed |= {i for i, o in bare.items() if o == offset[0]}
    # A heading repeated as a running header still opens its part once: keep its first occurrence.
    first_seen: set[str] = set()
    for i in sorted(doomed):
        key = _furniture_key(lines[i].text)
        if _STRUCTURE.match(lines[i].text.replace("\f", "")) and key not in first_seen:
            first_seen.add(key)
            doomed.discard(i)
    return doomed


def _furniture_without_breaks(lines: list[_Line]) -> set[int]:
    """Without form feeds, pages show only by their numbers: "- 12 -", "第12页" lines.

    A bare number is not enough (it may be a table cell); a decorated page number is.
    Lines repeated next to those page numbers are the running headers and footers.
    """
    numbers = [i for i, ln in enumerate(lines)
               if _PAGE_NUMBER.match(ln.text) and not _BARE_NUMBER.match(ln.text) and not ln.text.startswith("\t")]
    if not numbers:
        return set()
    doomed = set(numbers)
    near: list[int] = []
    for i in numbers:
        for step in (-1, 1):
            j, seen = i + step, 0
            while 0 <= j < len(lines) and seen < _HEAD_LINES:
                if not lines[j].blank:
                    near.append(j)
                    seen += 1
                j += step
    keys = Counter(_furniture_key(lines[j].text) for j in set(near))
    repeated = {k for k, n in keys.items() if n >= 2 and k.strip("#") and len(k) <= _FURNITURE_MAX}
    doomed |= {j for j in near if _furniture_key(lines[j].text) in repeated and not _STRUCTURE.match(lines[j].text)}
    return doomed


# --- indentation ---------------------------------------------------------------------

def _uniform_indentation(text: str) -> list[Edit]:
    """Indentation that marks every paragraph (``pdftotext -layout``, "　　" openings) is layout.

    Where most paragraphs open indented, indentation says nothing about structure and is
    removed; where few do (an indented block under a paragraph, a box that lost its 专栏
    heading), it is kept for the outline to read.
    """
    lines = _lines(text)
    openings = [ln for k, ln in enumerate(lines) if _is_prose(ln) and (k == 0 or _opens_paragraph(lines, k))]
    indented = [ln for ln in openings if _INDENT.match(ln.text)]
    if len(openings) < _MIN_WRAPPED_LINES or len(indented) < 0.5 * len(openings):
        return []
    return [Edit(ln.start, ln.start + m.end()) for ln in lines if (m := _INDENT.match(ln.text)) and ln.text.strip()]


def _opens_paragraph(lines: list[_Line], k: int) -> bool:
    """A line opens a paragraph after a blank line, a heading, or a line that ends a sentence."""
    prev = lines[k - 1]
    return prev.blank or bool(_STRUCTURE.match(prev.text)) or bool(_SENTENCE_END.search(prev.text.rstrip()))


def _is_prose(line: _Line) -> bool:
    return not line.blank and not line.text.startswith("\t") and not _STRUCTURE.match(line.text)


# --- hard wraps ------------------------------------------------------------------------

def _hard_wraps(text: str, widths: list[int], known: set[int] | None) -> list[Edit]:
    """Re-join paragraph lines broken at the page width.

    A line is joined to the next when it fills the text's wrap width (or the reader knows
    the break is a wrap), does not end a sentence, and neither line is a heading, a list
    item, a table cell or blank; the next line must not be indented (a paragraph opening).
    Texts whose prose lines do not gather at one width (one paragraph per line) are left alone.
    Widths are those of the lines in the original text, as they stood on the page.
    """
    lines = _lines(text)
    full = _full_width(lines, widths) if known is None else None
    if known is None and full is None:
        return []
    edits = []
    for k in range(len(lines) - 1):
        line, nxt = lines[k], lines[k + 1]
        if known is not None:
            if line.end not in known:
                continue
        elif widths[k] < full:
            continue
        if not _joinable(line, nxt):
            continue
        body = line.text.rstrip(" \u3000")
        tail = line.start + len(body)
        lead = len(nxt.text) - len(nxt.text.lstrip(" \u3000"))
        # Words in Latin script keep a space between them; Chinese characters do not.
        glue = " " if body[-1:].isascii() and body[-1:].isalnum() and nxt.text[lead:lead + 1].isascii() \
            and nxt.text[lead:lead + 1].isalnum() else ""
        edits.append(Edit(tail, nxt.start + lead, glue))
    return edits


def _joinable(line: _Line, nxt: _Line) -> bool:
    if line.blank or line.text.startswith("\t") or not _is_prose(nxt) or _LIST_ITEM.match(nxt.text):
        return False
    # A heading is not joined to what follows, unless it is headings run together (a contents
    # line of OCR) that fill the line and go on.
    if _STRUCTURE.match(line.text) and len(_HEADINGS.findall(line.text)) < 2:
        return False
    if _SENTENCE_END.search(line.text.rstrip()):
        return False
    return not _INDENT.match(nxt.text)


def _full_width(lines: list[_Line], widths: list[int]) -> float | None:
    """The width from which a line counts as filled to the wrap width, if the text is wrapped.

    A hard-wrapped text has many prose lines within a narrow band below one width and
    almost none beyond it; a text with a paragraph per line has lines of every length.
    """
    widths = sorted(w for ln, w in zip(lines, widths) if _is_prose(ln) and w >= _MIN_WIDTH)
    if len(widths) < _MIN_WRAPPED_LINES:
        return None
    best, best_top, low = 0, 0, 0
    for high, w in enumerate(widths):
        while widths[low] < _WRAP_BAND * w:
            low += 1
        if high - low + 1 >= best:
            best, best_top = high - low + 1, w
    longer = sum(1 for w in widths if w > best_top)
    if best < _MIN_WRAPPED_LINES or best < 0.4 * len(widths) or longer > 0.05 * len(widths):
        return None
    return _FULL * best_top
