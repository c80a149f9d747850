// straitsim dashboard: plain JavaScript over the local JSON API; plotly.js is served by the
// app from the installed plotly package and the coastline from the shipped topojson.
"use strict";

const PLOT_CONFIG = { responsive: true, displaylogo: false, topojsonURL: "topojson/" };
const KNOBS = [
  "us_entry_delay_days", "roc_will_to_resist", "prc_missile_inventory_scale", "prc_lift_scale",
  "jassm_er_maritime", "ship_defence_scale", "extra_shelters", "civil_airports_access",
  "us_strikes_mainland",
];
const OUTCOMES = [
  ["prc_decisive_defeat", "Decisive PRC defeat", "#1a5276"],
  ["stalemate_against_prc", "Stalemate trending against the PRC", "#5499c7"],
  ["stalemate", "Indeterminate stalemate", "#bdc3c7"],
  ["stalemate_toward_prc", "Stalemate trending toward the PRC", "#e59866"],
  ["prc_victory", "PRC victory", "#a93226"],
];
const TRACES = [
  ["lift_share", "Amphibious lift remaining (share)"],
  ["battalions_ashore", "PRC battalions ashore"],
  ["air_superiority", "Coalition air superiority"],
  ["allied_munitions_share", "Allied anti-ship munitions left (share)"],
];
const NAMES = { CHN: "PRC", TWN: "Taiwan", USA: "US", JPN: "Japan", AUS: "Australia", PHL: "Philippines", KOR: "S. Korea" };

const state = { meta: null, lastRun: null, timing: "" };
const $ = (id) => document.getElementById(id);
const pct = (x) => (100 * x).toFixed(1) + "%";
const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));

function setStatus(id, text) { $(id).textContent = text; }
function showError(msg) {
  const el = $("error");
  if (msg) { el.textContent = msg; el.hidden = false; } else { el.textContent = ""; el.hidden = true; }
}

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const resp = await fetch(path, opts);
  state.timing = resp.headers.get("Server-Timing") || "";
  const doc = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    let msg = doc.detail;
    if (Array.isArray(msg)) msg = msg.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    throw new Error(msg || `HTTP ${resp.status}`);
  }
  return doc;
}

function scenarioMeta() {
  return state.meta.scenarios.find((s) => s.name === $("scenario").value);
}

function buildControls() {
  const sc = scenarioMeta();
  $("scenario-description").textContent = sc.description;
  const roles = $("roles");
  roles.replaceChildren();
  for (const r of sc.roles) {
    const label = document.createElement("label");
    label.title = r.name;
    label.append(`${r.name} (${r.ally})`);
    const sel = document.createElement("select");
    sel.id = `role-${r.ally}`;
    sel.dataset.ally = r.ally;
    for (const rung of r.rungs) {
      const opt = document.createElement("option");
      opt.value = rung.name;
      opt.textContent = rung.name;
      opt.title = rung.doc;
      if (rung.name === r.rung) opt.selected = true;
      sel.append(opt);
    }
    const doc = document.createElement("span");
    doc.className = "doc";
    const showDoc = () => { doc.textContent = r.rungs.find((x) => x.name === sel.value).doc; };
    sel.addEventListener("change", () => { showDoc(); refreshBases(); });
    showDoc();
    label.append(sel, doc);
    roles.append(label);
  }
  const knobs = $("knobs");
  knobs.replaceChildren();
  for (const key of KNOBS) {
    const p = sc.params.find((x) => x.key === key);
    if (!p) continue;
    const label = document.createElement("label");
    label.title = p.doc + (p.range ? ` (range ${p.range[0]} to ${p.range[1]})` : "");
    const name = document.createElement("span");
    const unit = document.createElement("span");
    unit.className = "unit";
    unit.textContent = p.unit;
    name.append(`${key} `, unit);
    const input = document.createElement("input");
    input.type = "number";
    input.step = "any";
    input.id = `set-${key}`;
    input.dataset.key = key;
    input.placeholder = String(p.value);
    label.append(name, input);
    knobs.append(label);
  }
  for (const [box, name, dflt] of [["shapley-allies", "shapley", ["JPN", "AUS", "PHL", "KOR"]], ["deter-allies", "deter", ["JPN", "AUS"]]]) {
    const el = $(box);
    el.replaceChildren();
    for (const r of sc.roles) {
      if (name === "deter" && r.ally === "TWN") continue;
      const label = document.createElement("label");
      const cb = document.createElement("input");
      cb.type = "checkbox";
      cb.value = r.ally;
      cb.id = `${name}-ally-${r.ally}`;
      cb.checked = dflt.includes(r.ally);
      label.append(cb, ` ${r.name}`);
      el.append(label);
    }
  }
}

