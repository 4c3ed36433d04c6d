// The annotation editor's drawing, keys and calls: the rest of gr.HTML's js_on_load, after editor_pure.js
// (element, props, watch, trigger and server are Gradio's; EditorPure is editor_pure.js).
// Every piece of the document's text goes into the page through textContent, never as HTML.
// Answers go through ``await server.answer(call)`` and ``server.undo(call)`` (ner/ui/editor.py); what
// they return is the next value, or {error} / {message} with the edits left as they are. After a value
// comes back it triggers the "answered" event (ner/ui/annotate.py listens to it).
// A value with ``review`` puts it in review mode (the block at the end of this file).
const P = EditorPure;
const ACTIONS = [
  ["accept", "Enter / A"],
  ["reject", "X"],
  ["skip", "S"],
  ["undo", "U / Ctrl+Z"],
];
const root = element.querySelector(".ann") || element;

let item = null; // the value the server sent
let T = {}; // its strings, in the reader's language
let cut = P.cutter("");
let ents = []; // the entities being edited: {label, fragments: [[s, e], ...], score}
let sel = -1; // index of the selected entity
let selection = P.NO_SELECTION; // words waiting for a label: {pending, anchor, last} (see EditorPure.select)
let sticky = null; // a label that every new selection takes at once
let history = []; // earlier states of ents on this document (local undo)
let busy = false; // a call to the server is on its way
let skipClick = false; // a mouse selection just ended: the click that follows must not clear it
let pieceMode = false; // the "+ piece" button is on: the next click adds a piece (as Ctrl+click, for touch screens)
let note = ""; // what the last edit replaced, said until the next one
let rels = []; // relations between ents, held by the entity objects: {type, from, to, score} (EditorPure)
let relSel = -1; // index of the selected relation
let linking = null; // an entity waiting for the other end of a new relation (R)
let picking = null; // {from, to}: a pair waiting for its relation type

const clone = (x) => JSON.parse(JSON.stringify(x));
function h(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}
const labels = () => (item && Array.isArray(item.labels) ? item.labels : []);
const shown = (label) => (T.labels && T.labels[label]) || label; // the label in the reader's language
const color = (label) => (item && item.colors && item.colors[label]) || "#dddddd";
const threshold = () => item.threshold ?? 0.6;
const low = (e) => typeof e.score === "number" && e.score < threshold();
const pending = () => selection.pending;
const visible = () => root.getClientRects().length > 0;
const editable = () => item && item.text && !item.finished;
// a touch screen with no mouse: its help names taps, not keys or Shift/Ctrl+click
const touch = () => matchMedia("(hover: none) and (pointer: coarse)").matches;
const say = (key) => (touch() && T[key + "_touch"]) || T[key];

function load(value) {
  item = value && typeof value === "object" ? value : null;
  T = (item && item.strings) || {};
  cut = P.cutter((item && item.text) || "");
  ents = P.fromValue(item && item.entities);
  rels = P.relationsFrom(item && item.relations, ents);
  if (reviewing()) reviewLoaded();
  relSel = -1;
  linking = picking = null;
  sel = -1;
  selection = P.NO_SELECTION;
  history = [];
  busy = false;
  note = "";
  pieceMode = false;
  if (T.aria) root.setAttribute("aria-label", T.aria);
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
  if (!item) return;
  if (!item.queue) {
    root.append(h("div", "ann-empty", reviewing() ? T.review_empty : T.empty));
    if (item.error) root.append(h("div", "ann-error", "⚠ " + item.error));
    return;
  }
  root.append(reviewing() ? reviewHead() : header());
  if (item.error) root.append(h("div", "ann-error", "⚠ " + item.error));
  else if (note) root.append(h("div", "ann-msg ann-note", note));
  else if (item.message) root.append(h("div", "ann-msg", item.message));
  if (item.notice && !item.error) root.append(h("div", "ann-msg ann-notice", item.notice));  // a new live version
  if (!editable()) {
    root.append(h("div", "ann-empty", item.finished ? T.finished : T.empty));
    if (item.finished && item.summary) root.append(summary());
    root.append(actions());
    return;
  }
  const pieces = P.layout(item.text, ents);
  root.append(labelBar(), hint(), textBox(pieces));
  if (reviewing()) root.append(reviewLegend());
  const hiddenOnes = P.hidden(ents, pieces);
  if (hiddenOnes.length) root.append(overlapList(hiddenOnes));
  root.append(relationList());
  root.append(actions(), h("div", "ann-help", P.fill(say("help"), { n: labels().length, t: Math.round(threshold() * 100) })));
  if (picking) root.querySelector(".ann-rel-new select")?.focus({ preventScroll: true });
  if (item.credit) root.append(h("div", "ann-credit", item.credit));
}

