/* glassnet playground: drawing shared by the live page and the saved replay (no dependencies). */
"use strict";
(function (root) {
  const NEG = [232, 135, 30];
  const POS = [31, 120, 180];
  const PALETTE = [[232, 135, 30], [31, 120, 180], [44, 160, 44], [214, 39, 40], [148, 103, 189],
    [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];
  const LAYER_COLORS = ["#1f78b4", "#e8871e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

  function decode(b64) {
    if (b64 instanceof Uint8Array) return b64; // a binary frame's typed array already
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function mix(c, t) { // blend colour c with white: t = 0 white, 1 full colour
    return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
  }

  // value in [-1, 1] -> orange (negative) .. white .. blue (positive)
  function diverging(v, strength) {
    const t = Math.max(-1, Math.min(1, v)) * (strength === undefined ? 1 : strength);
    return t < 0 ? mix(NEG, -t) : mix(POS, t);
  }

  function fit(canvas) { // match the backing store to the CSS size (crisp on HiDPI)
    const r = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(w * r) || canvas.height !== Math.round(h * r)) {
      canvas.width = Math.round(w * r);
      canvas.height = Math.round(h * r);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(r, 0, 0, r, 0, 0);
    return { ctx, w, h };
  }

  // an offscreen canvas of res x res pixels holding a colour image
  function image(res, colorAt) {
    const c = document.createElement("canvas");
    c.width = res; c.height = res;
    const ctx = c.getContext("2d");
    const img = ctx.createImageData(res, res);
    for (let i = 0; i < res * res; i++) {
      const col = colorAt(i);
      img.data[4 * i] = col[0]; img.data[4 * i + 1] = col[1]; img.data[4 * i + 2] = col[2];
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    return c;
  }

  function boundaryImage(b) {
    const v = decode(b.data);
    if (b.kind === "multiclass") {
      const cls = decode(b.cls);
      return image(b.res, (i) => mix(PALETTE[cls[i] % PALETTE.length], 0.15 + 0.55 * v[i] / 255));
    }
    return image(b.res, (i) => diverging((v[i] / 255) * 2 - 1, 0.72));
  }

  function unitImage(m, res) {
    const v = decode(m.data);
    const half = Math.max(m.hi - m.mid, m.mid - m.lo) || 1;
    return image(res, (i) => diverging((m.lo + (v[i] / 255) * (m.hi - m.lo) - m.mid) / half, 0.85));
  }

  function pointColor(label, kind, lo, hi) {
    if (kind === "multiclass") return PALETTE[label % PALETTE.length];
    if (kind === "regression") return diverging(((label - lo) / ((hi - lo) || 1)) * 2 - 1, 1);
    return label > 0.5 ? POS : NEG;
  }
  const css = (c) => `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;

  /** Decision boundary (or regression surface) with the data points. The axis labels sit in
   *  margins outside the plane, so no label covers a point (XOR's (1, 1) sits in a corner). */
  function drawBoundary(canvas, frame, data, opts) {
    const { ctx, w, h } = fit(canvas);
    ctx.clearRect(0, 0, w, h);
    const L = 15, B = 14; // the margins of the axis labels: left (x2) and bottom (x1)
    const pw = w - L, ph = h - B;
    if (frame && frame.boundary) {
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(boundaryImage(frame.boundary), L, 0, pw, ph);
    } else {
      ctx.fillStyle = "#f4f5f7"; ctx.fillRect(L, 0, pw, ph);
    }
    if (!data) return;
    const [x0, x1, y0, y1] = data.extent;
    const px = (x) => L + ((x - x0) / (x1 - x0)) * pw;
    const py = (y) => ph - ((y - y0) / (y1 - y0)) * ph;
    // light axes at 0 when inside the plane
    ctx.strokeStyle = "rgba(0,0,0,.12)"; ctx.lineWidth = 1;
    if (x0 < 0 && x1 > 0) { ctx.beginPath(); ctx.moveTo(px(0), 0); ctx.lineTo(px(0), ph); ctx.stroke(); }
    if (y0 < 0 && y1 > 0) { ctx.beginPath(); ctx.moveTo(L, py(0)); ctx.lineTo(w, py(0)); ctx.stroke(); }
    const lo = frame && frame.boundary ? frame.boundary.lo : 0, hi = frame && frame.boundary ? frame.boundary.hi : 1;
    const big = data.train.x.length < 30 ? 7 : 3.6;
    const sets = [["train", data.train]];
    if (!opts || opts.showTest !== false) sets.push(["test", data.test]);
    for (const [which, pts] of sets) {
      for (let i = 0; i < pts.x.length; i++) {
        ctx.beginPath();
        ctx.arc(px(pts.x[i]), py(pts.y[i]), big, 0, 2 * Math.PI);
        ctx.fillStyle = css(pointColor(pts.label[i], data.kind, lo, hi));
        ctx.fill();
        ctx.lineWidth = which === "test" ? 1.6 : 0.8;
        ctx.strokeStyle = which === "test" ? "#111" : "#fff";
        ctx.stroke();
      }
    }
    // axis labels, in the margins
    ctx.fillStyle = "rgba(0,0,0,.6)"; ctx.font = "10px system-ui, sans-serif";
    const names = data.columns || ["x1", "x2"];
    ctx.textAlign = "left"; ctx.fillText(x0.toFixed(1), L, h - 3);
    ctx.textAlign = "right"; ctx.fillText(x1.toFixed(1), w, h - 3);
    ctx.textAlign = "center"; ctx.fillText(names[0], L + pw / 2, h - 3);
    ctx.save(); ctx.translate(11, ph); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "left"; ctx.fillText(y0.toFixed(1), 0, 0);
    ctx.textAlign = "right"; ctx.fillText(y1.toFixed(1), ph, 0);
    ctx.textAlign = "center"; ctx.fillText(names[1], ph / 2, 0);
    ctx.restore();
  }

  /** Network diagram: unit maps as nodes, edges coloured by sign, thickness by size. */
  function drawNetwork(canvas, sizes, frame, opts) {
    const { ctx, w, h } = fit(canvas);
    ctx.clearRect(0, 0, w, h);
    if (!sizes || !frame) return;
    const mode = (opts && opts.mode) || "weights";
    const mats = mode === "grads" ? frame.grads : frame.weights;
    const L = sizes.length;
    const maxUnits = Math.max(...sizes);
    const node = Math.max(16, Math.min(40, (h - 30) / maxUnits - 6));
    const padX = 44;
    const colX = (l) => padX + (l * (w - 2 * padX)) / (L - 1);
    const pos = sizes.map((n, l) => {
      const gap = Math.min(node + 10, (h - 28) / n);
      const top = 18 + (h - 28 - gap * n) / 2 + gap / 2;
      return Array.from({ length: n }, (_, j) => [colX(l), top + j * gap]);
    });
    let maxAbs = 1e-12;
    for (const m of mats) for (const row of m.W) for (const v of row) maxAbs = Math.max(maxAbs, Math.abs(v));
    const edges = [];
    const sel = opts && opts.selected;
    for (let l = 0; l < L - 1; l++) {
      const W = mats[l].W;
      for (let i = 0; i < sizes[l]; i++) {
        for (let j = 0; j < sizes[l + 1]; j++) {
          const v = W[i][j];
          const t = Math.abs(v) / maxAbs;
          const [xa, ya] = pos[l][i], [xb, yb] = pos[l + 1][j];
          const x0 = xa + node / 2, x1 = xb - node / 2, mx = (xa + xb) / 2;
          edges.push({ l: l + 1, i, j, p: [x0, ya, mx, x1, yb] });
          ctx.beginPath();
          ctx.moveTo(x0, ya);
          ctx.bezierCurveTo(mx, ya, mx, yb, x1, yb);
          const picked = sel && sel.l === l + 1 && sel.i === i && sel.j === j;
          ctx.strokeStyle = picked ? "#d62728" : css(v >= 0 ? POS : NEG);
          ctx.globalAlpha = picked ? 1 : 0.25 + 0.75 * t;
          ctx.lineWidth = picked ? Math.max(2.5, 0.4 + 5.6 * t) : 0.4 + 5.6 * t;
          ctx.stroke();
        }
      }
    }
    ctx.globalAlpha = 1;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillStyle = "#69707d";
    const res = frame.unit_res;
    for (let l = 0; l < L; l++) {
      const label = l === 0 ? "input" : l === L - 1 ? "output" : `hidden ${l}`;
      ctx.fillText(label, colX(l), 11);
      for (let j = 0; j < sizes[l]; j++) {
        const [x, y] = pos[l][j];
        const s = node;
        if (l > 0 && l < L - 1 && frame.units && frame.units[l - 1] && frame.units[l - 1][j]) {
          ctx.drawImage(unitImage(frame.units[l - 1][j], res), x - s / 2, y - s / 2, s, s);
          ctx.strokeStyle = "#8a919c"; ctx.lineWidth = 1; ctx.strokeRect(x - s / 2, y - s / 2, s, s);
        } else if (l === L - 1 && frame.boundary && sizes[l] === 1) {
          ctx.drawImage(boundaryImage(frame.boundary), x - s / 2, y - s / 2, s, s);
          ctx.strokeStyle = "#8a919c"; ctx.lineWidth = 1; ctx.strokeRect(x - s / 2, y - s / 2, s, s);
        } else if (l === 0 && frame.inputs && frame.inputs[j]) { // each input (or feature) over the plane
          ctx.drawImage(unitImage(frame.inputs[j], res), x - s / 2, y - s / 2, s, s);
          ctx.strokeStyle = "#8a919c"; ctx.lineWidth = 1; ctx.strokeRect(x - s / 2, y - s / 2, s, s);
          ctx.fillStyle = "#1d2330"; ctx.textAlign = "right";
          ctx.fillText(((opts && opts.columns) || [])[j] || `x${j + 1}`, x - s / 2 - 4, y + 4);
          ctx.textAlign = "center"; ctx.fillStyle = "#69707d";
        } else if (l === 0 && j < 2) { // the input plane itself: x1 left to right, x2 bottom to top
          const g = j === 0 ? ctx.createLinearGradient(x - s / 2, 0, x + s / 2, 0) : ctx.createLinearGradient(0, y + s / 2, 0, y - s / 2);
          g.addColorStop(0, css(mix(NEG, 0.85))); g.addColorStop(0.5, "#fff"); g.addColorStop(1, css(mix(POS, 0.85)));
          ctx.fillStyle = g; ctx.fillRect(x - s / 2, y - s / 2, s, s);
          ctx.strokeStyle = "#8a919c"; ctx.lineWidth = 1; ctx.strokeRect(x - s / 2, y - s / 2, s, s);
          ctx.fillStyle = "#1d2330"; ctx.textAlign = "right";
          ctx.fillText(((opts && opts.columns) || [])[j] || `x${j + 1}`, x - s / 2 - 4, y + 4);
          ctx.textAlign = "center"; ctx.fillStyle = "#69707d";
        } else {
          ctx.beginPath(); ctx.arc(x, y, s / 3, 0, 2 * Math.PI);
          ctx.fillStyle = l === L - 1 ? css(PALETTE[j % PALETTE.length]) : "#fff";
          ctx.fill(); ctx.strokeStyle = "#8a919c"; ctx.stroke();
          if (l === 0) {
            ctx.fillStyle = "#1d2330";
            const names = (opts && opts.columns) || [];
            ctx.textAlign = "right";
            ctx.fillText(names[j] || `x${j + 1}`, x - s / 3 - 4, y + 4);
            ctx.textAlign = "center"; ctx.fillStyle = "#69707d";
          }
        }
      }
    }
    ctx.textAlign = "right";
    ctx.fillStyle = "#69707d";
    ctx.fillText(`max |${mode === "grads" ? "dC/dW" : "W"}| = ${maxAbs.toPrecision(3)}`, w - 4, h - 4);
    return { pos, node, edges };
  }

  /** Which edge of a drawn diagram passes within 4 px of (x, y): {l, i, j} or null. */
  function edgeAt(layout, x, y) {
    if (!layout || !layout.edges) return null;
    let best = null, bestD = 4;
    for (const e of layout.edges) {
      const [x0, y0, mx, x1, y1] = e.p;
      if (x < x0 - 2 || x > x1 + 2) continue;
      for (let k = 0; k <= 24; k++) { // the cubic Bezier drawn above, sampled
        const t = k / 24, u = 1 - t;
        const bx = u * u * u * x0 + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * x1;
        const by = u * u * u * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t * t * t * y1;
        const dd = Math.hypot(bx - x, by - y);
        if (dd < bestD) { bestD = dd; best = { l: e.l, i: e.i, j: e.j, x: bx, y: by }; }
      }
    }
    return best;
  }

  /** Which node of a drawn diagram is at (x, y) (CSS pixels): [layer, unit] or null. */
  function nodeAt(layout, x, y) {
    if (!layout) return null;
    for (let l = 0; l < layout.pos.length; l++) {
      for (let j = 0; j < layout.pos[l].length; j++) {
        const [nx, ny] = layout.pos[l][j];
        if (Math.abs(x - nx) <= layout.node / 2 + 2 && Math.abs(y - ny) <= layout.node / 2 + 2) return [l, j];
      }
    }
    return null;
  }

  function niceTicks(lo, hi, n) {
    const span = hi - lo || 1;
    const step0 = Math.pow(10, Math.floor(Math.log10(span / n)));
    const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= n) || step0 * 10;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(v);
    return out;
  }
  const fmt = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(0) : +v.toPrecision(3) + "");

  /** Line chart: series [{x: [], y: [], color, dash}], opts {log, marker}. */
  function drawChart(canvas, series, opts) {
    const { ctx, w, h } = fit(canvas);
    ctx.clearRect(0, 0, w, h);
    const log = opts && opts.log;
    const tr = (v) => (log ? Math.log10(v) : v);
    let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
    for (const s of series) {
      for (const ys of [s.y, s.lo, s.hi]) {
        if (!ys) continue;
        for (let i = 0; i < s.x.length; i++) {
          const v = ys[i];
          if (v === null || v === undefined || !isFinite(v) || (log && v <= 0)) continue;
          xmin = Math.min(xmin, s.x[i]); xmax = Math.max(xmax, s.x[i]);
          ymin = Math.min(ymin, tr(v)); ymax = Math.max(ymax, tr(v));
        }
      }
    }
    const L = 46, R = 8, T = 8, B = 20;
    ctx.strokeStyle = "#e1e4ea"; ctx.lineWidth = 1;
    ctx.strokeRect(L, T, w - L - R, h - T - B);
    if (!isFinite(xmin)) {
      ctx.fillStyle = "#69707d"; ctx.font = "12px system-ui, sans-serif"; ctx.textAlign = "center";
      ctx.fillText((opts && opts.empty) || "no data yet", w / 2, h / 2);
      return;
    }
    if (xmax === xmin) xmax = xmin + 1;
    if (ymax - ymin < 1e-9) { ymin -= log ? 0.5 : Math.abs(ymin) * 0.1 + 1e-3; ymax += log ? 0.5 : Math.abs(ymax) * 0.1 + 1e-3; }
    const X = (x) => L + ((x - xmin) / (xmax - xmin)) * (w - L - R);
    const Y = (v) => T + (1 - (tr(v) - ymin) / (ymax - ymin)) * (h - T - B);
    ctx.font = "10px system-ui, sans-serif"; ctx.fillStyle = "#69707d";
    ctx.textAlign = "right";
    let yt;
    if (!log) yt = niceTicks(ymin, ymax, 4);
    else if (ymax - ymin >= 1) yt = niceTicks(Math.floor(ymin), Math.ceil(ymax), 5).filter((t) => t >= ymin - 1e-9 && t <= ymax + 1e-9 && Math.abs(t - Math.round(t)) < 1e-9);
    else yt = niceTicks(Math.pow(10, ymin), Math.pow(10, ymax), 3).filter((t) => t > 0).map(Math.log10);
    for (const t of yt) {
      const yy = T + (1 - (t - ymin) / (ymax - ymin)) * (h - T - B);
      ctx.strokeStyle = "#f0f2f5"; ctx.beginPath(); ctx.moveTo(L, yy); ctx.lineTo(w - R, yy); ctx.stroke();
      ctx.fillText(log ? fmt(Math.pow(10, t)) : fmt(t), L - 4, yy + 3);
    }
    ctx.textAlign = "center";
    const fmtX = (v) => (v >= 1000 ? +(v / 1000).toPrecision(3) + "k" : String(Math.round(v)));
    for (const t of niceTicks(xmin, xmax, 5)) if (Number.isInteger(t)) ctx.fillText(fmtX(t), X(t), h - 6);
    for (const s of series) { // bands first, under the lines
      if (!s.lo || !s.hi) continue;
      const ok = (v) => v !== null && v !== undefined && isFinite(v) && !(log && v <= 0);
      const idx = [];
      for (let i = 0; i < s.x.length; i++) if (ok(s.lo[i]) && ok(s.hi[i])) idx.push(i);
      if (idx.length < 2) continue;
      ctx.beginPath();
      idx.forEach((i, k) => (k ? ctx.lineTo(X(s.x[i]), Y(s.hi[i])) : ctx.moveTo(X(s.x[i]), Y(s.hi[i]))));
      for (let k = idx.length - 1; k >= 0; k--) ctx.lineTo(X(s.x[idx[k]]), Y(s.lo[idx[k]]));
      ctx.closePath();
      ctx.fillStyle = s.color; ctx.globalAlpha = 0.18; ctx.fill(); ctx.globalAlpha = 1;
    }
    for (const s of series) {
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.x.length; i++) {
        const v = s.y[i];
        if (v === null || !isFinite(v) || (log && v <= 0)) { pen = false; continue; }
        if (pen) ctx.lineTo(X(s.x[i]), Y(v)); else ctx.moveTo(X(s.x[i]), Y(v));
        pen = true;
      }
      ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 1.6;
      ctx.setLineDash(s.dash ? [5, 3] : []);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (opts && opts.threshold !== undefined && opts.threshold > 0) { // the race's threshold
      const t = tr(opts.threshold);
      if (t >= ymin && t <= ymax) {
        const yy = T + (1 - (t - ymin) / (ymax - ymin)) * (h - T - B);
        ctx.strokeStyle = "rgba(214,39,40,.55)"; ctx.setLineDash([2, 3]); ctx.beginPath();
        ctx.moveTo(L, yy); ctx.lineTo(w - R, yy); ctx.stroke(); ctx.setLineDash([]);
      }
    }
    if (opts && opts.marker !== undefined) {
      ctx.strokeStyle = "rgba(24,49,83,.6)"; ctx.beginPath();
      ctx.moveTo(X(opts.marker), T); ctx.lineTo(X(opts.marker), h - B); ctx.stroke();
    }
  }

  function notesHTML(notes) {
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
    if (!notes || !notes.length) return '<li class="ok">No trouble seen.</li>';
    return notes.map((n) => `<li class="${esc(n.kind)}">${esc(n.text)}</li>`).join("");
  }

  root.GN = { PALETTE, css, decode, nodeAt, edgeAt, drawBoundary, drawNetwork, drawChart, notesHTML, LAYER_COLORS, fmt };
})(window);