function request() {
  const roles = {};
  for (const sel of document.querySelectorAll("#roles select")) roles[sel.dataset.ally] = sel.value;
  const set = {};
  for (const input of document.querySelectorAll("#knobs input")) {
    if (input.value.trim() !== "") set[input.dataset.key] = Number(input.value);
  }
  return { scenario: $("scenario").value, roles, set };
}

function checked(box) {
  return [...document.querySelectorAll(`#${box} input:checked`)].map((x) => x.value);
}

async function run() {
  const body = { ...request(), reps: Number($("reps").value), seed: Number($("seed").value) };
  $("run").disabled = true;
  showError("");
  setStatus("status", `running ${body.reps} replications…`);
  const t0 = performance.now();
  try {
    const doc = await api("api/run", body);
    const secs = (performance.now() - t0) / 1000;
    const model = /model;dur=([0-9.]+)/.exec(state.timing);
    state.lastRun = doc;
    showRun(doc);
    setStatus("status", `done in ${secs.toFixed(2)} s` +
      (model ? ` (model ${(Number(model[1]) / 1000).toFixed(2)} s)` : state.timing === "cache" ? " (cached)" : ""));
    await refreshBases();
  } catch (e) {
    showError(e.message);
    setStatus("status", "failed");
  } finally {
    $("run").disabled = false;
  }
}

function showRun(doc) {
  const dp = doc.defence_prevails;
  $("stat-defence").textContent = pct(dp.p);
  $("stat-defence-ci").textContent = `95%: ${pct(dp.lo)}–${pct(dp.hi)}`;
  const v = doc.outcome.prc_victory;
  $("stat-victory").textContent = pct(v.p);
  $("stat-victory-ci").textContent = `95%: ${pct(v.lo)}–${pct(v.hi)}`;
  const chn = doc.losses.CHN;
  const bn = chn.battalions_landed;
  $("stat-battalions").textContent = fmt(bn.median);
  $("stat-battalions-ci").textContent = `10–90%: ${fmt(bn.p10)}–${fmt(bn.p90)}`;
  const am = chn.amphibious_fleet_sunk_share;
  $("stat-amphib").textContent = pct(am.median);
  $("stat-amphib-ci").textContent = `10–90%: ${pct(am.p10)}–${pct(am.p90)}`;
  let ac = 0, ac10 = 0, ac90 = 0;
  for (const [c, ms] of Object.entries(doc.losses)) {
    if (c === "CHN" || c === "TWN") continue;
    ac += ms.aircraft.median; ac10 += ms.aircraft.p10; ac90 += ms.aircraft.p90;
  }
  $("stat-aircraft").textContent = fmt(ac);
  $("stat-aircraft-ci").textContent = `sum of per-country medians (10–90%: ${fmt(ac10)}–${fmt(ac90)})`;
  const roles = Object.entries(doc.roles).map(([k, r]) => `${k}=${r}`).join(", ");
  $("stat-run").textContent = `${doc.scenario.name}, ${doc.reps} reps, seed ${doc.seed}; ${roles}` +
    (doc.overrides.length ? `; ${doc.overrides.join(", ")}` : "");
  plotOutcome(doc);
  plotLosses(doc);
  plotTraces(doc);
}

function plotOutcome(doc) {
  const data = [{
    type: "bar", orientation: "h",
    y: OUTCOMES.map((o) => o[1]), x: OUTCOMES.map((o) => doc.outcome[o[0]].p),
    marker: { color: OUTCOMES.map((o) => o[2]) },
    error_x: {
      type: "data", symmetric: false,
      array: OUTCOMES.map((o) => doc.outcome[o[0]].hi - doc.outcome[o[0]].p),
      arrayminus: OUTCOMES.map((o) => doc.outcome[o[0]].p - doc.outcome[o[0]].lo),
    },
    text: OUTCOMES.map((o) => pct(doc.outcome[o[0]].p)), textposition: "auto",
    hovertemplate: "%{y}: %{x:.1%}<extra></extra>",
  }];
  const layout = {
    margin: { l: 10, r: 20, t: 10, b: 40 }, xaxis: { range: [0, 1], tickformat: ".0%" },
    yaxis: { autorange: "reversed", automargin: true },
  };
  Plotly.react("chart-outcome", data, layout, PLOT_CONFIG);
}

