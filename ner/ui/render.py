"""Entities as HTML through spaCy's displaCy, with one colour per label and a legend.

displaCy escapes the text but not the label: only the four known labels (and their
low-confidence variants, made here) ever reach it.
"""

from __future__ import annotations

import html

from spacy import displacy

from ner.entities import LABELS, Entity
from ner.messages import translate

COLORS: dict[str, str] = {
    "Concept": "#7aecec",
    "Action": "#feca74",
    "Predicate": "#c9b6ff",
    "Reference": "#ffb3c7",
}
LOW_CONFIDENCE = 0.6
_UNSURE = "?"


def label_name(label: str, language: str = "en") -> str:
    """``label`` as shown in ``language`` (the catalog's ``label_<label>``): ``label_name("Action", "es") == "Acción"``.

    Data, exports and the API keep the canonical English names; an unknown label is shown as it is.
    """
    return translate(language, label, f"label_{label}")


def percent(score: float, language: str = "en") -> str:
    """A score in [0, 1] as a whole percentage: ``97%`` in English, ``97 %`` in Spanish."""
    return f"{round(score * 100)}{' %' if language == 'es' else '%'}"


def _striped(color: str) -> str:
    return f"repeating-linear-gradient(135deg, {color}, {color} 6px, #ffffff 6px, #ffffff 9px)"


def _colors(language: str = "en") -> dict[str, str]:
    colors = {label_name(label, language).upper(): c for label, c in COLORS.items()}
    colors |= {(label_name(label, language) + _UNSURE).upper(): _striped(c) for label, c in COLORS.items()}
    return colors


def _drawable(text: str, entities: list[Entity], behind: int = 0) -> tuple[list[tuple[Entity, int, int]], list[Entity]]:
    """The pieces that can be drawn without overlap ``(entity, start, end)`` in text order, and the entities left out.

    Longer entities go first, except the last ``behind`` entities, which come after all the
    others; a truly gapped entity gives one piece per fragment, one whose gaps are only
    whitespace a single piece. Labels and offsets are checked.
    """
    drawn: list[tuple[Entity, int, int]] = []
    hidden: list[Entity] = []
    back = len(entities) - behind
    order = sorted(range(len(entities)), key=lambda i: (i >= back, -(entities[i].end - entities[i].start),
                                                        entities[i].start))
    for ent in (entities[i] for i in order):
        if ent.label not in LABELS:
            raise ValueError(f"unknown label {ent.label!r}: expected one of {', '.join(LABELS)}")
        if ent.end > len(text):
            raise ValueError(f"entity {ent.fragments} ends past the text ({len(text)} characters)")
        pieces = ent.fragments if ent.is_gapped(text) else ((ent.start, ent.end),)
        free = [(s, e) for s, e in pieces if all(e <= o_s or s >= o_e for _, o_s, o_e in drawn)]
        drawn += [(ent, s, e) for s, e in free]
        if len(free) < len(pieces):
            hidden.append(ent)
    return sorted(drawn, key=lambda d: d[1]), hidden


def _unsure(ent: Entity, threshold: float) -> str:
    return _UNSURE if ent.score is not None and ent.score < threshold else ""


def display_spans(text: str, entities: list[Entity], threshold: float = LOW_CONFIDENCE,
                  language: str = "en") -> list[dict]:
    """displaCy spans: one per entity (per fragment when truly gapped), no overlaps, label checked.

    Of two overlapping entities the longer is drawn (displaCy cannot stack them). A score
    below ``threshold`` gives the label a ``?`` and a striped colour. Labels are shown in
    ``language`` (see :func:`label_name`).
    """
    drawn, _ = _drawable(text, entities)
    return [
        {"start": s, "end": e, "label": label_name(ent.label, language) + _unsure(ent, threshold)}
        for ent, s, e in drawn
    ]


def render(text: str, entities: list[Entity], threshold: float = LOW_CONFIDENCE, language: str = "en") -> str:
    """HTML of ``text`` with its entities highlighted, labels shown in ``language``."""
    if not text.strip():
        return "<div class='entities'></div>"
    doc = {"text": text, "ents": display_spans(text, entities, threshold, language)}
    return displacy.render(doc, style="ent", manual=True, jupyter=False, options={"colors": _colors(language)})


def legend(threshold: float = LOW_CONFIDENCE, language: str = "en") -> str:
    """The colour legend, with the low-confidence look explained, in ``language``."""
    chips = "".join(
        f"<span class='ner-chip' style='background:{c}'>{html.escape(label_name(label, language))}</span>"
        for label, c in COLORS.items()
    )
    word = translate(language, "Label", "legend_label")
    confidence = translate(language, "confidence", "legend_confidence")
    unsure = f"<span class='ner-chip' style='background:{_striped('#cccccc')}'>{word}?</span>"
    return (f"<div class='ner-legend'>{chips} {unsure} "
            f"<small>= {confidence} &lt; {html.escape(percent(threshold, language))}</small></div>")


def entity_rows(text: str, entities: list[Entity]) -> list[list]:
    """Table rows: text, label, start, end, confidence (offsets half-open, in characters)."""
    return [
        [ent.surface(text), ent.label, ent.start, ent.end, None if ent.score is None else round(ent.score, 3)]
        for ent in entities
    ]