function summary() {
  const box = h("div", "ann-summary");  // the server says it, each count in its plural (editor.py summary_text)
  box.append(h("p", null, item.summary_text || ""), h("p", "ann-next", T.next));
  return box;
}

function header() {
  const head = h("div", "ann-head");
  head.append(h("span", "ann-title", item.queue + (item.name ? " · " + item.name : "")));
  const p = item.progress;
  if (p && typeof p.total === "number") {
    const bar = h("span", "ann-bar");
    const fillEl = h("span");
    fillEl.style.width = (p.total ? (100 * p.done) / p.total : 0).toFixed(1) + "%";
    bar.append(fillEl);
    head.append(bar, h("span", "ann-prog", item.progress_text || `${p.done} / ${p.total}`));  // plurals: the server's
  }
  if (item.model) head.append(h("span", "ann-model", `${T.model} ${item.model}`));
  const pre = item.preannotation;
  if (pre && typeof pre.total === "number") {
    head.append(h("span", "ann-background", P.fill(T.background, { d: pre.done, t: pre.total })));
  }
  if (item.retraining_text) head.append(h("span", "ann-background ann-retraining", item.retraining_text));
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
    b.append(h("kbd", null, i + 1), document.createTextNode(" " + shown(label)));
    b.addEventListener("click", (ev) => {
      ev.preventDefault();
      pressLabel(label);
    });
    bar.append(b);
  });
  const piece = h("button", "ann-piece" + (pieceMode ? " on" : ""), T.piece || "+ piece");
  piece.type = "button";
  piece.title = T.piece_title || "";
  piece.setAttribute("aria-pressed", String(pieceMode));
  piece.addEventListener("click", (ev) => {
    ev.preventDefault();
    pieceMode = !pieceMode;
    render();
  });
  bar.append(piece);
  return bar;
}

function hint() {
  const n = labels().length;
  let text = "";
  const words = (e) => P.surface(item.text, e.fragments);
  if (picking) text = P.fill(T.pick_type, { a: words(picking.from), b: words(picking.to) });
  else if (linking) text = P.fill(T.link, { s: words(linking) });
  else if (pending()) text = P.fill(say("pick"), { s: pending().map(([a, b]) => cut(a, b)).join(" … "), n });
  else if (sel >= 0 && ents[sel]) text = P.fill(say("picked"), { l: shown(ents[sel].label), s: P.surface(item.text, ents[sel].fragments), n });
  else if (sticky) text = P.fill(T.sticky, { l: shown(sticky), k: labels().indexOf(sticky) + 1 });
  return h("div", "ann-hint", text);
}

let links = new Map(); // entities drawn in several pieces -> their number (EditorPure.linked)

function textBox(pieces) {
  links = P.linked(pieces);
  const box = h("div", "ann-text");
  box.lang = "es";
  for (const part of P.textLayout(cut.size, item.words || [], pieces)) box.append(part.kind === "mark" ? markFor(part) : piece(part));
  return box;
}

function piece({ kind, s, e }) {
  const el = h("span", kind, cut(s, e));
  el.dataset.s = s;
  el.dataset.e = e;
  if (pending() && pending().some(([a, b]) => s >= a && e <= b)) el.classList.add("pending");
  return el;
}

