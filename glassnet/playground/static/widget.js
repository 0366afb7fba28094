/* glassnet playground in a notebook (anywidget): the page's drawings and controls, driven by
   the kernel. draw.js (window.GN) and controls.js (window.GNC) come first in the same module.
   The controls are the server's table (the same as the page's); around the user's own network
   the widget shows the training ones (those marked "widget" in the table). */
const CSS = `
.gn-w { font-family: system-ui, sans-serif; font-size: 13px; color: #1d2330; }
.gn-w .bar { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; flex-wrap: wrap; }
.gn-w button { border: 1px solid #cfd4dc; background: #fff; border-radius: 4px; padding: 3px 10px; cursor: pointer; }
.gn-w button.on { background: #ffd27a; }
.gn-w .read b { font-variant-numeric: tabular-nums; margin-right: 10px; }
.gn-w .grid { display: grid; grid-template-columns: 250px 300px 1fr; gap: 12px; align-items: start; }
.gn-w .side { max-height: 640px; overflow-y: auto; padding-right: 4px; }
.gn-w canvas { display: block; max-width: 100%; }
.gn-w .net { width: 100%; height: 280px; }
.gn-w .bnd, .gn-w .bnd-b { width: 300px; height: 300px; }
.gn-w.compare .bnd, .gn-w.compare .bnd-b { width: 148px; height: 148px; }
.gn-w .bnds { display: flex; gap: 4px; }
.gn-w .loss, .gn-w .norm { width: 100%; height: 120px; }
.gn-w fieldset { border: 1px solid #e1e4ea; border-radius: 6px; margin: 0 0 8px; padding: 4px 8px 6px; }
.gn-w legend { font-size: 11px; text-transform: uppercase; letter-spacing: .6px; color: #69707d; }
.gn-w label.row { display: grid; grid-template-columns: 92px 1fr; align-items: center; gap: 6px; margin: 4px 0; }
.gn-w select, .gn-w input[type=number], .gn-w input[type=text] { width: 100%; box-sizing: border-box; padding: 2px 4px; border: 1px solid #cfd4dc; border-radius: 4px; font: inherit; }
.gn-w input[type=checkbox] { justify-self: start; }
.gn-w .layer-card { display: inline-block; border: 1px solid #e1e4ea; border-radius: 6px; padding: 4px; margin: 0 4px 4px 0; width: 96px; }
.gn-w .layer-card .units { display: flex; gap: 2px; margin: 2px 0; } .gn-w .layer-card .units input { width: 40px; }
.gn-w .layer-card .title { font-size: 11px; color: #69707d; }
.gn-w .small-btn { padding: 1px 6px; }
.gn-w ul { list-style: none; padding: 0; margin: 6px 0 0; }
.gn-w li { padding: 5px 8px; border-radius: 5px; margin-bottom: 4px; background: #fff6e5; }
.gn-w li.ok { background: #eef7ee; }
.gn-w .err { color: #b42318; }
.gn-w .info { color: #1e6b2a; }
.gn-w .muted { color: #69707d; font-size: 12px; }
.gn-w pre { white-space: pre-wrap; background: #f6f7f9; padding: 6px; border-radius: 4px; font-size: 12px; }
.gn-w .race table { border-collapse: collapse; } .gn-w .race td, .gn-w .race th { padding: 0 8px 0 0; text-align: left; }
.gn-w .lesson p { margin: 4px 0; line-height: 1.4; } .gn-w .lesson h3 { font-size: 13px; margin: 6px 0 2px; }
.gn-w .lesson .lesson-after { background: #eef3fb; padding: 4px 6px; border-radius: 4px; }
.gn-w [hidden] { display: none !important; }
.gn-w .exports a { margin-right: 10px; }
`;

