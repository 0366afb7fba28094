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
    lossB: { epochs: [], train: [], test: [] }, pop: { epochs: [], median: [], lo: [], hi: [] },
    popB: { epochs: [], median: [], lo: [], hi: [] }, lesson: null, lessonStep: 0, tuned: null, refused: null, seq: 0,
    diagramRun: "a", inside: null, edge: null, sample: 0, normsB: { epochs: [], values: [] },
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
  // ---- the setup: controls from the server's table (controls.js), in the address ---------
  function hashExtra() {
    return state.lesson && state.lesson.link ? { [state.lesson.link.key]: state.lesson.link.value, step: state.lessonStep + 1 } : {};
  }
  function showControls() {
    const cfg = state.config;
    state.controls.show(cfg);
    GNC.renderLayers($("layers"), state.hello, cfg, apply, true);
    const first = cfg.seed, n = cfg.seeds;
    $("seed-range").textContent = `${first} to ${first + n - 1}`;
  }
  function apply() {
    clearMessage();
    history.replaceState(null, "", GNC.toHash(state.hello, state.config, hashExtra()));
    showControls();
    sendConfig();
  }
  // each setup sent is numbered: an answer to an older one (a retune still in flight when the
  // next setting changed) updates the drawing, never the controls or the address
  function sendConfig() {
    state.seq += 1;
    send({ type: "config", config: state.config, seq: state.seq });
  }
  const current = (msg) => msg.seq === undefined || msg.seq === state.seq;

  // ---- incoming ---------------------------------------------------------------------------
  function onHello(msg) {
    state.hello = msg;
    state.controls = GNC.build(document, msg, { ids: true });
    const presets = Object.entries(msg.presets).map(([k, p]) => [k, p.label]);
    for (const [k, label] of presets) { const o = document.createElement("option"); o.value = k; o.textContent = label; $("preset").appendChild(o); }
    // setup B "like" a preset: the settings B may vary, taken from it
    for (const [k, label] of presets) { const o = document.createElement("option"); o.value = k; o.textContent = label; $("b-preset").appendChild(o); }
    for (const l of msg.lessons) { const o = document.createElement("option"); o.value = l.id; o.textContent = l.title; $("lesson-pick").appendChild(o); }
    for (const [name, el] of Object.entries(state.controls.inputs)) {
      const c = state.controls.byName[name];
      el.addEventListener("change", () => onControl(name, c));
    }
    for (const name of Object.keys(state.controls.bInputs)) {
      state.controls.bInputs[name].addEventListener("change", () => { state.controls.readB(state.config, name); apply(); });
    }
    const lim = msg.limits;
    $("limits-line").textContent = `Limits of this server: ${lim.max_layers} hidden layers of up to ${lim.max_units} units, ` +
      `${lim.max_samples} samples, ${Math.floor(lim.max_upload_bytes / 1000)} kB uploads, ${lim.max_rate} updates per second.`;
    state.config = GNC.fromHash(msg, location.hash);
    showControls();
    send({ type: "frames", binary: true }); // typed arrays, and only what changed
    sendConfig();
    openLessonFromHash();
  }
  function onControl(name, c) {
    state.controls.read(state.config, name);
    const cfg = state.config;
    if (name === "dataset") {
      const kind = cfg.dataset === "csv" ? (state.upload ? state.upload.kind : null) : state.hello.kinds[cfg.dataset];
      if (kind) GNC.suit(state.hello, cfg, kind);
    }
    if (name === "mode") {
      cfg.member = 0;
      GNC.firstB(state.hello, cfg);
    }
    apply();
  }
  function onReady(msg) {
    clearMessage();
    // the note waits for the answer to what it is about (an older setup's answer may come first)
    const p = state.pendingInfo;
    if (p && (p.model ? msg.loaded !== undefined : msg.seq === p.seq)) {
      showMessage(p.text, "info");
      state.pendingInfo = null;
    }
    state.data = msg;
    // the controls' setup is the page's own copy: editing it must not rewrite what the shown
    // data and networks were made for (until their answer comes, they are still the old ones)
    if (current(msg)) state.config = JSON.parse(JSON.stringify(msg.config));
    state.loss = { epochs: [], train: [], test: [] };
    state.lossB = { epochs: [], train: [], test: [] };
    state.pop = { epochs: [], median: [], lo: [], hi: [] };
    state.popB = { epochs: [], median: [], lo: [], hi: [] };
    state.norms = { epochs: [], values: [] };
    state.normsB = { epochs: [], values: [] };
    state.snapshots = [];
    state.inside = null; state.edge = null;
    $("inside").innerHTML = '<span class="muted">Click a unit of the diagram to see its numbers, or an edge to set its weight.</span>';
    $("sample").max = msg.train.x.length - 1;
    if (state.sample > msg.train.x.length - 1) state.sample = 0;
    $("sample").value = state.sample;
    if (current(msg)) {
      history.replaceState(null, "", GNC.toHash(state.hello, state.config, hashExtra()));
      showControls();
    }
    $("data-note").textContent = msg.note || "";
    for (const id of ["train-loss", "test-loss"]) $(id).title = msg.target_standardize ? "of the standardized target (see the data note)" : "";
    const names = msg.classes && msg.classes.length ? msg.classes : null;
    $("scale-lo").textContent = msg.kind === "regression" ? GN.fmt(msg.y_range[0]) : `class ${names ? names[0] : 0}`;
    $("scale-hi").textContent = msg.kind === "regression" ? GN.fmt(msg.y_range[1]) : `class ${names ? names[1] : 1}`;
    $("scale-lo").parentElement.style.display = msg.kind === "multiclass" ? "none" : "";
    const k = msg.kind === "multiclass" ? msg.n_outputs : msg.kind === "binary" ? 2 : 0;
    let legend = "";
    for (let c = 0; c < k; c++) {
      legend += `<span><i style="background:${GN.css(GN.PALETTE[c])}"></i>class ${names ? names[c] : c}</span>`;
    }
    if (msg.kind === "regression") legend += `<span>colour = target, from ${GN.fmt(msg.y_range[0])} to ${GN.fmt(msg.y_range[1])}</span>`;
    $("class-legend").innerHTML = legend + '<span><i style="background:#fff;border:1.5px solid #333"></i>test point (ringed)</span>';
    if (state.lesson) renderLesson();
  }
  function onRetuned(msg) {
    clearMessage();
    if (current(msg)) state.config = JSON.parse(JSON.stringify(msg.config));
    if (state.data) state.data.config = msg.config;
    if (state.data && state.data.config_b) {
      const b = msg.config.b || {};
      for (const k of Object.keys(state.data.config_b)) if (k in msg.config && !(k in b) && state.controls.byName[k] && state.controls.byName[k].b) state.data.config_b[k] = msg.config[k];
      for (const [k, v] of Object.entries(b)) state.data.config_b[k] = v;
    }
    if (current(msg)) {
      history.replaceState(null, "", GNC.toHash(state.hello, state.config, hashExtra()));
      showControls();
    }
    if (state.lesson) renderLesson();
  }
  function onFrame(f) {
    state.frame = f;
    state.frames += 1;
    const thin = (L) => { // thin out: keep every other point
      if (L.epochs.length <= MAX_LOSS_POINTS) return;
      for (const k of Object.keys(L)) L[k] = L[k].filter((_, i) => i % 2 === 0 || i === L[k].length - 1);
    };
    const extend = (L, part) => {
      if (part.restart) for (const k of Object.keys(L)) L[k] = [];
      for (let i = 0; i < part.epochs.length; i++) {
        L.epochs.push(part.epochs[i]); L.train.push(part.train[i]); L.test.push(part.test[i]);
      }
      thin(L);
    };
    const extendPop = (P, fr) => {
      if (fr.loss.restart) for (const k of Object.keys(P)) P[k] = [];
      for (let i = 0; i < fr.loss.epochs.length; i++) {
        P.epochs.push(fr.loss.epochs[i]); P.median.push(fr.population.median[i]);
        P.lo.push(fr.population.lo[i]); P.hi.push(fr.population.hi[i]);
      }
      thin(P);
    };
    extend(state.loss, f.loss);
    if (f.b) extend(state.lossB, f.b.loss);
    if (f.population) extendPop(state.pop, f);
    if (f.b && f.b.population) extendPop(state.popB, f.b);
    const addNorms = (N, fr) => {
      if (!N.epochs.length || N.epochs[N.epochs.length - 1] !== fr.epoch) {
        N.epochs.push(fr.epoch); N.values.push(fr.grad_norm);
        if (N.epochs.length > MAX_LOSS_POINTS) {
          N.epochs = N.epochs.filter((_, i) => i % 2 === 0); N.values = N.values.filter((_, i) => i % 2 === 0);
        }
      }
    };
    addNorms(state.norms, f);
    if (f.b) addNorms(state.normsB, f.b);
    const snap = {
      epoch: f.epoch, boundary: f.boundary, units: f.units, unit_res: f.unit_res, weights: f.weights,
      grads: f.grads, grad_norm: f.grad_norm, notes: f.notes, train_loss: f.train_loss,
      test_loss: f.test_loss, accuracy: f.accuracy, b: f.b,
    };
    const S = state.snapshots;
    if (S.length && S[S.length - 1].epoch === f.epoch) S[S.length - 1] = snap; else S.push(snap);
    if (S.length > MAX_SNAPSHOTS) state.snapshots = S.filter((_, i) => i % 2 === 0 || i === S.length - 1);
    render();
    if (!state.running) refreshInside();
  }
  function onState(msg) {
    state.running = msg.running;
    $("play").innerHTML = msg.running ? "&#x275a;&#x275a;" : "&#x25b6;";
    $("play").classList.toggle("running", msg.running);
    $("play").setAttribute("aria-label", msg.running ? "pause" : "play");
    const why = { diverged: "diverged", until: "stopped at epoch " + msg.epoch, converged: "converged: stopped", max_epochs: "stopped" };
    $("status").textContent = msg.running ? "training…" : why[msg.reason] || (msg.reason ? "stopped" : "");
    if (!msg.running && state.lesson) renderLesson();
  }
  function onError(msg) {
    showMessage(msg.message);
    if (msg.field) {
      const f = msg.field;
      const el = f === "layers" || f === "act" ? $("layers") : f === "csv" ? $("csv-file") : f === "model" ? $("model-file") : f === "lesson" ? $("lesson-box") : f.startsWith("b.") ? $("b-" + f.slice(2)) : f === "b" ? $("panel-b") : $(f);
      if (el) el.classList.add("field-error");
    }
  }
  function onUploaded(msg) {
    state.upload = msg;
    $("upload-info").textContent = `${msg.name || "file"}: ${msg.rows} rows, ${msg.kind} (${msg.columns.join(", ")})`;
    state.config.dataset = "csv";
    GNC.suit(state.hello, state.config, msg.kind);
    apply();
    state.pendingInfo = { text: `Loaded ${msg.name || "your file"}: ${msg.rows} rows (${msg.kind}).`, seq: state.seq };
  }

  // ---- lessons ----------------------------------------------------------------------------
  function onLesson(msg) {
    const link = state.pendingLessonLink || (msg.source && state.hello.lessons.some((l) => l.id === msg.source) ? { key: "lesson", value: msg.source } : null);
    state.pendingLessonLink = null;
    state.lesson = { ...msg, link };
    const step = Math.min(Math.max(0, (state.pendingStep || 1) - 1), msg.steps.length - 1);
    state.pendingStep = null;
    $("lesson-nav").hidden = false;
    $("lesson-link").hidden = !link;
    $("lesson-pick").value = state.hello.lessons.some((l) => l.id === msg.source) ? msg.source : "";
    goToStep(step);
  }
  function goToStep(k) {
    state.lessonStep = k;
    state.tuned = null;
    const step = state.lesson.steps[k];
    renderLesson();
    clearMessage();
    if (step.tune) {
      showMessage("Finding each setup's best learning rate on the server…", "info");
      send({ type: "tune", config: step.setup, grid: step.tune.grid, epochs: step.tune.epochs });
      return;
    }
    state.config = JSON.parse(JSON.stringify(step.setup));
    apply();
  }
  function onTuned(msg) {
    state.tuned = msg.best;
    state.config = msg.config;
    apply();
  }
  function renderLesson() {
    if (!state.lesson) { $("lesson-box").innerHTML = ""; return; }
    const k = state.lessonStep, f = state.frame;
    const finished = !state.running && f && f.epoch > 0;
    $("lesson-box").innerHTML = GNC.lessonHTML(state.lesson, k, GNC.facts(state), finished);
    $("lesson-prev").disabled = k === 0;
    $("lesson-next").disabled = k === state.lesson.steps.length - 1;
  }
  function openLessonFromHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const id = params.get("lesson"), file = params.get("lessonfile");
    state.pendingStep = +params.get("step") || 1;
    if (id) send({ type: "lesson", id });
    else if (file) {
      try {
        const text = new TextDecoder().decode(Uint8Array.from(atob(file.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));
        state.pendingLessonLink = { key: "lessonfile", value: file };
        send({ type: "lesson", text, name: params.get("lessonname") || "linked lesson" });
      } catch (e) { showMessage("lessonfile: the link's lesson is not valid base64"); }
    }
  }

  // ---- drawing ----------------------------------------------------------------------------
  const fmtLoss = (v) => (v === null || v === undefined ? "–" : v < 1e-3 ? v.toExponential(2) : v.toFixed(4));
  function describeSetup(c) {
    return `${c.layers.join("-") || "no hidden layer"} ${[...new Set(c.act)].join("/")} → ${c.out}, ${c.opt} ${c.lr}${c.rules === "original" ? ", paper's rules" : ""}`;
  }
  function render() {
    const f = state.frame, d = state.data;
    if (!f || !d) return;
    const cfg = d.config, compare = !!f.b && !!d.sizes_b, seeds = !!f.population;
    $("epoch").textContent = f.epoch.toLocaleString("en-US");
    const both = (a, b, fmt) => (compare ? `${fmt(a)} | ${fmt(b)}` : fmt(a));
    $("train-loss").textContent = both(f.train_loss, compare ? f.b.train_loss : null, fmtLoss);
    $("test-loss").textContent = both(f.test_loss, compare ? f.b.test_loss : null, fmtLoss);
    const pct = (acc) => (acc.train === null ? "–" : `${Math.round(acc.train * 100)}%` + (acc.test === null ? "" : ` / ${Math.round(acc.test * 100)}%`));
    $("accuracy").textContent = both(f.accuracy, compare ? f.b.accuracy : null, (a) => pct(a));
    document.querySelector("main").classList.toggle("compare", compare);
    $("figure-b").hidden = !compare;
    GN.drawBoundary($("boundary"), f, d, { showTest: $("show-test").checked });
    $("caption-a").textContent = compare ? "A: " + describeSetup(cfg) : seeds ? `member ${cfg.member} (seed ${cfg.seed + cfg.member})` : "";
    $("caption-a").title = $("caption-a").textContent;
    if (compare) {
      GN.drawBoundary($("boundary-b"), f.b, d, { showTest: $("show-test").checked });
      $("caption-b").textContent = "B: " + describeSetup(d.config_b);
      $("caption-b").title = $("caption-b").textContent;
    }
    $("diagram-of").hidden = !compare;
    $("notes-b").hidden = !compare;
    const runB = compare && state.diagramRun === "b";
    const shown = runB ? f.b : f;
    state.layout = GN.drawNetwork($("network"), runB ? d.sizes_b : d.sizes, shown, { mode: state.edgeMode, columns: d.inputs || d.columns, selected: state.edge });
    const lines = [
      { x: state.loss.epochs, y: state.loss.train, color: "#1d2330" },
      { x: state.loss.epochs, y: state.loss.test, color: "#e8871e", dash: true },
    ];
    let legend = '<span><i class="line" style="background:#1d2330"></i>train</span><span><i class="line" style="background:#e8871e"></i>test</span>';
    const per = f.race && f.race.summed ? " (the summed loss)" : "";
    if (compare) {
      lines.push({ x: state.lossB.epochs, y: state.lossB.train, color: "#1f78b4" });
      lines.push({ x: state.lossB.epochs, y: state.lossB.test, color: "#8fc1e3", dash: true });
      legend = `<span><i class="line" style="background:#1d2330"></i>A train${per}</span><span><i class="line" style="background:#e8871e"></i>A test</span>` +
        '<span><i class="line" style="background:#1f78b4"></i>B train</span><span><i class="line" style="background:#8fc1e3"></i>B test</span>';
    }
    if (seeds) {
      lines.unshift({ x: state.pop.epochs, y: state.pop.median, lo: state.pop.lo, hi: state.pop.hi, color: "#2ca02c", width: 2.2 });
      legend = '<span><i class="line" style="background:#2ca02c"></i>' + (compare ? "A: " : "") + "median train loss, 10–90% band</span>";
      if (compare && f.b.population) {
        lines.splice(1, 0, { x: state.popB.epochs, y: state.popB.median, lo: state.popB.lo, hi: state.popB.hi, color: "#9467bd", width: 2.2 });
        legend += '<span><i class="line" style="background:#9467bd"></i>B: median train loss, 10–90% band</span>';
      }
      legend += `<span><i class="line" style="background:#1d2330"></i>member ${cfg.member} train</span>`;
      const p = f.population, n = p.final.length;
      $("population-line").textContent = `Converged (loss per case below ${GN.fmt(p.threshold)}): ` +
        (compare && f.b.population ? `A ${Math.round(p.converged * n)} of ${n}, B ${Math.round(f.b.population.converged * n)} of ${n}` : `${Math.round(p.converged * n)} of ${n} (${Math.round(p.converged * 100)}%)`) +
        (p.diverged ? `; ${p.diverged} diverged` : "");
    } else $("population-line").textContent = "";
    // the loss is the network's: of the standardized target when the upload's is scaled
    if (d.target_standardize) legend += '<span class="muted">loss of the standardized target</span>';
    $("loss-legend").innerHTML = legend;
    // the threshold is on the loss per case: on the chart of a summed loss, times the cases
    const thr = f.race ? f.race.threshold * (f.race.summed ? d.train.x.length : 1) : undefined;
    GN.drawChart($("loss-chart"), lines, { log: $("log-loss").checked, threshold: thr });
    $("race").innerHTML = GNC.raceHTML(f, d);
    const nl = (runB ? d.sizes_b : d.sizes).length - 1;
    const norms = runB ? state.normsB : state.norms;
    const series = [];
    for (let l = 0; l < nl; l++) {
      series.push({ x: norms.epochs, y: norms.values.map((v) => v[l]), color: GN.LAYER_COLORS[l % 8] });
    }
    GN.drawChart($("norm-chart"), series, { log: true, empty: "press play" });
    $("norm-legend").innerHTML = series.map((s, l) => `<span><i class="line" style="background:${s.color}"></i>layer ${l + 1}${l === nl - 1 ? " (output)" : ""}: ${shown.grad_norm[l] === null ? "–" : shown.grad_norm[l].toExponential(2)}</span>`).join("");
    $("notes").innerHTML = (compare ? "<li class=\"ok\"><b>A</b></li>" : "") + GN.notesHTML(f.notes);
    if (compare) $("notes-b").innerHTML = '<li class="ok"><b>B</b></li>' + GN.notesHTML(f.b.notes);
    if (state.lesson) renderLesson();
  }

  // ---- inside a unit, and weights set by hand ----------------------------------------------
  const num = (v, p) => (v === null || v === undefined ? "–" : (+v).toPrecision(p || 5));
  const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  function refreshInside() {
    if (state.inside) state.asked = true, send({ type: "inside", layer: state.inside.layer, unit: state.inside.unit, sample: state.sample, run: state.inside.run });
    else if (state.edge) showEdge();
  }
  function onInside(m) {
    if (!state.asked) return; // an answer to a question no longer asked (an edge was clicked)
    state.inside = { layer: m.layer, unit: m.unit, run: m.run };
    state.edge = null;
    const L = (m.run === "b" ? state.data.sizes_b : state.data.sizes).length - 1;
    const where = `${m.layer === L ? "Output" : "Hidden layer " + m.layer} unit ${m.unit + 1} (${esc(m.activation)})` + (m.run === "b" ? " of setup B" : "");
    const rows = m.incoming.map((c, k) => `<tr><td>${k + 1}</td><td>${num(c.a_prev)}</td><td>${num(c.w)}</td><td>${num(c.dW)}</td></tr>`).join("");
    $("inside").innerHTML = `<b>${where}</b>, training sample ${m.sample} (x = ${m.x.map((v) => num(v, 4)).join(", ")}; y = ${m.y.map((v) => num(v, 4)).join(", ")}${m.y_scaled ? `; standardized, as the output is compared with it: ${m.y_scaled.map((v) => num(v, 4)).join(", ")}` : ""})
      <table><tr><th>z</th><th>a = f(z)</th><th>f'(z)</th><th>δ = dC/dz</th></tr>
      <tr><td id="in-z">${num(m.z)}</td><td id="in-a">${num(m.a)}</td><td id="in-fp">${num(m.fprime)}</td><td id="in-delta">${num(m.delta)}</td></tr></table>
      <pre>${esc(m.formulas.z)}\n${esc(m.formulas.a)}\n${esc(m.formulas.fprime)}\n${esc(m.formulas.delta)}\n${esc(m.formulas.dW)}</pre>
      <table><tr><th>k</th><th>a_k (input)</th><th>W_kj</th><th>dC/dW_kj (this sample)</th></tr>${rows}</table>
      <span class="muted">From the engine's trace of this one sample, as if it were the whole training set: its cost is ${num(m.cost)}. The full-batch gradient averages these over the training samples (sums them, for sse).</span>`;
  }
  function showEdge() {
    const e = state.edge, f = state.diagramRun === "b" && state.frame.b ? state.frame.b : state.frame;
    if (!e || !f) return;
    const w = f.weights[e.l - 1].W[e.i][e.j], g = f.grads[e.l - 1].W[e.i][e.j];
    const from = e.l === 1 ? ((state.data.inputs || state.data.columns)[e.i] || "x" + (e.i + 1)) : `hidden ${e.l - 1} unit ${e.i + 1}`;
    const L = (f === state.frame ? state.data.sizes : state.data.sizes_b).length - 1;
    const to = e.l === L ? `output ${e.j + 1}` : `hidden ${e.l} unit ${e.j + 1}`;
    $("inside").innerHTML = `<b>Weight W^(${e.l})<sub>${e.i + 1},${e.j + 1}</sub></b>: from ${esc(from)} to ${esc(to)}
      <table><tr><th>W</th><th>dC/dW (all training samples)</th></tr><tr><td id="edge-w">${num(w)}</td><td>${num(g)}</td></tr></table>
      <div class="weight-edit">set to <input type="number" id="weight-value" step="any" value="${+(+w).toPrecision(4)}"><button class="small-btn" id="weight-set">Set</button></div>
      <span class="muted">The boundary, the loss and every number update at once; training goes on from the changed weight.</span>`;
    $("weight-set").addEventListener("click", setWeight);
    $("weight-value").addEventListener("keydown", (ev) => { if (ev.key === "Enter") setWeight(); });
  }
  function setWeight() {
    const e = state.edge, raw = $("weight-value").value;
    clearMessage();
    send({ type: "weight", layer: e.l, source: e.i, unit: e.j, value: raw === "" || !isFinite(+raw) ? raw : +raw, run: state.diagramRun });
  }
  function onWeightSet(m) {
    showMessage(`Weight changed from ${num(m.old, 4)} to ${num(state.edge ? (state.diagramRun === "b" ? state.frame.b : state.frame).weights[state.edge.l - 1].W[state.edge.i][state.edge.j] : NaN, 4)}.`, "info");
  }

  // ---- take it with you ------------------------------------------------------------------
  function download(name, blob, id) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name; a.id = id; a.textContent = name;
    return a;
  }
  function onExport(m) {
    const out = $("export-out");
    out.innerHTML = "";
    for (const file of m.models) { // one per setup: a comparison's export holds both
      const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
      const b = file.setup === "B";
      out.appendChild(download(`glassnet-model${b ? "-b" : ""}-epoch${m.epoch}.npz`, new Blob([bytes], { type: "application/octet-stream" }), b ? "export-model-b" : "export-model"));
    }
    out.appendChild(download("playground_run.py", new Blob([m.script], { type: "text/x-python" }), "export-script"));
    const pre = document.createElement("pre");
    pre.id = "export-command";
    pre.textContent = m.command ? m.command : "No equivalent glassnet train command: " + m.command_note;
    out.appendChild(document.createTextNode(m.command ? "The same run from the command line:" : ""));
    out.appendChild(pre);
  }

  // ---- save run ---------------------------------------------------------------------------
  async function saveRun() {
    if (!state.snapshots.length) { showMessage("Nothing to save yet: train first."); return; }
    const [css, draw, replay] = await Promise.all(["style.css", "draw.js", "replay.js"].map((n) => fetch(n).then((r) => r.text())));
    const run = {
      config: state.config, link: location.href, data: state.data, loss: state.loss, norms: state.norms,
      snapshots: state.snapshots, saved: new Date().toISOString(),
    };
    const json = JSON.stringify(run, (k, v) => (v instanceof Uint8Array ? toB64(v) : v)).replace(/</g, "\\u003c");
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

  // ---- binary frames (see glassnet/playground/frames.py) ----------------------------------
  function decodeFrame(buf) {
    const bytes = new Uint8Array(buf);
    if (String.fromCharCode(...bytes.subarray(0, 4)) !== "GNF1") throw new Error("not a glassnet binary frame");
    const len = new DataView(buf).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
    const start = 8 + len + ((8 - ((8 + len) % 8)) % 8);
    const walk = (v, old) => {
      if (Array.isArray(v)) return v.map((x, i) => walk(x, Array.isArray(old) ? old[i] : undefined));
      if (v === null || typeof v !== "object") return v;
      if (v.$same) return old;
      if (v.$b) {
        const [offset, code, shape] = v.$b;
        const count = shape.reduce((a, b) => a * b, 1);
        if (code === "u1") return new Uint8Array(buf, start + offset, count);
        const flat = new Float32Array(buf, start + offset, count);
        if (shape.length === 2) {
          const rows = [];
          for (let i = 0; i < shape[0]; i++) rows.push(Array.from(flat.subarray(i * shape[1], (i + 1) * shape[1])));
          return rows;
        }
        return Array.from(flat);
      }
      const out = {};
      for (const k of Object.keys(v)) out[k] = walk(v[k], old && typeof old === "object" ? old[k] : undefined);
      return out;
    };
    state.lastRaw = walk(header, state.lastRaw);
    return state.lastRaw;
  }
  const toB64 = (u8) => { let s = ""; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000)); return btoa(s); };

  // ---- wiring -----------------------------------------------------------------------------
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    state.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.onmessage = (ev) => {
      const msg = typeof ev.data === "string" ? JSON.parse(ev.data) : decodeFrame(ev.data);
      if (msg.type === "error" && !state.hello) state.refused = msg.message; // refused before hello: too many pages
      ({ hello: onHello, ready: onReady, retuned: onRetuned, frame: onFrame, state: onState, error: onError, uploaded: onUploaded,
        inside: onInside, weight_set: onWeightSet, export: onExport, lesson: onLesson, tuned: onTuned }[msg.type] || (() => {}))(msg);
    };
    ws.onclose = () => {
      state.running = false;
      onState({ running: false, reason: "" });
      // a refusal (too many open pages) says why the server closed: keep it on screen
      showMessage(state.refused || "The connection to the playground server was closed. Is it still running? Reload the page to reconnect.");
    };
  }

  $("preset").addEventListener("change", () => {
    const v = $("preset").value;
    $("preset").value = "";
    if (v) location.hash = "#preset=" + v; // the hashchange handler applies it
  });
  $("b-preset").addEventListener("change", () => {
    const v = $("b-preset").value;
    $("b-preset").value = "";
    if (!v) return;
    const setup = state.hello.presets[v].setup, cfg = state.config;
    cfg.b = {};
    for (const c of state.hello.controls) if (c.b && c.name in setup) cfg.b[c.name] = JSON.parse(JSON.stringify(setup[c.name]));
    if (typeof cfg.b.act === "string") cfg.b.act = (cfg.b.layers || cfg.layers).map(() => cfg.b.act);
    apply();
  });
  $("add-layer").addEventListener("click", () => { GNC.addLayer(state.hello, state.config); apply(); });
  $("remove-layer").addEventListener("click", () => { if (GNC.removeLayer(state.config)) apply(); });
  $("lesson-pick").addEventListener("change", () => {
    const id = $("lesson-pick").value;
    if (id) { state.pendingStep = 1; send({ type: "lesson", id }); }
  });
  $("lesson-file").addEventListener("change", () => {
    const file = $("lesson-file").files[0];
    if (!file) return;
    $("lesson-file").value = "";
    const reader = new FileReader();
    reader.onload = () => {
      const text = String(reader.result);
      const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, "-").replace(/\//g, "_");
      state.pendingLessonLink = { key: "lessonfile", value: b64 };
      state.pendingStep = 1;
      send({ type: "lesson", text, name: file.name });
    };
    reader.readAsText(file);
  });
  $("lesson-prev").addEventListener("click", () => goToStep(Math.max(0, state.lessonStep - 1)));
  $("lesson-next").addEventListener("click", () => goToStep(Math.min(state.lesson.steps.length - 1, state.lessonStep + 1)));
  $("lesson-again").addEventListener("click", () => goToStep(state.lessonStep));
  $("lesson-close").addEventListener("click", () => {
    state.lesson = null; $("lesson-nav").hidden = true; $("lesson-link").hidden = true; $("lesson-pick").value = "";
    renderLesson();
    history.replaceState(null, "", GNC.toHash(state.hello, state.config, {}));
  });
  $("lesson-link").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(location.href); showMessage("Link copied: it opens this lesson at this step.", "info"); }
    catch (e) { showMessage("Copy this address to share the lesson: " + location.href, "info"); }
  });
  $("play").addEventListener("click", () => send({ type: state.running ? "pause" : "play" }));
  $("step").addEventListener("click", () => send({ type: "step", epochs: 1 }));
  $("reset").addEventListener("click", () => { clearMessage(); send({ type: "reset" }); });
  $("save").addEventListener("click", saveRun);
  $("export").addEventListener("click", () => { clearMessage(); send({ type: "export" }); });
  $("model-file").addEventListener("change", () => {
    const file = $("model-file").files[0];
    if (!file) return;
    const cap = state.hello.limits.max_model_bytes;
    $("model-file").value = "";
    if (file.size > cap) {
      showMessage(`Model file too large: at most ${Math.floor(cap / 1000)} kB, got ${(file.size / 1000).toFixed(1)} kB`);
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const bytes = new Uint8Array(reader.result);
      let bin = "";
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      state.pendingInfo = { text: `Loaded ${file.name}: training goes on from its weights.`, model: true };
      send({ type: "model", name: file.name, data: btoa(bin) });
    };
    reader.readAsArrayBuffer(file);
  });
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
    const runB = state.diagramRun === "b" && state.frame.b;
    const [l, j] = hit, f = runB ? state.frame.b : state.frame, d = state.data, L = (runB ? d.sizes_b : d.sizes).length - 1;
    let text;
    if (l === 0) text = `input ${(d.inputs || d.columns)[j] || "x" + (j + 1)}`;
    else {
      const W = f.weights[l - 1].W.map((row) => row[j]);
      const G = f.grads[l - 1].W.map((row) => row[j]);
      const b = f.weights[l - 1].b;
      const c = runB ? d.config_b : d.config;
      const act = l === L ? c.out : c.act[l - 1];
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
  $("network").addEventListener("click", (ev) => {
    const r = $("network").getBoundingClientRect();
    const x = ev.clientX - r.left, y = ev.clientY - r.top;
    const hit = GN.nodeAt(state.layout, x, y);
    if (hit && hit[0] > 0) {
      state.edge = null;
      state.asked = true;
      send({ type: "inside", layer: hit[0], unit: hit[1], sample: state.sample, run: state.diagramRun });
      render();
      return;
    }
    const e = GN.edgeAt(state.layout, x, y);
    if (e) { state.inside = null; state.asked = false; state.edge = { l: e.l, i: e.i, j: e.j }; showEdge(); render(); }
  });
  $("sample").addEventListener("change", () => {
    const n = state.data ? state.data.train.x.length : 1;
    const v = Math.round(+$("sample").value);
    state.sample = isFinite(v) ? Math.max(0, Math.min(n - 1, v)) : 0;
    $("sample").value = state.sample;
    refreshInside();
  });
  $("diagram-of").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
    state.diagramRun = b.dataset.run;
    state.inside = null; state.edge = null;
    $("diagram-of").querySelectorAll("button").forEach((o) => o.classList.toggle("on", o === b));
    render();
  }));
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
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (params.get("lesson") && (!state.lesson || state.lesson.source !== params.get("lesson"))) { openLessonFromHash(); return; }
    const cfg = GNC.fromHash(state.hello, location.hash);
    if (JSON.stringify(cfg) !== JSON.stringify(state.config)) { state.config = cfg; apply(); }
  });
  window.addEventListener("resize", render);
  connect();
})();
