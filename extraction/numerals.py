"""Chinese numerals as printed in headings: 第六十五章, 第十一篇, 附件2, 第二〇二〇年."""

from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}

NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS) + "0123456789"


def parse_numeral(text: str) -> int:
    """Value of a Chinese or Arabic numeral; ``ValueError`` if it is not one.

    Handles positional forms (六十五, 一百零三, 十一) and digit strings (二〇二〇, 2020).
    """
    s = text.strip()
    if not s:
        raise ValueError("empty numeral")
    if s.isdigit():
        return int(s)
    if all(ch in _DIGITS for ch in s) and len(s) > 1:
        return int("".join(str(_DIGITS[ch]) for ch in s))
    total, digit = 0, None
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            raise ValueError(f"not a numeral: {text!r}")
    return total + (digit or 0)
