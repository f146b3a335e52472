"""The web pages, driven in Debian's headless Chromium (Playwright) against the real server, two plans loaded.

Each test walks one journey a policy office takes. Expected values are read from the plan texts by hand:
the sample's 主要指标 table prints 森林覆盖率（%） 12.68 → 13 (lines 506–508), the text restates 森林覆盖率13%
on lines 264 and 970, the row 户籍人口城镇化率 prints 42.3, 50 and the change 〔1.7〕 (lines 329–332), line
1012 names 湿地保护与恢复工程, line 928 乌苏军民合用机场 (乌苏市, GB/T 2260 654202); the national plan's
outline lists six goals, the first 经济发展取得新成效. Screenshots at desktop and phone width go to
artifacts/screenshots/; axe-core (tests/vendor/axe.min.js, MPL-2.0) checks every view.
"""

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from support import REPO, shared_plan, start_server, stop_server, two_plan_store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = REPO / "artifacts" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SAMPLE = "654200-fyp13"
NATIONAL = "china-fyp14"
TACHENG = "塔城地区国民经济和社会发展第十三个五年规划纲要"

pytest.importorskip("playwright.sync_api", reason="the web tests need playwright (pip install playwright)")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (.ci/packages.sh installs it)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

LAUNCH = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return two_plan_store(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def server(store):
    proc, base = start_server(store)
    yield base
    stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser, server):
    """One page for the journeys: the audit is asked for once per page, so it is computed once."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(240_000)  # the first audit can take a minute on a busy machine
    offsite = []
    pg.on("request", lambda r: offsite.append(r.url) if not r.url.startswith((server, "blob:", "data:")) else None)
    pg.goto(f"{server}/#/goals?plan={SAMPLE}")
    pg.offsite = offsite
    yield pg
    context.close()
    assert not offsite, f"the pages asked for something off this server: {offsite[:5]}"


def view(page, server, hash_):
    page.goto(f"{server}/#/{hash_}")
    page.wait_for_selector(f"#view[data-ready='{hash_.split('?')[0]}']")


def axe_violations(page) -> list:
    if not AXE.exists():
        pytest.skip(f"{AXE} is absent (vendor axe-core's axe.min.js there)")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def find_row(page, table, row):
    """Page through a table, as a reader would, until the row is there."""
    while not row.count():
        nxt = page.locator(f"#{table} nav.pages a", has_text="下一页")
        assert nxt.count(), "the row is on no page"
        nxt.click()
        page.wait_for_selector("#view[data-ready]")
    return row.first


def shoot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


# --- journeys ------------------------------------------------------------------------------------------------

def test_plan_menu_lists_each_plan_once(page, server):
    view(page, server, f"goals?plan={SAMPLE}")
    expect(page.locator("#plan option")).to_have_count(2)
    assert sorted(page.locator("#plan option").all_inner_texts())[1] == TACHENG
    assert httpx.get(server + "/plans").json()["total"] == 2


def test_goal_to_its_projects_to_the_quoted_evidence(page, server):
    view(page, server, f"goals?plan={SAMPLE}")
    expect(page.locator("a.goal")).to_have_count(5)
    # The goal cards are links: reachable and chosen by keyboard.
    card = page.locator("a.goal", has_text="加强资源节约和环境保护")
    card.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#goal-projects tbody tr")
    expect(card).to_have_attribute("aria-current", "true")
    assert "goal=" in page.url
    row = find_row(page, "goal-projects", page.locator("#goal-projects tr", has=page.locator(".project", has_text="湿地保护与恢复工程")))
    expect(row).to_be_visible()
    shoot(page, "goals")
    row.locator("a.evidence").click()
    page.wait_for_selector("#view[data-ready='text']")
    hit = page.locator("mark#hit")
    expect(hit).to_have_text("湿地保护与恢复工程")
    # The mark stands where the link's offsets say: in the paragraph of line 1012, after 巴尔鲁克山自然保护区建设，
    para = hit.locator("xpath=ancestor::p[1]")
    expect(para).to_contain_text("L1012")
    assert para.evaluate("p => p.textContent.split(p.querySelector('mark').textContent)[0].endsWith('巴尔鲁克山自然保护区建设，')")
    expect(hit).to_be_in_viewport()
    shoot(page, "text")


def test_forest_cover_baseline_target_restatements_and_the_highlighted_cell(page, server):
    view(page, server, f"indicators?plan={SAMPLE}")
    page.wait_for_selector("#view[data-restatements='1']")
    row = page.locator("tr.indicators-row", has=page.locator(".indicator", has_text="森林覆盖率"))
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(4)).to_have_text("12.68")
    expect(cells.nth(5)).to_have_text("13")
    restated = row.locator(".restatement")
    expect(restated).to_have_count(2)
    assert [t.split("原文")[1].strip() for t in restated.all_inner_texts()] == ["L264", "L970"]
    # The restatement on line 970 marks its own 13%, not the first 13 of its line.
    restated.nth(1).locator("a.evidence").click()
    page.wait_for_selector("#view[data-ready='text']")
    expect(page.locator("mark#hit")).to_have_text("13%")
    assert page.locator("mark.hit").count() == 1
    assert page.locator("mark#hit").evaluate("m => m.previousSibling.textContent.endsWith('森林覆盖率')")
    expect(page.locator("mark#hit").locator("xpath=ancestor::p[1]")).to_contain_text("L970")
    page.go_back()
    page.wait_for_selector("#view[data-ready='indicators']")
    # The target links to its cell in the table, drawn in the text view.
    row = page.locator("tr.indicators-row", has=page.locator(".indicator", has_text="森林覆盖率"))
    row.locator("td").nth(5).locator("a.cell").click()
    page.wait_for_selector("#view[data-ready='text']")
    cell = page.locator("table.plan-table td:has(mark#hit)")
    expect(cell).to_have_count(1)
    expect(cell).to_have_text("13")
    expect(cell.locator("xpath=..")).to_contain_text("森林覆盖率（%）")
    expect(cell.locator("xpath=..")).to_contain_text("12.68")
    expect(cell).to_be_in_viewport()
    shoot(page, "text-cell")


def test_an_audit_finding_opens_the_highlighted_table_cell(page, server):
    view(page, server, f"audit?plan={SAMPLE}")
    page.wait_for_selector("#findings tbody tr")
    violations = page.locator("tr.findings-row", has=page.locator(".badge.violation"))
    # Four, by hand: 〔1.7〕, the annex total 129.7亿元, 耕地保有量 49.96 vs 44, and 70376户 vs 〔70736〕.
    expect(violations).to_have_count(4)
    finding = page.locator("tr.findings-row", has_text="户籍人口城镇化率").filter(has=page.locator(".badge.violation"))
    expect(finding).to_contain_text("〔1.7〕")
    shoot(page, "audit")
    finding.locator("a.evidence", has_text="〔1.7〕").click()
    page.wait_for_selector("#view[data-ready='text']")
    cell = page.locator("table.plan-table td:has(mark#hit)")
    expect(cell).to_have_text("〔1.7〕")
    expect(cell.locator("xpath=..")).to_contain_text("户籍人口城镇化率（%）")
    # The findings also reach the indicator table, once the audit is in.
    view(page, server, f"indicators?plan={SAMPLE}")
    page.wait_for_selector("#view[data-audit='ready']")
    row = page.locator("tr.indicators-row", has=page.locator(".indicator", has_text="户籍人口城镇化率"))
    expect(row.locator(".finding.violation")).to_have_count(1)
    page.locator(".facet a", has_text="有 yes").click()
    # 户籍人口城镇化率, 农村安居富民工程 and 耕地保有量 (violations), 森林蓄积量 (binding, printed with no target).
    page.wait_for_function("document.querySelector('.count-shown').textContent === '4'", timeout=30_000)
    shoot(page, "indicators")


def test_facets_sort_pages_and_export_follow_the_url(page, server):
    view(page, server, f"indicators?plan={SAMPLE}")
    page.locator(".facet a", has_text="约束性 binding").click()
    page.wait_for_function("document.querySelectorAll('tr.indicators-row').length === 22")
    assert "f.attr=" in page.url
    rows = page.locator("tr.indicators-row")
    assert all("约束性" in t for t in rows.all_inner_texts())
    # Sort by target with the keyboard: the header says how it is sorted.
    sort = page.locator("th a.sort", has_text="目标 Target")
    sort.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("th[aria-sort='ascending'] >> text=目标 Target")
    assert "sort=target" in page.url
    # A copied link opens the same filtered, sorted table in a fresh browser.
    link = page.url
    with page.expect_download() as dl:
        page.locator("[data-export='csv']").click()
    shown = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(shown) == 1 + 22 and shown[0][:6] == ["name", "cat", "attr", "unit", "baseline", "target"]
    assert [r[0] for r in shown[1:]] == [t.split("\t")[0].strip() for t in rows.all_inner_texts()]
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    p2 = other.new_page()
    p2.goto(link)
    p2.wait_for_selector("#view[data-numbers='1']")
    names = "rows => rows.map(r => r.querySelector('.indicator').textContent)"
    assert p2.locator("tr.indicators-row").evaluate_all(names) == rows.evaluate_all(names)
    expect(p2.locator("th[aria-sort='ascending']")).to_have_text("目标 Target ▲")
    other.close()
    # Pages: the projects list is long; page 2 shows the next rows and says so in the URL.
    view(page, server, f"projects?plan={SAMPLE}")
    first = page.locator("tr.projects-row").first.inner_text()
    page.locator("nav.pages a", has_text="下一页").click()
    page.wait_for_function(f"!document.querySelector('tr.projects-row').innerText.startsWith({json.dumps(first[:8])})")
    assert "page=2" in page.url


def test_places_show_their_projects_by_name(page, server):
    view(page, server, f"places?plan={SAMPLE}")
    page.locator("a.place", has_text="乌苏市").click()
    title = page.locator("#place-title")
    expect(title).to_contain_text("乌苏市 的项目")
    expect(title).to_be_in_viewport()
    expect(find_row(page, "place-projects", page.locator("#place-projects tr", has_text="乌苏军民合用机场"))).to_be_visible()
    shoot(page, "places")
    # 新疆生产建设兵团 has no GB/T 2260 code; its link still works.
    page.locator("a.place", has_text="新疆生产建设兵团").click()
    expect(page.locator("#place-title")).to_contain_text("新疆生产建设兵团 的项目")
    expect(page.locator("tr.places-row", has_text="新疆生产建设兵团")).to_contain_text("兵团 bingtuan")


def test_named_query_with_a_typed_parameter_then_csv(page, server):
    view(page, server, f"sparql?plan={SAMPLE}")
    page.select_option("#examples", "county-projects")
    code = page.locator("#param-code")
    expect(code).to_have_attribute("required", "")
    code.fill("乌苏")  # not a code: refused by the form, nothing run
    page.click("#run-named")
    assert page.evaluate("!document.querySelector('#param-code').checkValidity()")
    code.fill("654202")
    page.click("#run-named")
    page.wait_for_function("document.querySelector('#view').dataset.results > 0")
    expect(page.locator(".yasr")).to_contain_text("乌苏军民合用机场")
    assert "named=county-projects" in page.url and "p.code=654202" in page.url
    # IRIs this server mints open its own Linked Data pages.
    assert page.locator(".yasr a[href^='/id/']").count() > 0
    with page.expect_download() as dl:
        page.click("#download-csv")
    assert dl.value.suggested_filename == "results.csv"
    table = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8"))))
    assert any(r["name"] == "乌苏军民合用机场" for r in table)
    shoot(page, "sparql")


def test_sparql_errors_construct_and_describe(page, server):
    view(page, server, f"sparql?plan={SAMPLE}")
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue('SELECT ?s WHERE { ?s ?p }')")
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    page.click("#download-csv")
    expect(page.locator("#sparql-status")).to_contain_text("400")
    assert not downloads  # the error is shown, not saved as results.csv
    for query, expected in (
            ("PREFIX pkg: <https://w3id.org/plankg/ontology#> CONSTRUCT { ?g a pkg:Goal } WHERE { GRAPH ?x { ?g a pkg:Goal } }", "Goal"),
            (f"DESCRIBE <https://w3id.org/plankg/id/{SAMPLE}>", TACHENG)):
        page.evaluate("q => document.querySelector('.CodeMirror').CodeMirror.setValue(q)", query)
        page.evaluate("document.querySelector('.CodeMirror').CodeMirror.focus()")
        page.keyboard.press("Control+Enter")
        expect(page.locator(".yasr")).to_contain_text(expected)
        expect(page.locator("#sparql-status")).not_to_have_class("finding violation")
        with page.expect_download() as dl:
            page.click("#download-ttl")
        assert dl.value.suggested_filename == "results.ttl"
    # History keeps what was run; the permalink restores the query.
    assert page.locator("#history option").count() >= 3
    assert "DESCRIBE" in page.evaluate("decodeURIComponent(location.hash)")


def test_sparql_results_as_a_chart(page, server):
    # 森林覆盖率's target in the plan table, printed 13 (%): one number, one bar.
    query = f"""PREFIX pkg: <https://w3id.org/plankg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?name ?target WHERE {{ GRAPH <https://w3id.org/plankg/graph/{SAMPLE}> {{
  ?i a pkg:Indicator ; rdfs:label ?name ; pkg:table/pkg:tableKind "plan" .
  ?t pkg:indicator ?i ; pkg:role pkg:Target ; pkg:value ?target }}
  FILTER(CONTAINS(STR(?name), "森林覆盖率")) }}"""
    view(page, server, f"sparql?plan={SAMPLE}")
    page.evaluate("q => document.querySelector('.CodeMirror').CodeMirror.setValue(q)", query)
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.focus()")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.querySelector('#view').dataset.results === '1'")
    page.click(".yasr .select_chart")
    bars = page.locator(".yasr svg.plankg-chart rect.bar")
    expect(bars).to_have_count(1)
    expect(page.locator(".yasr svg.plankg-chart")).to_contain_text("森林覆盖率")
    expect(page.locator(".yasr svg.plankg-chart")).to_contain_text("13")
    shoot(page, "sparql-chart")
    # Words only: no chart is offered.
    page.evaluate("q => document.querySelector('.CodeMirror').CodeMirror.setValue(q)",
                  query.replace("SELECT ?name ?target", "SELECT ?name"))
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.focus()")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".yasr svg.plankg-chart")).to_have_count(0)
    expect(page.locator(".yasr .select_chart")).to_have_class(re.compile("disabled"))


def test_switch_plan_from_a_copied_link(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(f"{server}/#/goals?plan={NATIONAL}")
    pg.wait_for_selector("#view[data-ready='goals']")
    expect(pg.locator("#plan")).to_have_value(f"https://w3id.org/plankg/id/{NATIONAL}")
    expect(pg.locator("a.goal")).to_have_count(6)
    expect(pg.locator("a.goal").first).to_contain_text("经济发展取得新成效")
    pg.select_option("#plan", label=TACHENG)
    pg.wait_for_selector("a.goal >> text=经济保持中高速增长")
    assert f"plan={SAMPLE}" in pg.url
    context.close()


def test_every_view_draws_its_numbers_before_the_audit(browser, server):
    """/audit is held back by the test: every view must still draw its numbers, then add the findings."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    held = []
    pg.route("**/audit", lambda route: held.append(route))
    timings = {}
    for hash_, numbers in ((f"goals?plan={SAMPLE}", "a.goal"), (f"indicators?plan={SAMPLE}", "tr.indicators-row"),
                           (f"projects?plan={SAMPLE}", "tr.projects-row"), (f"places?plan={SAMPLE}", "tr.places-row"),
                           (f"text?plan={SAMPLE}", "#text p.para"), (f"goals?plan={NATIONAL}", "a.goal"),
                           (f"places?plan={NATIONAL}", "tr.places-row")):
        started = time.perf_counter()
        pg.goto(f"{server}/#/{hash_}")
        pg.wait_for_selector(f"#view[data-numbers='1'] {numbers}", timeout=30_000)
        timings[hash_] = round(time.perf_counter() - started, 3)
        assert pg.locator("#view[data-audit='ready']").count() == 0
    assert held, "the indicator view asks for the audit after drawing"
    pg.goto(f"{server}/#/indicators?plan={SAMPLE}")
    pg.wait_for_selector("tr.indicators-row")
    for route in held:
        route.continue_()
    pg.wait_for_selector("#view[data-audit='ready']", timeout=240_000)
    # The sample's three violations in its own indicator table (the fourth is about an annex project).
    flagged = pg.locator("tr.indicators-row", has=pg.locator(".finding.violation")).locator(".indicator")
    expect(flagged).to_have_text(["城镇化率：户籍人口城镇化率", "城乡住房：农村安居富民工程", "耕地保有量"])
    (REPO / "artifacts").mkdir(exist_ok=True)
    (REPO / "artifacts" / "web-time-to-numbers.json").write_text(json.dumps(timings, indent=1, ensure_ascii=False))
    context.close()


