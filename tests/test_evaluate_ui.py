"""The Evaluate tab: its HTML and tables from Python, then a person using it in headless Chromium.

Two CRFs trained here on the project's sample corpus: A on the sample as it is, B on the
sample plus confused copies of it (Actions called Concepts, no Predicates, every free "de" a
Reference), so B makes every kind of error and the two disagree on many sentences.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from ner.entities import Document, Entity, entity
from ner.ui.evaluate import (
    PAGE,
    browse,
    browse_pair,
    chosen_documents,
    compare_table,
    score_table,
    sent_message,
    wanted,
)
from ner.ui.render import render_marked

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
SPANISH = SimpleNamespace(headers={"accept-language": "es-ES,es;q=0.9"})

TEXT = "La fiebre alta y el dolor de cabeza"
FIEBRE = entity(len("La "), len("La fiebre alta"), "Concept")
DOLOR = entity(len("La fiebre alta y el "), len("La fiebre alta y el dolor"), "Concept")
CABEZA = entity(len("La fiebre alta y el dolor de "), len(TEXT), "Concept")
GOLD = Document("s1", TEXT, (FIEBRE, DOLOR, CABEZA))
PRED = Document("s1", TEXT, (entity(FIEBRE.start, FIEBRE.end, "Action"), entity(DOLOR.start, len(TEXT), "Concept"),
                             entity(0, len("La"), "Reference")))


def _marks(html: str, pane: str) -> list[tuple[str, str]]:
    """``(mark, text)`` of each entity drawn in one pane of the error browser's HTML."""
    part = html.split(f"ner-pane-{pane}'>", 1)[1].split("</div></div>", 1)[0]
    return re.findall(r"ner-m-(\w+)' title='[^']*'[^>]*>([^<]*)<", part)


# ---------------------------------------------------------------- the HTML and tables, from Python


def test_the_error_browser_marks_each_entity_with_its_class():
    out = browse([GOLD], [PRED], "any error")
    assert _marks(out, "gold") == [("incorrect", "fiebre alta"), ("partial", "dolor"), ("missing", "cabeza")]
    assert _marks(out, "pred") == [("spurious", "La"), ("incorrect", "fiebre alta"), ("partial", "dolor de cabeza")]
    assert "title='wrong type: Concept in gold, Action predicted'" in out
    for word in ("missing (in gold, not predicted)", "spurious (predicted, not in gold)", "wrong type", "partial"):
        assert word in out  # the legend
    assert ">gold</h4>" in out and ">predicted</h4>" in out


def test_the_error_filter_keeps_the_sentences_with_that_kind_of_error():
    perfect = Document("s2", TEXT, (FIEBRE,))
    gold, pred = [GOLD, perfect], [PRED, perfect]
    assert browse(gold, pred, "any error").count("class='ner-sentence'") == 1
    assert browse(gold, pred, "all sentences").count("class='ner-sentence'") == 2
    assert browse(gold, [Document("s1", TEXT, (FIEBRE, DOLOR)), perfect], "spurious").count("ner-sentence") == 0
    assert wanted(frozenset({"incorrect"}), "wrong type") and not wanted(frozenset({"incorrect"}), "missing")
    with pytest.raises(ValueError, match="unknown kind of error 'typo'"):
        wanted(frozenset(), "typo")


def test_the_error_browser_speaks_spanish_to_a_spanish_browser():
    out = browse([GOLD], [PRED], "any error", SPANISH)
    assert ">referencia</h4>" in out and ">predicho</h4>" in out
    assert ">Concepto</span>" in out and ">Acción</span>" in out and ">Referencia</span>" in out
    assert "faltante (en la referencia, no predicha)" in out
    assert "title='tipo erróneo: Concepto en la referencia, Acción predicha'" in out
    assert "Frases: 1" in out
    shown = re.sub(r"<[^>]*>", " ", out) + " ".join(re.findall(r"title='([^']*)'", out))
    for english in ("Concept ", "gold", "missing", "spurious", "wrong type", "sentences", "partial"):
        assert english not in shown, english


