/* school-monitor dashboard, board view: the measures of every school side by side, most attention first. */
(function () {
  "use strict";
  var B = window.dashboard, D = B.D, T = D.texts, ALL = B.ALL;
  var el = function (id) { return document.getElementById(id); };

  function percent(value) { return Math.round(value * 100) + "%"; }
  function lowOf(row) { return row.low === null || row.low === undefined ? -1 : row.low; }

  function hadProblem(cells) {
    if (!cells) { return true; }  /* never ran in the period */
    return cells.some(function (cell) { return B.cellCode(cell) >= 2; });
  }

  function boardRows() {
    var st = B.state(), n = st.to - st.from + 1;
    var zeros = function () { return st.weeks.map(function () { return 0; }); };
    var measure = function (i) { return D.measures[D.cube.measure[i]]; };
    var totals = B.tally(function (i) { return measure(i) === "totaal" ? D.cube.school[i] : null; });
    var negatives = B.tally(function (i) {
      return measure(i) === "sentiment" && D.values[D.cube.value[i]] === "negatief" ? D.cube.school[i] : null;
    });
    /* Without a category filter: safety signals, each post once (its kind, as in the digest); with one: the posts
       flagged in that category. */
    var flagged = B.tally(function (i) {
      var name = D.values[D.cube.value[i]];
      var wanted = st.category === "" ? measure(i) === "aandacht" && name === "veiligheid"
        : measure(i) === "categorie" && name === st.category;
      return wanted ? D.cube.school[i] : null;
    });
    var cells = B.coverageCells();
    var rows = D.schools.map(function (school, i) {
      var share = D.shares[i + "|" + st.source], end = st.to;
      var problems = D.sources.filter(function (name, j) {
        return B.appliesTo(j, i) && (st.source === ALL || st.source === j) && hadProblem(cells[j]);
      });
      return { index: i, name: school.name, safety: D.safetyOpen[i], open: D.openItems[i],
               posts: B.sum(totals[i] || []), k: share.k[end], n: share.n[end], share: share.share[end],
               low: share.low[end], high: share.high[end], flagged: B.sum(flagged[i] || []),
               problems: problems.length, totals: totals[i] || zeros(n), negatives: negatives[i] || zeros(n) };
    });
    rows.sort(function (a, b) {
      return b.safety - a.safety || b.open - a.open || lowOf(b) - lowOf(a) || a.name.localeCompare(b.name);
    });
    return rows;
  }

  function cell(tr, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    tr.appendChild(td);
    return td;
  }

  function drawTable(rows) {
    var st = B.state();
    el("board-category-header").textContent = st.category === "" ? T.col_safety_categories
      : T.col_category.replace("{category}", B.label(st.category));
    var body = el("board-table").tBodies[0];
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      if (row.safety > 0) { tr.className = "attention"; }
      cell(tr, row.name);
      cell(tr, String(row.safety));
      cell(tr, String(row.open));
      cell(tr, String(row.posts));
      var td = cell(tr, row.n ? percent(row.share) + " " : T.too_few);
      if (row.n) {
        var detail = document.createElement("span");
        detail.className = "interval";
        detail.textContent = "(" + percent(row.low) + "–" + percent(row.high) + "; " + row.k + "/" + row.n + ")";
        td.appendChild(detail);
      }
      cell(tr, String(row.flagged));
      cell(tr, String(row.problems));
      body.appendChild(tr);
    });
  }

  function drawShares(rows) {
    var shown = rows.filter(function (row) { return row.n > 0; });
    var y = rows.map(function (row, i) { return i; });
    var trace = { type: "scatter", mode: "markers", x: shown.map(function (r) { return r.share; }),
                  y: shown.map(function (r) { return rows.indexOf(r); }),
                  customdata: shown.map(function (r) { return [r.k, r.n, r.low, r.high]; }),
                  error_x: { type: "data", symmetric: false, color: B.COLOURS.negatief,
                             array: shown.map(function (r) { return r.high - r.share; }),
                             arrayminus: shown.map(function (r) { return r.share - r.low; }) },
                  marker: { color: B.COLOURS.negatief, size: 8 }, showlegend: false,
                  hovertemplate: "%{x:.0%} (%{customdata[2]:.0%}–%{customdata[3]:.0%}; " +
                                 "%{customdata[0]}/%{customdata[1]})<extra></extra>" };
    B.draw("chart-board-share", shown.length ? [trace] : [], {
      barmode: undefined, hovermode: "closest", height: Math.max(200, 60 + 26 * rows.length),
      margin: { l: 8, r: 16, t: 8, b: 40 },
      xaxis: { range: [0, 1], tickformat: ".0%", title: { text: B.esc(T.axis_share) } },
      yaxis: { tickvals: y, ticktext: rows.map(function (r) { return B.esc(r.name); }), autorange: "reversed",
               automargin: true } });
  }

  function drawMultiples(rows) {
    var st = B.state(), columns = Math.min(4, Math.max(1, rows.length)), lines = Math.ceil(rows.length / columns);
    var peak = Math.max.apply(null, [1].concat(rows.map(function (r) { return Math.max.apply(null, r.totals); })));
    var traces = [], annotations = [], extra = { barmode: "overlay", hovermode: "closest", showlegend: false,
      height: 50 + 150 * lines, margin: { l: 32, r: 8, t: 24, b: 8 } };
    var gapX = 0.04, gapY = 0.35 / Math.max(1, lines);
    rows.forEach(function (row, n) {
      var c = n % columns, r = Math.floor(n / columns), suffix = n ? String(n + 1) : "";
      var x0 = c / columns + (c ? gapX / 2 : 0), x1 = (c + 1) / columns - (c < columns - 1 ? gapX / 2 : 0);
      var y1 = 1 - r / lines - (r ? gapY / 2 : 0), y0 = 1 - (r + 1) / lines + gapY / 2;
      extra["xaxis" + suffix] = { domain: [x0, x1], type: "category", showticklabels: false, anchor: "y" + suffix };
      extra["yaxis" + suffix] = { domain: [y0, y1], range: [0, peak * 1.05], anchor: "x" + suffix,
                                  tickfont: { size: 9 } };
      annotations.push({ text: B.esc(row.name), showarrow: false, xref: "paper", yref: "paper", x: x0, y: y1,
                         xanchor: "left", yanchor: "bottom", font: { size: 11 } });
      traces.push({ type: "bar", x: st.weeks, y: row.totals, xaxis: "x" + suffix, yaxis: "y" + suffix,
                    marker: { color: "#b0bec5" }, name: B.esc(T.axis_posts),
                    hovertemplate: "%{x}: %{y}<extra>%{fullData.name}</extra>" });
      traces.push({ type: "bar", x: st.weeks, y: row.negatives, xaxis: "x" + suffix, yaxis: "y" + suffix,
                    marker: { color: B.COLOURS.negatief }, name: B.esc(T.negatives),
                    hovertemplate: "%{x}: %{y}<extra>%{fullData.name}</extra>" });
    });
    extra.annotations = annotations;
    extra.xaxis = extra.xaxis || {};
    extra.yaxis = extra.yaxis || {};
    B.pending(Plotly.react(el("chart-board-multiples"), traces, extra, B.PLOT_CONFIG));
  }

  window.dashboardBoard = function () {
    var rows = boardRows();
    drawTable(rows);
    drawShares(rows);
    drawMultiples(rows);
  };
  window.dashboardRender();
})();
