// plankg web pages: plain JavaScript over the REST API, the named queries and /sparql (no build step, no network
// beyond this server). All view state lives in the URL hash (#/view?plan=…&…), so every screen can be linked.
"use strict";

const BASE = "https://w3id.org/plankg/";
const ID = BASE + "id/";
const PKG = BASE + "ontology#";
const $ = (sel, el = document) => el.querySelector(sel);
const $$ = (sel, el = document) => [...el.querySelectorAll(sel)];
const LEVELS = { province: "省级 province", prefecture: "地级 prefecture", county: "县级 county",
                 bingtuan: "兵团 bingtuan", "bingtuan-division": "兵团师 division" };
const ATTRIBUTES = { [PKG + "Binding"]: "约束性 binding", [PKG + "Expected"]: "预期性 expected" };
const KINDS = { text: "正文 text", box: "专栏 box", annex: "附件 annex" };
const SEVERITIES = { violation: "违规 violation", warning: "警告 warning", info: "提示 info" };

const state = { plans: [], plan: null, sectors: new Map(), audit: null, auditError: null };

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
const planId = iri => String(iri || "").replace(ID, "");
const local = iri => String(iri || "").startsWith(BASE) ? "/" + iri.slice(BASE.length) : null;
const sectorName = iri => { const s = state.sectors.get(iri); return s ? `${s.zh} ${s.en || ""}`.trim() : String(iri || "").split("/").pop(); };
const entityLink = (iri, label) => local(iri) ? `<a href="${esc(local(iri))}">${esc(label)}</a>` : esc(label);

// --- fetching: every GET is kept for the page's life, so a change of filter or sort redraws at once --------------
const cache = new Map();
async function api(path, params = {}, { fresh = false } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  if (!fresh && cache.has(url.href)) return cache.get(url.href);
  const promise = fetch(url).then(async r => {
    if (!r.ok) { const p = await r.json().catch(() => ({})); throw new Error(`${r.status} ${p.title || r.statusText}: ${p.detail || ""}`); }
    return r.json();
  });
  cache.set(url.href, promise);
  promise.catch(() => cache.delete(url.href));
  return promise;
}
async function rows(path, params = {}) {
  // A named query's rows, all pages of them.
  const out = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await api(path, { ...params, limit: 1000, offset });
    out.push(...page.items);
    if (!page.more || !page.items.length) return out;
  }
}

