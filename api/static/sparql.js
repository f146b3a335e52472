// The SPARQL view: YASGUI (vendored under /static/vendor/yasgui/, nothing fetched from elsewhere) on this server's
// /sparql, with completion of our ontology's terms, typed forms for the named queries, history, permalinks and
// downloads in every result format. Loaded by app.js when the view is first opened.
"use strict";

(function () {
  const PREFIXES = {
    pkg: "https://w3id.org/plankg/ontology#", sector: "https://w3id.org/plankg/sector/", place: "https://w3id.org/plankg/place/",
    unit: "https://w3id.org/plankg/unit/", rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#", rdfs: "http://www.w3.org/2000/01/rdf-schema#",
    skos: "http://www.w3.org/2004/02/skos/core#", dct: "http://purl.org/dc/terms/", prov: "http://www.w3.org/ns/prov#",
    oa: "http://www.w3.org/ns/oa#", qb: "http://purl.org/linked-data/cube#", xsd: "http://www.w3.org/2001/XMLSchema#",
    owl: "http://www.w3.org/2002/07/owl#", "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
  };
  const FORMATS = {
    select: [["CSV", "text/csv", "csv"], ["TSV", "text/tab-separated-values", "tsv"], ["JSON", "application/sparql-results+json", "json"], ["XML", "application/sparql-results+xml", "xml"]],
    graph: [["Turtle", "text/turtle", "ttl"], ["JSON-LD", "application/ld+json", "jsonld"], ["N-Triples", "application/n-triples", "nt"]],
  };
  const HISTORY = "plankg.sparql.history";
  const DEFAULT = "PREFIX pkg: <https://w3id.org/plankg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\nSELECT ?indicator ?name WHERE {\n  GRAPH ?g { ?indicator a pkg:Indicator ; rdfs:label ?name }\n} LIMIT 100\n";
  let yasgui = null, terms = null;

  // Our ontology's classes and properties, from the vocabulary graph, for completion (asked once).
  async function ontologyTerms() {
    if (terms) return terms;
    const q = `PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
      SELECT DISTINCT ?t ?k WHERE { GRAPH <https://w3id.org/plankg/graph/vocabulary> {
        ?t a ?k . FILTER (?k IN (owl:Class, rdfs:Class, owl:ObjectProperty, owl:DatatypeProperty, rdf:Property)) } } ORDER BY ?t`;
    const r = await fetch("/sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
      body: "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" + q });
    const rows = r.ok ? (await r.json()).results.bindings : [];
    terms = { classes: [], properties: [] };
    for (const b of rows) (/Class$/.test(b.k.value) ? terms.classes : terms.properties).push(b.t.value);
    return terms;
  }

  // A chart of SELECT results: one bar per row, a label column against a numeric column the user picks.
  // Drawn as plain SVG (no chart library to vendor); offered only when some column holds numbers.
  const NUMERIC = /#(decimal|integer|double|float|long|int|short|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger)$/;
  const MAX_BARS = 200;
  class ChartPlugin {
    constructor(yasr) { this.yasr = yasr; this.priority = 5; this.label = "图表 Chart"; this.column = null; }
    columns() {
      const r = this.yasr.results;
      if (!r || !r.getBindings || !r.getVariables) return { numeric: [], labels: [] };
      const rows = r.getBindings(), vars = r.getVariables();
      const numeric = vars.filter(v => rows.some(b => b[v] && NUMERIC.test(b[v].datatype || "")) &&
        rows.every(b => !b[v] || NUMERIC.test(b[v].datatype || "")));
      return { numeric, labels: vars.filter(v => !numeric.includes(v)) };
    }
    canHandleResults() { return this.columns().numeric.length > 0; }
    getIcon() {
      const i = document.createElement("span");
      i.textContent = "▤"; i.setAttribute("aria-hidden", "true");
      return i;
    }
    draw() {
      const { numeric, labels } = this.columns();
      const rows = this.yasr.results.getBindings();
      if (!numeric.includes(this.column)) this.column = numeric[0];
      const name = b => labels.map(v => b[v] ? (b[v].type === "uri" ? b[v].value.split(/[/#]/).pop() : b[v].value) : "").filter(Boolean).join(" · ") || "—";
      const shown = rows.filter(b => b[this.column]).slice(0, MAX_BARS);
      const values = shown.map(b => Number(b[this.column].value));
      const max = Math.max(0, ...values), min = Math.min(0, ...values), span = (max - min) || 1;
      const W = 640, labelW = 220, bar = 18, gap = 4, plot = W - labelW - 80;
      const x = v => labelW + ((v - min) / span) * plot;
      const svg = [`<svg class="plankg-chart" role="img" viewBox="0 0 ${W} ${shown.length * (bar + gap) + 8}" width="100%"
        aria-label="${escAttr(`${this.column}: ${shown.length} 行 rows`)}">`];
      shown.forEach((b, i) => {
        const v = values[i], y = 4 + i * (bar + gap), x0 = x(Math.min(0, v)), w = Math.abs(x(v) - x(0));
        svg.push(`<g><title>${escAttr(name(b))}: ${escAttr(b[this.column].value)}</title>
          <text x="${labelW - 6}" y="${y + bar - 5}" text-anchor="end">${escAttr(name(b).slice(0, 24))}</text>
          <rect class="bar" x="${x0}" y="${y}" width="${Math.max(w, 1)}" height="${bar}"></rect>
          <text x="${Math.max(x(v), x(0)) + 4}" y="${y + bar - 5}">${escAttr(b[this.column].value)}</text></g>`);
      });
      svg.push("</svg>");
      const picker = numeric.length > 1 ? `<label>数值列 Value column <select class="chart-column">${numeric.map(v =>
        `<option${v === this.column ? " selected" : ""}>${escAttr(v)}</option>`).join("")}</select></label>` : "";
      const cut = rows.length > shown.length ? `<p class="muted">前 ${shown.length} 行 the first ${shown.length} of ${rows.length} rows</p>` : "";
      this.yasr.resultsEl.innerHTML = `<div class="chart">${picker}${cut}${svg.join("")}</div>`;
      const select = this.yasr.resultsEl.querySelector(".chart-column");
      if (select) select.onchange = e => { this.column = e.target.value; this.draw(); };
    }
  }
  function escAttr(s) { return String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }

  function registerCompleters(Yasqe) {
    if (Yasqe.Autocompleters.plankgClass) return;
    Yasqe.forkAutocompleter("class", { name: "plankgClass", bulk: true, persistenceId: null, get: () => ontologyTerms().then(t => t.classes) }, false);
    Yasqe.forkAutocompleter("property", { name: "plankgProperty", bulk: true, persistenceId: null, get: () => ontologyTerms().then(t => t.properties) }, false);
  }

  // A parameter's value as an RDF term in SPARQL syntax, checked for its declared type (as queries/named.py does).
  function term(value, p, ctx) {
    const lit = s => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
    if (p.type === "iri") {
      let iri = value;
      const [prefix, ...rest] = value.split(":");
      if (PREFIXES[prefix] && rest.length && !rest.join(":").startsWith("//")) iri = PREFIXES[prefix] + rest.join(":");
      else if (p.name === "plan" && !value.includes(":")) iri = ctx.ID + value;
      if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"{}|\\^`]*$/.test(iri)) throw new Error(`${p.name}: 不是 IRI not an IRI: ${value}`);
      return `<${iri}>`;
    }
    if (p.type === "gbt2260") {
      if (!/^(\d{6}|[a-z]+(-\d+)?)$/.test(value)) throw new Error(`${p.name}: 不是 GB/T 2260 代码 not a GB/T 2260 code: ${value}`);
      return `${lit(value)}^^<https://w3id.org/plankg/ontology#GBT2260>`;
    }
    if (p.type === "integer") { if (!/^[+-]?\d+$/.test(value)) throw new Error(`${p.name}: 不是整数 not an integer`); return value; }
    if (p.type === "decimal") { if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) throw new Error(`${p.name}: 不是小数 not a decimal`); return `${lit(value)}^^<http://www.w3.org/2001/XMLSchema#decimal>`; }
    if (p.type === "zh") return `${lit(value)}@zh`;
    return lit(value);
  }
  function bind(nq, values, ctx) {
    if (!nq.params.length) return nq.sparql;
    const row = nq.params.map(p => {
      const v = (values[p.name] ?? "").trim();
      if (!v) { if (p.required) throw new Error(`${p.name}: 必填 required (${p.description})`); return "UNDEF"; }
      return term(v, p, ctx);
    });
    const block = `VALUES (${nq.params.map(p => "?" + p.name).join(" ")}) { (${row.join(" ")}) }`;
    return nq.sparql.replace(/\bWHERE\s*\{/i, m => `${m}\n  ${block}`);
  }

  // Suggestions for a parameter: values of the right kind, never the plan's IRI for a goal or a sector.
  async function suggestions(p, ctx) {
    const { api, state, planId } = ctx;
    const items = async (path, params) => (await api(path, { ...params, limit: 1000 })).items;
    if (p.name === "plan") return state.plans.map(x => [planId(x.plan), x.title]);
    if (p.name === "goal") return (await items("/goals", { plan: state.plan })).map(g => [g.goal, g.title]);
    if (p.name === "sector") return [...state.sectors.values()].map(s => [s.sector.replace(PREFIXES.sector, "sector:"), `${s.zh} ${s.en || ""}`]);
    if (p.name === "attribute") return [["pkg:Binding", "约束性 binding"], ["pkg:Expected", "预期性 expected"]];
    if (p.name === "place" || p.type === "gbt2260") {
      const places = await items("/places", { plan: state.plan });
      return places.filter(x => p.type !== "gbt2260" || x.code).map(x => [p.type === "gbt2260" ? x.code : "place:" + x.place.split("/").pop(), x.name]);
    }
    if (p.name === "name" || p.name === "category") {
      const inds = await items("/indicators", { plan: state.plan });
      return [...new Set(inds.map(i => p.name === "name" ? i.name.split("：").pop() : i.cat).filter(Boolean))].map(v => [v, ""]);
    }
    return [];
  }

  function pastQueries() { try { return JSON.parse(localStorage.getItem(HISTORY)) || []; } catch { return []; } }
  function remember(q) { localStorage.setItem(HISTORY, JSON.stringify([q, ...pastQueries().filter(x => x !== q)].slice(0, 20))); }

  window.plankgSparql = async function (el, params, ctx) {
    const { esc, href, api, state, planId } = ctx;
    const queries = await api("/queries");
    const named = params.get("named") || "";
    el.innerHTML = `<h1>SPARQL <small class="muted">查询 query</small></h1>
      <form id="named-form" class="named" aria-label="命名查询 Named query">
        <label>命名查询 Named query <select id="examples" name="named"><option value="">— 选择 choose —</option>${queries.map(q =>
          `<option value="${esc(q.name)}"${q.name === named ? " selected" : ""}>${esc(q.title)}</option>`).join("")}</select></label>
        <p id="named-description" class="muted"></p>
        <fieldset id="named-params" hidden><legend>参数 Parameters</legend></fieldset>
        <p><button type="submit" id="run-named">填入并运行 Bind and run</button></p>
      </form>
      <div class="toolbar">
        <label>历史 History <select id="history"></select></label>
        <button type="button" id="permalink">复制链接 Copy link</button>
        <span id="downloads" role="group" aria-label="下载结果 Download the results"></span>
      </div>
      <p id="sparql-status" role="status"></p>
      <div id="yasgui"></div>`;
    const Yasgui = window.Yasgui;
    registerCompleters(Yasgui.Yasqe);
    if (!Yasgui.Yasr.plugins.chart) Yasgui.Yasr.registerPlugin("chart", ChartPlugin);
    const endpoint = location.origin + "/sparql";
    yasgui = new Yasgui($("#yasgui"), {
      requestConfig: { endpoint, method: "POST" }, copyEndpointOnNewTab: false, populateFromUrl: false, persistenceId: null,
      endpointCatalogueOptions: { getData: () => [{ endpoint }] },
      yasqe: { autocompleters: ["prefixes", "variables", "plankgClass", "plankgProperty"], prefixCcApi: "/static/prefixes.json",
               persistenceId: null, editorHeight: "18rem", resizeable: true },
      yasr: { prefixes: PREFIXES, persistenceId: null, pluginOrder: ["table", "chart", "response"], defaultPlugin: "table",
              plugins: { table: { dynamicConfig: { pageSize: 50 } } } },
    });
    const tab = yasgui.getTab();
    tab.setEndpoint(endpoint);
    const yasqe = tab.getYasqe(), yasr = tab.getYasr();
    yasqe.getWrapperElement().setAttribute("aria-label", "SPARQL 查询 query");
    const input = yasqe.getInputField ? yasqe.getInputField() : yasqe.getWrapperElement().querySelector("textarea");
    if (input) { input.setAttribute("aria-label", "SPARQL 查询 query"); input.id = "query-input"; }
    const status = (text, bad = false) => { const s = $("#sparql-status"); s.textContent = text; s.className = bad ? "finding violation" : "muted"; s.setAttribute("role", bad ? "alert" : "status"); };

    // The query lives in the URL: opening a copied link restores it.
    const setUrl = () => {
      const p = new URLSearchParams(params);
      p.set("query", yasqe.getValue());
      history.replaceState(null, "", href("sparql", p));
    };
    yasqe.setValue(params.get("query") || DEFAULT);
    let timer = null;
    yasqe.on("change", () => { clearTimeout(timer); timer = setTimeout(setUrl, 300); drawDownloads(); });
    const drawHistory = () => {
      $("#history").innerHTML = `<option value="">—</option>` + pastQueries().map((q, i) =>
        `<option value="${i}">${esc(q.replace(/\s+/g, " ").slice(0, 90))}</option>`).join("");
    };
    drawHistory();
    yasqe.on("query", () => { remember(yasqe.getValue()); drawHistory(); setUrl(); status("…"); });
    yasr.on("drawn", () => {
      // IRIs this server mints open their own pages here.
      for (const a of yasr.resultsEl.querySelectorAll("a[href^='https://w3id.org/plankg/']")) {
        a.href = a.getAttribute("href").replace("https://w3id.org/plankg/", "/");
        a.removeAttribute("target");
      }
      const n = yasr.results && yasr.results.getBindings ? yasr.results.getBindings().length : null;
      status(n === null ? "" : `${n} 行 rows`);
      el.dataset.results = String(n ?? "");
    });
    yasqe.on("queryResponse", (_y, response) => {
      if (response && response.status >= 400) status(`${response.status}: ${(response.body && response.body.detail) || response.text || ""}`, true);
    });

    // Named queries: a form typed by each parameter's declared type.
    const form = $("#named-form"), fields = $("#named-params");
    const showForm = async name => {
      const nq = queries.find(q => q.name === name);
      fields.hidden = !nq || !nq.params.length;
      $("#named-description").textContent = nq ? nq.description : "";
      fields.innerHTML = "<legend>参数 Parameters</legend>";
      if (!nq) return;
      for (const p of nq.params) {
        const id = "param-" + p.name;
        const value = params.get("p." + p.name) ?? (p.name === "plan" ? planId(state.plan) : "");
        const kind = p.type === "integer" ? 'type="number" step="1"' : p.type === "decimal" ? 'inputmode="decimal"' : 'type="text"';
        const pattern = p.type === "gbt2260" ? ' pattern="\\d{6}|[a-z]+(-\\d+)?"' : "";
        fields.insertAdjacentHTML("beforeend", `<div class="param"><label for="${id}">${esc(p.name)} <small class="muted">${esc(p.type)}${p.required ? " · 必填 required" : ""} — ${esc(p.description)}</small></label>
          <input id="${id}" name="${esc(p.name)}" ${kind}${pattern}${p.required ? " required" : ""} value="${esc(value)}" list="${id}-list" autocomplete="off">
          <datalist id="${id}-list"></datalist></div>`);
        suggestions(p, ctx).then(list => {
          $(`#${id}-list`).innerHTML = list.map(([v, label]) => `<option value="${esc(v)}">${esc(label)}</option>`).join("");
        }).catch(() => {});
      }
    };
    $("#examples").onchange = e => {
      const p = new URLSearchParams(params);
      for (const k of [...p.keys()]) if (k.startsWith("p.") || k === "named" || k === "query") p.delete(k);
      if (e.target.value) p.set("named", e.target.value);
      params = p; history.replaceState(null, "", href("sparql", p));
      showForm(e.target.value);
    };
    form.onsubmit = e => {
      e.preventDefault();
      const nq = queries.find(q => q.name === $("#examples").value);
      if (!nq) return status("先选择一个命名查询 choose a named query first", true);
      const values = Object.fromEntries([...fields.querySelectorAll("input")].map(i => [i.name, i.value]));
      let text;
      try { text = bind(nq, values, ctx); } catch (err) { return status(err.message, true); }
      const p = new URLSearchParams(params);
      for (const [k, v] of Object.entries(values)) { p.delete("p." + k); if (v) p.set("p." + k, v); }
      params = p;
      yasqe.setValue(text);
      setUrl();
      yasqe.query();
    };
    await showForm(named);

    $("#history").onchange = e => { const q = pastQueries()[+e.target.value]; if (q) yasqe.setValue(q); };
    $("#permalink").onclick = async () => {
      setUrl();
      try { await navigator.clipboard.writeText(location.href); status("链接已复制 link copied"); }
      catch { status(`链接 link: ${location.href}`); }
    };

    // Downloads ask the server for the chosen format; a failed query shows its error instead of a file.
    function drawDownloads() {
      const type = (yasqe.getQueryType && yasqe.getQueryType()) || "SELECT";
      const graph = type === "CONSTRUCT" || type === "DESCRIBE";
      const list = FORMATS[graph ? "graph" : "select"];
      const box = $("#downloads");
      const key = list.map(f => f[2]).join();
      if (box.dataset.key === key) return;
      box.dataset.key = key;
      box.innerHTML = "下载 Download: " + list.map(([label, media, ext]) => `<button type="button" data-media="${esc(media)}" data-ext="${ext}" id="download-${ext}">${label}</button>`).join(" ");
      for (const b of box.querySelectorAll("button")) b.onclick = async () => {
        status("…");
        const r = await fetch("/sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query", Accept: b.dataset.media }, body: yasqe.getValue() });
        if (!r.ok) {
          const p = await r.json().catch(() => ({}));
          return status(`${r.status} ${p.title || r.statusText}: ${p.detail || ""}`, true);
        }
        const blob = await r.blob();
        Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `results.${b.dataset.ext}` }).click();
        status(`已下载 downloaded results.${b.dataset.ext}` + (r.headers.get("X-Result-Truncated") ? ` (截断 cut: ${r.headers.get("X-Result-Truncated")})` : ""));
      };
    }
    drawDownloads();
    el.dataset.numbers = "1";
    function $(sel) { return el.querySelector(sel); }
  };
})();
