// The annotation editor's pure parts: offsets, highlighted pieces, the words' layout, selection.
// No DOM and no state here. The browser gets this file ahead of editor.js in the editor's
// js_on_load (ner/ui/editor.py); node loads it in tests/editor_pure.test.cjs.
// Offsets are the server's: Unicode code points into the document's text, half-open [start, end).
// JavaScript strings count UTF-16 units, so text is only ever cut through ``cutter``.
const EditorPure = (() => {
  // What may separate two fragments drawn as one piece (as ner/annotation/items.py's _SPACE_ONLY).
  const SPACE_ONLY = /^[\s\x1c-\x1f\x85\u200b\u200c\u200d\u2060\ufeff]*$/u;

  // ``cut(s, e)``: the text between two code-point offsets; ``cut.length``: the text's length in code points.
  function cutter(text) {
    const at = [0];
    for (const ch of text) at.push(at[at.length - 1] + ch.length);
    const cut = (s, e) => text.slice(at[Math.max(0, Math.min(s, at.length - 1))], at[Math.max(0, Math.min(e, at.length - 1))]);
    return Object.assign(cut, { size: at.length - 1 });
  }

  // Code points in the first ``units`` UTF-16 units of ``s`` (a DOM selection's offset into a text node).
  function pointsIn(s, units) {
    return [...s.slice(0, units)].length;
  }

  // ``template`` with {x} replaced by vars.x (missing ones by nothing).
  function fill(template, vars) {
    return String(template ?? "").replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
  }

  // Fragments joined where only whitespace lies between them: what the editor highlights.
  function joinFragments(text, fragments) {
    const cut = cutter(text);
    const spans = [];
    for (const [s, e] of [...fragments].sort((a, b) => a[0] - b[0] || a[1] - b[1])) {
      const prev = spans[spans.length - 1];
      if (prev && s >= prev[1] && SPACE_ONLY.test(cut(prev[1], s))) prev[1] = Math.max(prev[1], e);
      else if (prev && s < prev[1]) prev[1] = Math.max(prev[1], e);
      else spans.push([s, e]);
    }
    return spans;
  }

  // An entity's words as a person reads them: its pieces joined by " … ".
  function surface(text, fragments) {
    const cut = cutter(text);
    return joinFragments(text, fragments).map(([s, e]) => cut(s, e)).join(" … ");
  }

  // The editor's entities from a server value ({label, start, end, text, fragments, score}): {label, fragments, score}.
  function fromValue(entities) {
    return (Array.isArray(entities) ? entities : []).map((e) => ({
      label: e.label,
      fragments: (e.fragments || []).map(([s, t]) => [s, t]),
      score: typeof e.score === "number" ? e.score : null,
    }));
  }

  // What the server is sent back: {label, fragments} (a fragment may cover whitespace; the server cuts it).
  function toAnswer(entities) {
    return entities.map((e) => ({ label: e.label, fragments: e.fragments.map(([s, t]) => [s, t]) }));
  }

  // Drawn pieces {s, e, i, last}: every entity's highlighted spans, longest first, each unless it
  // overlaps one already drawn; in text order; ``last`` marks an entity's last piece (it gets the label).
  function layout(text, entities) {
    const all = [];
    entities.forEach((ent, i) => joinFragments(text, ent.fragments).forEach(([s, e]) => all.push({ s, e, i })));
    all.sort((a, b) => b.e - b.s - (a.e - a.s) || a.s - b.s);
    const kept = [];
    for (const p of all) if (kept.every((k) => p.e <= k.s || p.s >= k.e)) kept.push(p);
    kept.sort((a, b) => a.s - b.s);
    const lastOf = new Map();
    kept.forEach((p, j) => lastOf.set(p.i, j));
    return kept.map((p, j) => ({ ...p, last: lastOf.get(p.i) === j }));
  }

  // Indexes of the entities that no drawn piece shows (listed apart, under the text).
  function hidden(entities, pieces) {
    const drawn = new Set(pieces.map((p) => p.i));
    return entities.map((_, i) => i).filter((i) => !drawn.has(i));
  }

  // The whole text as words ("w") and gaps ("g"), with each drawn piece a "mark" holding its own;
  // every offset of [0, size) is in exactly one "w" or "g".
  function textLayout(size, words, pieces) {
    const out = [];
    let w = 0;
    const run = (a, b, into) => {
      while (w < words.length && words[w][1] <= a) w++;
      let cur = a;
      while (cur < b && w < words.length && words[w][0] < b) {
        const s = Math.max(words[w][0], cur);
        const e = Math.min(words[w][1], b);
        if (s > cur) into.push({ kind: "g", s: cur, e: s });
        if (e > s) into.push({ kind: "w", s, e });
        cur = Math.max(cur, e);
        if (words[w][1] > b) break; // the word goes on past b: the next region takes the rest
        w++;
      }
      if (cur < b) into.push({ kind: "g", s: cur, e: b });
    };
    let pos = 0;
    for (const piece of pieces) {
      if (piece.s < pos) continue;
      run(pos, piece.s, out);
      const children = [];
      run(piece.s, piece.e, children);
      out.push({ kind: "mark", piece, children });
      pos = piece.e;
    }
    run(pos, size, out);
    return out;
  }

  // [a, b) widened to whole words: from the first word that ends after a to the last that starts before b.
  function snap(words, a, b) {
    let s = null;
    let e = null;
    for (const [ws, we] of words) {
      if (s === null && we > a) s = ws;
      if (ws < b) e = we;
    }
    return s === null || e === null || e <= s ? null : [s, e];
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

  const NO_SELECTION = Object.freeze({ pending: null, anchor: null, last: null });

  // A click on words (``span``) applied to a selection {pending, anchor, last}:
  // "one" takes just these words; "add" (Ctrl) adds them as one more piece; "extend" (Shift)
  // stretches the piece begun at the last clicked word (``anchor``) to reach them.
  function select(selection, span, how = "one") {
    const { pending, anchor, last } = selection || NO_SELECTION;
    if (how === "extend" && anchor) {
      const range = [Math.min(anchor[0], span[0]), Math.max(anchor[1], span[1])];
      const others = (pending || []).filter(([a, b]) => !last || b <= last[0] || a >= last[1]);
      return { pending: withSpan(others, range), anchor, last: range };
    }
    if (how === "add" && pending) return { pending: withSpan(pending, span), anchor: span, last: span };
    return { pending: [span], anchor: span, last: span };
  }

  // ``entities`` with a new one ({label, fragments}) in place of those it overlaps, in text order;
  // also the new one's index and the entities it replaced (so the editor can say so).
  function addEntity(entities, fragments, label) {
    const made = { label, fragments: fragments.map(([s, e]) => [s, e]), score: null };
    const hit = (ent) => ent.fragments.some(([s, t]) => fragments.some(([a, b]) => s < b && a < t));
    const kept = entities.filter((ent) => !hit(ent));
    const all = [...kept, made];
    const first = (ent) => ent.fragments.reduce((m, f) => (f[0] < m[0] || (f[0] === m[0] && f[1] < m[1]) ? f : m));
    all.sort((x, y) => first(x)[0] - first(y)[0] || first(x)[1] - first(y)[1]);
    return { entities: all, index: all.indexOf(made), replaced: entities.filter(hit) };
  }

  // Entities drawn in more than one piece, numbered 1, 2, … in text order: Map index -> number.
  function linked(pieces) {
    const count = new Map();
    for (const p of pieces) count.set(p.i, (count.get(p.i) || 0) + 1);
    const out = new Map();
    for (const p of pieces) if (count.get(p.i) > 1 && !out.has(p.i)) out.set(p.i, out.size + 1);
    return out;
  }

  // Relations between the editor's entities, held by the entity objects themselves (so that adding,
  // removing or reordering entities never points a relation at another one): {type, from, to, score}.
  function relationsFrom(values, entities) {
    const out = [];
    for (const r of Array.isArray(values) ? values : []) {
      const from = entities[r.from];
      const to = entities[r.to];
      if (from && to && from !== to) out.push({ type: r.type, from, to, score: typeof r.score === "number" ? r.score : null });
    }
    return out;
  }

  // What the server is sent: {type, from, to} with indexes into the entities as sent (toAnswer's order).
  function relationsTo(relations, entities) {
    return relations
      .map((r) => ({ type: r.type, from: entities.indexOf(r.from), to: entities.indexOf(r.to) }))
      .filter((r) => r.from >= 0 && r.to >= 0);
  }

  // The relations whose two entities are still there, and those that lost one ({kept, dropped}).
  function keptRelations(relations, entities) {
    const alive = (r) => entities.includes(r.from) && entities.includes(r.to);
    return { kept: relations.filter(alive), dropped: relations.filter((r) => !alive(r)) };
  }

  // A relation added: the same pair and type once; same-as once whichever way round.
  function addRelation(relations, type, from, to) {
    const same = (r) => r.type === type && ((r.from === from && r.to === to) || (type === "same-as" && r.from === to && r.to === from));
    if (from === to || relations.some(same)) return relations;
    return [...relations, { type, from, to, score: null }];
  }

  return {
    NO_SELECTION, linked, addEntity, addRelation, cutter, fill, fromValue, hidden, joinFragments, keptRelations, layout,
    pointsIn, relationsFrom, relationsTo, select, snap, surface, textLayout, toAnswer, withSpan,
  };
})();
if (typeof module === "object" && module && module.exports) module.exports = EditorPure;
