// The editor's pure parts (ner/ui/editor_pure.js) with literal cases: `node tests/editor_pure.test.cjs`.
// Offsets are code points, written as len("El paciente ") rather than numbers.
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const P = require(path.join(__dirname, "..", "ner", "ui", "editor_pure.js"));

const len = (s) => [...s].length;
const span = (text, word, from = 0) => {
  const at = len(text.slice(0, text.indexOf(word, from)));
  return [at, at + len(word)];
};
const wordsOf = (text) => {
  const out = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)) {
    const s = len(text.slice(0, m.index));
    out.push([s, s + len(m[0])]);
  }
  return out;
};

test("offsets are code points: text after an emoji is cut where the server says", () => {
  const text = "Dolor 😀 de cabeza";
  const cut = P.cutter(text);
  assert.equal(cut.size, len(text));
  assert.equal(cut(len("Dolor 😀 "), len("Dolor 😀 de")), "de");
  assert.equal(cut(...span(text, "cabeza")), "cabeza");
  assert.equal(P.pointsIn("😀 de", "😀 ".length), len("😀 "));
});

test("fragments separated only by whitespace are drawn as one piece", () => {
  const text = "un infarto de  miocardio\u200b agudo";
  const frags = [span(text, "miocardio"), span(text, "infarto"), span(text, "de")];
  assert.deepEqual(P.joinFragments(text, frags), [[len("un "), len("un infarto de  miocardio")]]);
  const gapped = "El dolor de cabeza y de espalda";
  const two = [span(gapped, "dolor"), span(gapped, "espalda")];
  assert.deepEqual(P.joinFragments(gapped, two), two);
  assert.equal(P.surface(gapped, two), "dolor … espalda");
  assert.deepEqual(P.joinFragments(text, [span(text, "agudo"), span(text, "miocardio")]),
    [[len("un infarto de  "), len(text)]]); // a zero-width space between them is whitespace too
});

test("entities come from the server's JSON shape and go back as {label, fragments}", () => {
  const got = P.fromValue([
    { label: "Concept", start: 3, end: 10, text: "x", fragments: [[3, 5], [6, 10]], score: 0.4 },
    { label: "Action", start: 12, end: 15, text: "y", fragments: [[12, 15]], score: null },
  ]);
  assert.deepEqual(got, [
    { label: "Concept", fragments: [[3, 5], [6, 10]], score: 0.4 },
    { label: "Action", fragments: [[12, 15]], score: null },
  ]);
  assert.deepEqual(P.toAnswer(got), [
    { label: "Concept", fragments: [[3, 5], [6, 10]] },
    { label: "Action", fragments: [[12, 15]] },
  ]);
  assert.deepEqual(P.fromValue(undefined), []);
});

test("layout draws the longest of overlapping pieces, labels each entity's last piece, lists the rest", () => {
  const text = "El dolor de cabeza y de espalda empeora";
  const ents = [
    { label: "Concept", fragments: [span(text, "dolor"), span(text, "espalda")] },
    { label: "Concept", fragments: [[span(text, "dolor")[0], span(text, "cabeza")[1]]] },
    { label: "Action", fragments: [span(text, "empeora")] },
  ];
  const pieces = P.layout(text, ents);
  assert.deepEqual(pieces, [
    { s: len("El "), e: len("El dolor de cabeza"), i: 1, last: true },
    { s: len("El dolor de cabeza y de "), e: len("El dolor de cabeza y de espalda"), i: 0, last: true },
    { s: len("El dolor de cabeza y de espalda "), e: len(text), i: 2, last: true },
  ]);
  assert.deepEqual(P.hidden(ents, pieces), []);
  const nested = [{ label: "Concept", fragments: [span(text, "cabeza")] }, ents[1]];
  assert.deepEqual(P.hidden(nested, P.layout(text, nested)), [0]);
  const gapped = P.layout(text, [ents[0]]);
  assert.deepEqual(gapped.map((p) => p.last), [false, true]);
});