def test_marked_html_escapes_the_text_and_lists_overlapping_entities():
    text = "<b>fiebre</b> alta"
    inner = entity(len("<b>"), len("<b>fiebre"), "Concept")
    outer = entity(0, len(text), "Action")
    out = render_marked(text, [(inner, "missing", "<i>"), (outer, "spurious", "x")], hidden_note="Overlap:")
    assert "<b>" not in out and "&lt;b&gt;" in out and "title='&lt;i&gt;'" in out
    assert out.index("Overlap:") < out.index("ner-m-missing")  # the shorter one, listed after the text
    with pytest.raises(ValueError, match="unknown mark 'wrong'"):
        render_marked(text, [(inner, "wrong", "")])


def _result(f1_a: float) -> dict:
    official = {"precision": f1_a, "recall": f1_a, "f1": f1_a, "correct": 1, "incorrect": 0, "partial": 0,
                "missing": 1, "spurious": 0}
    nerv = {s: {"f1": f1_a} for s in ("strict", "exact", "partial", "ent_type")}
    return {"official": official, "nervaluate": nerv, "per_type": {"Action": {"official": official,
                                                                               "nervaluate": nerv}}}


def test_the_tables_show_types_in_the_readers_language_and_b_minus_a():
    table = compare_table(_result(0.5), _result(0.75), SPANISH)
    assert list(table.columns) == ["tipo", "P (A)", "R (A)", "F1 (A)", "P (B)", "R (B)", "F1 (B)", "Δ F1 (B − A)"]
    assert table.values.tolist()[1] == ["Acción", "0,5000", "0,5000", "0,5000", "0,7500", "0,7500", "0,7500",
                                        "+0,2500"]
    assert compare_table(_result(0.75), _result(0.5)).values.tolist()[0][0::7] == ["all", "−0.2500"]
    single = score_table("sample · crf", _result(0.5))
    assert single.values.tolist()[0][:2] == ["sample · crf", "all"] and "missing" in single.columns
    assert score_table("muestra · crf", _result(0.5), SPANISH).values.tolist()[1][1] == "Acción"


def test_the_comparison_lists_the_sentences_where_the_models_disagree():
    same = Document("s2", TEXT, (FIEBRE,))
    no_cabeza = Document("s1", TEXT, (FIEBRE, DOLOR))
    out = browse_pair([GOLD, same], [no_cabeza, same], [GOLD, same], "all sentences", ("crf-a", "crf-b"))
    assert out.count("class='ner-sentence'") == 1 and "A and B disagree on 1 of 2 sentences" in out
    assert ">A · crf-a</h4>" in out and ">B · crf-b</h4>" in out
    assert "A: missing" in out and "B: " not in out
    assert _marks(out, "a") == [("correct", "fiebre alta"), ("correct", "dolor"), ("missing", "cabeza")]
    assert "background: #7aecec40" in out.split("ner-pane-a'>")[1].split("ner-m-missing")[1]  # missed: faint
    assert [m for m, _ in _marks(out, "b")] == ["correct"] * 3
    assert [m for m, _ in _marks(out, "gold")] == ["none"] * 3  # gold is drawn unmarked
    assert "disagree on 0 of 2" in browse_pair([GOLD, same], [GOLD, same], [GOLD, same], "any error", ("a", "b"))


