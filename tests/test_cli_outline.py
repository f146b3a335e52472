"""``plankg outline`` through the real command, including every bad-input case."""

import json

import pytest

from support import run_cli


def test_tree_on_the_bundled_sample():
    res = run_cli("outline")
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode()
    assert out.splitlines()[0].startswith("塔城地区国民经济和社会发展第十三个五年规划纲要")
    assert "11 篇 parts · 59 章 chapters · 28 节 sections · 19 专栏 boxes" in out
    assert "├── 第五篇 突出协调发展 加快五化建设" in out
    assert "专栏4 (heading lost in conversion)" in out
    assert "└── 附件2 地区战略性工程" in out


def test_json_form(tmp_path):
    res = run_cli("outline", "--json")
    assert res.returncode == 0
    data = json.loads(res.stdout)
    assert data["counts"]["parts"] == 11 and data["source"]["encoding"] == "utf-8"


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\x00\x01\x02\x03binary\x00junk" * 40, "binary file"),
    ("第一章 总则 ÉÈ".encode("latin-1", "replace") + b"\xe9\xe8\xff", "undecodable text"),
    ("这是一段没有任何章节结构的普通文字。".encode("utf-8"), "no recognisable plan structure"),
])
def test_bad_input_gives_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "plan.txt"
    path.write_bytes(content)
    res = run_cli("outline", str(path))
    err = res.stderr.decode()
    assert res.returncode == 2
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1 and res.stdout == b""


def test_missing_file_and_directory(tmp_path):
    for target, message in ((tmp_path / "nope.txt", "no such file"), (tmp_path, "is a directory")):
        res = run_cli("outline", str(target))
        assert res.returncode == 2 and message in res.stderr.decode()
