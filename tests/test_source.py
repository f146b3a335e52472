"""Reading plan bytes: encodings, normalisation and the offset map back to the original."""

import codecs

import pytest

from plankg.extraction import PlanError, decode_plan
from plankg.extraction.source import normalise

TEXT = "第一章 总则\r\n到２０２０年，生产总值达到７７０亿元，增长9 %。\r\n"


@pytest.mark.parametrize("encoding, data_of", [
    ("utf-8", lambda t: t.encode("utf-8")),
    ("utf-8-sig", lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
    ("utf-16-le", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
    ("utf-16-be", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
    ("gbk", lambda t: t.encode("gbk")),
])
def test_detects_encoding_and_decodes_the_same_text(encoding, data_of):
    src = decode_plan(data_of(TEXT))
    assert src.encoding == encoding
    assert src.original == TEXT


def test_gb18030_only_characters_are_reported_as_gb18030():
    text = "第一章 总则\n𠀀字不在GBK里。\n"  # U+20000 exists in GB18030 but not in GBK
    src = decode_plan(text.encode("gb18030"))
    assert src.encoding == "gb18030"
    assert src.original == text


def test_normalises_full_width_digits_line_ends_and_spaced_numbers():
    src = decode_plan(TEXT.encode("utf-8"))
    assert src.text == "第一章 总则\n到2020年，生产总值达到770亿元，增长9%。\n"


def test_ocr_spaced_digits_and_spaces_around_punctuation():
    out, _, _ = normalise("到2 0 0 5年 , 增长8 . 5 %左右 。")
    assert out == "到2005年,增长8.5%左右。"


def test_numbers_in_columns_are_not_run_together():
    out, _, _ = normalise("总值（亿     285.5   750       20以上   494.1    13.8   预期性")
    assert "285.5 750 20以上 494.1 13.8".split() == [w for w in out.split() if w[0].isdigit()]


def test_indentation_and_spaces_between_words_are_kept():
    out, _, _ = normalise("  第六章 加强区域合作  促进协调发展\n\t494.1")
    assert out == "  第六章 加强区域合作  促进协调发展\n\t494.1"


def test_offsets_map_back_to_the_original_text():
    src = decode_plan(TEXT.encode("utf-8"))
    start = src.text.index("770")
    o_start, o_end = src.to_original(start, start + 3)
    assert src.original[o_start:o_end] == "７７０"
    where = src.locate(src.text.index("增长"), src.text.index("。"))
    assert where["text"] == "增长9 %"
    assert where["line"] == 2 and where["end_line"] == 2


def test_line_numbers_count_crlf_once():
    src = decode_plan("a\r\nb\r\n第一章\r\n".encode("utf-8"))
    assert src.locate(src.text.index("第一章"), src.text.index("第一章") + 3)["line"] == 3


@pytest.mark.parametrize("data, problem", [
    (b"", "empty file"),
    (b"  \r\n\n ", "empty file"),
    (codecs.BOM_UTF8, "empty file"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00", "binary file"),
    (bytes(range(1, 32)) * 50, "binary file"),
    ("Ceci n'est pas un plan, été".encode("latin-1"), "undecodable text"),
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "undecodable text"),
])
def test_bad_bytes_raise_one_line_errors(data, problem):
    with pytest.raises(PlanError) as err:
        decode_plan(data, "x.txt")
    assert problem in str(err.value)
    assert "\n" not in str(err.value)
