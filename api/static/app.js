// plankg web pages: plain JavaScript over the REST API and /sparql (no build step, no network beyond the server).
"use strict";

const ID = "https://w3id.org/plankg/id/";
const $ = (sel, el = document) => el.querySelector(sel);
const state = { plan: null, audit: null };

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function short(iri) { return String(iri || "").replace(ID, ""); }
function sectorLabel(iri) { return String(iri || "").split("/").pop(); }

async function api(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  const r = await fetch(url);
  if (!r.ok) { const p = await r.json().catch(() => ({})); throw new Error(p.detail || r.statusText); }
  return r.json();
}
async function all(path, params = {}) { return (await api(path, { ...params, limit: 1000 })).items; }

function hashParams() {
  const [view, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { view: view || "goals", params: new URLSearchParams(query || "") };
}
function textLink(start, end, line, words) {
  // By offsets where the API gives them, else by line (and the words to mark in that line).
  const where = start !== undefined && start !== null ? `start=${start}&end=${end}` : `line=${line}&q=${encodeURIComponent(words || "")}`;
  return `<a class="evidence" href="#/text?${where}">原文 L${esc(line)}</a>`;
}

// --- goals ------------------------------------------------------------------------------------
async function showGoals(el, params) {
  const goals = await all("/goals", { plan: state.plan });
  el.innerHTML = `<h2>发展目标 <small class="muted">Goals</small></h2><div id="goals"></div><div id="goal-projects"></div>`;
  $("#goals", el).innerHTML = goals.map((g, i) => `<div class="goal" data-goal="${esc(short(g.goal))}">
      <b>${i + 1}. ${esc(g.title)}</b> <span class="muted">${esc(g.projects)} 个项目 projects (${esc(g.primary ?? "")} 为首要目标 primary) · ${esc(g.indicators)} 项指标 indicators · ${esc(g.subgoals ?? 0)} 个分目标 sub-goals · L${esc(g.line)}</span></div>`).join("");
  for (const div of el.querySelectorAll(".goal")) div.onclick = () => { location.hash = `#/goals?goal=${div.dataset.goal}`; };
  const chosen = params.get("goal");
  if (!chosen) return;
  el.querySelector(`.goal[data-goal="${CSS.escape(chosen)}"]`)?.classList.add("active");
  const rows = await all(`/goals/${chosen}/projects`);
  const byProject = new Map();  // rows come strongest first: primary links, then by score
  for (const r of rows) {
    const p = byProject.get(r.project) || { ...r, sectors: new Set() };
    if (r.sector) p.sectors.add(sectorLabel(r.sector));
    byProject.set(r.project, p);
  }
  const primary = [...byProject.values()].filter(p => String(p.rank) === "1").length;
  const reasons = p => esc(p.matched).split("；").map(x => `<li>${x}</li>`).join("");
  $("#goal-projects", el).innerHTML = `<h3>服务该目标的项目 <small class="muted">${byProject.size} projects serving it, ${primary} as their primary goal</small></h3><ul>` +
    [...byProject.values()].map(p => `<li class="project" data-rank="${esc(p.rank)}"><b>${esc(p.name)}</b>
       <span class="badge">${String(p.rank) === "1" ? "首要 primary" : `第${esc(p.rank)}位 rank ${esc(p.rank)}`}</span>
       <span class="badge">得分 score ${esc(p.score)}</span> <span class="badge">${esc([...p.sectors].join("、"))}</span>
       ${p.sectorOnly === true || p.sectorOnly === "true" ? `<span class="badge warn">仅凭行业 sector only — check it</span>` : ""}
       ${textLink(null, null, p.line, p.name)} <span class="muted">${esc(p.chapter || "")}</span>
       ${p.specificTitle && !goals.some(g => g.goal === p.specific) ? `<br><span class="muted">分目标 via sub-goal: ${esc(p.specificTitle)}</span>` : ""}
       <details><summary class="muted">依据 because</summary><ul class="reasons">${reasons(p)}</ul></details></li>`).join("") + "</ul>";
}

// --- indicators -----------------------------------------------------------------------------------
async function showIndicators(el, params) {
  const binding = params.get("binding") || "";
  const category = params.get("category") || "";
  const [rows, mentions, audit] = await Promise.all([
    all("/indicators", { plan: state.plan, binding, category }),
    all("/queries/mentions", { plan: state.plan }),
    getAudit()]);
  const cats = [...new Set((await all("/indicators", { plan: state.plan })).map(r => r.cat).filter(Boolean))];
  el.innerHTML = `<h2>指标 <small class="muted">Indicators</small></h2>
    <p><label>属性 Attribute <select id="f-binding"><option value="">全部 all</option><option value="true">约束性 binding</option><option value="false">预期性 expected</option></select></label>
       <label>类别 Category <select id="f-category"><option value="">全部 all</option>${cats.map(c => `<option>${esc(c)}</option>`).join("")}</select></label>
       <span class="muted" id="count">${rows.length} 项 rows</span></p>
    <table id="indicators"><thead><tr><th data-k="name">指标 Indicator</th><th data-k="cat">类别</th><th data-k="attr">属性</th><th data-k="unit">单位</th>
      <th data-k="baseline" class="num">基期</th><th data-k="target" class="num">目标</th><th data-k="growth" class="num">增长</th><th>图 Chart</th><th>正文 · 审计</th></tr></thead><tbody></tbody></table>`;
  $("#f-binding", el).value = binding; $("#f-category", el).value = category;
  const refilter = () => { location.hash = `#/indicators?binding=${$("#f-binding").value}&category=${encodeURIComponent($("#f-category").value)}`; };
  $("#f-binding", el).onchange = refilter; $("#f-category", el).onchange = refilter;
  const byInd = new Map();
  for (const m of mentions) { if (!byInd.has(m.indicator)) byInd.set(m.indicator, []); byInd.get(m.indicator).push(m); }
  const findings = new Map();
  for (const f of audit.findings) { if (!findings.has(f.entity)) findings.set(f.entity, []); findings.get(f.entity).push(f); }
  let sorted = rows.slice();
  const render = () => {
    $("tbody", el).innerHTML = sorted.map(r => {
      const b = parseFloat(r.baseline), t = parseFloat(r.target);
      const max = Math.max(b || 0, t || 0) || 1;
      const chart = isFinite(b) && isFinite(t) && !String(r.baseline).includes("〔")
        ? `<span class="bar" style="width:${Math.round(60 * b / max)}px" title="${esc(r.baseline)}"></span><br><span class="bar t" style="width:${Math.round(60 * t / max)}px" title="${esc(r.target)}"></span>` : "";
      const ms = (byInd.get(r.indicator) || []).map(m => `<div>“${esc(m.value)}” ${textLink(null, null, m.line, m.value)}</div>`).join("");
      const fs = (findings.get(r.indicator) || []).filter(f => f.severity !== "info")
        .map(f => `<div class="finding ${esc(f.severity)}">${esc(f.message)}</div>`).join("");
      const attr = (r.attr || "").endsWith("Binding") ? `<span class="badge binding">约束性</span>` : (r.attr ? "预期性" : "—");
      return `<tr class="indicator"><td>${esc(r.name)}</td><td>${esc(r.cat)}</td><td>${attr}</td><td>${esc(r.unit)}</td>
        <td class="num">${esc(r.baseline)}</td><td class="num">${esc(r.target)}</td><td class="num">${esc(r.growth)}</td><td>${chart}</td><td>${ms}${fs}</td></tr>`;
    }).join("");
  };
  let asc = true;
  for (const th of el.querySelectorAll("th[data-k]")) th.onclick = () => {
    const k = th.dataset.k; asc = !asc;
    sorted.sort((x, y) => { const a = parseFloat(x[k]), b = parseFloat(y[k]);
      const c = isFinite(a) && isFinite(b) ? a - b : String(x[k] ?? "").localeCompare(String(y[k] ?? ""), "zh");
      return asc ? c : -c; });
    render();
  };
  render();
}

// --- places -----------------------------------------------------------------------------------------
async function showPlaces(el, params) {
  const places = await all("/places", { plan: state.plan });
  const max = Math.max(...places.map(p => +p.mentions), 1);
  el.innerHTML = `<h2>地方 <small class="muted">Places</small></h2>
    <table id="places"><thead><tr><th>代码 Code</th><th>名称 Name</th><th>级别</th><th class="num">提及 Mentions</th><th class="num">项目 Projects</th><th></th></tr></thead><tbody>${
      places.map(p => `<tr class="place" data-code="${esc(p.code)}"><td>${esc(p.code)}</td><td><a href="#/places?code=${esc(p.code)}">${esc(p.name)}</a></td><td>${esc(p.level)}</td>
        <td class="num">${esc(p.mentions)}</td><td class="num">${esc(p.projects)}</td><td><span class="bar" style="width:${Math.round(160 * p.mentions / max)}px"></span></td></tr>`).join("")}</tbody></table>
    <div id="place-projects"></div>`;
  const code = params.get("code");
  if (code) {
    const ps = await all(`/places/${encodeURIComponent(code)}/projects`);
    $("#place-projects", el).innerHTML = `<h3>${esc(code)} 的项目 projects (${ps.length})</h3><ul>` +
      ps.map(p => `<li>${esc(p.name)} <span class="badge">${esc(sectorLabel(p.sector))}</span> <span class="muted">L${esc(p.line)}</span></li>`).join("") + "</ul>";
  }
}

// --- text ---------------------------------------------------------------------------------------------
async function showText(el, params) {
  const nodes = await all(`/plans/${short(state.plan)}/text`);
  const start = +params.get("start"), end = +params.get("end");
  const heads = nodes.filter(n => n.kind !== "Paragraph" && n.kind !== "Table" && n.heading);
  el.innerHTML = `<h2>原文 <small class="muted">Text</small></h2><div class="layout"><nav class="outline">${
    heads.map(h => `<a class="${esc(h.kind)}" href="#/text?start=${h.start}&end=${h.start}">${esc(h.heading)}</a>`).join("")}</nav><div id="text"></div></div>`;
  const line = +params.get("line"), words = params.get("q") || "";
  $("#text", el).innerHTML = nodes.map(n => {
    if (n.kind === "Paragraph") {
      let body = esc(n.text);
      const s = +n.start, e = +n.end, t = n.text;
      let a = -1, b = -1;
      if (params.has("start") && start < e && end > s) {
        a = Math.max(0, start - s); b = Math.min(e - s, Math.max(end - s, a + 1));
      } else if (params.has("line") && +n.line === line) {
        a = words && t.includes(words) ? t.indexOf(words) : 0;
        b = words && t.includes(words) ? a + words.length : t.length;
      }
      if (a >= 0) body = esc(t.slice(0, a)) + `<mark id="hit">${esc(t.slice(a, b))}</mark>` + esc(t.slice(b));
      return `<p class="para" id="o${s}" data-start="${s}">${body} <span class="muted">L${esc(n.line)}</span></p>`;
    }
    return n.heading && n.kind !== "Table" ? `<div class="heading" id="o${esc(n.start)}">${esc(n.heading)}</div>` : "";
  }).join("");
  const target = $("#hit") || (params.has("start") && [...el.querySelectorAll("[id^=o]")].find(x => +x.id.slice(1) >= start));
  if (target) target.scrollIntoView({ block: "center" });
}

// --- audit ---------------------------------------------------------------------------------------------
async function getAudit() { if (!state.audit) state.audit = await api("/audit"); return state.audit; }
async function showAudit(el) {
  const a = await getAudit();
  const mine = a.findings.filter(f => !state.plan || f.plan === state.plan);
  el.innerHTML = `<h2>审计 <small class="muted">Audit</small></h2>
    <p>${["violation", "warning", "info"].map(s => `<span class="badge ${s}">${s}: ${mine.filter(f => f.severity === s).length}</span>`).join(" ")}</p>` +
    mine.map(f => `<div class="finding ${esc(f.severity)}"><b>${esc(f.severity)}</b> · ${esc(f.rule)} · ${esc(f.label)}<br>${esc(f.message)}
      <div class="muted">${Object.entries(f.values).map(([k, v]) => `${esc(k)} = ${esc(v)}`).join("; ")}</div>
      ${f.spans.filter(s => s.line).map(s => `<div>“${esc(s.text.slice(0, 80))}” ${textLink(s.start, s.end, s.line)}</div>`).join("")}</div>`).join("");
}

// --- SPARQL -----------------------------------------------------------------------------------------------
function highlight(q) {
  return esc(q).replace(/(#[^\n]*)|(&lt;[^&\s]*&gt;)|("[^"\n]*")|(\?\w+)|\b(SELECT|WHERE|PREFIX|GRAPH|OPTIONAL|FILTER|BIND|AS|ORDER|BY|GROUP|VALUES|UNION|DISTINCT|LIMIT|OFFSET|CONSTRUCT|ASK|COUNT|NOT|EXISTS|DESC|ASC|HAVING)\b/g,
    (m, c, i, s, v, k) => c ? `<span class="cmt">${c}</span>` : i ? `<span class="iri">${i}</span>` : s ? `<span class="str">${s}</span>` : v ? `<span class="var">${v}</span>` : `<span class="kw">${k}</span>`) + "\n";
}
async function showSparql(el) {
  const queries = await api("/queries");
  el.innerHTML = `<h2>SPARQL</h2>
    <p><label>示例 Named query <select id="examples"><option value="">—</option>${queries.map(q => `<option value="${esc(q.name)}">${esc(q.title)}</option>`).join("")}</select></label>
      <button id="run">运行 Run</button> <button id="csv">CSV</button> <button id="json">JSON</button> <span class="muted" id="status"></span></p>
    <div class="editor"><pre id="hl" aria-hidden="true"></pre><textarea id="q" spellcheck="false">SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10</textarea></div>
    <div id="results"></div>`;
  const q = $("#q", el), hl = $("#hl", el);
  const sync = () => { hl.innerHTML = highlight(q.value); hl.scrollTop = q.scrollTop; };
  q.oninput = sync; q.onscroll = sync; sync();
  $("#examples", el).onchange = e => {
    const nq = queries.find(x => x.name === e.target.value);
    if (!nq) return;
    // The plan in view fills a plan parameter; other required parameters get an example to edit.
    const example = p => p.name === "plan" ? `<${state.plan}>` : p.type === "gbt2260" ? '"654202"^^<https://w3id.org/plankg/ontology#GBT2260>'
      : p.type === "iri" ? `<${state.plan}>` : '""';
    const values = Object.fromEntries(nq.params.filter(p => p.required || p.name === "plan").map(p => [p.name, example(p)]));
    let text = nq.sparql;
    if (nq.params.length) {
      const vals = nq.params.map(p => values[p.name] ?? "UNDEF").join(" ");
      text = text.replace(/\bWHERE\s*\{/i, m => `${m}\n  VALUES (${nq.params.map(p => "?" + p.name).join(" ")}) { (${vals}) }`);
    }
    q.value = text; sync();
  };
  const post = accept => fetch("/sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query", "Accept": accept }, body: q.value });
  $("#run", el).onclick = async () => {
    $("#status").textContent = "…";
    const r = await post("application/sparql-results+json");
    if (!r.ok) { const p = await r.json(); $("#status").textContent = `${r.status} ${p.title}: ${p.detail}`; $("#results").innerHTML = ""; return; }
    const res = await r.json();
    const vars = res.head.vars || [];
    const rows = res.results ? res.results.bindings : [];
    $("#status").textContent = res.boolean !== undefined ? String(res.boolean) : `${rows.length} 行 rows` + (r.headers.get("X-Result-Truncated") ? " (cut: " + r.headers.get("X-Result-Truncated") + ")" : "");
    $("#results").innerHTML = `<table id="result-table"><thead><tr>${vars.map(v => `<th>${esc(v)}</th>`).join("")}</tr></thead><tbody>${
      rows.map(b => `<tr>${vars.map(v => `<td>${esc(b[v] ? b[v].value : "")}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  };
  for (const [id, accept, ext] of [["csv", "text/csv", "csv"], ["json", "application/sparql-results+json", "json"]]) {
    $("#" + id, el).onclick = async () => {
      const blob = await (await post(accept)).blob();
      const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `results.${ext}` });
      a.click();
    };
  }
}

// --- shell -----------------------------------------------------------------------------------------------
const VIEWS = { goals: showGoals, indicators: showIndicators, places: showPlaces, text: showText, audit: showAudit, sparql: showSparql };

async function route() {
  const { view, params } = hashParams();
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === view);
  const el = $("#view");
  el.innerHTML = `<p class="muted">载入中 loading…</p>`;
  try { await (VIEWS[view] || showGoals)(el, params); el.dataset.ready = view; }
  catch (e) { el.innerHTML = `<p class="finding violation">${esc(e.message)}</p>`; }
}

async function start() {
  const plans = await all("/plans");
  const sel = $("#plan");
  sel.innerHTML = plans.map(p => `<option value="${esc(p.plan)}">${esc(p.title || p.id)}</option>`).join("");
  state.plan = localStorage.getItem("plankg.plan");
  if (!plans.some(p => p.plan === state.plan)) state.plan = plans.length ? plans[0].plan : null;
  sel.value = state.plan;
  sel.onchange = () => { state.plan = sel.value; localStorage.setItem("plankg.plan", state.plan); route(); };
  window.onhashchange = route;
  route();
}
start();