# ---------------------------------------------------------------- the error browser's marks

# mark → (symbol, colour, outline style): how the error browser tells the official matching's classes apart
MARK_STYLES: dict[str, tuple[str, str, str]] = {
    "correct": ("✓", "#15803d", "none"),
    "incorrect": ("≠", "#7c3aed", "solid"),
    "partial": ("≈", "#b45309", "dashed"),
    "missing": ("−", "#dc2626", "dashed"),
    "spurious": ("+", "#dc2626", "dotted"),
}
_MARK = ("<mark class='entity ner-m ner-m-{mark}' title='{title}' style='background: {bg}'>{text}"
         "<span class='ner-m-tail'>{label}<span class='ner-m-badge' aria-hidden='true'>{symbol}</span></span></mark>")
_LABEL = "<span class='ner-m-label'>{}</span>"
# the marks' look, as CSS (the error browser's component carries it): classes keep each page's HTML small
MARKS_CSS = """
.ner-m { padding: 0.3em 0.45em; margin: 0 0.2em; line-height: 1; border-radius: 0.35em; outline: 2px none;
         outline-offset: 1px; }
.ner-m-tail { white-space: nowrap; }
.ner-m-label { font-size: 0.75em; font-weight: bold; margin-left: 0.4em; }
.ner-m-badge { display: inline-block; min-width: 1.2em; margin-left: 0.3em; border-radius: 0.6em; text-align: center;
               font-size: 0.8em; font-weight: bold; color: #ffffff; }
.ner-m-key { display: inline-block; margin: 0.2em 1em 0.2em 0; line-height: 2; white-space: nowrap; }
.ner-m-box { line-height: 2.4; }
""" + "".join(
    f".ner-m-{mark} {{ outline: 2px {line} {color}; }}\n"
    f".ner-m-{mark} .ner-m-badge {{ background: {'transparent' if mark == 'correct' else color}; "
    f"color: {color if mark == 'correct' else '#ffffff'}; }}\n"
    for mark, (_, color, line) in MARK_STYLES.items())


def _mark_html(shown: str, label: str, mark: str | None, title: str, bg: str) -> str:
    """One marked entity: ``shown`` and ``label`` are plain text (escaped here), ``bg`` a colour."""
    symbol = MARK_STYLES.get(mark, ("",))[0]
    return _MARK.format(mark=mark or "none", title=html.escape(title, quote=True), bg=bg, text=html.escape(shown),
                        label=_LABEL.format(html.escape(label)) if label else "", symbol=symbol)


def render_marked(text: str, marked: list[tuple[Entity, str | None, str]], language: str = "en",
                  hidden_note: str = "Overlapping, not drawn:",
                  ghosts: list[tuple[Entity, str | None, str]] = ()) -> str:
    """HTML of ``text`` with each entity highlighted and marked as the official matching classed it.

    ``marked`` holds ``(entity, mark, title)``: ``mark`` is a key of :data:`MARK_STYLES` (or
    ``None``: highlighted, unmarked), ``title`` the tooltip (plain text, escaped here).
    ``ghosts`` (the same shape) are drawn faint, only where no entity of ``marked`` lies: a
    model's pane shows what it missed this way. Entities that overlap a longer one (or a
    ghost any entity) are listed after the text, after ``hidden_note``.
    """
    everything = [*marked, *ghosts]
    marks = {id(ent): (mark, title) for ent, mark, title in everything}
    hollow = {id(ent) for ent, _, _ in ghosts}
    for _, mark, _ in everything:
        if mark is not None and mark not in MARK_STYLES:
            raise ValueError(f"unknown mark {mark!r}: expected one of {', '.join(MARK_STYLES)}")
    drawn, hidden = _drawable(text, [ent for ent, _, _ in everything], behind=len(ghosts))

    def one(ent: Entity, shown: str) -> str:
        bg = COLORS[ent.label] + ("40" if id(ent) in hollow else "")  # a ghost: the colour, faint
        return _mark_html(shown, label_name(ent.label, language), *marks[id(ent)], bg)

    parts, pos = [], 0
    for ent, s, e in drawn:
        parts += [html.escape(text[pos:s]), one(ent, text[s:e])]
        pos = e
    parts.append(html.escape(text[pos:]))
    out = f"<div class='entities ner-m-box'>{''.join(parts)}</div>"
    if hidden:
        extra = "".join(one(ent, ent.surface(text)) for ent in hidden)
        out += f"<div class='ner-m-hidden ner-m-box'><small>{html.escape(hidden_note)}</small> {extra}</div>"
    return out


def marks_legend(words: dict[str, str], language: str = "en") -> str:
    """The error browser's legend: the label colours, then each mark's look with ``words[mark]`` beside it."""
    chips = "".join(
        f"<span class='ner-chip' style='background:{c}'>{html.escape(label_name(label, language))}</span>"
        for label, c in COLORS.items()
    )
    marks = "".join(
        f"<span class='ner-m-key ner-m-key-{mark}'>{_mark_html('', '', mark, words[mark], '#e5e7eb')} "
        f"{html.escape(words[mark])}</span>"
        for mark in MARK_STYLES
    )
    return f"<div class='ner-legend'>{chips}</div><div class='ner-m-legend'>{marks}</div>"