test("the text's layout covers every character once, words inside their marks", () => {
  const text = "La  fiebre alta.";
  const words = wordsOf(text);
  const pieces = [{ s: len("La  "), e: len("La  fiebre alta"), i: 0, last: true }];
  const parts = P.textLayout(len(text), words, pieces);
  const flat = parts.flatMap((p) => (p.kind === "mark" ? p.children : [p]));
  assert.equal(flat.map((p) => text.slice(p.s, p.e)).join(""), text);
  assert.deepEqual(parts.map((p) => p.kind), ["w", "g", "mark", "w"]);
  assert.deepEqual(parts[2].children.map((p) => [p.kind, text.slice(p.s, p.e)]),
    [["w", "fiebre"], ["g", " "], ["w", "alta"]]);
  // a piece that ends inside a word (a stale or odd fragment) never repeats text
  const odd = P.textLayout(len(text), words, [{ s: len("La  "), e: len("La  fie"), i: 0, last: true }]);
  const oddFlat = odd.flatMap((p) => (p.kind === "mark" ? p.children : [p]));
  assert.equal(oddFlat.map((p) => text.slice(p.s, p.e)).join(""), text);
});

test("a drag snaps to whole words", () => {
  const text = "El paciente usa un inhalador";
  const words = wordsOf(text);
  assert.deepEqual(P.snap(words, len("El pac"), len("El pacien")), span(text, "paciente"));
  assert.deepEqual(P.snap(words, len("El pac"), len("El paciente u")),
    [len("El "), len("El paciente usa")]);
  assert.equal(P.snap(words, len("El paciente"), len("El paciente ")), null); // only a space
});

test("click takes a word, Ctrl+click adds a piece, Shift+click extends from the last word clicked", () => {
  const text = "El dolor de cabeza y de espalda empeora por la noche";
  const w = (word, from) => span(text, word, from);
  let s = P.select(P.NO_SELECTION, w("cabeza"));
  assert.deepEqual(s.pending, [w("cabeza")]);
  s = P.select(s, w("espalda"), "extend");
  assert.deepEqual(s.pending, [[w("cabeza")[0], w("espalda")[1]]]);
  s = P.select(s, w("de", len("El dolor de cabeza y ")), "extend"); // shrinks back: still from "cabeza"
  assert.deepEqual(s.pending, [[w("cabeza")[0], w("de", len("El dolor de cabeza y "))[1]]]);
  s = P.select(s, w("dolor"), "extend"); // and the other way
  assert.deepEqual(s.pending, [[w("dolor")[0], w("cabeza")[1]]]);
  s = P.select(P.select(s, w("empeora")), w("noche"), "extend"); // a plain click moves where Shift+click starts
  assert.deepEqual(s.pending, [[w("empeora")[0], w("noche")[1]]]);

  let d = P.select(P.NO_SELECTION, w("dolor"));
  d = P.select(d, w("espalda"), "add");
  assert.deepEqual(d.pending, [w("dolor"), w("espalda")]);
  d = P.select(d, w("noche"), "extend"); // extends the newest piece, keeps the first
  assert.deepEqual(d.pending, [w("dolor"), [w("espalda")[0], w("noche")[1]]]);

  // the known bug: after labelling, Shift+click starts from the last word clicked, not the sentence's start
  const after = P.select({ ...P.select(P.NO_SELECTION, w("empeora")), pending: null }, w("noche"), "extend");
  assert.deepEqual(after.pending, [[w("empeora")[0], w("noche")[1]]]);
  assert.deepEqual(P.select(P.NO_SELECTION, w("noche"), "extend").pending, [w("noche")]); // nothing clicked yet
  assert.deepEqual(P.select(P.NO_SELECTION, w("noche"), "add").pending, [w("noche")]);
});

test("a new entity replaces those it overlaps and keeps text order", () => {
  const text = "El dolor de cabeza y de espalda";
  const ents = [
    { label: "Concept", fragments: [span(text, "espalda")], score: 0.9 },
    { label: "Action", fragments: [span(text, "dolor")], score: 0.3 },
  ];
  const { entities, index } = P.addEntity(ents, [[span(text, "dolor")[0], span(text, "cabeza")[1]]], "Concept");
  assert.deepEqual(entities, [
    { label: "Concept", fragments: [[len("El "), len("El dolor de cabeza")]], score: null },
    { label: "Concept", fragments: [span(text, "espalda")], score: 0.9 },
  ]);
  assert.equal(index, 0);
  assert.equal(ents.length, 2); // the caller's list is not changed
});

