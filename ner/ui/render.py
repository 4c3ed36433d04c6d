"""Entities as HTML through spaCy's displaCy, with one colour per label and a legend.

displaCy escapes the text but not the label: only the four known labels (and their
low-confidence variants, made here) ever reach it.
"""

from __future__ import annotations

import html

from spacy import displacy

from ner.entities import LABELS, Entity

COLORS: dict[str, str] = {
    "Concept": "#7aecec",
    "Action": "#feca74",
    "Predicate": "#c9b6ff",
    "Reference": "#ffb3c7",
}
LOW_CONFIDENCE = 0.6
_UNSURE = "?"


def _striped(color: str) -> str:
    return f"repeating-linear-gradient(135deg, {color}, {color} 6px, #ffffff 6px, #ffffff 9px)"


def _colors() -> dict[str, str]:
    colors = {label.upper(): c for label, c in COLORS.items()}
    colors |= {(label + _UNSURE).upper(): _striped(c) for label, c in COLORS.items()}
    return colors


def display_spans(text: str, entities: list[Entity], threshold: float = LOW_CONFIDENCE) -> list[dict]:
    """displaCy spans: one per entity (per fragment when truly gapped), no overlaps, label checked.

    Of two overlapping entities the longer is drawn (displaCy cannot stack them). A score
    below ``threshold`` gives the label a ``?`` and a striped colour.
    """
    spans: list[dict] = []
    for ent in sorted(entities, key=lambda e: (-(e.end - e.start), e.start)):
        if ent.label not in LABELS:
            raise ValueError(f"unknown label {ent.label!r}: expected one of {', '.join(LABELS)}")
        if ent.end > len(text):
            raise ValueError(f"entity {ent.fragments} ends past the text ({len(text)} characters)")
        label = ent.label + (_UNSURE if ent.score is not None and ent.score < threshold else "")
        pieces = ent.fragments if ent.is_gapped(text) else ((ent.start, ent.end),)
        for s, e in pieces:
            if all(e <= o["start"] or s >= o["end"] for o in spans):
                spans.append({"start": s, "end": e, "label": label})
    return sorted(spans, key=lambda s: s["start"])


def render(text: str, entities: list[Entity], threshold: float = LOW_CONFIDENCE) -> str:
    """HTML of ``text`` with its entities highlighted."""
    if not text.strip():
        return "<div class='entities'></div>"
    doc = {"text": text, "ents": display_spans(text, entities, threshold)}
    return displacy.render(doc, style="ent", manual=True, jupyter=False, options={"colors": _colors()})


def legend(threshold: float = LOW_CONFIDENCE) -> str:
    """The colour legend, with the low-confidence look explained."""
    chips = "".join(
        f"<span class='ner-chip' style='background:{c}'>{html.escape(label)}</span>" for label, c in COLORS.items()
    )
    unsure = f"<span class='ner-chip' style='background:{_striped('#cccccc')}'>Label?</span>"
    return f"<div class='ner-legend'>{chips} {unsure} <small>= confidence &lt; {threshold:.0%}</small></div>"


def entity_rows(text: str, entities: list[Entity]) -> list[list]:
    """Table rows: text, label, start, end, confidence (offsets half-open, in characters)."""
    return [
        [ent.surface(text), ent.label, ent.start, ent.end, None if ent.score is None else round(ent.score, 3)]
        for ent in entities
    ]
