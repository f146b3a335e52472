"""A store written while `plankg serve` runs: what `plankg load` (another process) or the server's own update
commits is seen by every query worker, every lane, and /audit, without a restart.

The synthetic plan below is written for this test: its goals chapter says 森林覆盖率达到22%, while its
indicator table prints 20 for 2020, so its stored audit report holds exactly one violation (text against
table) on the table's row 森林覆盖率; the corrected text (20%) holds none. The real plan is Yunnan's
tenth plan, whose title line reads 云南省国民经济和社会发展第十个五年计划纲要 (line 3 of its text).
"""

import os
import time

import httpx
import pytest

from support import run_cli, shared_plan, start_server, stop_server

TITLE = "某县国民经济和社会发展第十三个五年规划纲要"
SAMPLE = "654200-fyp13"
TOKEN = "live-token"
HAS_TITLE = f'ASK {{ GRAPH ?g {{ ?p <http://purl.org/dc/terms/title> ?t FILTER(STR(?t) = "{TITLE}") }} }}'


def synthetic_plan(forest_in_text: str) -> str:
    return (f"{TITLE}\n\n第一篇 总体要求\n\n第一章 发展目标\n\n到2020年，全面建成小康社会。\n\n"
            "——经济保持较快增长，做大经济总量。工业增加值年均增长10%，全区生产总值年均增长8%。\n\n"
            f"——改善生态环境质量。森林覆盖率达到{forest_in_text}%。\n\n"
            "\t专栏1 主要指标\n\t指标\n\t2015年\n\t2020年\n\t属性\n\n\t资源环境    （2项）\n\n"
            "\t森林覆盖率（%）\n\t18\n\t20\n\t约束性\n\n\t耕地保有量（万亩）\n\t50\n\t50\n\t约束性\n\n\n"
            "第二篇 重点项目\n\n第一章 积极发展生活性服务业\n\n\t专栏2 重点项目\n"
            "商贸物流项目：城北物流园区、农机交易市场。\n")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    root = tmp_path_factory.mktemp("live")
    env = {**os.environ, "PLANKG_STORE": str(root / "store"), "PLANKG_WRITE_TOKEN": TOKEN}
    assert run_cli("load", env=env).returncode == 0  # the bundled sample
    proc, base = start_server(env, "--query-timeout", "60", "--max-concurrent", "2")
    yield base, env, root
    stop_server(proc)


def get(base: str, path: str, **params) -> dict:
    r = httpx.get(base + path, params=params, timeout=300)
    assert r.status_code == 200, r.text
    return r.json()


