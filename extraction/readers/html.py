"""Web pages (.html/.htm) through lxml: the declared encoding, the article found, the portal's chrome dropped.

1. Decoding: a byte-order mark, else the encoding the page declares (``<meta charset>``,
   ``http-equiv`` Content-Type, an XML declaration), else UTF-8, else GB18030. GB2312 and
   GBK are decoded as GB18030, their superset, as browsers do (pages declared GB2312 use
   GBK characters).
2. Chrome: scripts, styles, forms' controls, ``nav``/``aside``/``header``/``footer``, hidden
   elements, elements whose class or id names chrome (``ontology/web/chrome-names.txt``)
   and short blocks that start like chrome (``ontology/web/chrome-phrases.txt``: 当前位置, 分享到, …).
3. The article: from ``<body>``, descend into the child holding most of the text that is not
   link text, as long as it holds at least 80% of it (content density; navigation and link
   lists are link text). The page's ``<h1>`` is kept when the article does not repeat it.
4. Blocks: every block element and ``<br>`` ends a line; ``<table>`` cells are placed with
   their ``rowspan``/``colspan`` (see :mod:`.blocks`).
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from ..errors import PlanError
from . import Extracted
from .blocks import LONG_CELL, Para, place, render

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "hz-gb-2312": "hz",
             "us-ascii": "utf-8", "ascii": "utf-8", "iso-8859-1": "cp1252", "latin-1": "cp1252"}

_DROPPED_TAGS = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
                 "button", "select", "textarea", "input", "nav", "aside", "header", "footer", "head", "title"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "blockquote", "center", "ul", "ol", "li", "dl", "dt",
               "dd", "pre", "address", "figure", "figcaption", "hr", "form", "fieldset", "body", "details",
               "summary", "tr", "td", "th", "caption", "tbody", "thead", "tfoot", "h1", "h2", "h3", "h4", "h5", "h6"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_WORD_SPLIT = re.compile(r"[-_.\s]+|(?<=[a-z])(?=[A-Z])")
_CHROME_SHORT = 200  # characters: a chrome phrase only marks a block shorter than this
_DESCEND = 0.8  # share of the text a child must hold to be the article rather than its container


def read(data: bytes, name: str) -> Extracted:
    from lxml import etree, html

    text, encoding, notes = _decode(data, name)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    try:
        root = html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise PlanError(f"{name}: not a readable web page ({' '.join(str(exc).split())[:120]})") from None
    body = root.find("body")
    if body is None:
        raise PlanError(f"{name}: a web page without a body")
    _drop_chrome(body)
    article = _article(body)
    title = _page_title(body, article)
    blocks = _Blocks().read(article)
    if title is not None and title not in _squash("".join(b.text for b in blocks[:20] if isinstance(b, Para))):
        blocks.insert(0, Para(title, 1))
    return render(blocks, "html", encoding=encoding, notes=notes)


# --- encoding ---------------------------------------------------------------------------

def _decode(data: bytes, name: str) -> tuple[str, str, list[str]]:
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _strict(data, enc, name), enc, []
    head = data[:4096]
    m = _XML_DECL.match(head) or _META_CHARSET.search(head)
    declared = m.group(1).decode("ascii").lower() if m else None
    notes = []
    tries = ["utf-8", "gb18030"]
    if declared:
        label = _SUPERSET.get(declared, declared)
        try:
            label = codecs.lookup(label).name
            tries.insert(0, label)
            if label != declared:
                notes.append(f"declared {declared}, decoded as {label} (its superset)")
        except LookupError:
            notes.append(f"declared an unknown encoding {declared!r}; guessed")
    for enc in dict.fromkeys(tries):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if declared and enc != tries[0]:
            notes.append(f"declared {declared} but is not; decoded as {enc}")
        return text, enc, notes
    raise PlanError(f"{name}: undecodable web page (not {', '.join(dict.fromkeys(tries))})")


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise PlanError(f"{name}: undecodable web page: invalid {encoding} at byte {exc.start}") from None


# --- chrome and article -----------------------------------------------------------------

@lru_cache(maxsize=None)
def _word_list(name: str) -> frozenset[str]:
    from ..lexicon import ontology_file

    with open(ontology_file(f"web/{name}"), encoding="utf-8") as fh:
        return frozenset(s for line in fh if (s := line.strip()) and not s.startswith("#"))


def _squash(text: str | None) -> str:
    return re.sub(r"[\s\xa0\u3000]+", "", text or "")


def _is_chrome(el) -> bool:
    if el.tag in _DROPPED_TAGS:
        return True
    if re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", el.get("style") or "") or el.get("hidden") is not None:
        return True
    words = {w.lower() for attr in ("class", "id") for w in _WORD_SPLIT.split(el.get(attr) or "") if w}
    if words & _word_list("chrome-names.txt"):
        return True
    if el.tag in _BLOCK_TAGS or el.tag in ("span", "a"):
        text = _squash(el.text_content())
        return len(text) < _CHROME_SHORT and any(text.startswith(p) for p in _word_list("chrome-phrases.txt"))
    return False


def _drop_chrome(body) -> None:
    total = len(_squash(body.text_content()))
    doomed: dict = {}  # element -> None, in document order
    for el in body.iter():
        if any(a in doomed for a in el.iterancestors()):
            continue
        if not isinstance(el.tag, str):
            doomed[el] = None  # comments, processing instructions
        elif _is_chrome(el) and (el.tag in _DROPPED_TAGS or len(_squash(el.text_content())) < 0.3 * total):
            doomed[el] = None  # (a chrome-named wrapper around most of the page is a naming accident)
    for el in doomed:
        el.drop_tree()


def _own_text(el, sizes: dict) -> int:
    """Characters of text below ``el`` that are not link text; records every element's count."""
    n = 0 if el.tag == "a" else len(_squash(el.text))
    for child in el:
        if isinstance(child.tag, str) and child.tag != "a":
            n += _own_text(child, sizes)
        n += len(_squash(child.tail))
    sizes[el] = n
    return n