// --- the URL is the state ----------------------------------------------------------------------------------------
function current() {
  const [view, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { view: view || "goals", params: new URLSearchParams(query || "") };
}
function href(view, params = {}) {
  const p = new URLSearchParams();
  p.set("plan", planId(state.plan));
  for (const [k, v] of (params instanceof URLSearchParams || Array.isArray(params) ? params : Object.entries(params))) {
    if (k === "plan" || v === undefined || v === null || v === "") continue;
    for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  }
  return `#/${view}?${p}`;
}
function go(view, params, replace = false) {
  const h = href(view, params);
  if (replace) { history.replaceState(null, "", h); route(); } else location.hash = h;
}
function textHref(start, end) { return href("text", { start, end }); }
function evidence(start, end, line, label = "原文") {
  if (start === undefined || start === null || start === "") return "";
  return `<a class="evidence" href="${esc(textHref(start, end))}">${esc(label)} L${esc(line)}</a>`;
}
function status(text) { $("#status").textContent = text; }

// --- the audit: slow, so asked for only after a view has drawn its numbers, once per page ------------------------
function auditWhenReady(onArrive) {
  if (state.audit) return onArrive(state.audit);
  if (!state.auditPromise) {
    state.auditPromise = api("/audit").then(a => { state.audit = a; return a; })
      .catch(e => { state.auditError = e.message; throw e; });
  }
  status("审计进行中，结果到达后补充 The audit is running; findings are added when they arrive…");
  const view = current();
  state.auditPromise.then(a => {
    status("");
    const now = current();
    if (now.view === view.view && now.params.toString() === view.params.toString()) onArrive(a);
  }).catch(e => status(`审计失败 audit failed: ${e.message}`));
}
function findingsOf(audit) {
  const by = new Map();
  for (const f of audit ? audit.findings : []) {
    if (f.plan && f.plan !== state.plan) continue;
    if (!by.has(f.entity)) by.set(f.entity, []);
    by.get(f.entity).push(f);
  }
  return by;
}
function findingHtml(f) {
  const cell = f.spans.slice(1).length ? f.spans.slice(1) : f.spans;
  return `<div class="finding ${esc(f.severity)}"><b>${esc(SEVERITIES[f.severity] || f.severity)}</b> ${esc(f.message)}
    ${cell.map(s => evidence(s.start, s.end, s.line, `“${s.text.trim().slice(0, 20)}”`)).join(" ")}</div>`;
}

// --- Datasette-like table: facets with counts, sort, pages, export of what is shown ---------------------------
// columns: {k, label, num, html(row), text(row)}; facets: {k, label, values(row) -> [string], show(value)}.
// Filters (f.<facet>), sort (sort, desc) and page (page) are read from and written to the URL under a prefix.
function dataTable(el, { id, rows: all, columns, facets = [], params, view, prefix = "", caption, size = 25, level = 2 }) {
  const P = k => prefix + k;
  const chosen = Object.fromEntries(facets.map(f => [f.k, params.getAll(P("f." + f.k))]));
  const keep = (row, skip) => facets.every(f => f.k === skip || !chosen[f.k].length ||
    chosen[f.k].some(v => f.values(row).includes(v)));
  let shown = all.filter(r => keep(r));
  const sortKey = params.get(P("sort")), desc = params.get(P("desc")) === "1";
  const col = columns.find(c => c.k === sortKey);
  if (col) {
    const val = r => col.sortValue ? col.sortValue(r) : col.text(r);
    // Numeric columns sort by the first number printed (〔30〕, 9左右); cells without one go last.
    const number = v => { const m = String(v ?? "").match(/-?\d+(\.\d+)?/); return m ? parseFloat(m[0]) : null; };
    shown = shown.slice().sort((x, y) => {
      const a = val(x), b = val(y);
      let c;
      if (col.num) {
        const na = number(a), nb = number(b);
        c = na === null || nb === null ? (na === null) - (nb === null) : na - nb;
        if (na === null || nb === null) return c;
      } else c = String(a ?? "").localeCompare(String(b ?? ""), "zh");
      return desc ? -c : c;
    });
  }
  const pages = Math.max(1, Math.ceil(shown.length / size));
  const page = Math.min(pages, Math.max(1, +params.get(P("page")) || 1));
  const visible = shown.slice((page - 1) * size, page * size);
  const link = changes => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      p.delete(P(k));
      for (const x of [].concat(v ?? [])) if (x !== "") p.append(P(k), x);
    }
    return href(view, p);
  };
  const facetHtml = facets.map(f => {
    const counts = new Map();
    for (const r of all.filter(r => keep(r, f.k))) for (const v of new Set(f.values(r))) counts.set(v, (counts.get(v) || 0) + 1);
    const entries = [...counts].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0]), "zh"));
    if (!entries.length) return "";
    return `<section class="facet" aria-label="${esc(f.label)}"><h${level}>${esc(f.label)}</h${level}><ul>${entries.slice(0, 12).map(([v, n]) => {
      const on = chosen[f.k].includes(v);
      const next = on ? chosen[f.k].filter(x => x !== v) : [...chosen[f.k], v];
      return `<li><a href="${esc(link({ ["f." + f.k]: next, page: "" }))}" data-focus="${esc(id + f.k + v)}"${on ? ' aria-current="true" class="on"' : ""}>${esc(f.show ? f.show(v) : v)}</a> <span class="count">${n}</span></li>`;
    }).join("")}</ul></section>`;
  }).join("");
  const head = columns.map(c => {
    if (c.sortable === false) return `<th scope="col">${c.label}</th>`;
    const sorted = sortKey === c.k ? (desc ? "descending" : "ascending") : null;
    const next = link({ sort: c.k, desc: sorted === "ascending" ? "1" : "", page: "" });
    return `<th scope="col"${sorted ? ` aria-sort="${sorted}"` : ""}${c.num ? ' class="num"' : ""}><a class="sort" href="${esc(next)}" data-focus="${esc(id + "sort" + c.k)}">${c.label}<span aria-hidden="true">${sorted === "ascending" ? " ▲" : sorted === "descending" ? " ▼" : ""}</span></a></th>`;
  }).join("");
  const body = visible.map(r => `<tr class="${esc(id)}-row"${r._key ? ` data-key="${esc(r._key)}"` : ""}>${columns.map(c =>
    `<td data-label="${esc(c.label)}"${c.num ? ' class="num"' : ""}>${c.html ? c.html(r) : esc(c.text(r))}</td>`).join("")}</tr>`).join("");
  // On a phone the facets fold away under their summary (unless one is in use), so the rows come first.
  const openFacets = !matchMedia("(max-width: 720px)").matches || facets.some(f => chosen[f.k].length);
  const active = facets.flatMap(f => chosen[f.k].map(v => `<a class="chip" href="${esc(link({ ["f." + f.k]: chosen[f.k].filter(x => x !== v), page: "" }))}">${esc(f.label)}: ${esc(f.show ? f.show(v) : v)} <span aria-hidden="true">×</span><span class="sr">移除 remove</span></a>`)).join(" ");
  el.innerHTML = `<div class="datatable" id="${esc(id)}">
    ${facetHtml ? `<details class="facets"${openFacets ? " open" : ""}><summary>筛选 Filters</summary>${facetHtml}</details>` : ""}
    <div class="tablepart">
      <p class="summary"><span class="count-shown">${shown.length}</span> / ${all.length} 行 rows ${active}
        <span class="export">导出本页 Export this page: <a href="#" data-export="csv">CSV</a> · <a href="#" data-export="json">JSON</a></span></p>
      <div class="scroll" tabindex="0" role="region" aria-label="${esc(caption || id)}"><table><caption class="sr">${esc(caption || id)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>
      ${pages > 1 ? `<nav class="pages" aria-label="${esc((caption || id) + " 分页 pages")}">${page > 1 ? `<a href="${esc(link({ page: page - 1 }))}" data-focus="${esc(id)}prev">← 上一页 previous</a>` : ""}
        <span>第 ${page} / ${pages} 页 page</span>${page < pages ? `<a href="${esc(link({ page: page + 1 }))}" data-focus="${esc(id)}next">下一页 next →</a>` : ""}</nav>` : ""}
    </div></div>`;
  for (const a of $$("[data-export]", el)) a.onclick = e => {
    e.preventDefault();
    const fields = columns.filter(c => c.text);
    const records = visible.map(r => Object.fromEntries(fields.map(c => [c.plain || c.k, c.text(r) ?? ""])));
    const blob = a.dataset.export === "json"
      ? new Blob([JSON.stringify(records, null, 1)], { type: "application/json" })
      : new Blob(["\ufeff" + [fields.map(c => c.plain || c.k), ...records.map(Object.values)]
          .map(line => line.map(v => /[",\n\r]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v)).join(",")).join("\r\n")],
          { type: "text/csv" });
    Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `${id}-p${page}.${a.dataset.export}` }).click();
  };
  return { shown, visible };
}

// --- goals -----------------------------------------------------------------------------------------------------
async function showGoals(el, params) {
  const goals = await rows("/goals", { plan: state.plan });
  const chosen = params.get("goal");
  el.innerHTML = `<h1>发展目标 <small class="muted">Goals</small></h1>
    <ol class="goals">${goals.map((g, i) => `<li><a class="goal" href="${esc(href("goals", { goal: planId(g.goal) }))}"
        data-focus="goal${i}"${planId(g.goal) === chosen ? ' aria-current="true"' : ""}>
      <b>${i + 1}. ${esc(g.title)}</b> <span class="muted">${esc(g.projects)} 个项目 projects（${esc(g.primary ?? 0)} 为首要目标 primary）· ${esc(g.indicators)} 项指标 indicators · ${esc(g.subgoals ?? 0)} 个分目标 sub-goals</span></a></li>`).join("")}</ol>
    <section id="goal-panel" aria-live="polite"></section>`;
  el.dataset.numbers = "1";
  if (!chosen) return;
  const goal = goals.find(g => planId(g.goal) === chosen);
  const raw = await rows("/queries/goal-projects-view", { goal: ID + chosen });
  const projects = new Map();
  for (const r of raw) {  // strongest links first: primary goals, then by score
    const p = projects.get(r.project) || { ...r, sectors: [], _key: planId(r.project) };
    if (r.sector && !p.sectors.includes(r.sector)) p.sectors.push(r.sector);
    projects.set(r.project, p);
  }
  const box = $("#goal-panel", el);
  box.innerHTML = `<h2 id="goal-title" tabindex="-1">${esc(goal ? goal.title : chosen)} <small class="muted">服务该目标的项目 projects serving it</small></h2><div></div>`;
  dataTable($("div", box), {
    id: "goal-projects", caption: "服务该目标的项目 Projects serving the goal", params, view: "goals", rows: [...projects.values()], level: 3,
    columns: [
      { k: "name", label: "项目 Project", text: r => r.name, html: r => `<span class="project">${entityLink(r.project, r.name)}</span>` },
      { k: "sectors", label: "部门 Sectors", text: r => r.sectors.map(sectorName).join("; "), html: r => r.sectors.map(s => `<span class="badge">${esc(sectorName(s))}</span>`).join(" ") },
      { k: "chapter", label: "章 Chapter", text: r => r.chapter || "" },
      { k: "rank", label: "排位 Rank", num: true, text: r => r.rank, html: r => `<span class="badge">${String(r.rank) === "1" ? "首要 primary" : `第${esc(r.rank)}位 rank ${esc(r.rank)}`}</span>` },
      { k: "score", label: "得分 Score", num: true, text: r => r.score },
      { k: "matched", label: "依据 Because", text: r => r.matched, html: r => `${String(r.sectorOnly) === "true" ? '<span class="badge warn">仅凭行业 sector only — check it</span>' : ""}
        ${r.specific !== ID + chosen ? `<div class="muted">分目标 via sub-goal: ${esc(r.specificTitle)}</div>` : ""}
        <details><summary>依据 because</summary><ul class="reasons">${String(r.matched).split("；").map(x => `<li>${esc(x)}</li>`).join("")}</ul></details>` },
      { k: "line", label: "原文 Text", num: true, text: r => r.line, html: r => evidence(r.start, r.end, r.line) },
    ],
    facets: [
      { k: "sector", label: "部门 Sector", values: r => r.sectors, show: sectorName },
      { k: "chapter", label: "章 Chapter", values: r => [r.chapter || "—"] },
      { k: "kind", label: "来源 Source", values: r => [r.kind], show: v => KINDS[v] || v },
      { k: "primary", label: "首要目标 Primary goal", values: r => [String(r.rank) === "1" ? "是 yes" : "否 no"] },
      { k: "sectorOnly", label: "仅凭行业 Sector only", values: r => [String(r.sectorOnly) === "true" ? "是 yes" : "否 no"] },
    ],
  });
  if (params.get("goal") && !params.has("page") && !params.has("sort") && ![...params.keys()].some(k => k.startsWith("f."))) $("#goal-title").focus();
}

// --- indicators: numbers first, restatements and findings added as they arrive ------------------------------------
async function showIndicators(el, params) {
  const inds = (await rows("/queries/indicator-view", { plan: state.plan })).map(r => ({ ...r, _key: planId(r.indicator) }));
  const restated = new Map();
  let findings = findingsOf(state.audit);
  el.innerHTML = `<h1>指标 <small class="muted">Indicators</small></h1><div id="indicators"></div>`;
  const cell = (r, role) => r[role] !== undefined ? `<a class="cell" href="${esc(textHref(r[role + "Start"], r[role + "End"]))}" title="原文中的单元格 the cell in the text">${esc(r[role])}</a>` : "—";
  const chart = r => {
    const b = parseFloat(r.baseline), t = parseFloat(r.target);
    if (!isFinite(b) || !isFinite(t) || /[〔〕]/.test(r.baseline + r.target)) return "";
    const max = Math.max(Math.abs(b), Math.abs(t)) || 1;
    return `<span class="bar" style="width:${Math.round(60 * Math.abs(b) / max)}px" role="img" aria-label="基期 ${esc(r.baseline)}"></span><br><span class="bar t" style="width:${Math.round(60 * Math.abs(t) / max)}px" role="img" aria-label="目标 ${esc(r.target)}"></span>`;
  };
  const draw = () => dataTable($("#indicators", el), {
    id: "indicators", caption: "规划指标 Indicators of the plan", params, view: "indicators", rows: inds, size: 50,
    columns: [
      { k: "name", label: "指标 Indicator", text: r => r.name, html: r => `<span class="indicator">${entityLink(r.indicator, r.name)}</span>` },
      { k: "cat", label: "类别 Category", text: r => r.cat || "" },
      { k: "attr", label: "属性 Attribute", text: r => ATTRIBUTES[r.attr] || "", html: r => r.attr ? `<span class="badge ${r.attr.endsWith("Binding") ? "binding" : ""}">${esc(ATTRIBUTES[r.attr])}</span>` : "—" },
      { k: "unit", label: "单位 Unit", text: r => r.unit || "" },
      { k: "baseline", label: "基期 Baseline", num: true, text: r => r.baseline ?? "", html: r => cell(r, "baseline") },
      { k: "target", label: "目标 Target", num: true, text: r => r.target ?? "", html: r => cell(r, "target") },
      { k: "growth", label: "增长 Growth", num: true, text: r => r.growth ?? "", html: r => cell(r, "growth") },
      { k: "chart", label: "图 Chart", plain: "chart", sortable: false, html: chart },
      { k: "restated", label: "正文重述 Restated", sortable: false, text: r => (restated.get(r.indicator) || []).map(m => `${m.value} L${m.line}`).join("; "),
        html: r => (restated.get(r.indicator) || []).map(m => `<div class="restatement">“${esc(m.value)}” ${evidence(m.start, m.end, m.line)}</div>`).join("") },
      { k: "findings", label: "审计 Audit", sortable: false, text: r => (findings.get(r.indicator) || []).map(f => f.message).join("; "),
        html: r => (findings.get(r.indicator) || []).filter(f => f.severity !== "info").map(findingHtml).join("") || (state.audit ? "" : '<span class="muted pending">…</span>') },
    ],
    facets: [
      { k: "cat", label: "类别 Category", values: r => [r.cat || "—"] },
      { k: "attr", label: "属性 Attribute", values: r => [r.attr ? ATTRIBUTES[r.attr] : "—"] },
      { k: "unit", label: "单位 Unit", values: r => [r.unit || "—"] },
      ...(state.audit ? [{ k: "finding", label: "审计发现 Has finding", values: r => [(findings.get(r.indicator) || []).some(f => f.severity !== "info") ? "有 yes" : "无 no"] }] : []),
    ],
  });
  draw();
  el.dataset.numbers = "1";
  rows("/queries/restatements", { plan: state.plan }).then(ms => {
    for (const m of ms) { if (!restated.has(m.indicator)) restated.set(m.indicator, []); restated.get(m.indicator).push(m); }
    if (!$("#indicators", el)) return;  // another view is shown now
    redraw(draw);
    el.dataset.restatements = "1";
  });
  auditWhenReady(a => { findings = findingsOf(a); redraw(draw); el.dataset.audit = "ready"; });
}
function redraw(draw) {
  // Redraw in place, keeping the keyboard focus where it was.
  if (!$("#view .datatable")) return;
  const key = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.focus : null;
  draw();
  if (key) $$("[data-focus]").find(x => x.dataset.focus === key)?.focus();
}

// --- projects ----------------------------------------------------------------------------------------------------
async function aggregateProjects(raw) {
  // Place names come from the plan's list of places (every place a project is located in is one the plan names).
  const names = new Map((await rows("/places", { plan: state.plan })).map(p => [p.place, p.name]));
  const by = new Map();
  for (const r of raw) {
    const p = by.get(r.project) || { ...r, sectors: [], places: [], _key: planId(r.project) };
    if (r.sector && !p.sectors.includes(r.sector)) p.sectors.push(r.sector);
    if (r.where && !p.places.some(x => x.iri === r.where)) p.places.push({ iri: r.where, name: names.get(r.where) || r.where.split("/").pop() });
    by.set(r.project, p);
  }
  return [...by.values()];
}
function projectTable(el, list, params, view, prefix = "", withFindings = null) {
  return dataTable(el, {
    level: prefix ? 3 : 2,
    id: prefix ? "place-projects" : "projects", caption: "项目 Projects", params, view, prefix, rows: list,
    columns: [
      { k: "name", label: "项目 Project", text: r => r.name, html: r => entityLink(r.project, r.name) },
      { k: "kind", label: "来源 Source", text: r => KINDS[r.kind] || r.kind },
      { k: "sectors", label: "部门 Sectors", text: r => r.sectors.map(sectorName).join("; "), html: r => r.sectors.map(s => `<span class="badge">${esc(sectorName(s))}</span>`).join(" ") },
      { k: "places", label: "地方 Places", text: r => r.places.map(p => p.name).join("; "),
        html: r => r.places.map(p => `<a href="${esc(href("places", { place: p.iri.split("/").pop() }))}">${esc(p.name)}</a>`).join("、") },
      { k: "chapter", label: "章 Chapter", text: r => r.chapter || "" },
      { k: "line", label: "原文 Text", num: true, text: r => r.line, html: r => evidence(r.start, r.end, r.line) },
      ...(withFindings ? [{ k: "findings", label: "审计 Audit", sortable: false, text: r => (withFindings.get(r.project) || []).map(f => f.message).join("; "),
        html: r => (withFindings.get(r.project) || []).filter(f => f.severity !== "info").map(findingHtml).join("") }] : []),
    ],
    facets: [
      { k: "sector", label: "部门 Sector", values: r => r.sectors.length ? r.sectors : ["—"], show: v => v === "—" ? v : sectorName(v) },
      { k: "place", label: "地方 Place", values: r => r.places.length ? r.places.map(p => p.name) : ["—"] },
      { k: "kind", label: "来源 Source", values: r => [r.kind], show: v => KINDS[v] || v },
      ...(withFindings ? [{ k: "finding", label: "审计发现 Has finding", values: r => [(withFindings.get(r.project) || []).some(f => f.severity !== "info") ? "有 yes" : "无 no"] }] : []),
    ],
  });
}
async function showProjects(el, params) {
  const list = await aggregateProjects(await rows("/queries/project-list", { plan: state.plan }));
  el.innerHTML = `<h1>项目 <small class="muted">Projects</small></h1><div id="project-list"></div>`;
  const draw = () => projectTable($("#project-list", el), list, params, "projects", "", state.audit ? findingsOf(state.audit) : null);
  draw();
  el.dataset.numbers = "1";
  auditWhenReady(() => { redraw(draw); el.dataset.audit = "ready"; });
}

// --- places ------------------------------------------------------------------------------------------------------
async function showPlaces(el, params) {
  const places = (await rows("/places", { plan: state.plan })).map(p => ({ ...p, key: p.place.split("/").pop(), _key: p.place.split("/").pop() }));
  const chosen = params.get("place");
  const max = Math.max(...places.map(p => +p.mentions), 1);
  el.innerHTML = `<h1>地方 <small class="muted">Places</small></h1><section id="place-panel" aria-live="polite"></section><div id="places"></div>`;
  dataTable($("#places", el), {
    id: "places", caption: "规划提及的地方 Places the plan names", params, view: "places", rows: places,
    columns: [
      { k: "name", label: "名称 Name", text: r => r.name, html: r => `<a class="place" href="${esc(href("places", { ...Object.fromEntries(params), place: r.key }))}" data-focus="place${esc(r.key)}"${r.key === chosen ? ' aria-current="true"' : ""}>${esc(r.name)}</a>` },
      { k: "code", label: "代码 Code", text: r => r.code || "", html: r => r.code ? esc(r.code) : '<span class="muted">无 none</span>' },
      { k: "level", label: "级别 Level", text: r => LEVELS[r.level] || r.level },
      { k: "mentions", label: "提及 Mentions", num: true, text: r => r.mentions },
      { k: "projects", label: "项目 Projects", num: true, text: r => r.projects },
      { k: "bar", label: "图 Chart", plain: "chart", sortable: false, html: r => `<span class="bar" style="width:${Math.round(120 * r.mentions / max)}px" role="img" aria-label="${esc(r.mentions)}"></span>` },
      { k: "iri", label: "IRI", plain: "iri", sortable: false, text: r => r.place, html: r => `<a href="${esc(local(r.place))}">${esc(r.key)}</a>` },
    ],
    facets: [{ k: "level", label: "级别 Level", values: r => [r.level], show: v => LEVELS[v] || v }],
  });
  el.dataset.numbers = "1";
  if (!chosen) return;
  const place = places.find(p => p.key === chosen);
  const name = place ? place.name : chosen;
  const list = await aggregateProjects(await rows("/queries/project-list", { plan: state.plan, place: BASE + "place/" + chosen }));
  const box = $("#place-panel", el);
  box.innerHTML = `<h2 id="place-title" tabindex="-1">${esc(name)} 的项目 <small class="muted">projects in ${esc(name)} (${list.length})</small>
    <a class="close" href="${esc(href("places", [...params].filter(([k]) => k !== "place" && !k.startsWith("pp."))))}">关闭 close</a></h2><div></div>`;
  if (list.length) projectTable($("div", box), list, params, "places", "pp.");
  else $("div", box).innerHTML = `<p class="muted">本规划没有定位在${esc(name)}的项目 no project of this plan is located there.</p>`;
  if (![...params.keys()].some(k => k.startsWith("pp.") || k.startsWith("f.") || k === "sort" || k === "page")) {
    $("#place-title").focus();
    $("#place-title").scrollIntoView({ block: "start" });
  }
}

// --- text: paragraphs and tables as printed, any span marked by its offsets --------------------------------------
function cells(quote, start) {
  // A table as printed: one cell per tab-indented line, rows apart by blank lines; a line without a tab continues
  // the cell above (even across blank lines); Markdown rows (| a | b |) are split at their bars.
  const rowsOut = []; let row = null, last = null, gap = true, at = start;
  for (const line of quote.split("\n")) {
    const chars = Array.from(line), len = chars.length;
    const lineStart = at; at += len + 1;
    if (!line.trim()) { gap = true; continue; }
    if (/^\s*\|/.test(line)) {
      if (/^\s*\|[\s:|-]+\|?\s*$/.test(line)) continue;  // a Markdown rule row
      row = []; rowsOut.push(row);
      let i = chars.indexOf("|") + 1;
      while (i < len) {
        let j = i; while (j < len && chars[j] !== "|") j++;
        row.push({ start: lineStart + i, end: lineStart + j, text: chars.slice(i, j).join("") });
        i = j + 1;
      }
      gap = false; last = row[row.length - 1]; continue;
    }
    if (line.startsWith("\t") || !last) {
      if (gap || !row) { row = []; rowsOut.push(row); }
      last = { start: lineStart + 1, end: lineStart + len, text: chars.slice(1).join("") };
      if (!line.startsWith("\t")) Object.assign(last, { start: lineStart, text: line });
      row.push(last);
    } else {
      last.end = lineStart + len; last.text += "\n" + line;
    }
    gap = false;
  }
  return rowsOut;
}
function marked(text, start, span) {
  // The text with the part inside span [s, e) marked; offsets count code points, as the extraction does.
  const chars = Array.from(text), end = start + chars.length;
  if (!span || span.e <= span.s || span.e <= start || span.s >= end) return esc(text);
  const a = Math.max(0, span.s - start), b = Math.min(chars.length, span.e - start);
  return esc(chars.slice(0, a).join("")) + `<mark class="hit">${esc(chars.slice(a, b).join(""))}</mark>` + esc(chars.slice(b).join(""));
}
async function showText(el, params) {
  const nodes = await rows("/queries/text-view", { plan: state.plan });
  const span = params.has("start") ? { s: +params.get("start"), e: +(params.get("end") ?? params.get("start")) } : null;
  const heads = nodes.filter(n => n.kind !== "Paragraph" && n.kind !== "Table" && n.heading);
  const open = [];  // ends of the headed nodes that hold the current one: its heading level is their number + 2
  const body = nodes.map(n => {
    const s = +n.start;
    if (n.kind === "Paragraph") return `<p class="para" id="t${s}" data-start="${s}" data-end="${n.end}">${marked(n.quote, s, span)} <span class="line muted">L${esc(n.line)}</span></p>`;
    if (n.kind === "Table") {
      const grid = cells(n.quote, s);
      return `<div class="scroll" tabindex="0" role="region" aria-label="表 Table L${esc(n.line)}"><table class="plan-table" id="t${s}" data-start="${s}" data-end="${n.end}"><caption>表 Table · L${esc(n.line)}</caption><tbody>${grid.map((r, i) =>
        `<tr>${r.map(c => { const tag = i === 0 ? "th" : "td";
          return `<${tag}${tag === "th" ? ' scope="col"' : ""} id="c${c.start}" data-start="${c.start}" data-end="${c.end}">${marked(c.text, c.start, span)}</${tag}>`; }).join("")}</tr>`).join("")}</tbody></table></div>`;
    }
    if (!n.heading) return "";
    while (open.length && open[open.length - 1] <= s) open.pop();
    const h = Math.min(6, open.length + 2);
    open.push(+n.end);
    return `<h${h} class="heading ${esc(n.kind)}" id="t${s}" data-start="${s}">${esc(n.heading)}</h${h}>`;
  }).join("");
  el.innerHTML = `<h1>原文 <small class="muted">Text</small></h1><div class="layout">
    <details class="outline-box" open><summary>目录 Outline</summary><nav class="outline" aria-label="目录 Outline">${
      heads.map(h => `<a class="${esc(h.kind)}" href="${esc(textHref(h.start, h.start))}">${esc(h.heading)}</a>`).join("")}</nav></details>
    <article id="text" aria-label="原文 Plan text">${body}</article></div>`;
  if (matchMedia("(max-width: 720px)").matches) $("details.outline-box", el).open = false;
  el.dataset.numbers = "1";
  // The innermost cell or paragraph that holds the mark, else the first node at or after the offset.
  const hit = $("mark.hit", el);
  const target = hit ? (hit.closest("td,th") || hit.closest("p") || hit)
    : span && $$("[data-start]", $("#text", el)).find(x => +x.dataset.start >= span.s);
  if (hit) hit.id = "hit";
  if (target) {
    target.classList.add("target");
    target.tabIndex = -1;
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }
}

// --- audit -------------------------------------------------------------------------------------------------------
async function showAudit(el, params) {
  el.innerHTML = `<h1>审计 <small class="muted">Audit</small></h1><div id="audit"><p class="muted">审计进行中 the audit is running…</p></div>`;
  await new Promise(resolve => auditWhenReady(resolve));
  const a = state.audit;
  if (!a) return;
  const mine = a.findings.filter(f => !f.plan || f.plan === state.plan).map((f, i) => ({ ...f, _key: "f" + i }));
  dataTable($("#audit", el), {
    id: "findings", caption: "审计发现 Audit findings", params, view: "audit", rows: mine, size: 50,
    columns: [
      { k: "severity", label: "级别 Severity", text: r => SEVERITIES[r.severity] || r.severity, html: r => `<span class="badge ${esc(r.severity)}">${esc(SEVERITIES[r.severity] || r.severity)}</span>` },
      { k: "rule", label: "规则 Rule", text: r => r.rule },
      { k: "label", label: "对象 Entity", text: r => r.label, html: r => entityLink(r.entity, r.label) },
      { k: "message", label: "说明 Message", text: r => r.message, html: r => `<div class="finding ${esc(r.severity)}">${esc(r.message)}</div>
        <div class="muted">${Object.entries(r.values).map(([k, v]) => `${esc(k)} = ${esc(v)}`).join("; ")}</div>` },
      { k: "spans", label: "原文 Text", sortable: false, text: r => r.spans.map(s => `${s.start}-${s.end}`).join("; "),
        html: r => r.spans.filter(s => s.start !== undefined).map(s => `<div>${evidence(s.start, s.end, s.line, `“${s.text.trim().slice(0, 24)}”`)}</div>`).join("") },
    ],
    facets: [
      { k: "severity", label: "级别 Severity", values: r => [r.severity], show: v => SEVERITIES[v] || v },
      { k: "rule", label: "规则 Rule", values: r => [r.rule] },
    ],
  });
  el.dataset.numbers = "1";
}

// --- SPARQL: YASGUI, loaded when the view is first opened (api/static/sparql.js) ---------------------------------
function load(src, tag = "script") {
  return new Promise((resolve, reject) => {
    if ($(`[data-src="${src}"]`)) return resolve();
    const x = tag === "script" ? Object.assign(document.createElement("script"), { src }) : Object.assign(document.createElement("link"), { rel: "stylesheet", href: src });
    x.dataset.src = src; x.onload = resolve; x.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(x);
  });
}
async function showSparql(el, params) {
  await Promise.all([load("/static/vendor/yasgui/yasgui.min.css", "link"), load("/static/vendor/yasgui/yasgui.min.js"), load("/static/sparql.js")]);
  await window.plankgSparql(el, params, { state, api, href, esc, planId, ID, BASE });
}

// --- shell -------------------------------------------------------------------------------------------------------
const VIEWS = { goals: showGoals, indicators: showIndicators, projects: showProjects, places: showPlaces, text: showText,
                audit: showAudit, sparql: showSparql };

async function refreshPlans() {
  const list = await api("/plans", { limit: 1000 }, { fresh: true });
  state.plans = list.items;
  const sel = $("#plan");
  const options = state.plans.map(p => `<option value="${esc(p.plan)}">${esc(p.title || p.id)}</option>`).join("");
  if (sel.dataset.options !== options) { sel.innerHTML = options; sel.dataset.options = options; }
  sel.value = state.plan || "";
}

let routing = 0;
async function route() {
  const { view, params } = current();
  const mine = ++routing;
  // The plan comes from the URL; a link without one gets the first plan, written back into the URL.
  const wanted = params.get("plan");
  if (!state.plans.length || (wanted && !state.plans.some(p => planId(p.plan) === wanted))) await refreshPlans();
  const plan = state.plans.find(p => planId(p.plan) === wanted) || state.plans[0];
  if (!plan) { $("#view").innerHTML = `<p class="finding violation">没有规划 no plan in the store</p>`; return; }
  if (wanted !== planId(plan.plan)) { state.plan = plan.plan; history.replaceState(null, "", href(view, params)); }
  state.plan = plan.plan;
  $("#plan").value = state.plan;
  for (const a of $$("#views a")) {
    a.href = href(a.dataset.view);
    if (a.dataset.view === view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  const el = $("#view");
  status("");
  const keepFocus = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.focus : null;
  const sameView = el.dataset.view === view && el.dataset.plan === state.plan;
  if (!sameView) { el.innerHTML = `<p class="muted">载入中 loading…</p>`; delete el.dataset.ready; delete el.dataset.numbers; delete el.dataset.audit; }
  el.dataset.view = view; el.dataset.plan = state.plan;
  document.title = `${$("#views a[aria-current]")?.textContent || "plankg"} · ${plan.title || plan.id} · plankg`;
  try {
    // Data already fetched comes from the cache at once, so a change of filter or sort redraws without a flash.
    await (VIEWS[view] || showGoals)(el, params);
    if (mine !== routing) return;
    el.dataset.ready = view;
    // The control used keeps the focus after the redraw, unless the view moved it (to a new panel's title).
    const moved = document.activeElement && document.activeElement !== document.body && el.contains(document.activeElement);
    if (keepFocus && !moved) $$("[data-focus]").find(x => x.dataset.focus === keepFocus)?.focus();
  } catch (e) {
    if (mine === routing) el.innerHTML = `<p class="finding violation" role="alert">${esc(e.message)}</p>`;
  }
}

async function start() {
  $("#skip").onclick = e => { e.preventDefault(); $("#view").focus(); };
  const sel = $("#plan");
  // The list is asked for again whenever the menu is used: a plan loaded meanwhile appears without a reload.
  sel.addEventListener("focus", () => refreshPlans().catch(() => {}));
  sel.addEventListener("pointerdown", () => refreshPlans().catch(() => {}));
  sel.onchange = () => { state.plan = sel.value; go(current().view, {}); };
  window.onhashchange = route;
  const sectors = api("/queries/sectors", { limit: 1000 }).then(r => { for (const s of r.items) state.sectors.set(s.sector, s); }).catch(() => {});
  await Promise.all([refreshPlans(), sectors]);
  route();
}
start();