def test_the_sentences_sent_to_a_queue_are_every_page_of_the_filter():
    from ner.annotation.intake import Sent
    from ner.refusals import Refusal
    from ner.ui.results import pack

    perfect = Document("ok", TEXT, (FIEBRE,))
    gold = [Document(f"s{i}", f"{TEXT} {i}", GOLD.entities) for i in range(PAGE + 5)] + [perfect]
    pred = [Document(g.id, g.text, PRED.entities) for g in gold[:-1]] + [perfect]
    kept = pack(gold, pred, names=("crf",), split="dev", credit=True)
    assert [d.id for d in chosen_documents(kept, "any error")] == [f"s{i}" for i in range(PAGE + 5)]  # two pages
    assert len(chosen_documents(kept, "all sentences")) == PAGE + 6 and chosen_documents(kept, "spurious")
    with pytest.raises(Refusal, match="unknown kind of error 'typo'"):
        chosen_documents(kept, "typo")
    said = sent_message(Sent("errors-crf", 3, 1, "crf"), SPANISH)
    assert said == ("«errors-crf»: 3 frases añadidas; ya en la cola: 1. "
                    "Sugerencias de crf: abra la cola en la pestaña Anotar.")
    assert sent_message(Sent("q", 1, 0)) == "«q»: 1 sentence added, 0 already there."


# ---------------------------------------------------------------- in the browser


def _confused(doc: Document) -> Document:
    """B's extra training sentence: Actions become Concepts, Predicates go, a "de" outside any entity is a Reference."""
    ents = [Entity(e.fragments, "Concept") if e.label == "Action" else e for e in doc.entities
            if e.label != "Predicate"]
    free = [m for m in re.finditer(r"\bde\b", doc.text) if all(m.end() <= e.start or m.start() >= e.end
                                                              for e in doc.entities)]
    return doc.with_entities(ents + [entity(m.start(), m.end(), "Reference") for m in free])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ner import corpus
    from ner.train import TrainSettings, train
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    root = tmp_path_factory.mktemp("evaluate-app")
    settings = dict(base_model="crf", train_split="sample", dev_split="sample", eval_splits=("sample",))
    train(TrainSettings(run_name="crf-a", **settings), root=root / "checkpoints")
    confused = [_confused(d) for d in corpus.load("sample")]
    train(TrainSettings(run_name="crf-b", **settings), extra=confused * 3, root=root / "checkpoints")
    demo = build_app(AppConfig(checkpoints=root / "checkpoints", data_dir=root / "data", train_split="sample"))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    demo.root = root
    yield demo
    demo.close()


def _open(browser, server, locale: str, viewport: dict):
    page = browser.new_page(viewport=viewport, locale=locale)
    page.outside = []
    page.on("request", lambda r: urlparse(r.url).hostname not in {"127.0.0.1", "localhost"}
            and not r.url.startswith(("data:", "blob:")) and page.outside.append(r.url))
    page.goto(server.local_url)
    page.wait_for_selector("#model-box")
    return page


def _choose(page, box: str, option: str) -> None:
    """Open a dropdown and click the option whose text starts with ``option``, as a person does."""
    page.locator(f"#{box} input").click()
    page.get_by_role("option", name=re.compile(r"(^|\()" + re.escape(option))).first.click()  # "run" or "… (run)"


def _tab(page, name: str) -> None:
    """Open a tab; on a narrow screen the last tabs hide behind the "More tabs" button."""
    if page.get_by_role("tab", name=name).count():
        page.get_by_role("tab", name=name).click()
    else:
        page.locator(".overflow-menu > button").click()
        page.locator(".overflow-dropdown button", has_text=name).click()


def _evaluate(page, sample: str, model: str, other: str | None = None) -> None:
    """On the Evaluate tab: choose the model, the split and maybe a second model, then press Evaluate."""
    _choose(page, "model-box", model)
    page.locator("#eval-split label", has_text=sample).click()
    if other:
        _choose(page, "eval-other", other)
    page.click("#eval-button")
    page.wait_for_selector("#eval-errors .ner-sentence", timeout=60_000)