test("withSpan merges overlaps and sorts; fill fills placeholders", () => {
  assert.deepEqual(P.withSpan([[10, 15], [0, 3]], [2, 6]), [[0, 6], [10, 15]]);
  assert.deepEqual(P.withSpan([[0, 3]], [3, 5]), [[0, 3], [3, 5]]); // touching is not overlapping
  assert.equal(P.fill("Selected “{s}”: press 1–{n}", { s: "fiebre", n: 4 }), "Selected “fiebre”: press 1–4");
  assert.equal(P.fill(undefined, {}), "");
  assert.equal(P.fill("{x}", {}), "");
});

test("addEntity names the entities it replaces", () => {
  const text = "El dolor intenso de espalda puede durar varias semanas.";
  const dolor = { label: "Concept", fragments: [span(text, "dolor")], score: 0.8 };
  const durar = { label: "Action", fragments: [span(text, "durar")], score: 0.7 };
  const semanas = { label: "Concept", fragments: [span(text, "semanas")], score: 0.9 };
  const { replaced } = P.addEntity([dolor, durar, semanas], [[span(text, "dolor")[0], span(text, "durar")[1]]], "Concept");
  assert.deepEqual(replaced, [dolor, durar]);
  assert.deepEqual(P.addEntity([semanas], [span(text, "dolor")], "Concept").replaced, []);
});

test("linked numbers the entities drawn in more than one piece", () => {
  const pieces = [{ s: 0, e: 2, i: 1 }, { s: 3, e: 5, i: 0 }, { s: 6, e: 8, i: 2 }, { s: 9, e: 11, i: 1 }, { s: 12, e: 14, i: 2 }];
  assert.deepEqual([...P.linked(pieces)], [[1, 1], [2, 2]]);
  assert.deepEqual([...P.linked([{ s: 0, e: 2, i: 0 }])], []);
});

test("relations follow their entities however the entities move, and lose nothing silently", () => {
  const text = "El asma causa tos";
  const asma = { label: "Concept", fragments: [span(text, "asma")], score: null };
  const causa = { label: "Action", fragments: [span(text, "causa")], score: null };
  const tos = { label: "Concept", fragments: [span(text, "tos")], score: null };
  let ents = [asma, causa, tos];
  let rels = P.relationsFrom([{ type: "subject", from: 1, to: 0, score: 0.9 }, { type: "target", from: 1, to: 2 },
    { type: "is-a", from: 1, to: 1 }, { type: "arg", from: 0, to: 7 }], ents);
  assert.deepEqual(rels.map((r) => [r.type, r.from.label, r.to.label]), [["subject", "Action", "Concept"],
    ["target", "Action", "Concept"]]); // one to itself and one to nothing are left out
  assert.equal(rels[0].score, 0.9);
  // a new entity before them all: the indexes sent follow the objects
  const el = { label: "Reference", fragments: [span(text, "El")], score: null };
  ents = [el, ...ents];
  assert.deepEqual(P.relationsTo(rels, ents), [{ type: "subject", from: 2, to: 1 }, { type: "target", from: 2, to: 3 }]);
  // tos removed: its relation is dropped, and said
  const { kept, dropped } = P.keptRelations(rels, ents.filter((e) => e !== tos));
  assert.deepEqual([kept.length, dropped.map((r) => r.type)], [1, ["target"]]);
  // added once; same-as once whichever way round
  rels = P.addRelation(rels, "same-as", asma, tos);
  assert.equal(P.addRelation(rels, "same-as", tos, asma), rels);
  assert.equal(P.addRelation(rels, "subject", causa, asma), rels);
  assert.equal(P.addRelation(rels, "causes", asma, asma), rels);
  assert.equal(P.addRelation(rels, "causes", asma, tos).length, rels.length + 1);
});