function plotLosses(doc) {
  const metric = $("loss-metric").value;
  const codes = Object.keys(doc.losses).filter((c) => metric in doc.losses[c]);
  const q = (c) => doc.losses[c][metric];
  const data = [{
    type: "bar", x: codes.map((c) => NAMES[c] || c), y: codes.map((c) => q(c).median),
    marker: { color: codes.map((c) => (c === "CHN" ? "#a93226" : "#1a5276")) },
    error_y: {
      type: "data", symmetric: false,
      array: codes.map((c) => Math.max(0, q(c).p90 - q(c).median)),
      arrayminus: codes.map((c) => Math.max(0, q(c).median - q(c).p10)),
    },
    hovertemplate: "%{x}: median %{y:.1f}<extra></extra>",
  }];
  const layout = { margin: { l: 50, r: 10, t: 10, b: 40 }, yaxis: { title: { text: `${metric.replace(/_/g, " ")} (median, 10–90%)` } } };
  Plotly.react("chart-losses", data, layout, PLOT_CONFIG);
}

function plotTraces(doc) {
  const data = [];
  const layout = { margin: { l: 50, r: 10, t: 30, b: 40 }, showlegend: false, annotations: [] };
  TRACES.forEach(([key, title], i) => {
    const band = doc.traces[key];
    const days = band.median.map((_, d) => d);
    const ax = i === 0 ? "" : String(i + 1);
    const row = Math.floor(i / 2), col = i % 2;
    const x0 = col * 0.53, y0 = 1 - (row + 1) * 0.5 + 0.07;
    layout[`xaxis${ax}`] = { domain: [x0, x0 + 0.47], anchor: `y${ax}`, title: row === 1 ? { text: "day" } : undefined };
    layout[`yaxis${ax}`] = { domain: [y0, y0 + 0.36], anchor: `x${ax}`, rangemode: "tozero" };
    layout.annotations.push({ text: title, x: x0 + 0.235, y: y0 + 0.40, xref: "paper", yref: "paper", showarrow: false, font: { size: 12 } });
    data.push({ x: days, y: band.p90, xaxis: `x${ax}`, yaxis: `y${ax}`, mode: "lines", line: { width: 0 }, hoverinfo: "skip" });
    data.push({ x: days, y: band.p10, xaxis: `x${ax}`, yaxis: `y${ax}`, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(84,153,199,0.3)", hoverinfo: "skip" });
    data.push({ x: days, y: band.median, xaxis: `x${ax}`, yaxis: `y${ax}`, mode: "lines", line: { color: "#1a5276" }, name: title, hovertemplate: "day %{x}: %{y:.2f}<extra></extra>" });
  });
  Plotly.react("chart-traces", data, layout, PLOT_CONFIG);
}

async function refreshBases() {
  if (!state.meta) return;
  try {
    const doc = await api("api/bases", request());
    plotMap(doc.bases);
  } catch (e) {
    showError(e.message);
  }
}

function plotMap(bases) {
  const statuses = state.meta.base_status;
  const data = [];
  for (const [key, st] of Object.entries(statuses)) {
    const bs = bases.filter((b) => b.status === key);
    if (!bs.length) continue;
    data.push({
      type: "scattergeo", mode: "markers", name: st.label,
      lon: bs.map((b) => b.lon), lat: bs.map((b) => b.lat),
      marker: {
        color: st.colour, size: bs.map((b) => 7 + Math.sqrt(Math.min(b.n_aircraft, 300)) * 1.6),
        line: { color: "#222", width: 0.6 },
        symbol: bs.map((b) => (b.kind === "mainland" ? "square" : b.kind === "carrier" ? "triangle-up" : "circle")),
      },
      text: bs.map((b) => `${b.name} (${b.host})<br>${b.n_aircraft.toFixed(0)} aircraft, ${b.runways} runways, ${b.shelters} shelters<br>${st.label}`),
      hovertemplate: "%{text}<extra></extra>",
    });
  }
  const layout = {
    margin: { l: 0, r: 0, t: 0, b: 0 },
    legend: { x: 0.01, y: 0.01, bgcolor: "rgba(255,255,255,0.85)" },
    geo: {
      scope: "world", resolution: 50, projection: { type: "mercator" },
      lonaxis: { range: [100, 160] }, lataxis: { range: [-36, 46] },
      showland: true, landcolor: "#f4f1e8", showocean: true, oceancolor: "#eaf2f8",
      showcoastlines: true, coastlinecolor: "#7f8c8d", showcountries: true, countrycolor: "#c8c8c8",
      showframe: false,
    },
  };
  Plotly.react("chart-map", data, layout, PLOT_CONFIG);
}

async function shapley() {
  const allies = checked("shapley-allies");
  const body = {
    ...request(), reps: Number($("shapley-reps").value), seed: Number($("seed").value),
    allies, metric: $("shapley-metric").value, to: "scenario",
  };
  $("shapley-run").disabled = true;
  setStatus("shapley-status", "evaluating the role lattice…");
  const t0 = performance.now();
  try {
    const doc = await api("api/roles", body);
    const names = Object.keys(doc.shapley);
    const sh = names.map((a) => doc.shapley[a]);
    const data = [{
      type: "bar", x: names.map((a) => `${NAMES[a] || a}<br>${doc.shapley[a].from}→${doc.shapley[a].to}`),
      y: sh.map((s) => s.value),
      error_y: { type: "data", array: sh.map((s) => 1.96 * s.se) },
      marker: { color: "#1a5276" }, hovertemplate: "%{x}: %{y:.4f}<extra></extra>",
    }];
    const layout = {
      margin: { l: 60, r: 10, t: 30, b: 60 },
      title: { text: `${doc.metric_description}: all ${doc.v_all.toFixed(3)} vs none ${doc.v_none.toFixed(3)}`, font: { size: 12 } },
      yaxis: { title: { text: "Shapley value" }, zeroline: true },
    };
    Plotly.react("chart-shapley", data, layout, PLOT_CONFIG);
    setStatus("shapley-status", `${doc.lattice.length} profiles × ${doc.reps} reps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    setStatus("shapley-status", "failed: " + e.message);
  } finally {
    $("shapley-run").disabled = false;
  }
}

async function deterrence() {
  const allies = checked("deter-allies");
  const body = {
    ...request(), reps: Number($("deter-reps").value), seed: Number($("seed").value),
    allies, quantity: $("deter-quantity").value, n_grid: 11,
  };
  $("deter-run").disabled = true;
  setStatus("deter-status", "evaluating the lattice…");
  const t0 = performance.now();
  try {
    const doc = await api("api/deterrence", body);
    const data = [];
    const colours = ["#1a5276", "#a93226", "#239b56"];
    body.allies.forEach((a, i) => {
      const rows = doc.curves.filter((r) => r.ally === a);
      const c = colours[i % colours.length];
      data.push({ x: rows.map((r) => r.p_fights), y: rows.map((r) => r.hi), mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" });
      data.push({ x: rows.map((r) => r.p_fights), y: rows.map((r) => r.lo), mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: c + "33", showlegend: false, hoverinfo: "skip" });
      data.push({ x: rows.map((r) => r.p_fights), y: rows.map((r) => r.value), mode: "lines+markers", line: { color: c },
        name: `${NAMES[a] || a}: ${doc.stay[a]} → ${doc.fight[a]}`, hovertemplate: "P(fights) %{x:.2f}: %{y:.3f}<extra></extra>" });
    });
    const layout = {
      margin: { l: 60, r: 10, t: 30, b: 45 }, title: { text: doc.description, font: { size: 12 } },
      xaxis: { title: { text: "Beijing's P(ally fights)" }, range: [0, 1] },
      yaxis: { title: { text: doc.quantity } }, legend: { orientation: "h", y: -0.25 },
    };
    Plotly.react("chart-deter", data, layout, PLOT_CONFIG);
    setStatus("deter-status", `${doc.summary.lattice.n_profiles} profiles × ${doc.summary.reps} reps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    setStatus("deter-status", "failed: " + e.message);
  } finally {
    $("deter-run").disabled = false;
  }
}

async function init() {
  try {
    state.meta = await api("api/scenarios");
  } catch (e) {
    showError("cannot reach the straitsim server: " + e.message);
    return;
  }
  const sel = $("scenario");
  for (const sc of state.meta.scenarios) {
    const opt = document.createElement("option");
    opt.value = sc.name;
    opt.textContent = `${sc.name}: ${sc.title}`;
    sel.append(opt);
  }
  if (state.meta.scenarios.some((s) => s.name === "csis-2026")) sel.value = "csis-2026";
  $("reps").max = state.meta.limits.max_reps;
  for (const [k, d] of Object.entries(state.meta.metrics)) {
    const opt = document.createElement("option");
    opt.value = k; opt.textContent = k; opt.title = d;
    $("shapley-metric").append(opt);
  }
  for (const k of ["prc_success", "prc_victory", "defence_prevails", "prc_amphibious_sunk_share", "prc_battalions_landed", "prc_ships_sunk", "prc_aircraft_lost", "prc_killed"]) {
    const opt = document.createElement("option");
    opt.value = k; opt.textContent = k;
    $("deter-quantity").append(opt);
  }
  sel.addEventListener("change", () => { buildControls(); refreshBases(); });
  $("run").addEventListener("click", run);
  $("shapley-run").addEventListener("click", shapley);
  $("deter-run").addEventListener("click", deterrence);
  $("loss-metric").addEventListener("change", () => { if (state.lastRun) plotLosses(state.lastRun); });
  buildControls();
  setStatus("status", "ready");
  await refreshBases();
}

init();
