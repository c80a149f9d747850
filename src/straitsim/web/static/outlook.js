// straitsim dashboard: the outlook, 2026-2035, under spending paths (after dashboard.js, whose
// $, longApi, request, setStatus, pct and PLOT_CONFIG it uses).
"use strict";

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function outlookBody() {
  const paths = $("outlook-paths").value.split(/[\s,]+/).filter((p) => p !== "");
  return {
    ...request(), years: $("outlook-years").value.trim(), paths,
    reps: Number($("outlook-reps").value), threshold: Number($("outlook-threshold").value),
    seed: Number($("seed").value),
  };
}

function plotOutlook(doc) {
  const rows = doc.headlines.filter((r) => r.output === doc.measure);
  const data = [];
  for (const c of doc.combos) {
    const r = rows.filter((x) => x.combo === c.name);
    const years = r.map((x) => x.year);
    data.push({ type: "scatter", mode: "lines", x: years.concat([...years].reverse()),
      y: r.map((x) => x.hi).concat(r.map((x) => x.lo).reverse()), fill: "toself", opacity: 0.2,
      line: { width: 0 }, hoverinfo: "skip", showlegend: false, legendgroup: c.name });
    data.push({ type: "scatter", mode: "lines+markers", name: c.name, legendgroup: c.name,
      x: years, y: r.map((x) => x.value) });
  }
  const shapes = doc.window.map((y) => ({ type: "rect", xref: "x", yref: "paper", x0: y - 0.5,
    x1: y + 0.5, y0: 0, y1: 1, fillcolor: "#f5b7b1", opacity: 0.4, line: { width: 0 } }));
  shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, y0: doc.threshold, y1: doc.threshold,
    line: { dash: "dash", color: "#922b21", width: 1 } });
  Plotly.react("chart-outlook", data, {
    margin: { l: 60, r: 10, t: 20, b: 40 }, shapes,
    xaxis: { title: { text: "year" }, dtick: 1 }, yaxis: { title: { text: doc.measure } },
  }, PLOT_CONFIG);
}

function showOutlook(doc) {
  plotOutlook(doc);
  const rows = doc.comparison.map((c) =>
    `<tr><td>${escapeHtml(c.combo)}</td><td>${c.max_measure.toFixed(3)} (${c.worst_year})</td>` +
    `<td>${c.keeps_below ? "yes" : "no"}</td><td>${escapeHtml(c.window || "–")}</td>` +
    `<td>${c.total_extra_usd_bn.toFixed(1)}</td></tr>`);
  $("outlook-table").innerHTML =
    `<table data-testid="outlook-table"><thead><tr><th>paths</th><th>worst (year)</th>` +
    `<th>below ${doc.threshold} every year</th><th>window</th><th>extra US$bn</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table><p class="small">Cheapest combination that stays ` +
    `below (rule ${escapeHtml(doc.rule)}): ${escapeHtml(doc.cheapest ?? "none")}. ` +
    `${doc.reps} replications per year; shaded: the window of vulnerability of the first combination.</p>`;
}

async function runOutlook() {
  $("outlook-run").disabled = true;
  setStatus("outlook-status", "running each year…");
  try {
    const body = outlookBody();
    // work: replications x years x paths (a job with a progress bar when long)
    const span = /^(\d{4}):(\d{4})$/.exec(body.years);
    const years = span ? Number(span[2]) - Number(span[1]) + 1 : body.years.split(",").length;
    const work = body.reps * years * Math.max(1, body.paths.length);
    showOutlook(await longApi("api/outlook", body, work, "outlook-status"));
    setStatus("outlook-status", "done");
  } catch (e) {
    setStatus("outlook-status", "failed: " + e.message);
  } finally {
    $("outlook-run").disabled = false;
  }
}

$("outlook-run").addEventListener("click", runOutlook);
