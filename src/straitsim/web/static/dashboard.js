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

// First paint: the page runs the scenario as it opens with FIRST_REPS replications, then
// refines with the replications field's value; a newer action supersedes a pending answer.
const FIRST_REPS = 200;
// Where each linked label's definition lives, as docs/ paths with GitHub-style anchors; the
// server serves the built site (or else the Markdown) at manual/ (docs/dashboard.md).
const DOCS_DIR = "manual/";

const state = {
  meta: null, lastRun: null, timing: "",
  seq: 0, abort: null, auto: false, refining: false, docs: null,
};
const $ = (id) => document.getElementById(id);
const pct = (x) => (100 * x).toFixed(1) + "%";
const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
const count = (n) => Number(n).toLocaleString("en-US");
// below this chart width the traces go in one column and the map's two panels stack
const NARROW_PX = 640;
const isNarrow = (id) => $(id).clientWidth < NARROW_PX;

function setStatus(id, text) { $(id).textContent = text; }
function showError(msg) {
  const el = $("error");
  if (msg) { el.textContent = msg; el.hidden = false; } else { el.textContent = ""; el.hidden = true; }
}

async function api(path, body, signal) {
  const opts = body === undefined ? { signal } : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal,
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

// Long requests run as background jobs (docs/dashboard.md, "Long requests"): the page shows
// a progress bar with the share done and an ETA, and a cancel button; short requests use the
// synchronous route. `work` estimates replications x profiles (or worlds) of a request.
const LONG_WORK = 4000;
const POLL_MS = 250;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function progressWidget(statusId) {
  const box = document.createElement("span");
  box.className = "job";
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  const text = document.createElement("span");
  text.className = "small job-text";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "job-cancel";
  button.textContent = "Cancel";
  box.append(bar, " ", text, " ", button);
  $(statusId).after(box);
  return {
    button,
    remove: () => box.remove(),
    show(doc) {
      bar.value = doc.progress;
      if (doc.state === "queued") text.textContent = `queued (${doc.queued_ahead} ahead)`;
      else if (doc.state === "cancelling") text.textContent = "cancelling…";
      else {
        const eta = doc.eta_s === null ? "" : `, about ${Math.ceil(doc.eta_s)} s left`;
        text.textContent = `${(100 * doc.progress).toFixed(0)}% done${eta}`;
      }
    },
  };
}

async function longApi(path, body, work, statusId, signal) {
  // a request of `work` below LONG_WORK: the synchronous route; else a job with a progress bar
  if (!(work >= LONG_WORK)) return api(path, body, signal);
  const job = await api(`${path}?async=1`, body, signal);
  const widget = progressWidget(statusId);
  let cancelled = false;
  const cancel = () => {
    if (cancelled) return;
    cancelled = true;
    widget.button.disabled = true;
    fetch(`api/jobs/${job.id}/cancel`, { method: "POST" }).catch(() => {});
  };
  widget.button.addEventListener("click", cancel);
  if (signal) signal.addEventListener("abort", cancel);
  try {
    for (;;) {
      const doc = await api(`api/jobs/${job.id}`, undefined, signal);
      widget.show(doc);
      if (doc.state === "done" || doc.state === "failed") {
        return await api(`api/jobs/${job.id}/result`, undefined, signal);  // a failure throws its message
      }
      if (doc.state === "cancelled") throw new Error("cancelled");
      await sleep(POLL_MS);
    }
  } finally {
    widget.remove();
  }
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

function supersede() {
  // a newer run (or the user) takes over: the pending answer is aborted and ignored
  state.seq += 1;
  if (state.abort) state.abort.abort();
  state.abort = null;
  state.refining = false;
}

async function run(reps, phase) {
  // Run the settings shown with `reps` replications (default: the field). Resolve to the
  // answer's timing text, or null when it failed or a newer action superseded it.
  supersede();
  const seq = state.seq;
  const ctrl = new AbortController();
  state.abort = ctrl;
  const manual = phase === undefined;
  const req = request();
  const body = { ...req, reps: reps ?? Number($("reps").value), seed: Number($("seed").value) };
  if (manual) { state.auto = false; $("run").disabled = true; }
  state.refining = phase === "refine";
  showError("");
  setStatus("status", phase === "refine"
    ? `first answer from ${count(state.lastRun.reps)} replications; refining with ${count(body.reps)}…`
    : `running ${count(body.reps)} replications…`);
  const t0 = performance.now();
  try {
    const doc = await longApi("api/run", body, body.reps, "status", ctrl.signal);
    const secs = (performance.now() - t0) / 1000;
    const timing = state.timing;
    const model = /model;dur=([0-9.]+)/.exec(timing);
    const bases = await api("api/bases", req, ctrl.signal);  // positions and aircraft for the run's own roles
    if (seq !== state.seq) return null;
    state.lastRun = doc;
    showRun(doc);
    plotMap(bases.bases, doc);
    // settings changed while this answer was on its way: say so, as after any change
    if (JSON.stringify(request()) !== JSON.stringify(req) || Number($("seed").value) !== body.seed) markMapStale();
    const took = `${secs.toFixed(2)} s` +
      (model ? ` (model ${(Number(model[1]) / 1000).toFixed(2)} s)` : timing === "cache" ? " (cached)" : "");
    setStatus("status", `done in ${took}`);
    return took;
  } catch (e) {
    if (seq !== state.seq) return null;  // superseded: its error is no news
    showError(e.message);
    setStatus("status", "failed");
    return null;
  } finally {
    if (seq === state.seq) {
      state.abort = null;
      state.refining = false;
      if (manual) $("run").disabled = false;
    }
  }
}

async function firstAnswer() {
  // the page answers on arrival: a quick run, then the replications asked for
  const full = Number($("reps").value);
  const quick = Math.min(FIRST_REPS, full);
  state.auto = true;
  const took = await run(quick, "first");
  if (!took || !state.auto || quick >= full) { state.auto = false; return; }
  await run(full, "refine");
  state.auto = false;
}

function stopRefine() {
  // the user changed a setting: a refine of the old settings is no longer wanted
  if (!state.auto) return;
  state.auto = false;
  if (state.refining) {
    supersede();
    setStatus("status", `first answer from ${count(state.lastRun.reps)} replications; press Run for more`);
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
  $("stat-run").textContent = `${count(doc.reps)} reps`;
  $("stat-run-ci").textContent = runSettings(doc);
  $("stat-run").parentElement.title = runLabel(doc);
  plotOutcome(doc);
  plotLosses(doc);
  plotTraces(doc);
}

// axis labels on two lines, so they stay whole beside a narrow chart
const wrap = (label) => label.replace(/ (trending|stalemate)/, "<br>$1").replace("PRC defeat", "<br>PRC defeat");

function plotOutcome(doc) {
  const data = [{
    type: "bar", orientation: "h", customdata: OUTCOMES.map((o) => o[1]),
    y: OUTCOMES.map((o) => o[0]), x: OUTCOMES.map((o) => doc.outcome[o[0]].p),
    marker: { color: OUTCOMES.map((o) => o[2]) },
    error_x: {
      type: "data", symmetric: false,
      array: OUTCOMES.map((o) => doc.outcome[o[0]].hi - doc.outcome[o[0]].p),
      arrayminus: OUTCOMES.map((o) => doc.outcome[o[0]].p - doc.outcome[o[0]].lo),
    },
    hovertemplate: "%{customdata}: %{x:.1%}<extra></extra>",
  }];
  // each share beside the end of its 95% bar, or inside the bar's start when that is near 100%
  const labels = OUTCOMES.map((o) => {
    const r = doc.outcome[o[0]], inside = r.hi > 0.85;
    return {
      x: inside ? 0 : r.hi, y: o[0], text: pct(r.p), showarrow: false, xanchor: "left", xshift: 6,
      font: { size: 12, color: inside ? "white" : "#1c2833" },
    };
  });
  const layout = {
    annotations: labels,
    margin: { l: 10, r: 20, t: 10, b: 40 }, xaxis: { range: [0, 1], tickformat: ".0%" },
    yaxis: {
      autorange: "reversed", automargin: true,
      tickvals: OUTCOMES.map((o) => o[0]), ticktext: OUTCOMES.map((o) => wrap(o[1])),
    },
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
  const layout = {
    margin: { l: 50, r: 10, t: 10, b: 40 }, xaxis: { automargin: true },
    yaxis: { title: { text: `${metric.replace(/_/g, " ")} (median, 10–90%)` } },
  };
  Plotly.react("chart-losses", data, layout, PLOT_CONFIG);
}

function plotTraces(doc) {
  const data = [];
  const layout = { margin: { l: 50, r: 10, t: 30, b: 40 }, showlegend: false, annotations: [] };
  const one = isNarrow("chart-traces");  // one column on a narrow screen, else two
  $("chart-traces").style.height = one ? "880px" : "";
  const rows = one ? 4 : 2, cell = 1 / rows, width = one ? 1 : 0.47;
  TRACES.forEach(([key, title], i) => {
    const band = doc.traces[key];
    const days = band.median.map((_, d) => d);
    const ax = i === 0 ? "" : String(i + 1);
    const row = one ? i : Math.floor(i / 2), col = one ? 0 : i % 2;
    const x0 = col * 0.53, y0 = 1 - (row + 1) * cell + 0.14 * cell;
    layout[`xaxis${ax}`] = { domain: [x0, x0 + width], anchor: `y${ax}`, title: row === rows - 1 ? { text: "day" } : undefined };
    layout[`yaxis${ax}`] = { domain: [y0, y0 + 0.72 * cell], anchor: `x${ax}`, rangemode: "tozero" };
    layout.annotations.push({ text: title, x: x0 + width / 2, y: y0 + 0.8 * cell, xref: "paper", yref: "paper", showarrow: false, font: { size: 12 } });
    data.push({ x: days, y: band.p90, xaxis: `x${ax}`, yaxis: `y${ax}`, mode: "lines", line: { width: 0 }, hoverinfo: "skip" });
    data.push({ x: days, y: band.p10, xaxis: `x${ax}`, yaxis: `y${ax}`, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(84,153,199,0.3)", hoverinfo: "skip" });
    data.push({ x: days, y: band.median, xaxis: `x${ax}`, yaxis: `y${ax}`, mode: "lines", line: { color: "#1a5276" }, name: title, hovertemplate: "day %{x}: %{y:.2f}<extra></extra>" });
  });
  Plotly.react("chart-traces", data, layout, PLOT_CONFIG);
}

// ---- the map: what happened at each base in the run shown above (same encoding as the report)
const MISSILE_KEY = [0, 50, 200, 500];
const SYMBOLS = { air: "circle", civil: "diamond", carrier: "triangle-up", mainland: "square" };
const KIND_LABELS = {
  air: "air base", civil: "civil airfield",
  carrier: "carrier groups at sea (embarked aircraft lost with their carriers)",
  mainland: "PRC mainland airbases (aggregate)",
};
const THEATRE = { lon: [100, 160], lat: [-36, 46] };
const ZOOM = { lon: [117.5, 131], lat: [21, 28.8] };  // Taiwan, the Ryukyus, the carrier groups
const ZOOM_STACKED = { lon: [115.6, 132.6], lat: [21, 28.8] };  // wider: room for the labels
const diameterPx = (missiles) => 7 + 1.4 * Math.sqrt(Math.max(0, Math.min(missiles, 3000)));
const based = (b) => (b.n_aircraft_based ?? b.n_aircraft);
const shortName = (b) => (b.kind === "carrier" ? "Carrier groups" : b.name.split(" (")[0].split(",")[0]
  .replace(" Air Force Base", "").replace(" Air Base", "").replace(" AFB", "")
  .replace("Marine Corps Air Station ", "").replace("RAAF Base ", "").trim());
const q = (x, f = fmt) => `${f(x.median)} (10–90%: ${f(x.p10)}–${f(x.p90)})`;

async function refreshBases() {
  // before any run: where the bases are and what is based there under the chosen roles
  if (!state.meta) return;
  if (state.lastRun) { markMapStale(); return; }
  try {
    const doc = await api("api/bases", request());
    if (!state.lastRun) plotMap(doc.bases, null);
  } catch (e) {
    showError(e.message);
  }
}

function runSettings(doc) {
  // scenario, seed, and what differs from the scenario's own roles, for the run card
  const sc = state.meta.scenarios.find((s) => s.name === doc.scenario.name);
  const dflt = Object.fromEntries((sc ? sc.roles : []).map((r) => [r.ally, r.rung]));
  const changed = Object.entries(doc.roles).filter(([k, r]) => k in dflt && dflt[k] !== r)
    .map(([k, r]) => `${k}=${r}`);
  return `${doc.scenario.name}, seed ${doc.seed}; ` +
    (changed.length ? changed.join(", ") : "the scenario's roles") +
    (doc.overrides.length ? `; ${doc.overrides.join(", ")}` : "");
}

async function resolveDocs() {
  // the built site if the server has one, else the Markdown pages; none: labels stay plain
  try {
    const resp = await fetch("manual.json");  // not api(): leaves the run's timing alone
    state.docs = resp.ok ? (await resp.json()).kind : null;
  } catch (e) { state.docs = null; }
  for (const a of document.querySelectorAll("a.doc[data-doc]")) {
    const [page, anchor] = a.dataset.doc.split("#");
    const section = `docs/${page}` + (anchor ? `#${anchor}` : "");
    if (!state.docs) { a.title = `defined in ${section}`; continue; }
    a.href = DOCS_DIR + (state.docs === "site" ? page.replace(/\.md$/, ".html") : page) + (anchor ? `#${anchor}` : "");
    a.target = "_blank";
    a.rel = "noopener";
    a.title = `definition: ${section} (opens in a new tab)`;
  }
  $("docs-note").textContent = state.docs === "site" ? "Underlined labels link to their definitions in the documentation."
    : state.docs === "markdown" ? "Underlined labels link to their definitions in the documentation's Markdown pages (run mkdocs build for the site)."
    : "";
}

function runLabel(doc) {
  const roles = Object.entries(doc.roles).map(([k, r]) => `${k}=${r}`).join(", ");
  return `${doc.scenario.name}, ${doc.reps} reps, seed ${doc.seed}; ${roles}` +
    (doc.overrides.length ? `; ${doc.overrides.join(", ")}` : "");
}

function markMapStale() {
  const el = $("map-caption");
  if (!state.lastRun || el.dataset.stale) return;
  el.dataset.stale = "1";
  el.textContent += " Settings changed since: press Run to update.";
}

function mergeResults(bases, doc) {
  return bases.map((b) => {
    const r = doc ? doc.bases[b.id] : undefined;
    if (!r) return { ...b, lost: null, missiles: null, share: null };
    const n = based(b);
    const lost = r.aircraft_lost_on_ground;
    const share = n > 0 ? { median: lost.median / n, p10: lost.p10 / n, p90: lost.p90 / n } : null;
    return { ...b, lost, missiles: r.missiles_received, share };
  });
}

function hoverText(b) {
  const head = `<b>${b.name}</b> (${b.host})`;
  const n = based(b);
  const fleet = n > 0 ? `${n.toFixed(0)} aircraft based here under these roles` : "no aircraft based here under these roles";
  const lines = [head, fleet];
  if (b.lost) {
    const what = b.kind === "carrier" ? "embarked aircraft lost with their carriers" : "aircraft destroyed on the ground";
    lines.push(`${what}: ${q(b.lost)}` + (b.share ? `, ${pct(b.share.median)} of those based` : ""));
    lines.push(`PRC missiles received (after missile defence): ${q(b.missiles)}`);
  }
  lines.push(`exposure (day 0): ${b.status_label}`);
  return lines.join("<br>");
}

function labelPositions(pts) {
  // zoom panel labels: beside the marker (left on Taiwan's west coast), above/below a close neighbour
  const pos = pts.map((b) => (b.lon > 119 && b.lon < 121 && b.kind !== "carrier") || b.lon > 129 ? "middle left" : "middle right");
  const order = pts.map((_, i) => i).sort((i, j) => pts[j].lat - pts[i].lat);
  order.forEach((i, k) => {
    for (const j of order.slice(0, k)) {
      const side = pos[i].split(" ")[1];
      if (pos[j].split(" ")[1] === side && Math.abs(pts[i].lat - pts[j].lat) < 0.3 && Math.abs(pts[i].lon - pts[j].lon) < 1.5) {
        pos[j] = `top ${side}`;
        pos[i] = `bottom ${side}`;
      }
    }
  });
  return pos;
}

function plotMap(bases, doc) {
  state.map = [bases, doc];
  const stack = isNarrow("chart-map");  // narrow screen: the close-up below the theatre
  $("chart-map").style.height = stack ? "760px" : "";
  const recs = mergeResults(bases, doc).sort((a, b) => (b.missiles ? b.missiles.median : 0) - (a.missiles ? a.missiles.median : 0));
  const colours = state.meta.base_map.loss_colours;
  const scale = colours.map((c, i) => [i / (colours.length - 1), c]);
  const data = [];
  for (const [geo, box] of [["geo", THEATRE], ["geo2", stack ? ZOOM_STACKED : ZOOM]]) {
    const inBox = recs.filter((b) => b.lon >= box.lon[0] && b.lon <= box.lon[1] && b.lat >= box.lat[0] && b.lat <= box.lat[1]);
    const isFilled = (b) => based(b) > 0 && (!doc || b.share);
    const filled = inBox.filter(isFilled);
    const hollow = inBox.filter((b) => !isFilled(b));
    const common = (bs) => ({
      type: "scattergeo", geo, ids: bs.map((b) => b.id), lon: bs.map((b) => b.lon), lat: bs.map((b) => b.lat),
      text: bs.map(hoverText), hovertemplate: "%{text}<extra></extra>", showlegend: false,
      customdata: bs.map((b) => (b.lost ? [b.lost.median, b.lost.p10, b.lost.p90, b.missiles.median, b.missiles.p10, b.missiles.p90, based(b)] : [null, null, null, null, null, null, based(b)])),
    });
    const size = (b) => diameterPx(b.missiles ? b.missiles.median : 0);
    const symbol = (b) => SYMBOLS[b.kind] || "circle";
    if (filled.length) {
      const labelled = geo === "geo2" && doc;
      data.push({
        ...common(filled), name: "aircraft based", mode: labelled ? "markers+text" : "markers",
        marker: doc ? {
          color: filled.map((b) => Math.min(1, b.share.median)), cmin: 0, cmax: 1, colorscale: scale,
          showscale: geo === "geo", size: filled.map(size), symbol: filled.map(symbol),
          line: { color: "#222", width: 0.7 }, opacity: 1,
          colorbar: stack ? {
            title: { text: "aircraft destroyed on the ground (median share of those based)", font: { size: 11 }, side: "top" },
            tickformat: ".0%", orientation: "h", x: 0.5, xanchor: "center", y: -0.01, yanchor: "top", len: 0.95, thickness: 12,
          } : {
            title: { text: "aircraft destroyed<br>on the ground<br>(median share<br>of those based)", font: { size: 11 } },
            tickformat: ".0%", x: 0.36, len: 0.8, thickness: 14,
          },
        } : { color: "#bdc3c7", size: 9, symbol: filled.map(symbol), line: { color: "#222", width: 0.7 } },
        text: filled.map(hoverText),
        texttemplate: labelled ? filled.map((b) => (b.lost.median >= 0.5 || b.missiles.median >= 0.5 ? `${shortName(b)} ${b.lost.median.toFixed(0)}` : "")) : undefined,
        textposition: labelled ? labelPositions(filled) : undefined,
        textfont: { size: 11, color: "#1c2833" },
      });
    }
    if (hollow.length) {
      data.push({
        ...common(hollow), name: "no aircraft based", mode: "markers",
        marker: { color: "rgba(255,255,255,0.9)", size: hollow.map(size), symbol: hollow.map(symbol), line: { color: "#566573", width: 1.5 } },
      });
    }
  }
  const geoLayout = (box, x, y = [0, 1]) => ({
    domain: { x, y }, resolution: 50, projection: { type: "mercator" },
    lonaxis: { range: box.lon }, lataxis: { range: box.lat },
    showland: true, landcolor: "#f4f1e8", showocean: true, oceancolor: "#eaf2f8",
    showcoastlines: true, coastlinecolor: "#7f8c8d", showcountries: true, countrycolor: "#c8c8c8",
    showframe: true, framecolor: "#aab7b8",
  });
  const zoomTitle = "Taiwan and the Ryukyus" + (doc ? `${stack ? "<br>" : " "}(labels: median aircraft lost on the ground)` : "");
  const layout = stack ? {
    margin: { l: 2, r: 2, t: 24, b: doc ? 70 : 2 }, showlegend: false, hoverlabel: { align: "left" },
    geo: geoLayout(THEATRE, [0, 1], [0.42, 1]), geo2: geoLayout(ZOOM_STACKED, [0, 1], [0, 0.34]),
    annotations: [
      { text: "Theatre", x: 0.5, y: 1.03, xref: "paper", yref: "paper", showarrow: false, font: { size: 12 } },
      { text: zoomTitle, x: 0.5, y: 0.35, yanchor: "bottom", xref: "paper", yref: "paper", showarrow: false, font: { size: 12 } },
    ],
  } : {
    margin: { l: 2, r: 6, t: 24, b: 2 }, showlegend: false, hoverlabel: { align: "left" },
    geo: geoLayout(THEATRE, [0, 0.34]), geo2: geoLayout(ZOOM, [0.42, 1]),
    annotations: [
      { text: "Theatre", x: 0.17, y: 1.04, xref: "paper", yref: "paper", showarrow: false, font: { size: 12 } },
      { text: zoomTitle, x: 0.71, y: 1.04, xref: "paper", yref: "paper", showarrow: false, font: { size: 12 } },
    ],
  };
  Plotly.react("chart-map", data, layout, PLOT_CONFIG);
  showMapKey(doc);
  showBaseTable(recs, doc);
  const cap = $("map-caption");
  delete cap.dataset.stale;
  cap.textContent = doc
    ? `Run: ${runLabel(doc)}. Hover a base for its numbers (median and 10–90% range over the replications).`
    : "Press Run to see what happens at each base. Until then: where the bases are and which hold aircraft under the chosen roles (hover for their day-0 exposure).";
}

function dot(diameter, cls) {
  // a legend marker drawn with CSS (no SVG namespace, no image)
  const el = document.createElement("span");
  el.className = `dot ${cls || ""}`.trim();
  el.style.width = el.style.height = `${diameter.toFixed(1)}px`;
  el.setAttribute("aria-hidden", "true");
  return el;
}

function showMapKey(doc) {
  const key = $("map-key");
  key.replaceChildren();
  const hollow = document.createElement("span");
  hollow.className = "key-item";
  hollow.append(dot(11, "hollow"), " hollow: no aircraft based there under these roles");
  if (doc) {
    const sizes = document.createElement("span");
    sizes.className = "key-item";
    sizes.append("size: PRC land-attack missiles received (median, after missile defence)");
    for (const m of MISSILE_KEY) {
      const item = document.createElement("span");
      item.className = "size";
      item.append(dot(diameterPx(m)), ` ${m}`);
      sizes.append(item);
    }
    key.append(sizes);
  }
  key.append(hollow);
  const shapes = document.createElement("span");
  shapes.className = "key-item";
  shapes.textContent = "shapes: ● " + KIND_LABELS.air + ", ◆ " + KIND_LABELS.civil + ", ▲ " + KIND_LABELS.carrier + ", ■ " + KIND_LABELS.mainland;
  key.append(shapes);
}

function showBaseTable(recs, doc) {
  const box = $("map-table");
  box.replaceChildren();
  box.hidden = !doc;
  if (!doc) return;
  const rows = recs.filter((b) => based(b) > 0 || b.lost.p90 > 0 || b.missiles.p90 > 0)
    .sort((a, b) => b.lost.median - a.lost.median || b.missiles.median - a.missiles.median);
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const h of ["base", "host", "aircraft based", "lost on the ground (10–90%)", "share", "missiles received (10–90%)", "exposure (day 0)"]) {
    const th = document.createElement("th");
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  const rng = (x) => `${fmt(x.median)} (${fmt(x.p10)}–${fmt(x.p90)})`;
  for (const b of rows) {
    const tr = body.insertRow();
    tr.dataset.base = b.id;
    const cells = [b.name, b.host, based(b).toFixed(0), rng(b.lost), b.share ? pct(b.share.median) : "–", rng(b.missiles), b.status_label];
    cells.forEach((c, i) => {
      const td = tr.insertCell();
      td.textContent = c;
      if (i >= 2 && i <= 5) td.className = "n";
    });
  }
  const summary = document.createElement("summary");
  summary.textContent = `Numbers per base (${rows.length} bases with aircraft, losses or missiles)`;
  box.append(summary, table);
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
    const doc = await longApi("api/roles", body, body.reps * 2 ** allies.length, "shapley-status");
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
    const doc = await longApi("api/deterrence", body, body.reps * 4 ** allies.length, "deter-status");
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

let resizeTimer = null;
function relayout() {
  // the traces and the map change layout across NARROW_PX: redraw them when a resize crosses it
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (state.lastRun && isNarrow("chart-traces") !== ($("chart-traces").style.height !== "")) plotTraces(state.lastRun);
    if (state.map && isNarrow("chart-map") !== ($("chart-map").style.height !== "")) {
      const stale = $("map-caption").dataset.stale;
      plotMap(...state.map);
      if (stale) markMapStale();
    }
  }, 200);
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
  // the first answer refines with this value: keep it within what the server accepts
  $("reps").value = Math.min(Number($("reps").value), state.meta.limits.max_reps);
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
  $("knobs").addEventListener("input", () => { if (state.lastRun) markMapStale(); });
  for (const id of ["reps", "seed"]) $(id).addEventListener("input", () => { if (state.lastRun) markMapStale(); });
  $("run").addEventListener("click", () => run());
  for (const ev of ["input", "change"]) $("controls").addEventListener(ev, (e) => { if (e.target.id !== "run") stopRefine(); });
  $("shapley-run").addEventListener("click", shapley);
  $("deter-run").addEventListener("click", deterrence);
  $("loss-metric").addEventListener("change", () => { if (state.lastRun) plotLosses(state.lastRun); });
  window.addEventListener("resize", relayout);
  buildControls();
  setStatus("status", "ready");
  refreshBases();
  resolveDocs();
  await firstAnswer();
}

init();
