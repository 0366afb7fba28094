/* glassnet playground: the saved-run replay (runs offline from a standalone HTML file). */
"use strict";
(function () {
  const run = window.RUN;
  const root = document.getElementById("replay");
  const cfg = run.config;
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const setup = `${cfg.dataset} · layers ${cfg.layers.join("-") || "none"} (${cfg.act.join(", ")}) · ` +
    `output ${cfg.out} · loss ${cfg.loss} · ${cfg.opt} lr ${cfg.lr} · batch ${cfg.batch || "full"} · ` +
    `L2 ${cfg.l2} · init ${cfg.init} · seed ${cfg.seed}`;
  root.innerHTML = `
  <header class="top"><h1>glassnet <span>run replay</span></h1>
    <div class="readout"><div><small>Epoch</small><b id="epoch">0</b></div>
    <div><small>Train loss</small><b id="train-loss">–</b></div>
    <div><small>Test loss</small><b id="test-loss">–</b></div></div>
    <div class="spacer"></div><span class="muted" style="color:#cfd8e6">saved ${esc(run.saved)}</span></header>
  <div class="replay-bar"><button class="small-btn" id="replay-play">&#x25b6;</button>
    <input type="range" id="timeline" min="0" max="${run.snapshots.length - 1}" value="${run.snapshots.length - 1}" step="1" aria-label="timeline">
    <b id="timeline-label"></b></div>
  <div class="muted" style="padding:8px 22px">${esc(setup)} · <a href="${esc(run.link)}">open this setup in the playground</a></div>
  <main>
    <div class="col1"><section class="panel"><h2>Notes</h2><ul id="notes"></ul></section></div>
    <div class="col2"><section class="panel"><h2><span class="grow">Network</span>
      <span class="toggle" id="edge-mode"><button data-mode="weights" class="on">weights</button><button data-mode="grads">gradients</button></span></h2>
      <canvas id="network" width="720" height="360"></canvas></section>
      <section class="panel"><h2>Gradient norm per layer (log scale)</h2><canvas id="norm-chart" width="720" height="150"></canvas></section></div>
    <div class="col3"><section class="panel"><h2>Output</h2><canvas id="boundary" width="360" height="360"></canvas></section>
      <section class="panel"><h2>Loss (log scale)</h2><canvas id="loss-chart" width="372" height="150"></canvas>
      <div class="legend"><span><i class="line" style="background:#1d2330"></i>train</span><span><i class="line" style="background:#e8871e"></i>test</span></div></section></div>
  </main>`;
  const $ = (id) => document.getElementById(id);
  let mode = "weights";
  let timer = null;
  const fmt = (v) => (v === null || v === undefined ? "–" : v < 1e-3 ? v.toExponential(2) : v.toFixed(4));
  function show(i) {
    const s = run.snapshots[i];
    $("epoch").textContent = s.epoch;
    $("train-loss").textContent = fmt(s.train_loss);
    $("test-loss").textContent = fmt(s.test_loss);
    $("timeline-label").textContent = `epoch ${s.epoch} (${i + 1}/${run.snapshots.length})`;
    GN.drawBoundary($("boundary"), s, run.data, {});
    GN.drawNetwork($("network"), run.data.sizes, s, { mode, columns: run.data.inputs || run.data.columns });
    GN.drawChart($("loss-chart"), [
      { x: run.loss.epochs, y: run.loss.train, color: "#1d2330" },
      { x: run.loss.epochs, y: run.loss.test, color: "#e8871e", dash: true },
    ], { log: true, marker: s.epoch });
    const nl = run.data.sizes.length - 1, series = [];
    for (let l = 0; l < nl; l++) series.push({ x: run.norms.epochs, y: run.norms.values.map((v) => v[l]), color: GN.LAYER_COLORS[l % 8] });
    GN.drawChart($("norm-chart"), series, { log: true, marker: s.epoch });
    $("notes").innerHTML = GN.notesHTML(s.notes);
  }
  $("timeline").addEventListener("input", () => show(+$("timeline").value));
  $("edge-mode").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
    mode = b.dataset.mode;
    $("edge-mode").querySelectorAll("button").forEach((o) => o.classList.toggle("on", o === b));
    show(+$("timeline").value);
  }));
  $("replay-play").addEventListener("click", () => {
    if (timer) { clearInterval(timer); timer = null; $("replay-play").innerHTML = "&#x25b6;"; return; }
    if (+$("timeline").value >= run.snapshots.length - 1) $("timeline").value = 0;
    $("replay-play").innerHTML = "&#x275a;&#x275a;";
    timer = setInterval(() => {
      const i = +$("timeline").value + 1;
      if (i >= run.snapshots.length) { clearInterval(timer); timer = null; $("replay-play").innerHTML = "&#x25b6;"; return; }
      $("timeline").value = i; show(i);
    }, 120);
  });
  window.addEventListener("resize", () => show(+$("timeline").value));
  show(run.snapshots.length - 1);
})();