def _article(body):
    sizes: dict = {}
    _own_text(body, sizes)
    node = body
    while True:
        children = [c for c in node if isinstance(c.tag, str) and c.tag != "a"]
        best = max(children, key=lambda c: sizes.get(c, 0), default=None)
        if best is None or sizes[best] == 0 or sizes[best] < _DESCEND * sizes[node]:
            return node
        if best.tag == "table" and not _layout_table(best):
            return node  # a data table is part of the article, never its container
        node = best


def _own_rows(table) -> list:
    return [tr for child in table for tr in ([child] if child.tag == "tr" else
                                              child if child.tag in ("thead", "tbody", "tfoot") else [])
            if tr.tag == "tr"]


def _layout_table(table) -> bool:
    """A table that lays out the page (as :mod:`.blocks` decides): one row or column, nesting, long cells."""
    rows = _own_rows(table)
    cells = [td for tr in rows for td in tr if td.tag in ("td", "th")]
    return (len(rows) <= 1 or max(len(tr) for tr in rows) <= 1 or table.find(".//table") is not None
            or any(len(_squash(td.text_content())) > LONG_CELL for td in cells))


def _page_title(body, article) -> str | None:
    """The page's first ``<h1>`` outside the article: the article's title, printed above it."""
    h1 = next((h for h in body.iter("h1") if article not in h.iterancestors() and h is not article), None)
    text = _squash(h1.text_content()) if h1 is not None else ""
    return text if 4 <= len(text) <= 80 else None


# --- blocks -----------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r\f]+")


def _collapse(text: str) -> str:
    """HTML white space: a run becomes one space, or nothing at a line break between Chinese characters."""
    def one(m):
        s, a, b = m.group(0), text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        return "" if "\n" in s and a >= "\u2e80" and b >= "\u2e80" else " "
    return _WS.sub(one, text)


class _Blocks:
    def __init__(self):
        self.out: list = []
        self.buf: list[str] = []
        self.level: int | None = None

    def read(self, el) -> list:
        self.walk(el)
        self.flush()
        return self.out

    def flush(self) -> None:
        text = _collapse("".join(self.buf)).strip(" \xa0\u3000")
        self.buf.clear()
        if text:
            self.out.append(Para(text, self.level))

    def add(self, text: str | None) -> None:
        if text:
            self.buf.append(text)

    def walk(self, el) -> None:
        tag = el.tag
        if tag == "br":
            self.flush()
            return
        if tag == "table":
            self.flush()
            self.out.extend(_table(el))
            return
        block = tag in _BLOCK_TAGS
        if block:
            self.flush()
        outer = self.level
        if tag in _HEADINGS:
            self.level = _HEADINGS[tag]
        self.add(el.text)
        for child in el:
            if isinstance(child.tag, str):
                self.walk(child)
            self.add(child.tail)
        if block:
            self.flush()
        self.level = outer


def _span(el, attr: str, default: int, top: int) -> int:
    m = re.match(r"\s*(\d+)", el.get(attr) or "")
    return min(int(m.group(1)), top) if m else default


def _table(el) -> list:
    """A table's caption (as a paragraph) and its cells placed with their spans."""
    out = [b for child in el if child.tag == "caption" for b in _Blocks().read(child)]
    rows = _own_rows(el)
    cells = [[(_Blocks().read(td), _span(td, "rowspan", 1, 65534), max(1, _span(td, "colspan", 1, 1000)))
              for td in tr if td.tag in ("td", "th")] for tr in rows]
    out.append(place(cells))
    return out
