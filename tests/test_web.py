"""The web pages, driven in Debian's headless Chromium (Playwright) against the real server.

Screenshots of every view are saved under artifacts/screenshots/ by each run.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, shared_plan, start_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = REPO / "artifacts" / "screenshots"

pytest.importorskip("playwright.sync_api", reason="the web tests need playwright (pip install playwright)")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    env = {**os.environ, "PLANKG_STORE": str(store)}
    # Two plans in the store, for the plan switcher.
    subprocess.run([sys.executable, "-m", "plankg", "load", str(shared_plan("yunnan-10th.txt"))], env=env, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "-m", "plankg", "load"], env=env, check=True, capture_output=True)
    proc, base = start_server(env)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        pg = context.new_page()
        pg.set_default_timeout(30000)
        pg.goto(server + "/")
        pg.select_option("#plan", label="塔城地区国民经济和社会发展第十三个五年规划纲要")
        yield pg
        browser.close()


def view(page, server, hash_):
    page.goto(f"{server}/#/{hash_}")
    page.wait_for_selector(f"#view[data-ready='{hash_.split('?')[0]}']")


def test_choose_a_goal_and_open_a_projects_evidence(page, server):
    view(page, server, "goals")
    expect(page.locator(".goal")).to_have_count(5)
    page.locator(".goal", has_text="加强资源节约和环境保护").click()
    project = page.locator("li.project", has_text="湿地保护与恢复工程").first
    expect(project).to_be_visible()
    page.screenshot(path=str(SHOTS / "goals.png"), full_page=False)
    project.locator("a.evidence").click()
    page.wait_for_selector("#view[data-ready='text']")
    expect(page.locator("mark#hit")).to_contain_text("湿地保护与恢复工程")
    page.screenshot(path=str(SHOTS / "text.png"))


def test_filter_indicators_to_binding(page, server):
    view(page, server, "indicators")
    expect(page.locator("tr.indicator")).to_have_count(38)
    page.select_option("#f-binding", "true")
    page.wait_for_function("document.querySelectorAll('tr.indicator').length === 22")
    rows = page.locator("tr.indicator")
    assert rows.count() == 22
    assert all("约束性" in rows.nth(i).inner_text() for i in range(rows.count()))
    expect(page.locator("tr.indicator", has_text="户籍人口城镇化率").locator(".finding.violation")).to_have_count(0)
    page.select_option("#f-binding", "")
    page.wait_for_function("document.querySelectorAll('tr.indicator').length === 38")
    expect(page.locator("tr.indicator", has_text="耕地保有量").locator(".finding.violation")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "indicators.png"), full_page=True)


def test_places_and_audit_views(page, server):
    view(page, server, "places")
    expect(page.locator("tr.place", has_text="乌苏市")).to_be_visible()
    page.locator("tr.place a", has_text="乌苏市").click()
    expect(page.locator("#place-projects")).to_contain_text("乌苏军民合用机场")
    page.screenshot(path=str(SHOTS / "places.png"))
    view(page, server, "audit")
    expect(page.locator(".finding.violation")).to_have_count(3)
    page.screenshot(path=str(SHOTS / "audit.png"))


def test_run_a_named_query_in_the_sparql_view(page, server):
    view(page, server, "sparql")
    page.select_option("#examples", "goals")
    assert "VALUES (?plan)" in page.locator("#q").input_value()  # bound to the plan in view
    page.click("#run")
    expect(page.locator("#result-table tbody tr")).to_have_count(5)
    expect(page.locator("#hl .kw").first).to_be_visible()
    with page.expect_download() as dl:
        page.click("#csv")
    assert dl.value.suggested_filename == "results.csv"
    page.screenshot(path=str(SHOTS / "sparql.png"))


def test_plan_switcher_with_two_plans(page, server):
    options = page.locator("#plan option")
    expect(options).to_have_count(2)
    page.select_option("#plan", label="云南省国民经济和社会发展第十个五年计划纲要")
    view(page, server, "goals")
    expect(page.locator(".goal").first).to_contain_text("经济调控的主要预期目标")
    page.select_option("#plan", label="塔城地区国民经济和社会发展第十三个五年规划纲要")
    page.wait_for_selector(".goal >> text=经济保持中高速增长")


def test_readable_on_a_phone(page, server):
    phone = page.context.browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(server + "/#/indicators")
    phone.wait_for_selector("#view[data-ready='indicators']")
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.screenshot(path=str(SHOTS / "phone-indicators.png"))
    phone.close()
    assert width <= 390 + 1