function render({ model, el }) {
  const GN = window.GN, GNC = window.GNC;
  const style = document.createElement("style");
  style.textContent = CSS;
  el.appendChild(style);
  const hello = model.get("hello");
  const own = !!hello.own;
  const root = document.createElement("div");
  root.className = "gn-w";
  root.innerHTML = `<div class="bar"><button class="reset" title="Back to the first weights, exactly">reset</button>
    <button class="play">&#x25b6; play</button><button class="step">step</button>
    <span class="read">epoch <b class="epoch">0</b> train loss <b class="tl">–</b> accuracy <b class="acc">–</b></span>
    <span class="status muted"></span><span class="err"></span><span class="info"></span></div>
    <div class="grid"><div class="side">
      <fieldset class="lessons" ${own ? "hidden" : ""}><legend>Lessons</legend><select class="lesson-pick"><option value="">choose a lesson…</option></select>
        <div class="lesson"></div><div class="lesson-nav" hidden><button class="lesson-prev small-btn">&larr;</button> <button class="lesson-again small-btn">again</button> <button class="lesson-next small-btn">&rarr;</button></div></fieldset>
      <fieldset ${own ? "hidden" : ""}><legend>Data</legend><label class="row">Try <select class="preset"><option value="">a ready-made setup…</option></select></label><div data-panel="data"></div></fieldset>
      <fieldset class="network-box" ${own ? "hidden" : ""}><legend>Network</legend><div class="layers"></div><button class="add small-btn">+ layer</button> <button class="remove small-btn">&minus; layer</button></fieldset>
      <fieldset><legend>Training</legend><div data-panel="training"></div></fieldset>
      <fieldset><legend>Race</legend><div data-panel="race"></div></fieldset>
      <fieldset data-modes="compare,compare_seeds" hidden><legend>Setup B</legend><div data-panel="b"></div></fieldset>
      <fieldset data-modes="seeds,compare_seeds" hidden><legend>Seeds</legend><div data-panel="seeds"></div></fieldset>
    </div>
    <div><div class="bnds"><canvas class="bnd" width="300" height="300"></canvas><canvas class="bnd-b" width="148" height="148" hidden></canvas></div>
      <div class="muted captions"></div>
      <canvas class="loss" width="300" height="120"></canvas><div class="muted loss-legend"></div>
      <div class="race"></div>
      <div class="exports"><button class="export small-btn">export: model files, script, command</button><div class="export-out muted"></div></div></div>
    <div><div class="muted">diagram <span class="of" hidden><button class="of-a on small-btn">A</button><button class="of-b small-btn">B</button></span>
      <button class="edges small-btn">gradients</button></div>
      <canvas class="net" width="600" height="280"></canvas>
      <div class="inside muted">Click a unit for its numbers, or an edge to set its weight.</div>
      <canvas class="norm" width="600" height="120"></canvas><div class="muted norm-legend"></div>
      <ul class="notes"></ul></div></div>`;
  el.appendChild(root);
  const q = (c) => root.querySelector(c);
  const st = {
    frame: null, data: null, config: null, running: false, layout: null, edge: null, run: "a", edges: "weights",
    loss: { epochs: [], train: [], test: [] }, lossB: { epochs: [], train: [], test: [] },
    pop: { epochs: [], median: [], lo: [], hi: [] }, popB: { epochs: [], median: [], lo: [], hi: [] },
    norms: { epochs: [], values: [] }, normsB: { epochs: [], values: [] }, lesson: null, step: 0, tuned: null,
  };
  const controls = GNC.build(root, hello, own ? { only: (c) => c.widget } : {});
  for (const [k, p] of Object.entries(hello.presets)) { const o = document.createElement("option"); o.value = k; o.textContent = p.label; q(".preset").appendChild(o); }
  for (const l of hello.lessons) { const o = document.createElement("option"); o.value = l.id; o.textContent = l.title; q(".lesson-pick").appendChild(o); }
  const say = (text, kind) => { q(".err").textContent = kind === "error" ? text : ""; q(".info").textContent = kind === "info" ? text : ""; };
  function apply() {
    say("");
    controls.show(st.config);
    if (!own) GNC.renderLayers(q(".layers"), hello, st.config, apply, false);
    st.seq = (st.seq || 0) + 1;
    model.send({ type: "config", config: st.config, seq: st.seq });
  }
  for (const [name, input] of Object.entries(controls.inputs)) input.addEventListener("change", () => {
    controls.read(st.config, name);
    if (name === "dataset" && hello.kinds[st.config.dataset]) GNC.suit(hello, st.config, hello.kinds[st.config.dataset]);
    if (name === "mode") GNC.firstB(hello, st.config);
    apply();
  });
  for (const name of Object.keys(controls.bInputs)) controls.bInputs[name].addEventListener("change", () => { controls.readB(st.config, name); apply(); });
  function setData(d) {
    st.data = d; st.config = JSON.parse(JSON.stringify(d.config));
    for (const k of ["loss", "lossB"]) st[k] = { epochs: [], train: [], test: [] };
    for (const k of ["pop", "popB"]) st[k] = { epochs: [], median: [], lo: [], hi: [] };
    st.norms = { epochs: [], values: [] }; st.normsB = { epochs: [], values: [] };
    st.edge = null;
    controls.show(st.config);
    if (!own) GNC.renderLayers(q(".layers"), hello, st.config, apply, false);
  }
  function draw() {
    const f = st.frame, d = st.data;
    if (!f || !d) return;
    const compare = !!f.b && !!d.sizes_b;
    root.classList.toggle("compare", compare);
    q(".epoch").textContent = f.epoch;
    q(".tl").textContent = (f.train_loss === null ? "–" : (+f.train_loss).toPrecision(4)) + (compare ? " | " + (f.b.train_loss === null ? "–" : (+f.b.train_loss).toPrecision(4)) : "");
    q(".acc").textContent = f.accuracy.train === null ? "–" : Math.round(f.accuracy.train * 100) + "%";
    GN.drawBoundary(q(".bnd"), f, d, {});
    q(".bnd-b").hidden = !compare;
    if (compare) GN.drawBoundary(q(".bnd-b"), f.b, d, {});
    const desc = (c) => `${c.layers.join("-") || "no hidden"} ${[...new Set(c.act)].join("/")} → ${c.out}, ${c.opt} ${c.lr}`;
    q(".captions").textContent = compare ? `A: ${desc(d.config)} · B: ${desc(d.config_b)}` : "";
    q(".of").hidden = !compare;
    const runB = compare && st.run === "b", shown = runB ? f.b : f;
    st.layout = GN.drawNetwork(q(".net"), runB ? d.sizes_b : d.sizes, shown, { mode: st.edges, columns: d.inputs || d.columns, selected: st.edge });
    const lines = [{ x: st.loss.epochs, y: st.loss.train, color: "#1d2330" }];
    let legend = compare ? "black: A, blue: B" : "training loss";
    if (compare) lines.push({ x: st.lossB.epochs, y: st.lossB.train, color: "#1f78b4" });
    if (f.population) { lines.unshift({ x: st.pop.epochs, y: st.pop.median, lo: st.pop.lo, hi: st.pop.hi, color: "#2ca02c", width: 2 }); legend += "; green band: A's seeds"; }
    if (f.b && f.b.population) { lines.unshift({ x: st.popB.epochs, y: st.popB.median, lo: st.popB.lo, hi: st.popB.hi, color: "#9467bd", width: 2 }); legend += ", purple: B's"; }
    const thr = f.race ? f.race.threshold * (f.race.summed ? d.train.x.length : 1) : undefined;
    GN.drawChart(q(".loss"), lines, { log: true, threshold: thr });
    if (d.target_standardize) legend += " (of the standardized target)";
    q(".loss-legend").textContent = legend;
    const nl = (runB ? d.sizes_b : d.sizes).length - 1, norms = runB ? st.normsB : st.norms, series = [];
    for (let l = 0; l < nl; l++) series.push({ x: norms.epochs, y: norms.values.map((v) => v[l]), color: GN.LAYER_COLORS[l % 8] });
    GN.drawChart(q(".norm"), series, { log: true, empty: "gradient norm per layer" });
    q(".norm-legend").innerHTML = "gradient norm ‖dC/dW‖ per layer: " + series.map((s, l) => `<span style="color:${s.color}">layer ${l + 1}${l === nl - 1 ? " (output)" : ""} ${shown.grad_norm[l] === null ? "–" : shown.grad_norm[l].toExponential(2)}</span>`).join(", ");
    q(".race").innerHTML = GNC.raceHTML(f, d);
    q(".notes").innerHTML = GN.notesHTML(f.notes) + (compare ? '<li class="ok"><b>B</b></li>' + GN.notesHTML(f.b.notes) : "");
    if (st.lesson) showLesson();
  }
  function extend(L, part) {
    if (part.restart) for (const k of Object.keys(L)) L[k] = [];
    for (let i = 0; i < part.epochs.length; i++) { L.epochs.push(part.epochs[i]); L.train.push(part.train[i]); L.test.push(part.test[i]); }
  }
  function extendPop(P, fr) {
    if (fr.loss.restart) for (const k of Object.keys(P)) P[k] = [];
    for (let i = 0; i < fr.loss.epochs.length; i++) { P.epochs.push(fr.loss.epochs[i]); P.median.push(fr.population.median[i]); P.lo.push(fr.population.lo[i]); P.hi.push(fr.population.hi[i]); }
  }
  const addNorms = (N, fr) => { if (!N.epochs.length || N.epochs[N.epochs.length - 1] !== fr.epoch) { N.epochs.push(fr.epoch); N.values.push(fr.grad_norm); } };
  // ---- lessons ----
  function showLesson() {
    const finished = !st.running && st.frame && st.frame.epoch > 0;
    q(".lesson").innerHTML = GNC.lessonHTML(st.lesson, st.step, GNC.facts({ frame: st.frame, data: st.data, tuned: st.tuned }), finished);
    q(".lesson-nav").hidden = false;
  }
  function goTo(k) {
    st.step = k; st.tuned = null;
    const step = st.lesson.steps[k];
    showLesson();
    if (step.tune) { say("Finding each setup's best learning rate…", "info"); model.send({ type: "tune", config: step.setup, grid: step.tune.grid, epochs: step.tune.epochs }); return; }
    st.config = JSON.parse(JSON.stringify(step.setup));
    apply();
  }
  model.on("msg:custom", (msg) => {
    if (msg.type === "frame") {
      extend(st.loss, msg.loss);
      if (msg.b) extend(st.lossB, msg.b.loss);
      if (msg.population) extendPop(st.pop, msg);
      if (msg.b && msg.b.population) extendPop(st.popB, msg.b);
      addNorms(st.norms, msg);
      if (msg.b) addNorms(st.normsB, msg.b);
      st.frame = msg;
      draw();
    } else if (msg.type === "ready") {
      const older = msg.seq !== undefined && msg.seq !== st.seq, mine = st.config;
      setData(msg); say(msg.loaded ? "Loaded " + msg.loaded : "");
      if (older) { st.config = mine; controls.show(st.config); } // a newer setup is on its way
      if (st.lesson) showLesson(); // its facts (A's and B's settings) are the new setup's, now
    } else if (msg.type === "retuned") {
      st.data.config = msg.config; say("");
      if (st.data.config_b) { // B follows A's live settings except those B sets itself (as on the page)
        const b = msg.config.b || {};
        for (const k of Object.keys(st.data.config_b)) if (k in msg.config && !(k in b) && controls.byName[k] && controls.byName[k].b) st.data.config_b[k] = msg.config[k];
        for (const [k, v] of Object.entries(b)) st.data.config_b[k] = v;
      }
      if (msg.seq === undefined || msg.seq === st.seq) { st.config = JSON.parse(JSON.stringify(msg.config)); controls.show(st.config); }
      if (st.lesson) showLesson();
    } else if (msg.type === "state") {
      st.running = msg.running;
      q(".play").innerHTML = msg.running ? "&#x275a;&#x275a; pause" : "&#x25b6; play";
      q(".play").classList.toggle("on", msg.running);
      q(".status").textContent = msg.running ? "training…" : { diverged: "diverged", until: "stopped at epoch " + msg.epoch, converged: "converged: stopped" }[msg.reason] || "";
      if (st.lesson) showLesson();
    } else if (msg.type === "error") {
      say(msg.message, "error");
    } else if (msg.type === "inside") {
      const f = msg.formulas;
      q(".inside").innerHTML = "<pre></pre>";
      q(".inside pre").textContent = `layer ${msg.layer} unit ${msg.unit + 1}, sample ${msg.sample}${msg.run === "b" ? " (setup B)" : ""}\n${f.z}\n${f.a}\n${f.fprime}\n${f.delta}\n${f.dW}`;
    } else if (msg.type === "weight_set") {
      say(`Weight changed from ${(+msg.old).toPrecision(4)}.`, "info");
    } else if (msg.type === "export") {
      const out = q(".export-out");
      out.innerHTML = "";
      const link = (name, blob) => { const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name; a.textContent = name; a.className = "export-file"; out.appendChild(a); };
      for (const file of msg.models) link(`glassnet-model${file.setup === "B" ? "-b" : ""}-epoch${msg.epoch}.npz`, new Blob([Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0))], { type: "application/octet-stream" }));
      link("playground_run.py", new Blob([msg.script], { type: "text/x-python" }));
      const pre = document.createElement("pre");
      pre.className = "export-command";
      pre.textContent = msg.command ? msg.command : "No equivalent glassnet train command: " + msg.command_note;
      out.appendChild(pre);
    } else if (msg.type === "lesson") {
      st.lesson = msg; q(".lesson-pick").value = msg.source; goTo(0);
    } else if (msg.type === "tuned") {
      st.tuned = msg.best; st.config = msg.config; apply();
    }
  });
  q(".play").addEventListener("click", () => model.send({ type: st.running ? "pause" : "play" }));
  q(".step").addEventListener("click", () => model.send({ type: "step", epochs: 1 }));
  q(".reset").addEventListener("click", () => { say(""); model.send({ type: "reset" }); });
  q(".export").addEventListener("click", () => { say(""); model.send({ type: "export" }); });
  q(".edges").addEventListener("click", () => { st.edges = st.edges === "weights" ? "grads" : "weights"; q(".edges").textContent = st.edges === "weights" ? "gradients" : "weights"; draw(); });
  q(".of-a").addEventListener("click", () => { st.run = "a"; q(".of-a").classList.add("on"); q(".of-b").classList.remove("on"); draw(); });
  q(".of-b").addEventListener("click", () => { st.run = "b"; q(".of-b").classList.add("on"); q(".of-a").classList.remove("on"); draw(); });
  q(".add").addEventListener("click", () => { GNC.addLayer(hello, st.config); apply(); });
  q(".remove").addEventListener("click", () => { if (GNC.removeLayer(st.config)) apply(); });
  q(".preset").addEventListener("change", () => {
    const v = q(".preset").value; q(".preset").value = "";
    if (!v) return;
    st.config = GNC.fromHash(hello, "#preset=" + v);
    apply();
  });
  q(".lesson-pick").addEventListener("change", () => { const id = q(".lesson-pick").value; if (id) model.send({ type: "lesson", id }); });
  q(".lesson-prev").addEventListener("click", () => goTo(Math.max(0, st.step - 1)));
  q(".lesson-next").addEventListener("click", () => goTo(Math.min(st.lesson.steps.length - 1, st.step + 1)));
  q(".lesson-again").addEventListener("click", () => goTo(st.step));
  q(".net").addEventListener("click", (ev) => {
    const r = q(".net").getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
    const hit = GN.nodeAt(st.layout, x, y);
    if (hit && hit[0] > 0) { st.edge = null; model.send({ type: "inside", layer: hit[0], unit: hit[1], sample: 0, run: st.run }); draw(); return; }
    const e = GN.edgeAt(st.layout, x, y);
    if (!e) return;
    st.edge = { l: e.l, i: e.i, j: e.j };
    const f = st.run === "b" && st.frame.b ? st.frame.b : st.frame;
    const w = f.weights[e.l - 1].W[e.i][e.j];
    q(".inside").innerHTML = `W^(${e.l})<sub>${e.i + 1},${e.j + 1}</sub> = <b class="edge-w">${(+w).toPrecision(5)}</b>; set to <input type="number" class="weight-value" step="any" value="${+(+w).toPrecision(4)}" style="width:90px"> <button class="weight-set small-btn">set</button>`;
    q(".weight-set").addEventListener("click", () => {
      const raw = q(".weight-value").value;
      model.send({ type: "weight", layer: e.l, source: e.i, unit: e.j, value: raw === "" || !isFinite(+raw) ? raw : +raw, run: st.run });
    });
    draw();
  });
  setData(model.get("setup"));
  el.playground = root.playground = st; // for tests and the curious
  model.send({ type: "hello" });
  const start = model.get("start") || {};
  if (start.lesson) model.send({ type: "lesson", id: start.lesson });
  return () => { if (st.running) model.send({ type: "pause" }); };
}

export default { render };