# --- accessibility and phones ----------------------------------------------------------------------------------

VIEWS = [f"goals?plan={SAMPLE}&goal=", f"indicators?plan={SAMPLE}", f"projects?plan={SAMPLE}",
         f"places?plan={SAMPLE}&place=654202", f"text?plan={SAMPLE}&start=10577&end=10582", f"audit?plan={SAMPLE}",
         f"sparql?plan={SAMPLE}"]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_view_passes_axe_and_fits(page, server, width):
    page.set_viewport_size(PHONE if width == "phone" else {"width": 1280, "height": 900})
    try:
        goal = page.evaluate("fetch('/goals?plan=%s').then(r => r.json()).then(d => d.items[0].goal)" % SAMPLE)
        for hash_ in VIEWS:
            if hash_.endswith("goal="):
                hash_ += goal.replace("https://w3id.org/plankg/id/", "")
            name = hash_.split("?")[0]
            view(page, server, hash_)
            page.wait_for_selector("#view[data-numbers='1']")
            if name == "indicators":
                page.wait_for_selector("#view[data-audit='ready']")
            assert axe_violations(page) == [], name
            assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1, name
            shoot(page, f"{width}-{name}")
        # A Linked Data page, too.
        page.goto(f"{server}/id/{SAMPLE}")
        assert axe_violations(page) == [], "entity page"
        shoot(page, f"{width}-entity")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_phone_cards_keep_every_column(browser, server):
    context = browser.new_context(viewport=PHONE)
    pg = context.new_page()
    pg.goto(f"{server}/#/indicators?plan={SAMPLE}")
    pg.wait_for_selector("tr.indicators-row")
    card = pg.locator("tr.indicators-row", has=pg.locator(".indicator", has_text="森林覆盖率"))
    labels = card.locator("td").evaluate_all("tds => tds.filter(td => td.offsetHeight > 0).map(td => td.dataset.label)")
    assert labels == ["指标 Indicator", "类别 Category", "属性 Attribute", "单位 Unit", "基期 Baseline", "目标 Target",
                      "增长 Growth", "图 Chart", "正文重述 Restated", "审计 Audit"]
    expect(card.locator("td[data-label='目标 Target']")).to_have_text("13")
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    context.close()


def test_keyboard_skip_link_and_landmarks(page, server):
    view(page, server, f"text?plan={SAMPLE}")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#view")).to_be_focused()
    labels = page.locator("nav").evaluate_all("ns => ns.map(n => n.getAttribute('aria-label'))")
    assert all(labels) and len(set(labels)) == len(labels) >= 2


@pytest.mark.xfail(strict=True, reason="the query workers hold the store open read-only at the snapshot they "
                   "opened; seeing a plan loaded meanwhile needs them to reopen it (the worker pool, branch server)")
def test_a_plan_loaded_while_the_server_runs_appears(browser, server, store):
    subprocess.run([sys.executable, "-m", "plankg", "load", str(shared_plan("yunnan-10th.txt"))], env=store,
                   check=True, capture_output=True)
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(f"{server}/#/goals?plan={SAMPLE}")
    pg.wait_for_selector("#view[data-ready='goals']")
    pg.focus("#plan")
    try:
        expect(pg.locator("#plan option")).to_have_count(3, timeout=10_000)
    finally:
        context.close()
