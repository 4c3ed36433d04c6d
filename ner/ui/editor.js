// The annotation editor: the body of gr.HTML's js_on_load (element, trigger, props, watch are given).
// Every piece of the document's text goes into the page through textContent, never as HTML.
const EN = {
  empty: "Load a queue above to start annotating.",
  finished: "This queue is done 🎉  Undo (U) brings your last answer back.",
  accept: "Accept", reject: "Reject", skip: "Skip", undo: "Undo", remove: "Remove",
  saving: "Saving…", done: "done", left: "left", model: "suggested by",
  overlap: "Overlapping entities (not drawn):",
  pick: "Selected “{s}”: press 1–{n} or click a label.",
  picked: "{l} “{s}” selected: 1–{n} relabels, Delete removes, the arrow keys move, Esc clears.",
  sticky: "Label {l} is on: every selection becomes {l} (press {k} again to turn it off).",
  help: "Select words with the mouse (a click takes one word, Shift+click extends, Ctrl+click adds a " +
    "separate piece for a discontinuous entity), then press 1–{n} or click a label. Click an entity to " +
    "select it. Striped, dashed entities are the model's unsure guesses (score < {t}%). Relabelling " +
    "confirms one.",
};
const ES = {
  empty: "Cargue una cola arriba para empezar a anotar.",
  finished: "Cola terminada 🎉  Deshacer (U) recupera su última respuesta.",
  accept: "Aceptar", reject: "Rechazar", skip: "Saltar", undo: "Deshacer", remove: "Quitar",
  saving: "Guardando…", done: "hechas", left: "quedan", model: "sugerido por",
  overlap: "Entidades solapadas (no dibujadas):",
  pick: "Seleccionado «{s}»: pulse 1–{n} o haga clic en una etiqueta.",
  picked: "{l} «{s}» seleccionada: 1–{n} cambia la etiqueta, Supr la quita, las flechas mueven, Esc anula.",
  sticky: "Etiqueta {l} activa: cada selección será {l} (pulse {k} otra vez para quitarla).",
  help: "Seleccione palabras con el ratón (un clic toma una palabra, Mayús+clic amplía, Ctrl+clic añade " +
    "otro trozo para una entidad discontinua) y pulse 1–{n} o haga clic en una etiqueta. Haga clic en " +
    "una entidad para seleccionarla. Las rayadas con borde discontinuo son dudas del modelo " +
    "(puntuación < {t} %). Cambiar la etiqueta la confirma.",
};
const T = (navigator.language || "en").toLowerCase().startsWith("es") ? ES : EN;
const ACTIONS = [
  ["accept", T.accept, "Enter / A"],
  ["reject", T.reject, "X"],
  ["skip", T.skip, "S"],
  ["undo", T.undo, "U / Ctrl+Z"],
];
const root = element.querySelector(".ann") || element;

let item = null; // the value the server sent
let ents = []; // the entities being edited: {label, spans: [[s, e], ...], score}
let sel = -1; // index of the selected entity
let pending = null; // word spans [[start, end], ...] waiting for a label (several: a discontinuous entity)
let sticky = null; // a label that every new selection takes at once
let history = []; // earlier states of ents on this document (local undo)
let busy = false;
let busyTimer = null;
let skipClick = false; // a mouse selection just ended: the click that follows must not clear it
let wordIndex = 0; // render cursor into item.words

const fill = (s, vars) => s.replace(/\{(\w)\}/g, (_, k) => (vars[k] ?? ""));
const clone = (x) => JSON.parse(JSON.stringify(x));
function h(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}
const labels = () => (item && Array.isArray(item.labels) ? item.labels : []);
const color = (label) => (item && item.colors && item.colors[label]) || "#dddddd";
const low = (e) => typeof e.score === "number" && e.score < (item.threshold ?? 0.6);
const surface = (e) => e.spans.map(([s, t]) => item.text.slice(s, t)).join(" ");
const visible = () => root.getClientRects().length > 0;
const editable = () => item && item.text && !item.finished;

function load(value) {
  item = value && typeof value === "object" ? value : null;
  ents = item && Array.isArray(item.entities) ? clone(item.entities) : [];
  sel = -1;
  pending = null;
  history = [];
  busy = false;
  clearTimeout(busyTimer);
  render();
  if (item && (item.text || item.finished) && visible() && !root.contains(document.activeElement)) {
    const active = document.activeElement;
    if (!active || !active.closest || !active.closest("input, textarea, select")) root.focus({ preventScroll: true });
  }
}

// ---------------------------------------------------------------- drawing

function render() {
  try {
    draw();
  } catch (err) {
    root.replaceChildren(h("div", "ann-error", "⚠ " + err));
  }
}

