/* glassnet playground: the live page. Talks to the server over a WebSocket (see protocol.py). */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const MAX_SNAPSHOTS = 120;
  const MAX_LOSS_POINTS = 4000;
  const state = {
    ws: null, hello: null, config: null, data: null, frame: null, running: false,
    loss: { epochs: [], train: [], test: [] }, norms: { epochs: [], values: [] },
    snapshots: [], edgeMode: "weights", upload: null, frames: 0,
  };
  window.playground = state; // for tests and the curious

  // ---- messages ---------------------------------------------------------------------------
  function showMessage(text, kind) {
    const box = $("message");
    box.textContent = text;
    box.className = "show" + (kind === "info" ? " info" : "");
  }
  function clearMessage() {
    $("message").className = "";
    $("message").textContent = "";
    document.querySelectorAll(".field-error").forEach((el) => el.classList.remove("field-error"));
  }
  function send(msg) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(msg));
  }

  // ---- the setup in the page address ------------------------------------------------------
  const LIST_KEYS = ["layers", "act"];
  function fromHash() {
    const cfg = JSON.parse(JSON.stringify(state.hello.defaults));
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    for (const [k, v] of params) {
      if (!(k in cfg)) continue;
      if (LIST_KEYS.includes(k)) {
        const parts = v === "" ? [] : v.split(",");
        cfg[k] = k === "layers" ? parts.map((p) => (isFinite(+p) && p !== "" ? +p : p)) : parts;
      } else if (typeof cfg[k] === "number") {
        cfg[k] = isFinite(+v) && v !== "" ? +v : v;
      } else cfg[k] = v;
    }
    return cfg;
  }
  function toHash(cfg) {
    const parts = [];
    for (const k of Object.keys(state.hello.defaults)) {
      const v = cfg[k];
      parts.push(`${k}=${encodeURIComponent(Array.isArray(v) ? v.join(",") : v).replace(/%2C/g, ",")}`);
    }
    return "#" + parts.join("&");
  }

  // ---- controls ---------------------------------------------------------------------------
  function fillSelect(sel, choices) {
    sel.innerHTML = "";
    const entries = Array.isArray(choices) ? choices.map((c) => [c, c]) : Object.entries(choices);
    for (const [value, label] of entries) {
      const o = document.createElement("option");
      o.value = value; o.textContent = label;
      sel.appendChild(o);
    }
  }
  function showControls() {
    const cfg = state.config;
    document.querySelectorAll("[data-key]").forEach((el) => {
      el.value = cfg[el.dataset.key];
    });
    $("noise-val").textContent = (+cfg.noise).toFixed(2);
    $("split-val").textContent = Math.round(cfg.split * 100) + "%";
    const small = ["paper", "xor", "and", "or"].includes(cfg.dataset);
    $("n").disabled = $("noise").disabled = small || cfg.dataset === "csv";
    $("split").disabled = small;
    renderLayers();
  }
  function renderLayers() {
    const box = $("layers");
    box.innerHTML = "";
    const acts = state.hello.choices.act;
    state.config.layers.forEach((units, i) => {
      const card = document.createElement("div");
      card.className = "layer-card";
      card.innerHTML = `<div class="title">Hidden ${i + 1}</div>
        <div class="units"><button class="small-btn" data-d="-1">&minus;</button>
        <input type="number" min="1" id="units-${i}" value="${units}" title="1 to ${state.hello.limits.max_units} units">
        <button class="small-btn" data-d="1">+</button></div>
        <select id="act-${i}"></select>`;
      const sel = card.querySelector("select");
      fillSelect(sel, acts);
      sel.value = state.config.act[i];
      sel.addEventListener("change", () => { state.config.act[i] = sel.value; apply(); });
      const input = card.querySelector("input");
      input.addEventListener("change", () => { state.config.layers[i] = input.value === "" ? 0 : +input.value; apply(); });
      card.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
        state.config.layers[i] = Math.max(1, (+state.config.layers[i] || 1) + +b.dataset.d);
        apply();
      }));
      box.appendChild(card);
    });
    if (!state.config.layers.length) {
      box.innerHTML = '<span class="muted">No hidden layer: a single layer of weights (logistic regression).</span>';
    }
  }
  function readControls() {
    document.querySelectorAll("[data-key]").forEach((el) => {
      const k = el.dataset.key;
      const v = el.value;
      state.config[k] = typeof state.hello.defaults[k] === "number" ? (v === "" ? v : +v) : v;
    });
  }
  // a sensible output and loss for the kind of target (the user can still change them)
  function suitOutput(kind) {
    const c = state.config;
    if (kind === "multiclass" && c.out !== "softmax") { c.out = "softmax"; c.loss = "cross_entropy"; }
    if (kind === "binary" && c.out === "softmax") { c.out = "sigmoid"; c.loss = "bce"; }
    if (kind === "binary" && c.out === "identity") { c.out = "sigmoid"; c.loss = "bce"; }
    if (kind === "regression" && c.out !== "identity") { c.out = "identity"; c.loss = "mse"; }
  }
  function apply() {
    clearMessage();
    history.replaceState(null, "", toHash(state.config));
    showControls();
    send({ type: "config", config: state.config });
  }

  // ---- incoming ---------------------------------------------------------------------------
  function onHello(msg) {
    state.hello = msg;
    const ch = msg.choices;
    fillSelect($("dataset"), ch.dataset);
    fillSelect($("out"), ch.out);
    fillSelect($("loss"), ch.loss);
    fillSelect($("opt"), ch.opt);
    fillSelect($("init"), ch.init);
    fillSelect($("bias"), ch.bias);
    const lim = msg.limits;
    $("rate").max = lim.max_rate;
    $("n").max = lim.max_samples;
    $("limits-line").textContent = `Limits of this server: ${lim.max_layers} hidden layers of up to ${lim.max_units} units, ` +
      `${lim.max_samples} samples, ${Math.floor(lim.max_upload_bytes / 1000)} kB uploads, ${lim.max_rate} updates per second.`;
    state.config = fromHash();
    showControls();
    send({ type: "config", config: state.config });
  }
  function onReady(msg) {
    clearMessage();
    if (state.pendingInfo) { showMessage(state.pendingInfo, "info"); state.pendingInfo = null; }
    state.data = msg;
    state.config = msg.config;
    state.loss = { epochs: [], train: [], test: [] };
    state.norms = { epochs: [], values: [] };
    state.snapshots = [];
    history.replaceState(null, "", toHash(state.config));
    showControls();
    $("data-note").textContent = msg.note || "";
    const names = msg.classes && msg.classes.length ? msg.classes : null;
    $("scale-lo").textContent = msg.kind === "regression" ? "low" : `class ${names ? names[0] : 0}`;
    $("scale-hi").textContent = msg.kind === "regression" ? "high" : `class ${names ? names[1] : 1}`;
    $("scale-lo").parentElement.style.display = msg.kind === "multiclass" ? "none" : "";
    const k = msg.kind === "multiclass" ? msg.n_outputs : msg.kind === "binary" ? 2 : 0;
    let legend = "";
    for (let c = 0; c < k; c++) {
      legend += `<span><i style="background:${GN.css(GN.PALETTE[c])}"></i>class ${names ? names[c] : c}</span>`;
    }
    if (msg.kind === "regression") legend += `<span>colour = target, from ${msg.y_range[0]} to ${msg.y_range[1]}</span>`;
    $("class-legend").innerHTML = legend + '<span><i style="background:#fff;border:1.5px solid #333"></i>test point (ringed)</span>';
  }
  function onRetuned(msg) {
    clearMessage();
    state.config = msg.config;
    if (state.data) state.data.config = msg.config;
    history.replaceState(null, "", toHash(state.config));
    showControls();
  }
  function onFrame(f) {
    state.frame = f;
    state.frames += 1;
    const L = state.loss;
    for (let i = 0; i < f.loss.epochs.length; i++) {
      L.epochs.push(f.loss.epochs[i]); L.train.push(f.loss.train[i]); L.test.push(f.loss.test[i]);
    }
    if (L.epochs.length > MAX_LOSS_POINTS) { // thin out: keep every other point
      for (const k of ["epochs", "train", "test"]) L[k] = L[k].filter((_, i) => i % 2 === 0 || i === L[k].length - 1);
    }
    const N = state.norms;
    if (!N.epochs.length || N.epochs[N.epochs.length - 1] !== f.epoch) {
      N.epochs.push(f.epoch); N.values.push(f.grad_norm);
      if (N.epochs.length > MAX_LOSS_POINTS) {
        N.epochs = N.epochs.filter((_, i) => i % 2 === 0); N.values = N.values.filter((_, i) => i % 2 === 0);
      }
    }
    const snap = {
      epoch: f.epoch, boundary: f.boundary, units: f.units, unit_res: f.unit_res, weights: f.weights,
      grads: f.grads, grad_norm: f.grad_norm, notes: f.notes, train_loss: f.train_loss,
      test_loss: f.test_loss, accuracy: f.accuracy,
    };
    const S = state.snapshots;
    if (S.length && S[S.length - 1].epoch === f.epoch) S[S.length - 1] = snap; else S.push(snap);
    if (S.length > MAX_SNAPSHOTS) state.snapshots = S.filter((_, i) => i % 2 === 0 || i === S.length - 1);
    render();
  }
  function onState(msg) {
    state.running = msg.running;
    $("play").innerHTML = msg.running ? "&#x275a;&#x275a;" : "&#x25b6;";
    $("play").classList.toggle("running", msg.running);
    $("play").setAttribute("aria-label", msg.running ? "pause" : "play");
    $("status").textContent = msg.running ? "training…" : msg.reason === "diverged" ? "diverged" : msg.reason ? "stopped" : "";
  }
  function onError(msg) {
    showMessage(msg.message);
    if (msg.field) {
      const el = msg.field === "layers" ? $("layers") : msg.field === "act" ? $("layers") : msg.field === "csv" ? $("csv-file") : $(msg.field);
      if (el) el.classList.add("field-error");
    }
  }
  function onUploaded(msg) {
    state.upload = msg;
    $("upload-info").textContent = `${msg.name || "file"}: ${msg.rows} rows, ${msg.kind} (${msg.columns.join(", ")})`;
    state.config.dataset = "csv";
    suitOutput(msg.kind);
    state.pendingInfo = `Loaded ${msg.name || "your file"}: ${msg.rows} rows (${msg.kind}).`;
    apply();
  }

  // ---- drawing ----------------------------------------------------------------------------
  const fmtLoss = (v) => (v === null || v === undefined ? "–" : v < 1e-3 ? v.toExponential(2) : v.toFixed(4));
  function render() {
    const f = state.frame, d = state.data;
    if (!f || !d) return;
    $("epoch").textContent = f.epoch.toLocaleString("en-US");
    $("train-loss").textContent = fmtLoss(f.train_loss);
    $("test-loss").textContent = fmtLoss(f.test_loss);
    const acc = f.accuracy;
    $("accuracy").textContent = acc.train === null ? "–" : `${Math.round(acc.train * 100)}%` + (acc.test === null ? "" : ` / ${Math.round(acc.test * 100)}%`);
    GN.drawBoundary($("boundary"), f, d, { showTest: $("show-test").checked });
    state.layout = GN.drawNetwork($("network"), d.sizes, f, { mode: state.edgeMode, columns: d.columns });
    GN.drawChart($("loss-chart"), [
      { x: state.loss.epochs, y: state.loss.train, color: "#1d2330" },
      { x: state.loss.epochs, y: state.loss.test, color: "#e8871e", dash: true },
    ], { log: $("log-loss").checked });
    const nl = d.sizes.length - 1;
    const series = [];
    for (let l = 0; l < nl; l++) {
      series.push({ x: state.norms.epochs, y: state.norms.values.map((v) => v[l]), color: GN.LAYER_COLORS[l % 8] });
    }
    GN.drawChart($("norm-chart"), series, { log: true, empty: "press play" });
    $("norm-legend").innerHTML = series.map((s, l) => `<span><i class="line" style="background:${s.color}"></i>layer ${l + 1}${l === nl - 1 ? " (output)" : ""}: ${f.grad_norm[l] === null ? "–" : f.grad_norm[l].toExponential(2)}</span>`).join("");
    $("notes").innerHTML = GN.notesHTML(f.notes);
  }

  // ---- save run ---------------------------------------------------------------------------
  async function saveRun() {
    if (!state.snapshots.length) { showMessage("Nothing to save yet: train first."); return; }
    const [css, draw, replay] = await Promise.all(["style.css", "draw.js", "replay.js"].map((n) => fetch(n).then((r) => r.text())));
    const run = {
      config: state.config, link: location.href, data: state.data, loss: state.loss, norms: state.norms,
      snapshots: state.snapshots, saved: new Date().toISOString(),
    };
    const json = JSON.stringify(run).replace(/</g, "\\u003c");
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>glassnet run replay</title>
<style>${css}</style></head><body><div id="replay"></div>
<script>${draw.replace(/<\/script/gi, "<\\/script")}<\/script>
<script>window.RUN = ${json};<\/script>
<script>${replay.replace(/<\/script/gi, "<\\/script")}<\/script></body></html>`;
    const blob = new Blob([html], { type: "text/html" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `glassnet-run-${state.config.dataset}-epoch${state.frame ? state.frame.epoch : 0}.html`;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
  }

  // ---- wiring -----------------------------------------------------------------------------
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    state.ws = ws;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      ({ hello: onHello, ready: onReady, retuned: onRetuned, frame: onFrame, state: onState, error: onError, uploaded: onUploaded }[msg.type] || (() => {}))(msg);
    };
    ws.onclose = () => {
      state.running = false;
      onState({ running: false, reason: "" });
      showMessage("The connection to the playground server was closed. Is it still running? Reload the page to reconnect.");
    };
  }

  document.querySelectorAll("[data-key]").forEach((el) => {
    el.addEventListener("change", () => {
      readControls();
      if (el.id === "dataset" && el.value !== "csv") suitOutput(el.value === "blobs" ? "multiclass" : "binary");
      if (el.id === "dataset" && el.value === "csv" && state.upload) suitOutput(state.upload.kind);
      apply();
    });
    if (el.type === "range") el.addEventListener("input", () => {
      $(el.id + "-val").textContent = el.id === "split" ? Math.round(el.value * 100) + "%" : (+el.value).toFixed(2);
    });
  });
  $("preset").addEventListener("change", () => {
    const v = $("preset").value;
    $("preset").value = "";
    if (v) location.hash = "#" + v; // the hashchange handler applies it
  });
  $("add-layer").addEventListener("click", () => {
    const c = state.config;
    c.layers.push(c.layers.length ? c.layers[c.layers.length - 1] : 4);
    c.act.push(c.act.length ? c.act[c.act.length - 1] : "tanh");
    apply();
  });
  $("remove-layer").addEventListener("click", () => {
    if (!state.config.layers.length) return;
    state.config.layers.pop(); state.config.act.pop();
    apply();
  });
  $("play").addEventListener("click", () => send({ type: state.running ? "pause" : "play" }));
  $("step").addEventListener("click", () => send({ type: "step", epochs: 1 }));
  $("reset").addEventListener("click", () => { clearMessage(); send({ type: "reset" }); });
  $("save").addEventListener("click", saveRun);
  $("copy-link").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(location.href); showMessage("Link copied: it reproduces this setup.", "info"); }
    catch (e) { showMessage("Copy this address to share the setup: " + location.href, "info"); }
  });
  $("edge-mode").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
    state.edgeMode = b.dataset.mode;
    $("edge-mode").querySelectorAll("button").forEach((o) => o.classList.toggle("on", o === b));
    render();
  }));
  // hovering a unit says what it is and what feeds it
  $("network").addEventListener("mousemove", (ev) => {
    const tip = $("unit-tip");
    const r = $("network").getBoundingClientRect();
    const hit = GN.nodeAt(state.layout, ev.clientX - r.left, ev.clientY - r.top);
    if (!hit || !state.frame || !state.data) { tip.style.display = "none"; return; }
    const [l, j] = hit, f = state.frame, d = state.data, L = d.sizes.length - 1;
    let text;
    if (l === 0) text = `input ${d.columns[j] || "x" + (j + 1)}`;
    else {
      const W = f.weights[l - 1].W.map((row) => row[j]);
      const G = f.grads[l - 1].W.map((row) => row[j]);
      const b = f.weights[l - 1].b;
      const act = l === L ? d.config.out : d.config.act[l - 1];
      const norm = (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0)).toPrecision(3);
      text = `${l === L ? "output" : "hidden " + l} unit ${j + 1} (${act})\n` +
        `incoming weights: ${W.map((v) => v.toPrecision(3)).join(", ")}\n` +
        (b ? `bias: ${(b.length > j ? b[j] : b[0]).toPrecision(3)}\n` : "") +
        `‖dC/dw‖ = ${norm(G)}`;
    }
    tip.textContent = text;
    tip.style.display = "block";
    tip.style.left = ev.pageX + 14 + "px";
    tip.style.top = ev.pageY + 10 + "px";
  });
  $("network").addEventListener("mouseleave", () => { $("unit-tip").style.display = "none"; });
  $("show-test").addEventListener("change", render);
  $("log-loss").addEventListener("change", render);
  $("csv-file").addEventListener("change", () => {
    const file = $("csv-file").files[0];
    if (!file) return;
    const cap = state.hello.limits.max_upload_bytes;
    if (file.size > cap) {
      showMessage(`File too large: uploads are limited to ${Math.floor(cap / 1000)} kB, got ${(file.size / 1000).toFixed(1)} kB`);
      $("csv-file").classList.add("field-error");
      $("csv-file").value = "";
      return;
    }
    const reader = new FileReader();
    reader.onload = () => send({ type: "upload", name: file.name, csv: reader.result });
    reader.readAsText(file);
  });
  window.addEventListener("hashchange", () => {
    if (!state.hello) return;
    const cfg = fromHash();
    if (JSON.stringify(cfg) !== JSON.stringify(state.config)) { state.config = cfg; apply(); }
  });
  window.addEventListener("resize", render);
  connect();
})();