function markFor({ piece: p, children }) {
  const e = ents[p.i];
  const r = relSel >= 0 ? rels[relSel] : picking;
  const role = r && r.from === e ? " rel-from" : r && r.to === e ? " rel-to" : linking === e ? " rel-from" : "";
  const m = h("mark", "ent" + (low(e) ? " low" : "") + (p.i === sel ? " sel" : "") + (links.has(p.i) ? " linked" : "") + role);
  m.dataset.i = p.i;
  m.dataset.me = p.e;
  m.style.setProperty("--c", color(e.label));
  m.title = shown(e.label) + (typeof e.score === "number" ? " · " + P.fill(T.percent || "{n}%", { n: Math.round(e.score * 100) }) : "");
  if (reviewing()) reviewMark(m, e);
  for (const child of children) m.append(piece(child));
  if (links.has(p.i)) {
    // the pieces of one entity carry the same number, so they read as one; the number and the first
    // word stay on one line, so a piece that wraps never leaves an empty box with its number behind
    const badge = h("sup", "link", links.get(p.i));
    badge.setAttribute("aria-hidden", "true");
    const head = h("span", "head");
    head.append(badge);
    if (m.firstElementChild) head.append(m.firstElementChild);
    m.prepend(head);
  }
  if (p.last) {
    // the last word, the label and ✕ stay on one line
    const tail = h("span", "tail");
    if (m.lastElementChild) tail.append(m.lastElementChild);
    tail.append(h("span", "lab", shown(e.label) + (low(e) ? "?" : "")), removeButton(p.i, e.label));
    m.append(tail);
  }
  return m;
}

function removeButton(i, label) {
  const x = h("button", "x", "✕");
  x.type = "button";
  x.dataset.i = i;
  x.title = T.remove;
  x.setAttribute("aria-label", `${T.remove} ${shown(label)}`);
  return x;
}

function overlapList(hiddenOnes) {
  const box = h("div", "ann-overlap", T.overlap + " ");
  for (const i of hiddenOnes) {
    const chip = h("span", "ann-chip" + (i === sel ? " sel" : ""), `${shown(ents[i].label)}: ${P.surface(item.text, ents[i].fragments)}`);
    chip.dataset.i = i;
    chip.style.background = color(ents[i].label);
    chip.append(removeButton(i, ents[i].label));
    box.append(chip);
  }
  return box;
}

function typeSelect(value, cls) {
  const box = h("select", cls);
  for (const type of item.relation_types || []) {
    const o = h("option", null, type);
    o.value = type;
    if (type === value) o.selected = true;
    box.append(o);
  }
  return box;
}

// The relations between the entities: each as "from → to" with its type (a list to relabel) and ✕,
// and the pair waiting for a type; R starts a new one from the selected entity.
function relationList() {
  const box = h("div", "ann-rels");
  const head = h("div", "ann-rels-head", (T.relations || "Relations") + " ");
  const start = h("button", "ann-rel-start" + (linking ? " on" : ""), say("relation_button") || "→ relation");
  start.type = "button";
  start.disabled = sel < 0 && !linking;
  start.title = say("rel_help") || "";
  start.addEventListener("click", (ev) => {
    ev.preventDefault();
    startLink();
  });
  head.append(start);
  box.append(head);
  const list = h("ol", "ann-rel-list");
  rels.forEach((r, k) => {
    const li = h("li", "ann-rel" + (k === relSel ? " sel" : ""));
    li.dataset.r = k;
    li.append(h("span", "ann-rel-end", P.surface(item.text, r.from.fragments)), h("span", "ann-rel-arrow", " → "),
      h("span", "ann-rel-end", P.surface(item.text, r.to.fragments)), document.createTextNode(" "));
    const kind = typeSelect(r.type, "ann-rel-kind");
    kind.dataset.r = k;
    kind.setAttribute("aria-label", T.relation_type || "type");
    li.append(kind);
    if (typeof r.score === "number" && r.score < threshold()) li.classList.add("low");
    const x = h("button", "x rx", "✕");
    x.type = "button";
    x.dataset.r = k;
    x.title = T.remove;
    li.append(x);
    list.append(li);
  });
  if (picking) {
    const li = h("li", "ann-rel ann-rel-new");
    li.append(h("span", "ann-rel-end", P.surface(item.text, picking.from.fragments)), h("span", "ann-rel-arrow", " → "),
      h("span", "ann-rel-end", P.surface(item.text, picking.to.fragments)), document.createTextNode(" "));
    const kind = typeSelect(null, "ann-rel-type");
    kind.setAttribute("aria-label", T.relation_type || "type");
    kind.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        ev.stopPropagation();
        addRel(kind.value);
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        picking = null;
        render();
      }
    });
    const ok = h("button", "ann-rel-add", T.add_relation || "Add");
    ok.type = "button";
    ok.addEventListener("click", (ev) => {
      ev.preventDefault();
      addRel(kind.value);
    });
    li.append(kind, ok);
    list.append(li);
  }
  if (rels.length || picking) box.append(list);
  else if (!linking) box.append(h("div", "ann-help", say("rel_help") || ""));
  return box;
}