function draw() {
  root.replaceChildren();
  root.classList.toggle("busy", busy);
  if (!item) {
    root.append(h("div", "ann-empty", T.empty));
    return;
  }
  root.append(header());
  if (item.error) root.append(h("div", "ann-error", "⚠ " + item.error));
  else if (item.message) root.append(h("div", "ann-msg", item.message));
  if (!editable()) {
    root.append(h("div", "ann-empty", item.finished ? T.finished : T.empty));
    root.append(actions());
    return;
  }
  root.append(labelBar(), hint(), textBox());
  const hidden = hiddenEntities();
  if (hidden.length) root.append(overlapList(hidden));
  root.append(actions(), h("div", "ann-help", fill(T.help, { n: labels().length, t: Math.round((item.threshold ?? 0.6) * 100) })));
  if (item.credit) root.append(h("div", "ann-credit", item.credit));
}

function header() {
  const head = h("div", "ann-head");
  if (item.source) head.append(h("span", "ann-src", item.source + (item.name ? " · " + item.name : "")));
  const p = item.progress;
  if (p && typeof p.total === "number") {
    const bar = h("span", "ann-bar");
    const fillEl = h("span");
    fillEl.style.width = (p.total ? (100 * p.done) / p.total : 0).toFixed(1) + "%";
    bar.append(fillEl);
    head.append(bar, h("span", "ann-prog", `${p.done} / ${p.total} ${T.done} · ${p.remaining} ${T.left}`));
  }
  if (item.model) head.append(h("span", "ann-model", `${T.model} ${item.model}`));
  if (busy) head.append(h("span", "ann-saving", T.saving));
  return head;
}

function labelBar() {
  const bar = h("div", "ann-labels");
  labels().forEach((label, i) => {
    const b = h("button", "ann-label" + (sticky === label ? " on" : ""));
    b.type = "button";
    b.dataset.label = label;
    b.style.background = color(label);
    b.append(h("kbd", null, i + 1), document.createTextNode(" " + label));
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      pressLabel(label);
    });
    bar.append(b);
  });
  return bar;
}

function hint() {
  const n = labels().length;
  let text = "";
  if (pending) text = fill(T.pick, { s: pending.map(([a, b]) => item.text.slice(a, b)).join(" … "), n });
  else if (sel >= 0 && ents[sel]) text = fill(T.picked, { l: ents[sel].label, s: surface(ents[sel]), n });
  else if (sticky) text = fill(T.sticky, { l: sticky, k: labels().indexOf(sticky) + 1 });
  return h("div", "ann-hint", text);
}

// Drawn pieces: each entity span, longest first, unless it overlaps one already drawn.
function layout() {
  const all = [];
  ents.forEach((e, i) => e.spans.forEach(([s, t]) => all.push({ s, e: t, i })));
  all.sort((a, b) => b.e - b.s - (a.e - a.s) || a.s - b.s);
  const kept = [];
  for (const p of all) if (kept.every((k) => p.e <= k.s || p.s >= k.e)) kept.push(p);
  kept.sort((a, b) => a.s - b.s);
  const lastOf = new Map();
  kept.forEach((p, j) => lastOf.set(p.i, j));
  kept.forEach((p, j) => (p.last = lastOf.get(p.i) === j));
  return kept;
}

function hiddenEntities() {
  const drawn = new Set(layout().map((p) => p.i));
  return ents.map((e, i) => i).filter((i) => !drawn.has(i));
}

function textBox() {
  const box = h("div", "ann-text");
  box.lang = "es";
  wordIndex = 0;
  let pos = 0;
  for (const p of layout()) {
    emit(box, pos, p.s);
    box.append(markFor(p));
    pos = p.e;
  }
  emit(box, pos, item.text.length);
  return box;
}

function emit(parent, a, b) {
  const words = item.words || [];
  let cur = a;
  while (wordIndex < words.length && words[wordIndex][1] <= a) wordIndex++;
  while (wordIndex < words.length && words[wordIndex][0] < b) {
    const [s, e] = words[wordIndex];
    if (s > cur) parent.append(piece("g", cur, s));
    parent.append(piece("w", s, e));
    cur = e;
    wordIndex++;
  }
  if (cur < b) parent.append(piece("g", cur, b));
}

function piece(kind, s, e) {
  const el = h("span", kind, item.text.slice(s, e));
  el.dataset.s = s;
  el.dataset.e = e;
  if (pending && pending.some(([a, b]) => s >= a && e <= b)) el.classList.add("pending");
  return el;
}

