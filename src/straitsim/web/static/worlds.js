// straitsim dashboard: bands across sampled worlds and scenario discovery (after dashboard.js,
// whose $, longApi, request, pct, fmt and PLOT_CONFIG it uses).
"use strict";

// headline number -> [worlds output, formatter]
const BAND_TARGETS = {
  "stat-defence": ["p_defence_prevails", pct],
  "stat-victory": ["p_prc_victory", pct],
  "stat-battalions": ["prc_battalions_landed", fmt],
  "stat-amphib": ["prc_amphibious_sunk_share", pct],
  "stat-aircraft": ["coalition_aircraft_lost", fmt],
};

function worldsBody() {
  return {
    ...request(), worlds: Number($("worlds-n").value), reps: Number($("worlds-reps").value),
    seed: Number($("seed").value),
  };
}

function showBands(doc) {
  for (const [id, [key, f]] of Object.entries(BAND_TARGETS)) {
    const stat = $(id).parentElement;
    let el = stat.querySelector(".band");
    if (!el) {
      el = document.createElement("span");
      el.className = "band ci";
      el.dataset.testid = "band";
      stat.append(el);
    }
    const b = doc.bands[key];
    el.textContent = `across ${doc.worlds} worlds: ${f(b.p05)}–${f(b.p95)} (median ${f(b.median)})` +
      (b.mc_flag ? " — more reps per world needed" : "");
  }
  const rows = Object.entries(doc.bands).map(([k, b]) =>
    `<tr><td>${k}</td><td>${b.median.toPrecision(3)}</td><td>${b.p05.toPrecision(3)}–${b.p95.toPrecision(3)}</td>` +
    `<td>${b.across_sd.toPrecision(3)}</td><td>${b.mc_se.toPrecision(2)}${b.mc_flag ? " ⚠" : ""}</td></tr>`);
  $("worlds-table").innerHTML =
    "<table><thead><tr><th>output</th><th>median</th><th>5–95%</th><th>across-world sd</th>" +
    "<th>MC error</th></tr></thead><tbody>" + rows.join("") + "</tbody></table>" +
    `<p class="small">P(PRC success) &gt; ${doc.threshold} in ${pct(doc.share_success_above_threshold)} of worlds ` +
    `(${doc.worlds} worlds over ${doc.params.length} epistemic parameters, ${doc.reps} replications each).</p>`;
}

async function runWorlds() {
  $("worlds-run").disabled = true;
  setStatus("worlds-status", "sampling and running worlds…");
  try {
    const body = worldsBody();
    const doc = await longApi("api/worlds", body, body.worlds * body.reps, "worlds-status");
    showBands(doc);
    setStatus("worlds-status", "done");
  } catch (e) {
    setStatus("worlds-status", "failed: " + e.message);
  } finally {
    $("worlds-run").disabled = false;
  }
}

const qpCell = (l) => `<td>${l.qp.toPrecision(2)}${l.qp > 0.05 ? " (could be chance)" : ""}</td>`;

async function runDiscover() {
  $("discover-run").disabled = true;
  setStatus("worlds-status", "searching for the conditions of the outcome…");
  try {
    const body = { ...worldsBody(), outcome: $("discover-outcome").value };
    const doc = await longApi("api/discover", body, body.worlds * body.reps, "worlds-status");
    const box = doc.box;
    let html = `<p class="small">${doc.outcome} in ${doc.worlds_with_outcome} of ${doc.worlds} worlds. `;
    if (!box) {
      html += (doc.note || "no box") + "</p>";
    } else {
      html += `PRIM box: coverage ${box.coverage.toFixed(2)}, density ${box.density.toFixed(2)}, ` +
        `${box.n_worlds} worlds.</p><table><thead><tr><th>restricted input</th><th>box</th><th>sampled range</th><th>quasi-p</th></tr></thead><tbody>` +
        box.limits.map((l) => l.kind === "category"
          ? `<tr><td>${l.input}</td><td>${l.values.join(", ")}</td><td></td>${qpCell(l)}</tr>`
          : `<tr><td>${l.input}</td><td>${l.low.toPrecision(3)}–${l.high.toPrecision(3)}</td><td>${l.full_low.toPrecision(3)}–${l.full_high.toPrecision(3)}</td>${qpCell(l)}</tr>`).join("") +
        "</tbody></table><p class=\"small\">Top drivers (feature scores): " +
        doc.feature_scores.slice(0, 5).map((r) => `${r.input} ${r.score.toFixed(2)}`).join(", ") + "</p>";
    }
    $("discover-table").innerHTML = html;
    if (doc.pairs) {
      const p = doc.pairs;
      const pick = (flag) => p.outcome.map((o, i) => (o === flag ? i : -1)).filter((i) => i >= 0);
      const trace = (flag, name, colour) => ({
        type: "scatter", mode: "markers", name, marker: { color: colour, size: 6 },
        x: pick(flag).map((i) => p.xs[i]), y: pick(flag).map((i) => p.ys[i]),
      });
      Plotly.react("chart-discover", [trace(false, "outcome absent", "#1f77b4"), trace(true, "outcome present", "#d62728")],
        { margin: { l: 60, r: 10, t: 20, b: 50 }, xaxis: { title: { text: p.x } }, yaxis: { title: { text: p.y } } },
        PLOT_CONFIG);
    }
    setStatus("worlds-status", "done");
  } catch (e) {
    setStatus("worlds-status", "failed: " + e.message);
  } finally {
    $("discover-run").disabled = false;
  }
}

$("worlds-run").addEventListener("click", runWorlds);
$("discover-run").addEventListener("click", runDiscover);