def ask(base: str, text: str) -> bool:
    r = httpx.post(base + "/sparql", content=text.encode(), timeout=60,
                   headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def every_worker_asks(base: str, text: str) -> set:
    """The answers of the /sparql lane's workers: several requests at once take every worker of the lane."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        return set(pool.map(lambda _: ask(base, text), range(6)))


def plan_ids(base: str) -> list[str]:
    return [p["id"] for p in get(base, "/plans", limit=100)["items"]]


def load(env: dict, path) -> None:
    res = run_cli("load", str(path), env=env)
    assert res.returncode == 0, res.stderr.decode()[-500:]


def test_a_plan_loaded_by_another_process_appears_everywhere(live):
    base, env, root = live
    assert plan_ids(base) == [SAMPLE]
    before = get(base, "/audit")
    assert before["source"] == "stored" and not any("森林覆盖率：正文写22%" in f.get("message", "")
                                                    for f in before["findings"])
    assert every_worker_asks(base, HAS_TITLE) == {False}

    plan = root / "county.txt"
    plan.write_text(synthetic_plan("22"), encoding="utf-8")
    load(env, plan)

    ids = plan_ids(base)
    assert len(ids) == 2 and SAMPLE in ids
    new = next(i for i in ids if i != SAMPLE)
    titles = {p["id"]: p["title"] for p in get(base, "/queries/plans")["items"]}
    assert titles[new] == TITLE
    goals = [g["title"] for g in get(base, "/goals", plan=new)["items"]]
    assert any(t.startswith("经济保持较快增长") for t in goals) and any(t.startswith("改善生态环境质量") for t in goals)
    assert every_worker_asks(base, HAS_TITLE) == {True}

    after = get(base, "/audit")
    mine = [f for f in after["findings"] if f["entity"].startswith(f"https://w3id.org/plankg/id/{new}/")]
    assert after["source"] == "stored"
    assert [(f["severity"], f["rule"]) for f in mine] == [("violation", "text-vs-table")]
    assert "22%" in mine[0]["message"] and after["summary"]["violation"] == before["summary"]["violation"] + 1

    # Read often enough that every REST worker keeps the plan in memory (graph/plan_memory.py) ...
    def text_of_plan() -> str:
        rows = get(base, "/queries/text", plan=f"https://w3id.org/plankg/id/{new}", limit=1000)["items"]
        return " ".join(r.get("text") or "" for r in rows)

    assert all("森林覆盖率达到22%" in text_of_plan() for _ in range(8))
    # ... then the same plan reloaded, corrected: the changed graph and its new report replace the old
    # ones, in every worker's answers too (the copies made before are dropped).
    plan.write_text(synthetic_plan("20"), encoding="utf-8")
    load(env, plan)
    assert sorted(plan_ids(base)) == sorted(ids)
    for _ in range(8):
        text = text_of_plan()
        assert "森林覆盖率达到20%" in text and "达到22%" not in text
    again = get(base, "/audit")
    assert not [f for f in again["findings"] if f["entity"].startswith(f"https://w3id.org/plankg/id/{new}/")]
    assert again["summary"] == before["summary"]


def test_a_real_plan_loaded_by_another_process_appears(live):
    base, env, _ = live
    path = shared_plan("yunnan-10th.txt")
    known = set(plan_ids(base))
    load(env, path)
    added = [p for p in get(base, "/plans", limit=100)["items"] if p["id"] not in known]
    assert [p["title"] for p in added] == ["云南省国民经济和社会发展第十个五年计划纲要"]
    outline = get(base, f"/plans/{added[0]['id']}/outline", limit=1000)
    assert outline["total"] > 0
    assert get(base, "/audit")["source"] == "stored"  # a report for every plan, the new one's too


def test_the_servers_own_update_is_seen_by_every_lane(live):
    """An update through POST /sparql: the /sparql lane and the REST lane (the plan menu) both see it."""
    base, _, _ = live
    graph, plan = "https://w3id.org/plankg/graph/live-test", "https://w3id.org/plankg/id/live-test"
    update = (f"INSERT DATA {{ GRAPH <{graph}> {{ <{plan}> a <https://w3id.org/plankg/ontology#Plan> ; "
              f"<http://purl.org/dc/terms/identifier> \"live-test\" ; <http://purl.org/dc/terms/title> \"测试\" }} }}")
    r = httpx.post(base + "/sparql", content=update.encode(), timeout=120, headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204, r.text
    assert "live-test" in plan_ids(base)
    assert every_worker_asks(base, f"ASK {{ GRAPH <{graph}> {{ <{plan}> ?p ?o }} }}") == {True}
    r = httpx.post(base + "/sparql", content=f"DROP GRAPH <{graph}>".encode(), timeout=120, headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204, r.text
    assert "live-test" not in plan_ids(base)


def test_the_generation_stamp_changes_only_when_something_is_written(tmp_path):
    from plankg.graph.stores import OxigraphStore, store_generation

    assert store_generation(tmp_path / "store") is None
    store = OxigraphStore(tmp_path / "store")
    store.flush()
    assert store_generation(tmp_path / "store") is None  # nothing written: readers keep their snapshot
    store.update("INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }")
    store.flush()
    first = store_generation(tmp_path / "store")
    assert first is not None
    time.sleep(0.01)
    store.update("DELETE DATA { <urn:x:s> <urn:x:p> <urn:x:o> }")
    store.close()
    assert store_generation(tmp_path / "store") not in (None, first)