function markFor(p) {
  const e = ents[p.i];
  const m = h("mark", "ent" + (low(e) ? " low" : "") + (p.i === sel ? " sel" : ""));
  m.dataset.i = p.i;
  m.dataset.me = p.e;
  m.style.setProperty("--c", color(e.label));
  m.title = e.label + (typeof e.score === "number" ? ` · ${Math.round(e.score * 100)}%` : "");
  emit(m, p.s, p.e);
  if (p.last) {
    // the last word, the label and ✕ stay on one line
    const tail = h("span", "tail");
    if (m.lastElementChild) tail.append(m.lastElementChild);
    tail.append(h("span", "lab", e.label + (low(e) ? "?" : "")), removeButton(p.i, e.label));
    m.append(tail);
  }
  return m;
}

function removeButton(i, label) {
  const x = h("button", "x", "✕");
  x.type = "button";
  x.dataset.i = i;
  x.title = T.remove;
  x.setAttribute("aria-label", `${T.remove} ${label}`);
  return x;
}

function overlapList(hidden) {
  const box = h("div", "ann-overlap", T.overlap + " ");
  for (const i of hidden) {
    const chip = h("span", "ann-chip" + (i === sel ? " sel" : ""), `${ents[i].label}: ${surface(ents[i])}`);
    chip.dataset.i = i;
    chip.style.background = color(ents[i].label);
    chip.append(removeButton(i, ents[i].label));
    box.append(chip);
  }
  return box;
}

function actions() {
  const row = h("div", "ann-actions");
  for (const [action, label, keys] of ACTIONS) {
    const b = h("button", "ann-act " + action);
    b.type = "button";
    b.dataset.action = action;
    b.append(document.createTextNode(label + " "), h("kbd", null, keys));
    b.disabled = busy || (action !== "undo" && !editable());
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      send(action);
    });
    row.append(b);
  }
  return row;
}

// ---------------------------------------------------------------- editing

function edit(change) {
  history.push(clone(ents));
  change();
  render();
}

function add(spans, label) {
  const made = { label, spans, score: null };
  edit(() => {
    ents = ents.filter((e) => !e.spans.some(([s, t]) => spans.some(([a, b]) => s < b && a < t)));
    ents.push(made);
    ents.sort((a, b) => a.spans[0][0] - b.spans[0][0] || a.spans[0][1] - b.spans[0][1]);
    sel = ents.indexOf(made);
    pending = null;
  });
}

// ``spans`` with ``span`` added: sorted, overlapping ones merged.
function withSpan(spans, span) {
  let [s, e] = span;
  const rest = [];
  for (const [a, b] of spans) {
    if (b <= s || a >= e) rest.push([a, b]);
    else [s, e] = [Math.min(a, s), Math.max(b, e)];
  }
  return [...rest, [s, e]].sort((x, y) => x[0] - y[0]);
}

function pressLabel(label) {
  if (!editable() || busy) return;
  if (pending) add(pending, label);
  else if (sel >= 0 && ents[sel]) edit(() => Object.assign(ents[sel], { label, score: null }));
  else {
    sticky = sticky === label ? null : label;
    render();
  }
}

function removeEntity(i) {
  if (!ents[i] || busy) return;
  edit(() => {
    ents.splice(i, 1);
    sel = -1;
  });
}

function snap(a, b) {
  let s = null;
  let e = null;
  for (const [ws, we] of item.words || []) {
    if (s === null && we > a) s = ws;
    if (ws < b) e = we;
  }
  return s === null || e === null || e <= s ? null : [s, e];
}

function offsetOf(box, node, off) {
  if (!box.contains(node)) {
    return box.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING ? 0 : item.text.length;
  }
  if (node.nodeType === Node.TEXT_NODE) {
    const el = node.parentElement;
    if (el && (el.classList.contains("w") || el.classList.contains("g"))) return +el.dataset.s + Math.min(off, node.length);
    const m = el && el.closest("mark.ent");
    return m ? +m.dataset.me : 0;
  }
  const kids = node.childNodes;
  if (off < kids.length && kids[off].nodeType === Node.ELEMENT_NODE) {
    const k = kids[off];
    const first = k.matches(".w, .g") ? k : k.querySelector(".w, .g");
    if (first) return +first.dataset.s;
  }
  const before = [...kids].slice(0, off).filter((k) => k.nodeType === Node.ELEMENT_NODE);
  for (let j = before.length - 1; j >= 0; j--) {
    const all = before[j].matches(".w, .g") ? [before[j]] : before[j].querySelectorAll(".w, .g");
    if (all.length) return +all[all.length - 1].dataset.e;
  }
  return node === box ? 0 : item.text.length;
}