def _rows(table) -> list[list[str]]:
    """The table's body as text, row by row (Gradio draws rows as ``.virtual-row`` elements)."""
    return table.evaluate("t => [...t.querySelectorAll('.virtual-row')].map(r => "
                          "[...r.querySelectorAll('[role=gridcell]')].map(c => c.innerText.trim()))")


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.browser
def test_a_person_compares_two_models_in_one_table_and_sees_where_they_disagree(browser, server):
    from playwright.sync_api import expect

    page = _open(browser, server, "en-US", {"width": 1400, "height": 1000})
    try:
        _tab(page, "Evaluate")
        _evaluate(page, "sample", "crf-a", other="crf-b")
        table = page.locator("#eval-table")
        expect(table).to_contain_text("Δ F1 (B − A)", timeout=30_000)
        expect(page.locator("#eval-caption")).to_contain_text("Official Task A on sample · A = crf-a · B = crf-b")
        headers = [h.strip() for h in table.locator("thead th").all_inner_texts() if h.strip()]
        assert headers[:8] == ["type", "P (A)", "R (A)", "F1 (A)", "P (B)", "R (B)", "F1 (B)", "Δ F1 (B − A)"]
        rows = _rows(table)
        assert [r[0] for r in rows] == ["all", "Concept", "Action", "Predicate", "Reference"]  # one table
        assert "…" not in table.inner_text() and all(len(r) == 8 for r in rows)
        action = next(r for r in rows if r[0] == "Action")
        assert float(action[3]) > float(action[6]) and action[7].startswith("−")  # B never learnt Actions
        errors = page.locator("#eval-errors")
        expect(errors).to_contain_text("A and B disagree on")
        first = errors.locator(".ner-sentence").first
        for pane in ("gold", "a", "b"):
            expect(first.locator(f".ner-pane-{pane}")).to_have_count(1)
        assert first.locator(".ner-pane-a h4").inner_text().strip().endswith("crf-a")
        missed = errors.locator(".ner-pane-b .ner-m-missing")  # what B missed, drawn faint in its pane
        assert missed.count() > 0 and "Predicate" in missed.first.inner_text()
        assert errors.locator(".ner-pane-b .ner-m-incorrect").count() > 0  # its Actions, called Concepts
        assert errors.locator(".ner-pane-a .ner-m-missing").count() < missed.count()
        assert errors.locator(".ner-pane-gold mark").count() > 0
        # gold, A and B in one row on a wide screen
        gold, a, b = (_box(first, f".ner-pane-{p}") for p in ("gold", "a", "b"))
        assert abs(gold["y"] - a["y"]) < 2 and abs(a["y"] - b["y"]) < 2 and gold["x"] < a["x"] < b["x"]
        page.locator("#eval-caption").evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(SHOTS / "evaluate-compare.png"))
        assert page.outside == []
    finally:
        page.close()


