"""Relations drawn as labelled arcs over a sentence's entities, with displaCy's dependency renderer.

The sentence's entities stand in a row, in text order (the highlighted sentence above shows
the words between them), each with its label under it in its colour; a relation is an arc
from its origin to its destination, its arrow at the destination. An entity that overlaps a
longer one is not drawn: its relations are left to the table. displaCy escapes the words;
arc labels and tags are only the known relation kinds and entity labels.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from spacy import displacy

from ner.entities import Document
from ner.relations.triples import RELATIONS, triples

CELL = "padding: 0.2em 0.4em; text-align: left"  # the relations table's cells: four columns fit a phone
TAG_COLORS = {"Concept": "#0f766e", "Action": "#b45309", "Predicate": "#6d28d9", "Reference": "#be185d"}
ARC_OPTIONS = {"compact": True, "distance": 95, "word_spacing": 28, "arrow_spacing": 14, "arrow_stroke": 2,
               "arrow_width": 8, "offset_x": 60, "bg": "transparent", "color": "currentColor", "font": "inherit"}


def units(doc: Document) -> tuple[list[dict], dict[int, int]]:
    """displaCy's words: the sentence's drawn entities in text order (``text``, ``tag``: the label), and entity → unit.

    Longer entities win an overlap; a gapped entity reads as its fragments joined.
    """
    chosen: list[int] = []
    for i in sorted(range(len(doc.entities)), key=lambda i: -(doc.entities[i].end - doc.entities[i].start)):
        ent = doc.entities[i]
        if all(ent.end <= doc.entities[k].start or ent.start >= doc.entities[k].end for k in chosen):
            chosen.append(i)
    chosen.sort(key=lambda i: doc.entities[i].fragments)
    shown = [{"text": doc.entities[i].surface(doc.text), "tag": doc.entities[i].label} for i in chosen]
    return shown, {i: k for k, i in enumerate(chosen)}


def arcs_html(doc: Document, label_names: dict[str, str] | None = None) -> str:
    """The sentence with its relations as arcs (an SVG from displaCy), or "" when it has none to draw.

    ``label_names``: how entity labels are shown (Concepto in Spanish); relation kinds keep their names.
    """
    shown, where = units(doc)
    arcs = []
    for kind, a, b in triples(doc):
        if kind not in RELATIONS or a not in where or b not in where or where[a] == where[b]:
            continue
        x, y = where[a], where[b]
        arcs.append({"start": min(x, y), "end": max(x, y), "label": kind, "dir": "right" if x < y else "left"})
    if not arcs:
        return ""
    names = label_names or {}
    labels = [w["tag"] for w in shown]
    for w in shown:
        w["tag"] = html.escape(names.get(w["tag"], w["tag"]))
    svg = displacy.render({"words": shown, "arcs": arcs}, style="dep", manual=True, jupyter=False,
                          options=ARC_OPTIONS)
    parts = svg.split('class="displacy-tag"')
    svg = parts[0] + "".join(f'class="displacy-tag" font-weight="bold" style="fill: {TAG_COLORS[label]}"' + rest
                             for label, rest in zip(labels, parts[1:]))
    return f"<div class='ner-arcs' style='overflow-x: auto; max-width: 100%'>{svg}</div>"


def relations_table(doc: Document, headers: Sequence[str] = ("relation", "from", "to", "confidence"), lang: str = "en"
                    ) -> str:
    """The sentence's relations as an HTML table: kind, from, to (each entity's words) and the model's score.

    ``headers``: the four column names as the reader reads them; a person's relations (no
    scores) leave out the last.
    """
    scores = any(rel.score is not None for rel in doc.relations)
    rows = []
    for rel in doc.relations:
        a = rel.args[0][1]
        for _, b in rel.args[1:]:
            cells = [rel.kind, doc.entities[a].surface(doc.text), doc.entities[b].surface(doc.text)]
            if scores:
                cells.append("" if rel.score is None else f"{round(rel.score * 100)}{' %' if lang == 'es' else '%'}")
            rows.append("<tr>" + "".join(f"<td style='{CELL}'>{html.escape(x)}</td>" for x in cells) + "</tr>")
    if not rows:
        return ""
    head = "".join(f"<th style='{CELL}'>{html.escape(h)}</th>" for h in headers[:4 if scores else 3])
    return (f"<div style='overflow-x: auto; max-width: 100%'><table class='ner-relations' style='width: 100%; "
            f"font-size: 0.9em; border-collapse: collapse'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
            "</tbody></table></div>")
