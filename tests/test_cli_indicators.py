"""``plankg indicators`` through the real command."""

import csv
import io
import json

from support import run_cli, shared_plan


def test_json_has_the_documented_fields():
    res = run_cli("indicators", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["schema"] == "plankg-indicators/1"
    assert len(data["indicators"]) == 15 + 38
    gdp = next(i for i in data["indicators"] if i["id"].startswith("part-2") and i["name"] == "全区生产总值")
    for key in ("name", "parent", "category", "unit", "attribute", "baseline", "target", "growth", "table",
                "source", "mentions"):
        assert key in gdp
    assert gdp["target"] == {"text": "770", "value": "770", "upper": None, "year": 2020, "qualifier": "exact",
                             "cumulative": False, "unit": None}
    assert gdp["source"]["line"] == 278 and gdp["multiplier"] == 100000000
    assert {m["quantity"]["text"] for m in gdp["mentions"]} >= {"9%左右", "770亿元"}
    mention = gdp["mentions"][0]
    assert mention["sentence"]["text"].startswith("“十三五”期间，全区生产总值年均增长9%左右")


def test_csv_one_row_per_indicator():
    res = run_cli("indicators", "--csv")
    rows = list(csv.DictReader(io.StringIO(res.stdout.decode())))
    assert len(rows) == 53
    forest = [r for r in rows if r["name"] == "森林覆盖率"]
    assert [(r["baseline_text"], r["target_text"], r["attribute"]) for r in forest] == [
        ("6.42", "7.9", "binding"), ("12.68", "13", "binding")]


def test_text_view():
    out = run_cli("indicators").stdout.decode()
    assert "“十三五”期间经济社会发展的主要指标" in out
    assert "经济总量和经济增长 （9项）" in out
    assert "城镇化率：户籍人口城镇化率 [%] (预期性)" in out


def test_plan_without_tables():
    res = run_cli("indicators", str(shared_plan("yunnan-10th.txt")))
    assert res.returncode == 0
    assert "no indicator table found" in res.stdout.decode()


def test_bad_input(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    res = run_cli("indicators", str(path))
    assert res.returncode == 2 and b"empty file" in res.stderr