@pytest.mark.browser
def test_a_person_browses_marked_errors_and_filters_them(browser, server):
    from playwright.sync_api import expect

    page = _open(browser, server, "en-US", {"width": 1400, "height": 1000})
    try:
        _tab(page, "Evaluate")
        _evaluate(page, "sample", "crf-b")
        table = page.locator("#eval-table")
        expect(table).to_contain_text("Concept", timeout=30_000)
        assert _rows(table)[0][:2] == ["sample · crf-b", "all"]
        errors = page.locator("#eval-errors")
        expect(errors.locator(".ner-m-legend")).to_contain_text("missing (in gold, not predicted)")
        expect(errors.locator(".ner-pane-gold .ner-m-missing").first).to_be_visible()
        missing = errors.locator(".ner-pane-gold .ner-m-missing").first
        assert "dashed" in missing.evaluate("e => getComputedStyle(e).outlineStyle")
        assert missing.locator(".ner-m-badge").inner_text() == "−"
        assert missing.get_attribute("title") == "missing: not predicted"
        gold, pred = _box(page, "#eval-errors .ner-pane-gold"), _box(page, "#eval-errors .ner-pane-pred")
        assert abs(gold["y"] - pred["y"]) < 2 and gold["x"] < pred["x"]  # side by side
        page.locator("#eval-caption").evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(SHOTS / "evaluate-errors.png"))

        from ner import corpus

        annotated = sum(d.annotated for d in corpus.load("sample"))
        page.locator("#eval-kind label", has_text="all sentences").click()
        expect(errors.locator(".ner-count")).to_have_text(f"Sentences: {annotated}")
        # 20 a page: the second page holds the rest, and the buttons say where one is
        pages = -(-annotated // 20)
        expect(errors.locator(".ner-page")).to_have_text(f"Page 1 of {pages}")
        assert errors.locator(".ner-sentence").count() == 20
        expect(page.locator("#eval-previous")).to_be_disabled()
        first_id = errors.locator(".ner-sentence small").first.inner_text()
        page.click("#eval-next")
        expect(errors.locator(".ner-page")).to_have_text(f"Page 2 of {pages}")
        assert errors.locator(".ner-sentence").count() == min(20, annotated - 20)
        assert errors.locator(".ner-sentence small").first.inner_text() != first_id
        if pages == 2:
            expect(page.locator("#eval-next")).to_be_disabled()
        page.click("#eval-previous")
        expect(errors.locator(".ner-page")).to_have_text(f"Page 1 of {pages}")
        expect(errors.locator(".ner-sentence small").first).to_have_text(first_id)
        page.locator("#eval-kind label", has_text="missing").click()
        expect(errors.locator(".ner-count")).not_to_have_text(f"Sentences: {annotated}")
        sentences = errors.locator(".ner-sentence")
        assert 0 < sentences.count() < annotated
        for i in range(sentences.count()):
            assert sentences.nth(i).locator(".ner-pane-gold .ner-m-missing").count() > 0
        assert page.outside == []
    finally:
        page.close()


@pytest.mark.browser
def test_a_spanish_phone_gets_the_evaluate_tab_in_spanish_with_gold_over_predicted(browser, server):
    from playwright.sync_api import expect

    page = _open(browser, server, "es-ES", {"width": 390, "height": 844})
    try:
        _tab(page, "Evaluar")
        expect(page.locator("#eval-kind")).to_contain_text("faltantes")
        for word in ("cualquier error", "espurias", "tipo erróneo", "parciales", "todas las frases"):
            assert word in page.locator("#eval-kind").inner_text()
        panel = page.locator("[role=tabpanel]:visible").first.inner_text()
        assert "Partición" in panel and "muestra" in panel and "Comparar con" in panel
        for english in ("Split", "sample", "Compare", "Show sentences", "missing", "correct", "Drop File"):
            assert english not in panel, english  # not even an empty table's English headers
        _evaluate(page, "muestra", "crf-b")
        table = page.locator("#eval-table")
        expect(table).to_contain_text("Concepto", timeout=30_000)
        expect(page.locator("#eval-caption")).to_contain_text("crf-b en muestra: Tarea A oficial")
        headers = [h.strip() for h in table.locator("thead th").all_inner_texts() if h.strip()]
        assert headers == ["tipo", "P", "R", "F1"]  # a phone: the counts and nervaluate need a wider screen
        assert [r[0] for r in _rows(table)] == ["todas", "Concepto", "Acción", "Predicado", "Referencia"]
        errors = page.locator("#eval-errors")
        legend = errors.locator(".ner-m-legend").inner_text()
        assert "faltante (en la referencia, no predicha)" in legend and "espuria" in legend
        first = errors.locator(".ner-sentence").first
        assert first.locator(".ner-pane-gold h4").inner_text().strip().lower() == "referencia"
        assert first.locator(".ner-pane-pred h4").inner_text().strip().lower() == "predicho"
        shown = errors.inner_text()
        for english in ("missing", "spurious", "gold", "predicted", "Concept ", "sentences", "licensed"):
            assert english not in shown, english
        gold, pred = _box(first, ".ner-pane-gold"), _box(first, ".ner-pane-pred")
        assert pred["y"] >= gold["y"] + gold["height"] - 1 and abs(gold["x"] - pred["x"]) < 2  # stacked
        assert gold["width"] <= 390
        page.locator("#eval-kind").evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(SHOTS / "evaluate-es-phone-table.png"))
        errors.evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(SHOTS / "evaluate-es-phone.png"))
        assert page.outside == []
    finally:
        page.close()