function startLink() {
  if (!editable() || busy) return;
  if (linking) {
    linking = null;
  } else if (sel >= 0 && ents[sel]) {
    linking = ents[sel];
    picking = null;
    relSel = -1;
  }
  render();
}

// The other end of the relation being made: the entity chosen after R.
function linkTo(target) {
  if (!linking || !target || target === linking) return;
  picking = { from: linking, to: target };
  linking = null;
  render();
}

function addRel(type) {
  if (!picking || !type) return;
  const { from, to } = picking;
  picking = null;
  edit(() => {
    rels = P.addRelation(rels, type, from, to);
    relSel = rels.findIndex((r) => r.type === type && r.from === from && r.to === to);
  });
}

function removeRel(k) {
  if (!rels[k] || busy) return;
  edit(() => {
    rels = rels.filter((_, j) => j !== k);
    relSel = -1;
  });
}

function actions() {
  const row = h("div", "ann-actions");
  for (const [action, keys, word] of reviewing() ? REVIEW_ACTIONS : ACTIONS) {
    const b = h("button", "ann-act " + action);
    b.type = "button";
    b.dataset.action = action;
    b.append(document.createTextNode((T[word || action] || action) + " "), h("kbd", null, keys));
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

const snapshot = () => ({ ents: clone(ents), rels: P.relationsTo(rels, ents) });

// Every edit can be undone (U), relations with it; an entity that goes takes its relations, and says so.
function edit(change) {
  history.push(snapshot());
  const before = note;
  change();
  const { kept, dropped } = P.keptRelations(rels, ents);
  if (dropped.length) {
    rels = kept;
    relSel = -1;
    const list = dropped.map((r) => `${r.type} «${P.surface(item.text, r.from.fragments)}» → «${P.surface(item.text, r.to.fragments)}»`).join(", ");
    const said = P.fill(T.rels_dropped, { list });
    note = note && note !== before ? `${note} ${said}` : said;
  }
  render();
}

// A new entity in place of those it overlaps; ``keep``: entities not to name as replaced (merged into it).
function add(fragments, label, keep = []) {
  edit(() => {
    let replaced;
    ({ entities: ents, index: sel, replaced } = P.addEntity(ents, fragments, label));
    replaced = replaced.filter((r) => !keep.includes(r));
    note = replaced.length
      ? P.fill(T.replaced, { list: replaced.map((r) => `${shown(r.label)} «${P.surface(item.text, r.fragments)}»`).join(", ") })
      : "";
    selection = { ...selection, pending: null };
  });
}

function pressLabel(label) {
  if (!editable() || busy) return;
  if (pending()) add(pending(), label);
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

// Words chosen with the mouse: ``how`` is "one", "add" (Ctrl) or "extend" (Shift), as EditorPure.select.
function choose(span, how) {
  selection = P.select(selection, span, how);
  sel = -1;
  if (sticky && how !== "add") add(selection.pending, sticky);
  else render();
}

// Ctrl+click (or "+ piece", then a tap) on an entity ``other`` or a free word ``w``: a piece more.
// With an entity selected, it takes the piece (the other entity's fragments, or the word) under its own
// label; with words waiting for a label, they get the piece; else the click starts a selection.
function addPiece(other, w) {
  const spans = other ? other.fragments.map(([s, e]) => [s, e]) : [[+w.dataset.s, +w.dataset.e]];
  const mine = sel >= 0 ? ents[sel] : null;
  if (mine && other !== mine) {
    const keep = [mine, ...(other && other.label === mine.label ? [other] : [])];
    add([...mine.fragments, ...spans].sort((x, y) => x[0] - y[0]), mine.label, keep);
    selection = { pending: null, anchor: spans[spans.length - 1], last: null };
    return;
  }
  if (mine) return render(); // Ctrl+click on the selected entity itself: nothing to add
  if (!pending()) {
    choose(spans[0], "one");
    spans.slice(1).forEach((sp) => (selection = P.select(selection, sp, "add")));
    return render();
  }
  for (const sp of spans) selection = P.select(selection, sp, "add");
  sel = -1;
  render();
}

// The code-point offset of a DOM position inside the text box (its pieces carry data-s / data-e).
function offsetOf(box, node, off) {
  if (!box.contains(node)) {
    return box.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING ? 0 : cut.size;
  }
  if (node.nodeType === Node.TEXT_NODE) {
    const el = node.parentElement;
    if (el && (el.classList.contains("w") || el.classList.contains("g"))) return +el.dataset.s + P.pointsIn(node.data, off);
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
  return node === box ? 0 : cut.size;
}

function onMouseUp(ev) {
  if (!element.isConnected) return document.removeEventListener("mouseup", onMouseUp);
  if (!editable() || busy || ev.shiftKey) return; // Shift+click is the click handler's
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
  const span = P.snap(item.words || [], Math.min(a, b), Math.max(a, b));
  if (span) choose(span, ev.ctrlKey || ev.metaKey ? "add" : "one");
}

// Shift+click: the browser would stretch its own text selection from wherever the caret was.
root.addEventListener("mousedown", (ev) => {
  if (ev.shiftKey && ev.target.closest(".ann-text")) ev.preventDefault();
});

root.addEventListener("change", (ev) => {
  const kind = ev.target.closest(".ann-rel-kind");
  if (!kind || !rels[+kind.dataset.r] || busy) return;
  const k = +kind.dataset.r;
  edit(() => {
    rels[k] = { ...rels[k], type: kind.value, score: null };
    relSel = k;
  });
});

root.addEventListener("click", (ev) => {
  if (!editable() || busy || skipClick) return;
  if (ev.target.closest("select")) return; // a relation's type list: its change is the edit
  const rx = ev.target.closest(".rx");
  if (rx) {
    ev.preventDefault();
    removeRel(+rx.dataset.r);
    return;
  }
  const li = ev.target.closest(".ann-rel[data-r]");
  if (li) {
    relSel = relSel === +li.dataset.r ? -1 : +li.dataset.r;
    sel = -1;
    render();
    return;
  }
  const x = ev.target.closest(".x");
  if (x) {
    ev.preventDefault();
    removeEntity(+x.dataset.i);
    return;
  }
  if (linking) {
    const target = ev.target.closest("mark.ent, .ann-chip");
    if (target) {
      ev.preventDefault();
      linkTo(ents[+target.dataset.i]);
      return;
    }
  }
  const m = ev.target.closest("mark.ent, .ann-chip");
  const w = ev.target.closest(".ann-text .w");
  // a touch screen has no Shift: a tap on a free word while words wait for a label stretches the selection to it
  const stretch = touch() && pending() && w && !m;
  const how = ev.shiftKey ? "extend" : ev.ctrlKey || ev.metaKey || pieceMode ? "add" : stretch ? "extend" : "one";
  if (how === "extend" && w) {
    choose([+w.dataset.s, +w.dataset.e], "extend"); // on a tagged word too: from the last word clicked
    return;
  }
  if (how === "add" && (m || w)) {
    pieceMode = false;
    addPiece(m ? ents[+m.dataset.i] : null, w);
    return;
  }
  if (m) {
    const i = +m.dataset.i;
    sel = sel === i ? -1 : i;
    relSel = -1; // the entity, not the relation, is what Delete now removes
    // Shift+click from here extends from this word, as from a free one
    selection = w ? { pending: null, anchor: [+w.dataset.s, +w.dataset.e], last: null } : { ...selection, pending: null };
    render();
    return;
  }
  if (w) {
    choose([+w.dataset.s, +w.dataset.e], how);
    return;
  }
  if (ev.target.closest(".ann-text") && (sel >= 0 || pending())) {
    sel = -1;
    selection = P.NO_SELECTION;
    render();
  }
});

// ---------------------------------------------------------------- answering

async function send(action) {
  if (!item || busy) return;
  if (action === "undo" && history.length && editable()) {
    const back = history.pop();
    ents = back.ents;
    rels = P.relationsFrom(back.rels, ents);
    relSel = -1;
    linking = picking = null;
    sel = -1;
    selection = P.NO_SELECTION;
    note = ""; // what the note said was replaced is back
    render();
    return;
  }
  if (reviewing()) return action === "accept" ? saveReview() : undefined; // a review's one call: Save
  if (!item.queue || (action !== "undo" && !editable())) return;
  const call = {
    action,
    doc: item.doc ?? null,
    suggestion: item.suggestion ?? null,
    queue: item.queue,
    annotator: item.annotator ?? "",
    session: item.session ?? {},
    entities: P.toAnswer(ents),
    relations: P.relationsTo(rels, ents),
  };
  busy = true;
  render();
  let got;
  try {
    got = await (action === "undo" ? server.undo(call) : server.answer(call));
  } catch (err) {
    got = { error: T.failed || String(err) };
  }
  busy = false;
  if (got && typeof got === "object" && "rev" in got) {
    props.value = got;
    load(got);
    trigger("answered"); // saved: the Annotate tab's Browse list, when open, lists the new state
  } else {
    item = { ...item, error: (got && got.error) || "", message: (got && got.message) || "" };
    render();
  }
}

function onKey(ev) {
  if (!element.isConnected) return document.removeEventListener("keydown", onKey, true);
  if (!item || !visible() || ev.altKey || ev.metaKey) return;
  const t = ev.target;
  // keys pressed in another editor are its own; the review editor takes only those pressed in it
  if (t && t.closest && !root.contains(t) && (reviewing() || t.closest(".ann"))) return;
  if (t && t.closest && !root.contains(t)) {
    if (t.closest("input, textarea, select, [contenteditable='true'], [contenteditable='']")) return;
    if ((ev.key === "Enter" || ev.key === " ") && t.closest("button, a, [role='button'], [role='tab'], label")) return;
  }
  if (t && t.closest && root.contains(t) && t.closest("select")) return; // a relation's type list keeps its keys
  const k = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
  const act = (a) => (ev.repeat ? null : send(a));
  if (linking && k === "Enter" && sel >= 0) {
    linkTo(ents[sel]);
    ev.preventDefault();
    ev.stopPropagation();
    return;
  }
  if (ev.ctrlKey) {
    if (k !== "z") return;
    act("undo");
  } else if (/^[1-9]$/.test(k) && +k <= labels().length) pressLabel(labels()[+k - 1]);
  else if (k === "Enter" || k === "a") act("accept");
  else if (k === "x") act("reject");
  else if (k === "s") act("skip");
  else if (k === "u") act("undo");
  else if (k === "r" && editable()) startLink();
  else if ((k === "Delete" || k === "Backspace") && relSel >= 0) removeRel(relSel);
  else if ((k === "Delete" || k === "Backspace") && sel >= 0) removeEntity(sel);
  else if ((k === "ArrowRight" || k === "ArrowLeft") && ents.length && editable()) {
    sel = k === "ArrowRight" ? (sel + 1) % ents.length : (sel <= 0 ? ents.length : sel) - 1;
    selection = { ...selection, pending: null };
    render();
  } else if (k === "Escape" && (sel >= 0 || pending() || sticky || linking || picking || relSel >= 0)) {
    linking = picking = null;
    relSel = -1;
    sel = -1;
    selection = P.NO_SELECTION;
    sticky = null;
    render();
  } else return;
  ev.preventDefault();
  ev.stopPropagation();
}

// ---------------------------------------------------------------- review mode (ner/ui/review.py)
// A value with ``review`` is a document in conflict: one annotator's answer to edit, the spans the
// annotators differ on (review.disputed: span key -> what each gave there) and what only the other
// answers have (review.missing). Every key works as in a queue; Enter / A saves: the answer goes
// back as the value and "reviewed" is triggered (review.py saves it and sends the next value). An
// answer left as it was is sent as such (``unchanged``): the review then takes that annotator's answer.

const REVIEW_ACTIONS = [
  ["accept", "Enter / A", "review_save"],
  ["undo", "U / Ctrl+Z"],
];
const reviewing = () => !!(item && item.review && typeof item.review === "object");
// An entity's fragments as review.py's span_key writes them: "3-7;10-12".
const spanKey = (fragments) =>
  [...fragments].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([s, e]) => `${s}-${e}`).join(";");
const answerNow = () => JSON.stringify([P.toAnswer(ents), P.relationsTo(rels, ents)]);

function reviewLoaded() {
  if (typeof item.review.baseline !== "string") item.review = { ...item.review, baseline: answerNow() };
}

function reviewHead() {
  const head = h("div", "ann-head");
  head.append(h("span", "ann-title", item.queue + (item.name ? " · " + item.name : "")));
  if (item.review.head) head.append(h("span", "ann-review-from", item.review.head));
  if (busy) head.append(h("span", "ann-saving", T.saving));
  return head;
}

function reviewMark(m, e) {
  const said = (item.review.disputed || {})[spanKey(e.fragments)];
  if (!said) return;
  m.classList.add("differs");
  m.title += " — " + (T.review_differs || "") + ": " + said;
}

// Under the text: what the outline means, who rejected the document, and the other answers' entities.
function reviewLegend() {
  const box = h("div", "ann-review");
  const disputed = Object.keys(item.review.disputed || {}).length;
  if (disputed) {
    const key = h("div", "ann-review-key");
    key.append(h("span", "ann-review-swatch", "≠"), document.createTextNode(" " + (T.review_legend || "")));
    box.append(key);
  }
  for (const said of item.review.notes || []) box.append(h("div", "ann-review-note", said));
  const have = new Set(ents.map((e) => e.label + "|" + spanKey(e.fragments)));
  const left = (item.review.missing || []).filter((x) => !have.has(x.label + "|" + spanKey(x.fragments)));
  if (left.length) {
    const row = h("div", "ann-review-only", (T.review_only || "") + " ");
    for (const x of left) {
      const b = h("button", "ann-only", `+ ${shown(x.label)}: ${x.text}`);
      b.type = "button";
      b.style.setProperty("--c", color(x.label));
      b.append(h("span", "ann-only-who", x.who));
      b.title = P.fill(T.review_add || "", { l: shown(x.label), s: x.text });
      b.addEventListener("click", (ev) => {
        ev.preventDefault();
        ev.stopPropagation();
        if (editable() && !busy) add(x.fragments.map(([s, e]) => [s, e]), x.label);
      });
      row.append(b);
    }
    box.append(row);
  }
  return box;
}

function saveReview() {
  if (busy || !editable()) return;
  const answer = { entities: P.toAnswer(ents), relations: P.relationsTo(rels, ents) };
  const unchanged = answerNow() === item.review.baseline;
  busy = true;
  render();
  props.value = { ...item, ...answer, unchanged, error: "" };
  trigger("reviewed");
}

// A refused Save comes back as the value sent, with its error: said, the edits and their undo kept.
function reviewRefused() {
  const v = props.value;
  if (!busy || !reviewing() || !v || !v.review || !v.error || v.doc !== item.doc) return false;
  item = { ...item, rev: v.rev, error: v.error };
  busy = false;
  render();
  return true;
}

document.addEventListener("keydown", onKey, true);
document.addEventListener("mouseup", onMouseUp);
watch("value", () => {
  if (reviewRefused()) return;
  if (!props.value || !item || props.value.rev !== item.rev) load(props.value);
});
load(props.value);

