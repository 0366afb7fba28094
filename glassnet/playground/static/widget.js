/* glassnet playground in a notebook (anywidget): the page's drawings, driven by the kernel. */
/* draw.js comes first in the same module and defines window.GN. */
const CSS = `
.gn-w { font-family: system-ui, sans-serif; font-size: 13px; color: #1d2330; }
.gn-w .bar { display: flex; gap: 10px; align-items: center; margin-bottom: 8px; flex-wrap: wrap; }
.gn-w button { border: 1px solid #cfd4dc; background: #fff; border-radius: 4px; padding: 3px 12px; cursor: pointer; }
.gn-w button.on { background: #ffd27a; }
.gn-w .read b { font-variant-numeric: tabular-nums; margin-right: 12px; }
.gn-w .grid { display: grid; grid-template-columns: 300px 1fr; gap: 10px; }
.gn-w canvas { display: block; max-width: 100%; }
.gn-w .net { width: 100%; height: 300px; }
.gn-w .bnd { width: 300px; height: 300px; }
.gn-w .loss { width: 100%; height: 130px; }
.gn-w ul { list-style: none; padding: 0; margin: 6px 0 0; }
.gn-w li { padding: 6px 8px; border-radius: 5px; margin-bottom: 4px; background: #fff6e5; }
.gn-w li.ok { background: #eef7ee; }
.gn-w .err { color: #b42318; }
.gn-w pre { white-space: pre-wrap; background: #f6f7f9; padding: 6px; border-radius: 4px; font-size: 12px; }
`;

function render({ model, el }) {
  const GN = window.GN;
  const style = document.createElement("style");
  style.textContent = CSS;
  el.appendChild(style);
  const root = document.createElement("div");
  root.className = "gn-w";
  root.innerHTML = `<div class="bar"><button class="play">&#x25b6; play</button><button class="step">step</button>
    <span class="read">epoch <b class="epoch">0</b> train loss <b class="tl">–</b> accuracy <b class="acc">–</b></span>
    <span class="err"></span></div>
    <div class="grid"><div><canvas class="bnd" width="300" height="300"></canvas><canvas class="loss" width="300" height="130"></canvas></div>
    <div><canvas class="net" width="600" height="300"></canvas><div class="inside"></div><ul class="notes"></ul></div></div>`;
  el.appendChild(root);
  const q = (c) => root.querySelector(c);
  const state = { frame: null, loss: { epochs: [], train: [], test: [] }, running: false, layout: null };
  const data = () => model.get("setup");
  function draw() {
    const f = state.frame, d = data();
    if (!f || !d) return;
    q(".epoch").textContent = f.epoch;
    q(".tl").textContent = f.train_loss === null ? "–" : (+f.train_loss).toPrecision(4);
    q(".acc").textContent = f.accuracy.train === null ? "–" : Math.round(f.accuracy.train * 100) + "%";
    GN.drawBoundary(q(".bnd"), f, d, {});
    state.layout = GN.drawNetwork(q(".net"), d.sizes, f, { columns: d.inputs || d.columns });
    GN.drawChart(q(".loss"), [{ x: state.loss.epochs, y: state.loss.train, color: "#1d2330" }], { log: true });
    q(".notes").innerHTML = GN.notesHTML(f.notes);
  }
  model.on("msg:custom", (msg) => {
    if (msg.type === "frame") {
      if (msg.loss.restart) state.loss = { epochs: [], train: [], test: [] };
      for (let i = 0; i < msg.loss.epochs.length; i++) {
        state.loss.epochs.push(msg.loss.epochs[i]); state.loss.train.push(msg.loss.train[i]);
      }
      state.frame = msg;
      q(".err").textContent = "";
      draw();
    } else if (msg.type === "state") {
      state.running = msg.running;
      q(".play").innerHTML = msg.running ? "&#x275a;&#x275a; pause" : "&#x25b6; play";
      q(".play").classList.toggle("on", msg.running);
    } else if (msg.type === "error") {
      q(".err").textContent = msg.message;
    } else if (msg.type === "inside") {
      const f = msg.formulas;
      q(".inside").innerHTML = `<pre></pre>`;
      q(".inside pre").textContent = `layer ${msg.layer} unit ${msg.unit + 1}, sample ${msg.sample}\n${f.z}\n${f.a}\n${f.fprime}\n${f.delta}\n${f.dW}`;
    }
  });
  q(".play").addEventListener("click", () => model.send({ type: state.running ? "pause" : "play" }));
  q(".step").addEventListener("click", () => model.send({ type: "step", epochs: 1 }));
  q(".net").addEventListener("click", (ev) => {
    const r = q(".net").getBoundingClientRect();
    const hit = GN.nodeAt(state.layout, ev.clientX - r.left, ev.clientY - r.top);
    if (hit && hit[0] > 0) model.send({ type: "inside", layer: hit[0], unit: hit[1], sample: 0 });
  });
  el.playground = state; // for tests and the curious
  model.send({ type: "hello" });
  return () => { if (state.running) model.send({ type: "pause" }); };
}

export default { render };
