/* school-monitor dashboard: reads the embedded aggregates, applies the filters and draws with Plotly.
   Every label from the configuration goes in as text (textContent, or entity-escaped for Plotly), never as HTML.
   All statistics (rolling shares, Wilson intervals) were computed in Python; this script only slices and sums. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("dashboard-data").textContent);
  var T = D.texts;
  var ALL = -1;
  var COLOURS = { negatief: "#c0392b", neutraal: "#95a5a6", positief: "#27ae60", onzeker: "#e0b000",
                  ongelabeld: "#d5d8dc", open: "#e67e22", handled: "#2e86c1" };
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
                 "#d62728"];
  /* typesetMath off: a label with dollar signs is text, not LaTeX. */
  var PLOT_CONFIG = { displaylogo: false, responsive: true, typesetMath: false,
                      modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var el = function (id) { return document.getElementById(id); };
  var state = {};
  var pending = [];  /* the charts being drawn; the page is marked rendered when all are done */

  /* Plotly renders a few HTML-like tags in labels; entities make any label show literally. */
  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function label(value) { return D.labels[value] || value; }
  function zeros(n) { var out = []; for (var i = 0; i < n; i++) { out.push(0); } return out; }
  function range(a, b) { var out = []; for (var i = a; i <= b; i++) { out.push(i); } return out; }
  function sum(values) { return values.reduce(function (a, b) { return a + b; }, 0); }

  function option(select, value, text) {
    var o = document.createElement("option");
    o.value = String(value);
    o.textContent = text;
    select.appendChild(o);
  }

  function setupFilters() {
    var from = el("filter-from"), to = el("filter-to");
    D.weeks.forEach(function (week, i) { option(from, i, week); option(to, i, week); });
    from.value = String(Math.max(0, D.weeks.length - 26));
    to.value = String(D.weeks.length - 1);
    var school = el("filter-school");
    D.schools.forEach(function (s, i) { option(school, i, s.name); });
    if (D.schools.length > 1) { option(school, ALL, T.all_schools); }
    var source = el("filter-source");
    option(source, ALL, T.all_sources);
    D.sources.forEach(function (name, i) { option(source, i, name); });
    var category = el("filter-category");
    option(category, "", T.all_categories);
    D.categories.forEach(function (name) { option(category, name, label(name)); });
    ["filter-from", "filter-to", "filter-school", "filter-source", "filter-category"].forEach(function (id) {
      el(id).addEventListener("change", render);
    });
  }

  function readFilters() {
    var a = Number(el("filter-from").value), b = Number(el("filter-to").value);
    state = { from: Math.min(a, b), to: Math.max(a, b), school: Number(el("filter-school").value),
              source: Number(el("filter-source").value), category: el("filter-category").value };
    state.weeks = D.weeks.slice(state.from, state.to + 1);
  }

  /* Posts per key and week in the period: keyOf(row) returns a key, or null to skip the row. */
  function tally(keyOf) {
    var c = D.cube, out = {}, n = state.to - state.from + 1;
    for (var i = 0; i < c.posts.length; i++) {
      var w = c.week[i];
      if (w < state.from || w > state.to) { continue; }
      if (state.source !== ALL && c.source[i] !== state.source) { continue; }
      var key = keyOf(i);
      if (key === null) { continue; }
      if (!out[key]) { out[key] = zeros(n); }
      out[key][w - state.from] += c.posts[i];
    }
    return out;
  }
  function measureIs(i, name) { return D.measures[D.cube.measure[i]] === name; }
  function forSchool(i, school) { return school === ALL || D.cube.school[i] === school; }

  function bars(series, order, names, colours) {
    var x = state.weeks;
    return order.filter(function (key) { return series[key] && sum(series[key]) > 0; }).map(function (key, n) {
      return { type: "bar", x: x, y: series[key], name: esc(names(key)),
               marker: { color: (colours && colours[key]) || PALETTE[n % PALETTE.length] },
               hovertemplate: "%{x}: %{y}<extra>%{fullData.name}</extra>" };
    });
  }

  function layout(extra) {
    var base = { barmode: "stack", margin: { l: 48, r: 16, t: 8, b: 56 }, height: 320, hovermode: "x unified",
                 legend: { orientation: "h", y: -0.25 }, xaxis: { type: "category", tickangle: -45 },
                 yaxis: { title: { text: esc(T.axis_posts) }, rangemode: "tozero" },
                 paper_bgcolor: "#fff", plot_bgcolor: "#fff" };
    Object.keys(extra || {}).forEach(function (k) { base[k] = extra[k]; });
    return base;
  }
  function draw(id, traces, extra) {
    var lay = layout(extra);
    if (!traces.length) {
      lay.annotations = [{ text: esc(T.no_data), showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }];
    }
    pending.push(Plotly.react(el(id), traces, lay, PLOT_CONFIG));
  }

  function drawSchool() {
    var s = state.school;
    el("school-name").textContent = s === ALL ? T.all_schools : D.schools[s].name;
    var volume = tally(function (i) { return forSchool(i, s) && measureIs(i, "totaal") ? D.cube.source[i] : null; });
    draw("chart-volume", bars(volume, Object.keys(volume), function (k) { return D.sources[k]; }));
    var sentiment = tally(function (i) {
      return forSchool(i, s) && measureIs(i, "sentiment") ? D.values[D.cube.value[i]] : null;
    });
    var sentimentTraces = bars(sentiment, D.sentiments, label, COLOURS);
    sentimentTraces.forEach(function (t) {
      t.text = t.y.map(function (v) { return v ? String(v) : ""; });
      t.textposition = "inside";
      t.insidetextanchor = "middle";
      t.textangle = 0;
    });
    draw("chart-sentiment", sentimentTraces);
    drawShare(s);
    var categories = tally(function (i) {
      if (!forSchool(i, s) || !measureIs(i, "categorie")) { return null; }
      var name = D.values[D.cube.value[i]];
      return state.category === "" || state.category === name ? name : null;
    });
    draw("chart-categories", bars(categories, D.categories, label));
    drawReviews(s);
    drawCoverage(s);
    drawLinks(s);
  }

  function drawShare(s) {
    var data = D.shares[s + "|" + state.source], a = state.from, b = state.to + 1;
    var k = data.k.slice(a, b), n = data.n.slice(a, b);
    var custom = k.map(function (v, i) { return [v, n[i]]; });
    var x = state.weeks, red = COLOURS.negatief;
    var traces = [
      { type: "scatter", mode: "lines", x: x, y: data.low.slice(a, b), line: { width: 0 }, showlegend: false,
        hoverinfo: "skip", connectgaps: false },
      { type: "scatter", mode: "lines", x: x, y: data.high.slice(a, b), line: { width: 0 }, fill: "tonexty",
        fillcolor: "rgba(192,57,43,0.18)", name: esc(T.interval), hoverinfo: "skip", connectgaps: false },
      { type: "scatter", mode: "lines+markers", x: x, y: data.share.slice(a, b), customdata: custom,
        line: { color: red }, marker: { color: red, size: 5 }, name: esc(T.share_line), connectgaps: false,
        hovertemplate: "%{x}: %{y:.0%} (%{customdata[0]}/%{customdata[1]})<extra></extra>" }
    ];
    var any = n.some(function (v) { return v > 0; });
    draw("chart-share", any ? traces : [], { barmode: undefined, hovermode: "closest",
      yaxis: { title: { text: esc(T.axis_share) }, range: [0, 1], tickformat: ".0%" } });
  }

  function drawReviews(s) {
    var r = D.reviews, n = state.to - state.from + 1, open = zeros(n), handled = zeros(n);
    for (var i = 0; i < r.open.length; i++) {
      if (r.week[i] < state.from || r.week[i] > state.to || (s !== ALL && r.school[i] !== s)) { continue; }
      open[r.week[i] - state.from] += r.open[i];
      handled[r.week[i] - state.from] += r.handled[i];
    }
    var series = { open: open, handled: handled };
    draw("chart-reviews", bars(series, ["open", "handled"], function (k) { return T[k]; }, COLOURS));
  }

  function appliesTo(sourceIndex, s) {
    var covered = D.sourceSchools[sourceIndex];
    return s === ALL || covered === null || covered.indexOf(s) >= 0;
  }

  /* 0: did not run, 1: ran, 2: some runs failed, 3: every run failed. */
  function coverageCells() {
    var c = D.coverage, n = state.to - state.from + 1, cells = {};
    for (var i = 0; i < c.ok.length; i++) {
      if (c.week[i] < state.from || c.week[i] > state.to) { continue; }
      if (!cells[c.source[i]]) { cells[c.source[i]] = zeros(n).map(function () { return null; }); }
      cells[c.source[i]][c.week[i] - state.from] = { ok: c.ok[i], partial: c.partial[i], failed: c.failed[i] };
    }
    return cells;
  }
  function cellCode(cell) {
    if (!cell) { return 0; }
    if (!cell.partial && !cell.failed) { return 1; }
    return cell.ok || cell.partial ? 2 : 3;
  }

  function drawCoverage(s) {
    var cells = coverageCells(), rows = [], z = [], text = [];
    var names = [T.not_run, T.ran_ok, T.ran_partial, T.ran_failed];
    D.sources.forEach(function (name, i) {
      if (!appliesTo(i, s) || (state.source !== ALL && state.source !== i)) { return; }
      var row = cells[i] || state.weeks.map(function () { return null; });
      rows.push(esc(name));
      z.push(row.map(cellCode));
      text.push(row.map(function (cell) {
        var code = cellCode(cell);
        return esc(name) + ": " + esc(names[code]) + (cell ? " (" + (cell.ok + cell.partial + cell.failed) + " " +
          esc(T.runs) + ", " + (cell.partial + cell.failed) + " " + esc(T.failed_runs) + ")" : "");
      }));
    });
    var trace = { type: "heatmap", x: state.weeks, y: rows, z: z, text: text, zmin: 0, zmax: 3, showscale: false,
                  xgap: 2, ygap: 2, hovertemplate: "%{x}: %{text}<extra></extra>",
                  colorscale: [[0, "#eceff1"], [0.25, "#eceff1"], [0.25, "#27ae60"], [0.5, "#27ae60"],
                               [0.5, "#e67e22"], [0.75, "#e67e22"], [0.75, "#c0392b"], [1, "#c0392b"]] };
    draw("chart-coverage", rows.length ? [trace] : [], { height: Math.max(160, 60 + 28 * rows.length),
      hovermode: "closest", yaxis: { type: "category", automargin: true }, margin: { l: 8, r: 16, t: 8, b: 56 } });
  }

  function drawLinks(s) {
    var table = el("links-table");
    if (!table || !D.links) { return; }
    var body = table.tBodies[0];
    body.textContent = "";
    D.links.forEach(function (link) {
      if (s !== ALL && link.school !== s) { return; }
      var tr = document.createElement("tr");
      [link.ref, link.week, link.source, link.categories].forEach(function (value) {
        var td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      });
      var td = document.createElement("td");
      if (/^https?:\/\//i.test(link.url)) {
        var a = document.createElement("a");
        a.href = link.url;
        a.rel = "noopener noreferrer";
        a.target = "_blank";
        a.textContent = T.open_link;
        td.appendChild(a);
      }
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  window.dashboard = { D: D, PLOT_CONFIG: PLOT_CONFIG, pending: function (p) { pending.push(p); }, state: function () { return state; }, tally: tally, esc: esc, draw: draw,
                       bars: bars, label: label, sum: sum, range: range, coverageCells: coverageCells,
                       appliesTo: appliesTo, cellCode: cellCode, COLOURS: COLOURS, ALL: ALL };
  setupFilters();
  function render() {
    pending = [];
    readFilters();
    drawSchool();
    if (window.dashboardBoard) { window.dashboardBoard(); }
    Promise.all(pending).then(function () {
      var count = Number(document.body.getAttribute("data-rendered") || 0) + 1;
      window.requestAnimationFrame(function () { document.body.setAttribute("data-rendered", String(count)); });
    });
  }
  window.dashboardRender = render;
})();