function onMouseUp(ev) {
  if (!element.isConnected) return document.removeEventListener("mouseup", onMouseUp);
  if (!editable() || busy) return;
  const box = root.querySelector(".ann-text");
  const s = window.getSelection();
  if (!box || !s || s.rangeCount === 0 || s.isCollapsed) return;
  const r = s.getRangeAt(0);
  if (!r.intersectsNode(box)) return;
  const a = offsetOf(box, r.startContainer, r.startOffset);
  const b = offsetOf(box, r.endContainer, r.endOffset);
  s.removeAllRanges();
  skipClick = true;
  setTimeout(() => (skipClick = false), 0);
  const span = snap(Math.min(a, b), Math.max(a, b));
  if (!span) return;
  choose(span, ev.ctrlKey || ev.metaKey);
}

// A word selection: a new pending selection, or (``more``: Ctrl) one more piece of it.
function choose(span, more = false) {
  if (sticky && !more) return add([span], sticky);
  pending = more && pending ? withSpan(pending, span) : [span];
  sel = -1;
  render();
}

root.addEventListener("click", (ev) => {
  if (!editable() || busy || skipClick) return;
  const x = ev.target.closest(".x");
  if (x) {
    ev.preventDefault();
    removeEntity(+x.dataset.i);
    return;
  }
  const m = ev.target.closest("mark.ent, .ann-chip");
  if (m) {
    const i = +m.dataset.i;
    sel = sel === i ? -1 : i;
    pending = null;
    render();
    return;
  }
  const w = ev.target.closest(".ann-text .w");
  if (w) {
    const span = [+w.dataset.s, +w.dataset.e];
    if (ev.shiftKey && pending) {
      const last = pending[pending.length - 1];
      pending = withSpan(pending.slice(0, -1), [Math.min(last[0], span[0]), Math.max(last[1], span[1])]);
      sel = -1;
      render();
    } else choose(span, ev.ctrlKey || ev.metaKey);
    return;
  }
  if (ev.target.closest(".ann-text") && (sel >= 0 || pending)) {
    sel = -1;
    pending = null;
    render();
  }
});

// ---------------------------------------------------------------- answering

function send(action) {
  if (!item || busy) return;
  if (action === "undo" && history.length && editable()) {
    ents = history.pop();
    sel = -1;
    pending = null;
    render();
    return;
  }
  if (action !== "undo" && !editable()) return;
  const payload = {
    action,
    doc: item.doc ?? null,
    suggestion: item.suggestion ?? null,
    source: item.source ?? null,
    entities: ents.map((e) => ({ label: e.label, spans: e.spans })),
  };
  busy = true;
  render();
  props.value = Object.assign({}, item, { entities: clone(ents), request: payload });
  trigger("submit", payload);
  clearTimeout(busyTimer);
  busyTimer = setTimeout(() => {
    busy = false;
    render();
  }, 20000);
}

function onKey(ev) {
  if (!element.isConnected) return document.removeEventListener("keydown", onKey, true);
  if (!item || !visible() || ev.altKey || ev.metaKey) return;
  const t = ev.target;
  if (t && t.closest && !root.contains(t)) {
    if (t.closest("input, textarea, select, [contenteditable='true'], [contenteditable='']")) return;
    if ((ev.key === "Enter" || ev.key === " ") && t.closest("button, a, [role='button'], [role='tab'], label")) return;
  }
  const k = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
  const act = (a) => (ev.repeat ? null : send(a));
  if (ev.ctrlKey) {
    if (k !== "z") return;
    act("undo");
  } else if (/^[1-9]$/.test(k) && +k <= labels().length) pressLabel(labels()[+k - 1]);
  else if (k === "Enter" || k === "a") act("accept");
  else if (k === "x") act("reject");
  else if (k === "s") act("skip");
  else if (k === "u") act("undo");
  else if ((k === "Delete" || k === "Backspace") && sel >= 0) removeEntity(sel);
  else if ((k === "ArrowRight" || k === "ArrowLeft") && ents.length && editable()) {
    sel = k === "ArrowRight" ? (sel + 1) % ents.length : (sel <= 0 ? ents.length : sel) - 1;
    pending = null;
    render();
  } else if (k === "Escape" && (sel >= 0 || pending || sticky)) {
    sel = -1;
    pending = null;
    sticky = null;
    render();
  } else return;
  ev.preventDefault();
  ev.stopPropagation();
}

document.addEventListener("keydown", onKey, true);
document.addEventListener("mouseup", onMouseUp);
watch("value", () => load(props.value));
load(props.value);

// Remember the annotator's name in this browser (the server never sees it until a load).
const nameBox = document.querySelector("#ann-annotator input, #ann-annotator textarea");
if (nameBox) {
  const saved = window.localStorage.getItem("ner-annotator");
  if (saved && !nameBox.value) {
    nameBox.value = saved;
    nameBox.dispatchEvent(new Event("input", { bubbles: true }));
  }
  nameBox.addEventListener("change", () => window.localStorage.setItem("ner-annotator", nameBox.value.trim()));
}
