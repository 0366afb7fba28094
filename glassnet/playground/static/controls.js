/* glassnet playground: the controls, the address, the race readout and the lessons, built from
   the table of controls the server sends (glassnet/playground/controls.py). Shared by the page
   (app.js) and the notebook widget (widget.js). One builder per kind of input; every setting,
   its bounds, choices, panel and modes come from the server. */
"use strict";
(function (root) {
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const copy = (v) => JSON.parse(JSON.stringify(v));
  const fmtNum = (v) => (v === null || v === undefined || !isFinite(v) ? "–" : Math.abs(v) < 1e-3 && v !== 0 ? (+v).toExponential(2) : +(+v).toPrecision(4) + "");

  function option(sel, value, label) {
    const o = document.createElement("option");
    o.value = value; o.textContent = label;
    sel.appendChild(o);
  }
  function fillSelect(sel, choices, first) {
    sel.innerHTML = "";
    if (first) option(sel, "", first);
    const entries = Array.isArray(choices) ? choices.map((c) => [c, c]) : Object.entries(choices);
    for (const [value, label] of entries) option(sel, value, label);
  }

  // ---- one input per kind (a new kind of input is one entry here) -------------------------
  const INPUTS = {
    select(c, id, b) {
      const el = document.createElement("select");
      fillSelect(el, c.choices, b ? "as A" : null);
      return el;
    },
    number(c, id, b) {
      const el = document.createElement("input");
      el.type = "number";
      if (c.lo !== null) el.min = c.lo;
      if (c.hi !== null && typeof c.hi === "number") el.max = c.hi;
      el.step = c.step;
      if (b) el.placeholder = "as A";
      return el;
    },
    range(c) {
      const el = document.createElement("input");
      el.type = "range";
      el.min = c.lo; el.max = c.hi; el.step = c.step;
      return el;
    },
    checkbox() {
      const el = document.createElement("input");
      el.type = "checkbox";
      return el;
    },
    checks(c, id) {
      const el = document.createElement("span");
      el.className = "checks";
      el.innerHTML = Object.entries(c.choices).map(([k, label]) =>
        `<label><input type="checkbox" value="${esc(k)}"${id ? ` id="${id}-${esc(k)}"` : ""}> ${esc(label)}</label>`).join("");
      return el;
    },
    text(c, id, b) { // layers of setup B: "as A" or a comma list
      const el = document.createElement("input");
      el.type = "text";
      if (b) el.placeholder = "as A";
      return el;
    },
  };

  function valueOf(c, el) {
    if (c.input === "checkbox") return el.checked;
    if (c.input === "checks") return [...el.querySelectorAll("input:checked")].map((x) => x.value);
    const v = el.value;
    if (c.kind === "int" || c.kind === "float") return v === "" || !isFinite(+v) ? v : +v;
    return v;
  }
  function setValue(c, el, v) {
    if (el === document.activeElement) return; // never under the typing
    if (c.input === "checkbox") el.checked = !!v;
    else if (c.input === "checks") el.querySelectorAll("input").forEach((x) => { x.checked = (v || []).includes(x.value); });
    else el.value = v === undefined || v === null ? "" : Array.isArray(v) ? v.join(",") : v;
  }

  /** Build every control of the table into `root`'s panels ([data-panel=name]); `ids` gives
   *  the inputs the page's ids (the setting's name, "b-" + name for setup B). */
  function build(rootEl, hello, opts) {
    opts = opts || {};
    const inputs = {}, bInputs = {}, rows = {};
    const only = opts.only; // the widget around a user's network shows only its controls
    const q = (sel) => rootEl.querySelector(sel);
    for (const c of hello.controls) {
      if (c.input === "layers" || c.input === "b") continue; // the layer cards, setup B below
      if (only && !only(c)) continue;
      const box = q(`[data-panel="${c.panel}"]`);
      if (!box) continue;
      const make = INPUTS[c.input];
      if (!make) continue;
      const id = opts.ids ? c.name : null;
      const el = make(c, id, false);
      if (id && c.input !== "checks") el.id = id;
      el.dataset.key = c.name;
      if (c.help) el.title = c.help;
      const row = document.createElement(c.input === "checks" ? "div" : "label");
      row.className = c.input === "checks" ? "features" : "row";
      row.dataset.row = c.name;
      if (c.input === "range") {
        const wrap = document.createElement("span");
        const val = document.createElement("span");
        val.className = "val";
        if (id) val.id = id + "-val";
        wrap.append(el, val);
        row.append(c.label + " ", wrap);
        el.addEventListener("input", () => { val.textContent = rangeText(c, el.value); });
        el._val = val;
      } else if (c.input === "checks") {
        const label = document.createElement("span");
        label.className = "muted";
        label.textContent = c.label + ":";
        row.append(label, " ", el);
      } else row.append(c.label + " ", el);
      box.appendChild(row);
      inputs[c.name] = el;
      rows[c.name] = row;
    }
    const bBox = q('[data-panel="b"]');
    if (bBox && !only) {
      for (const c of hello.controls) {
        if (!c.b) continue;
        const input = c.input === "layers" ? (c.kind === "layers" ? "text" : "select") : c.input === "checkbox" ? null : c.input === "range" ? "number" : c.input;
        if (!input) continue;
        const el = INPUTS[input](c, null, true);
        if (opts.ids) el.id = "b-" + c.name;
        el.dataset.b = c.name;
        const row = document.createElement("label");
        row.className = "row";
        row.append(c.label + " ", el);
        bBox.appendChild(row);
        bInputs[c.name] = el;
      }
    }
    const byName = Object.fromEntries(hello.controls.map((c) => [c.name, c]));
    return {
      inputs, bInputs, rows, byName,
      /** Show a setup in the inputs, each row shown in its modes and disabled when off. */
      show(cfg) {
        for (const [name, el] of Object.entries(inputs)) {
          const c = byName[name];
          setValue(c, el, cfg[name]);
          if (el._val) el._val.textContent = rangeText(c, cfg[name]);
          rows[name].hidden = c.modes.length > 0 && !c.modes.includes(cfg.mode);
          let off = false;
          for (const [other, values] of Object.entries(c.off || {})) if (values.includes(cfg[other])) off = true;
          if (c.input === "checks") el.querySelectorAll("input").forEach((x) => { x.disabled = off; });
          else el.disabled = off;
        }
        const b = cfg.b || {};
        for (const [name, el] of Object.entries(bInputs)) {
          const v = b[name];
          if (el === document.activeElement) continue;
          el.value = v === undefined ? "" : Array.isArray(v) ? (name === "act" ? v[0] : v.join(",")) : v;
        }
        for (const sec of rootEl.querySelectorAll("[data-modes]")) {
          sec.hidden = !sec.dataset.modes.split(",").includes(cfg.mode);
        }
      },
      /** The setting of one input, read into `cfg`. */
      read(cfg, name) {
        cfg[name] = valueOf(byName[name], inputs[name]);
        return cfg;
      },
      /** Setup B's setting of one input, read into `cfg.b` (blank: as A). */
      readB(cfg, name) {
        const el = bInputs[name], v = el.value.trim();
        cfg.b = cfg.b || {};
        const c = byName[name];
        if (v === "") delete cfg.b[name];
        else if (c.kind === "layers") cfg.b[name] = v.split(",").filter((p) => p.trim() !== "").map((p) => (isFinite(+p) ? +p : p));
        else if (c.kind === "int" || c.kind === "float") cfg.b[name] = isFinite(+v) ? +v : v;
        else cfg.b[name] = v;
        if (cfg.b.layers && cfg.b.act === undefined && cfg.b.layers.length !== cfg.act.length) cfg.b.act = cfg.act.length ? cfg.act[0] : hello.new_layer.act;
        return cfg;
      },
    };
  }
  function rangeText(c, v) {
    return c.display === "percent" ? Math.round(v * 100) + "%" : (+v).toFixed(2);
  }

  // ---- hidden layers: one card per layer, its units and its activation --------------------
  function renderLayers(box, hello, cfg, onChange, ids) {
    box.innerHTML = "";
    const acts = hello.controls.find((c) => c.name === "act").choices;
    cfg.layers.forEach((units, i) => {
      const card = document.createElement("div");
      card.className = "layer-card";
      card.innerHTML = `<div class="title">Hidden ${i + 1}</div>
        <div class="units"><button class="small-btn" data-d="-1">&minus;</button>
        <input type="number" min="1"${ids ? ` id="units-${i}"` : ""} value="${esc(units)}" title="1 to ${hello.limits.max_units} units">
        <button class="small-btn" data-d="1">+</button></div>
        <select${ids ? ` id="act-${i}"` : ""}></select>`;
      const sel = card.querySelector("select");
      fillSelect(sel, acts);
      sel.value = cfg.act[i];
      sel.addEventListener("change", () => { cfg.act[i] = sel.value; onChange(); });
      const input = card.querySelector("input");
      input.addEventListener("change", () => { cfg.layers[i] = input.value === "" ? 0 : +input.value; onChange(); });
      card.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
        cfg.layers[i] = Math.max(1, (+cfg.layers[i] || 1) + +b.dataset.d);
        onChange();
      }));
      box.appendChild(card);
    });
    if (!cfg.layers.length) box.innerHTML = '<span class="muted">No hidden layer: a single layer of weights (logistic regression).</span>';
  }
  function addLayer(hello, cfg) {
    cfg.layers.push(cfg.layers.length ? cfg.layers[cfg.layers.length - 1] : hello.new_layer.units);
    cfg.act.push(cfg.act.length ? cfg.act[cfg.act.length - 1] : hello.new_layer.act);
  }
  /** Setup B's first settings when a comparison starts without any: the server's suggestion. */
  function firstB(hello, cfg) {
    if (hello.two_setups.includes(cfg.mode) && !Object.keys(cfg.b || {}).length) cfg.b = { act: hello.first_b[cfg.act[0]] || hello.first_b.sigmoid };
  }
  function removeLayer(cfg) {
    if (!cfg.layers.length) return false;
    cfg.layers.pop(); cfg.act.pop();
    return true;
  }

  // ---- the setup in the page address ------------------------------------------------------
  const LIST_KINDS = ["layers", "acts", "set"];
  function parseValue(c, v) {
    if (LIST_KINDS.includes(c.kind)) {
      const parts = v === "" ? [] : v.split(",");
      return c.kind === "layers" ? parts.map((p) => (isFinite(+p) && p !== "" ? +p : p)) : parts;
    }
    if (c.kind === "int" || c.kind === "float") return isFinite(+v) && v !== "" ? +v : v;
    if (c.kind === "bool") return v === "true" ? true : v === "false" ? false : v;
    return v;
  }
  /** A setup from an address ("#preset=paper-tanh&lr=1&b.act=relu"): the defaults, then the
   *  preset's settings, then the address's own. Keys that are not settings (lesson, step)
   *  are left to the caller. */
  function fromHash(hello, hash) {
    const cfg = copy(hello.defaults);
    cfg.b = {};
    const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
    const byName = Object.fromEntries(hello.controls.map((c) => [c.name, c]));
    const preset = params.get("preset");
    if (preset && hello.presets[preset]) applySetup(hello, cfg, hello.presets[preset].setup);
    for (const [k, v] of params) {
      if (k.startsWith("b.")) {
        const c = byName[k.slice(2)];
        cfg.b[k.slice(2)] = c ? parseValue(c, v) : v;
        continue;
      }
      if (!(k in byName) || k === "b") continue;
      cfg[k] = parseValue(byName[k], v);
    }
    return cfg;
  }
  /** A setup's settings laid over `cfg` (B's over A's B), as a lesson step or a preset has them. */
  function applySetup(hello, cfg, setup) {
    for (const [k, v] of Object.entries(setup)) {
      if (k === "b") cfg.b = copy(v);
      else cfg[k] = copy(v);
    }
    if (typeof cfg.act === "string") cfg.act = cfg.layers.map(() => cfg.act);
    return cfg;
  }
  function toHash(hello, cfg, extra) {
    const parts = [];
    const enc = (v) => encodeURIComponent(Array.isArray(v) ? v.join(",") : v).replace(/%2C/g, ",");
    for (const [k, v] of Object.entries(extra || {})) if (v !== undefined && v !== null) parts.push(`${k}=${enc(v)}`);
    for (const c of hello.controls) {
      if (c.name === "b") continue;
      if (c.modes.length && !c.modes.includes(cfg.mode)) continue; // a mode's settings, in its mode
      parts.push(`${c.name}=${enc(cfg[c.name])}`);
    }
    if (hello.two_setups.includes(cfg.mode)) for (const [k, v] of Object.entries(cfg.b || {})) parts.push(`b.${k}=${enc(v)}`);
    return "#" + parts.join("&");
  }

  /** The output and loss the server suggests for a kind of target, when the setup's output
   *  does not suit it (the user may still change them): a distribution for classes, a
   *  probability for two, a real number for a regression (the engine's natural output and
   *  loss, and its pairing table: hello.suits, hello.pairing). */
  function suit(hello, cfg, kind) {
    const s = hello.suits[kind];
    if (!s) return;
    const multi = hello.suits.multiclass.loss; // outputs that are distributions pair with it
    const rows = Object.keys(hello.pairing).filter((o) => hello.pairing[o].losses.includes(multi));
    const real = hello.suits.regression.out;
    const ok = kind === "multiclass" ? rows.includes(cfg.out)
      : kind === "binary" ? !rows.includes(cfg.out) && cfg.out !== real
        : cfg.out === real;
    if (!ok) { cfg.out = s.out; cfg.loss = s.loss; }
  }

  // ---- the race and the seeds, in words -------------------------------------------------
  function raceHTML(frame, data) {
    const r = frame && frame.race;
    if (!r) return "";
    const what = r.summed ? "loss per case" : "loss";
    const tip = r.summed ? ' title="the summed loss over the number of training cases: the mean squared error glassnet paper reports"' : "";
    let html = `<div class="race-text" id="race-text">${esc(r.text)}</div><table class="race-table"><tr><th></th><th>below ${fmtNum(r.threshold)} at</th><th${tip}>${what} now</th></tr>`;
    for (const e of r.runs) html += `<tr><td><b>${e.name}</b></td><td>${e.reached === null ? "not yet" : "epoch " + e.reached}</td><td>${fmtNum(e.loss)}</td></tr>`;
    html += "</table>";
    if (r.seeds) {
      const s = r.seeds;
      html += '<div class="seeds-stats" id="seeds-stats">';
      for (const k of ["a", "b"]) if (s[k]) html += `<div><b>${k.toUpperCase()}</b>: ${esc(s[k].text)}<br><span class="muted">paper's definition (below and flat): ${esc(s[k].paper_text)}</span></div>`;
      if (s.test) html += `<div><b>A against B</b>: ${esc(s.test.text)}</div>`;
      html += "</div>";
    }
    return html;
  }

  // ---- lessons ------------------------------------------------------------------------
  /** The facts a lesson may state, computed from what the page shows now. */
  function facts(st) {
    const f = st.frame, d = st.data, out = {};
    if (!f || !d) return out;
    const cfg = d.config, cb = d.config_b, race = f.race || { runs: [] };
    out.epoch = f.epoch; out.until = cfg.until; out.seed = cfg.seed; out.seeds = cfg.seeds;
    out.threshold = fmtNum(cfg.threshold); out.race = race.text;
    out["A.sizes"] = d.sizes.join("-"); out["A.act"] = [...new Set(cfg.act)].join("/") || "none";
    out["A.lr"] = fmtNum(cfg.lr);
    if (cb) {
      out["B.sizes"] = d.sizes_b.join("-"); out["B.act"] = [...new Set(cb.act)].join("/") || "none";
      out["B.lr"] = fmtNum(cb.lr);
    }
    race.runs.forEach((e) => {
      out[e.name + ".reached"] = e.reached === null ? "not yet" : "epoch " + e.reached;
      out[e.name + ".loss"] = fmtNum(e.loss);
      out[e.name + ".rises"] = e.rises;
    });
    const ratio = (g) => (g && g[0] !== null && g[g.length - 1] ? (+(g[0] / g[g.length - 1]).toPrecision(2)).toString() : "–");
    out["A.grad_ratio"] = ratio(f.grad_norm);
    if (f.b) out["B.grad_ratio"] = ratio(f.b.grad_norm);
    if (race.seeds) {
      for (const k of ["a", "b"]) {
        const s = race.seeds[k];
        if (!s) continue;
        out[k.toUpperCase() + ".converged"] = s.converged_text;
        out[k.toUpperCase() + ".median"] = s.median_text;
      }
      if (race.seeds.test) out.test = race.seeds.test.text;
    }
    if (st.tuned) {
      out["A.best_lr"] = st.tuned.a === null ? "none converged" : fmtNum(st.tuned.a);
      if ("b" in st.tuned) out["B.best_lr"] = st.tuned.b === null ? "none converged" : fmtNum(st.tuned.b);
    }
    return out;
  }
  function fill(text, known) {
    return String(text || "").replace(/\{([^{}]*)\}/g, (m, k) => (known[k] === undefined || known[k] === null ? "…" : String(known[k])));
  }
  /** The lesson panel's content for step `k` of `lesson` (texts filled from `known`). */
  function lessonHTML(lesson, k, known, finished) {
    const s = lesson.steps[k];
    const p = (cls, label, text) => (text ? `<p class="${cls}">${label ? `<b>${label}</b> ` : ""}${esc(fill(text, known))}</p>` : "");
    return `<div class="lesson-head"><b>${esc(lesson.title)}</b> <span class="muted">step ${k + 1} of ${lesson.steps.length}</span></div>
      <h3 id="lesson-step-title">${esc(s.title || "")}</h3>` +
      p("lesson-text", "", s.text) + p("lesson-look", "Look at:", s.look) + p("lesson-question", "Question:", s.question) +
      (finished && s.after ? `<p class="lesson-after" id="lesson-after">${esc(fill(s.after, known))}</p>` : "");
  }

  root.GNC = { build, renderLayers, addLayer, removeLayer, firstB, fromHash, toHash, applySetup, suit, raceHTML, facts, fill, lessonHTML, fillSelect, esc, fmtNum };
})(window);
