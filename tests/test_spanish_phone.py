"""Spanish everywhere, and a phone: numbers with a decimal comma, the review step in Spanish, tables that fit.

First the pure parts with literals (``number``, the tables, the review's HTML, the Train tab's
lines), then a Spanish reader on a 390 × 844 phone (and on a laptop) in headless Chromium.
Screenshots go to ``tests/screenshots/`` (``evaluate-es-phone-scores.png``,
``evaluate-es-laptop.png``, ``review-es-phone.png``).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from ner.entities import Entity, entity
from ner.gpu import GpuReading
from ner.jobs import JobState
from ner.store import Answer, Conflict, Review
from ner.train import TrainProgress, TrainSettings
from ner.ui.i18n import number

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1400, "height": 1000}
SPANISH = SimpleNamespace(headers={"accept-language": "es-ES,es;q=0.9"})
TOKEN = "s3cret"
AGUA = "Beber agua ayuda a controlar la presión arterial."
ASMA = "El asma se trata con un inhalador."
SCORE_ES = re.compile(r"\d,\d{4}")  # 0,8111: a decimal comma, four decimals


def at(text: str, word: str, label: str = "Concept") -> Entity:
    start = text.index(word)
    return entity(start, start + len(word), label)


# ---------------------------------------------------------------- number()


def test_number_writes_a_decimal_comma_in_spanish_and_a_point_in_english():
    assert number(0.8111, "es") == "0,8111" and number(0.8111, "en") == "0.8111"
    assert number(0.5, "es") == "0,5000" and number(1, "en", 4) == "1.0000"
    assert number(3.04, "es", 1) == "3,0" and number(0.3, "en", 2) == "0.30"
    assert number(1234.5, "es", 1) == "1.234,5" and number(1234.5, "en", 1) == "1,234.5"  # Babel's CLDR data
    assert number(81559, "es", 0) == "81.559" and number(81559, "en", 0) == "81,559"
    assert number(12, "es", 0) == "12"


def test_number_gives_a_true_minus_and_a_plus_when_signed():
    assert number(-0.343, "es") == "−0,3430" and number(-0.343, "en") == "−0.3430"
    assert number(0.25, "es", signed=True) == "+0,2500" and number(0.25, "en") == "0.2500"
    assert number(-0.00001, "en", signed=True) == "+0.0000"  # no "−0.0000": it rounds to nothing
    assert number(0, "es", 3, signed=True) == "+0,000"


# ---------------------------------------------------------------- the tables and lines, from Python


def _result(f1: float) -> dict:
    official = {"precision": f1, "recall": f1, "f1": f1, "correct": 1, "incorrect": 0, "partial": 0, "missing": 1,
                "spurious": 0}
    nerv = {s: {"f1": f1} for s in ("strict", "exact", "partial", "ent_type")}
    return {"official": official, "nervaluate": nerv,
            "per_type": {"Action": {"official": official, "nervaluate": nerv}}}


def test_the_evaluate_tables_keep_their_main_columns_on_a_phone():
    from ner.ui.evaluate import compare_table, score_table

    wide = score_table("muestra · crf", _result(0.8111), SPANISH)
    assert wide.values.tolist()[1] == ["muestra · crf", "Acción", "0,8111", "0,8111", "0,8111", 1, 0, 0, 1, 0,
                                       "0,8111", "0,8111"]
    narrow = score_table("muestra · crf", _result(0.8111), SPANISH, narrow=True)
    assert list(narrow.columns) == ["tipo", "P", "R", "F1"]
    assert narrow.values.tolist() == [["todas", "0,8111", "0,8111", "0,8111"], ["Acción", "0,8111", "0,8111", "0,8111"]]
    pair = compare_table(_result(0.75), _result(0.5), SPANISH, narrow=True)
    assert list(pair.columns) == ["tipo", "F1 (A)", "F1 (B)", "B − A"]
    assert pair.values.tolist()[1] == ["Acción", "0,7500", "0,5000", "−0,2500"]
    assert compare_table(_result(0.5), _result(0.75)).values.tolist()[0][-1] == "+0.2500"


def test_the_agreement_table_is_shown_in_spanish_and_the_api_rows_stay_plain():
    from ner.entities import Document
    from ner.scoring import agreement
    from ner.ui.annotate import agreement_rows, agreement_table

    a = Document("d", ASMA, (at(ASMA, "asma"), at(ASMA, "inhalador")))
    b = Document("d", ASMA, (at(ASMA, "asma"),))
    rows = agreement_rows(agreement([a], [b]))
    assert rows[0][-4:-1] == [1.0, 0.5, 0.667]  # what /annotator_agreement returns
    kappa = rows[0][-1]
    assert 0 < kappa < 1
    shown = agreement_table(rows, "es")
    assert list(shown.columns)[:4] == ["etiqueta", "elementos", "aceptado vs rechazado", "correctas"]
    assert list(shown.columns)[-1] == "κ (palabras)"
    spanish_kappa = f"{kappa:.3f}".replace(".", ",")
    assert shown.values.tolist()[0] == ["global", 1, 0, 1, 0, 0, 1, 0, "1,000", "0,500", "0,667", spanish_kappa]
    assert shown.values.tolist()[1][0] == "Concepto"
    assert [r[-1] for r in shown.values.tolist()[2:]] == ["n/d"] * (len(rows) - 2)
    assert agreement_table(rows, "en").values.tolist()[0][-4:-1] == ["1.000", "0.500", "0.667"]


def _conflict(review: Review | None = None) -> Conflict:
    ana = Answer(1, 7, "ana", "accepted", (at(AGUA, "agua"), at(AGUA, "controlar", "Action")), "2025-01-01 10:00:00")
    ben = Answer(2, 7, "ben", "rejected", (), "2025-01-01 10:05:00")
    return Conflict(7, "conflictos", "pegado-1", AGUA, (ana, ben), review)


def test_the_review_speaks_spanish_statuses_and_label_names():
    from ner.ui.review import conflict_label, sides_html

    assert conflict_label(_conflict()) == "conflictos · pegado-1: ana (accepted) / ben (rejected)"
    assert conflict_label(_conflict(), "es") == "conflictos · pegado-1: ana (aceptada) / ben (rechazada)"
    out = sides_html(_conflict(), "es")
    assert "<b>ana · aceptada · 2 entidades</b>" in out and "<b>ben · rechazada</b>" in out
    assert "Concepto" in out and "Acción" in out
    assert not re.search(r"Concept\b|Action|accepted|rejected|entities", re.sub(r"<[^>]*>", " ", out))
    assert "Concept" in sides_html(_conflict()) and "2 entities" in sides_html(_conflict())
    review = Review(3, 7, "jefa", "accepted", (), "2025-01-01 10:02:00.123", chosen="ana")
    later = sides_html(_conflict(review), "es")
    assert "Última revisión: jefa eligió la respuesta de ana (aceptada), 2025-01-01 10:02:00 UTC" in later
    assert conflict_label(_conflict(review), "es").endswith(" · revisado antes de una respuesta posterior")


def test_the_train_tab_lines_write_numbers_as_the_reader_does():
    from ner.ui.train import gpu_text, metrics_rows, progress_html, status_text

    running = JobState(status="running", settings=TrainSettings(),
                       progress=TrainProgress(12, 40, 0.3, 5.2, eta_seconds=12.4, loss=0.12345, dev_f1=0.81114))
    assert "paso 12/40 · época 0,30 · 5 s, quedan unos 12 s · pérdida 0,1235 · F1 en dev 0,8111" in \
        progress_html(running, SPANISH)
    assert "step 12/40 · epoch 0.30 · 5 s, ETA 12 s · loss 0.1235 · dev F1 0.8111" in progress_html(running)
    epochs = JobState(status="running", dev_f1=[(1.0, 0.75), (2.0, 0.81114)])
    assert status_text(epochs, SPANISH) == "- época 1: F1 en dev 0,7500\n- época 2: F1 en dev 0,8111"
    assert status_text(epochs) == "- epoch 1: dev F1 0.7500\n- epoch 2: dev F1 0.8111"
    gpu = (GpuReading(0, "H200", 1234.0, 143771.0, 7),)
    assert gpu_text(gpu, SPANISH) == "GPU 0: H200, 1.234 / 143.771 MiB, 7 % en uso"
    assert gpu_text(gpu) == "GPU 0: H200, 1,234 / 143,771 MiB, 7% busy"
    rows = metrics_rows({"dev": _result(0.8111)}, "es")
    assert rows[0] == ["dev", "todas", "0,8111", "0,8111", "0,8111", 1, 0, 0, 1, 0, "0,8111", "0,8111"]


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ner import corpus
    from ner.train import train
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    root = tmp_path_factory.mktemp("spanish-phone")
    settings = dict(base_model="crf", train_split="sample", dev_split="sample", eval_splits=("sample",))
    train(TrainSettings(run_name="crf-a", **settings), root=root / "checkpoints")
    concepts = [d.with_entities([Entity(e.fragments, "Concept") for e in d.entities]) for d in corpus.load("sample")]
    train(TrainSettings(run_name="crf-b", **settings), extra=concepts * 3, root=root / "checkpoints")  # B: all Concepts
    demo = build_app(AppConfig(checkpoints=root / "checkpoints", data_dir=root / "data", train_split="sample",
                               admin_token=TOKEN))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    yield demo
    demo.close()


def _open(browser, server, locale: str = "es-ES", viewport: dict = PHONE):
    phone = viewport["width"] < 500
    page = browser.new_page(viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone)
    page.goto(server.local_url)
    page.wait_for_selector("#analyse-button")
    return page


def _choose(page, box: str, option: str) -> None:
    """Open a dropdown and click the option whose text starts with ``option``, as a person does."""
    page.locator(f"#{box} input").click()
    page.get_by_role("option", name=re.compile(r"(^|\()" + re.escape(option))).first.click()  # "run" or "… (run)"


def _evaluate(page, model: str, other: str | None = None) -> None:
    _choose(page, "model-box", model)
    page.locator("#eval-split label", has_text="muestra").click()
    if other:
        _choose(page, "eval-other", other)
    page.click("#eval-button")
    page.wait_for_selector("#eval-errors .ner-sentence", timeout=60_000)


def _headers(page) -> list[str]:
    return [h.strip() for h in page.locator("#eval-table thead th").all_inner_texts() if h.strip()]


def _rows(page) -> list[list[str]]:
    """The table's body as text, row by row (Gradio draws rows as ``.virtual-row`` elements)."""
    return page.locator("#eval-table").evaluate(
        "t => [...t.querySelectorAll('.virtual-row')].map(r => "
        "[...r.querySelectorAll('[role=gridcell]')].map(c => c.innerText.trim()))")


def _sideways(page, selector: str) -> list[str]:
    """Shown elements under ``selector`` whose content is wider than they are (a sideways scroll)."""
    return page.eval_on_selector(selector, """root => [root, ...root.querySelectorAll('*')].filter(e =>
        e.checkVisibility({visibilityProperty: true}) && !e.closest('[aria-hidden=true]')
        && getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1
    ).map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)""")


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_the_four_tabs_fit_a_phone_with_no_more_tabs_button(browser, server, locale):
    page = _open(browser, server, locale)
    try:
        page.wait_for_timeout(500)  # Gradio measures the tab row after the first frame
        tabs = page.get_by_role("tab")
        assert tabs.count() == 4, tabs.all_inner_texts()
        for i in range(4):
            box = tabs.nth(i).bounding_box()
            assert tabs.nth(i).is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert not page.locator(".overflow-menu").is_visible()  # Gradio's "More tabs" button, in English
        assert _page_width(page) <= PHONE["width"]
    finally:
        page.close()


@pytest.mark.browser
def test_a_spanish_phone_sees_the_scores_with_decimal_commas_in_a_table_that_fits(browser, server):
    from playwright.sync_api import expect

    page = _open(browser, server)
    try:
        page.get_by_role("tab", name="Evaluar").click()
        _evaluate(page, "crf-b")
        expect(page.locator("#eval-table")).to_contain_text("Concepto", timeout=30_000)
        expect(page.locator("#eval-caption")).to_contain_text("crf-b en muestra: Tarea A oficial")
        assert _headers(page) == ["tipo", "P", "R", "F1"]
        rows = _rows(page)
        assert [r[0] for r in rows] == ["todas", "Concepto", "Acción", "Predicado", "Referencia"]
        assert all(SCORE_ES.fullmatch(cell) for r in rows for cell in r[1:]), rows
        assert _sideways(page, "#eval-table") == []
        table = page.locator("#eval-table").bounding_box()
        assert table["x"] >= 0 and table["x"] + table["width"] <= PHONE["width"]
        assert _page_width(page) <= PHONE["width"]
        page.locator("#eval-caption").evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(SHOTS / "evaluate-es-phone-scores.png"))

        _evaluate(page, "crf-b", other="crf-a")  # a comparison: both F1s and their difference
        expect(page.locator("#eval-table")).to_contain_text("B − A", timeout=30_000)
        expect(page.locator("#eval-caption")).to_contain_text("F1 de la Tarea A oficial en muestra · A = crf-b")
        assert _headers(page) == ["tipo", "F1 (A)", "F1 (B)", "B − A"]
        rows = _rows(page)
        assert all(SCORE_ES.fullmatch(cell) for r in rows for cell in r[1:3]), rows
        assert all(re.fullmatch(r"[+−]\d,\d{4}", r[3]) for r in rows), rows
        assert rows[2][0] == "Acción" and rows[2][3].startswith("+")  # A = crf-b never learnt Actions
        assert _sideways(page, "#eval-table") == [] and _page_width(page) <= PHONE["width"]
    finally:
        page.close()


@pytest.mark.browser
def test_a_spanish_laptop_sees_every_column_with_decimal_commas(browser, server):
    from playwright.sync_api import expect

    page = _open(browser, server, viewport=LAPTOP)
    try:
        page.get_by_role("tab", name="Evaluar").click()
        _evaluate(page, "crf-b")
        expect(page.locator("#eval-table")).to_contain_text("Concepto", timeout=30_000)
        headers = _headers(page)
        assert headers[:5] == ["partición", "tipo", "P", "R", "F1"] and headers[-2:] == ["F1 estricta", "F1 parcial"]
        first = _rows(page)[0]
        assert first[:2] == ["muestra · crf-b", "todas"] and first[5].isdigit()
        assert all(SCORE_ES.fullmatch(cell) for cell in first[2:5] + first[10:]), first
        assert _sideways(page, "#eval-table") == []
        page.locator("#eval-caption").evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(SHOTS / "evaluate-es-laptop.png"))
    finally:
        page.close()


@pytest.mark.browser
def test_a_spanish_phone_reviews_a_conflict_in_spanish(browser, server):
    from playwright.sync_api import expect

    store = server.ner_context.annotation.store()
    store.create_queue("conflictos", None)
    split, both = store.add_documents("conflictos", [ASMA, AGUA])
    store.save_answer(split, "ana", "accepted", [at(ASMA, "asma")])
    store.save_answer(split, "ben", "rejected")
    store.save_answer(both, "ana", "accepted", [at(AGUA, "agua")])
    store.save_answer(both, "ben", "accepted", [at(AGUA, "agua"), at(AGUA, "controlar", "Action")])
    page = _open(browser, server)
    try:
        page.get_by_role("tab", name="Anotar").click()
        page.locator("#admin-token input").fill(TOKEN)
        _choose(page, "ann-queue", "conflictos")
        page.locator("#ann-review").get_by_text("Revisar los desacuerdos").click()
        page.locator("#ann-review-find").click()
        sides = page.locator("#ann-review-sides .ner-review-side")
        expect(sides).to_have_count(2, timeout=20_000)
        page.locator("#ann-review-item input").click()
        options = [o.strip() for o in page.get_by_role("option").all_inner_texts()]
        assert any("ana (aceptada) / ben (rechazada)" in o for o in options), options
        assert any("ana (aceptada) / ben (aceptada)" in o for o in options), options
        assert not any(re.search("accepted|rejected", o) for o in options), options
        page.get_by_role("option", name=re.compile(r"ben \(aceptada\)")).click()
        expect(sides.nth(1)).to_contain_text("2 entidades", timeout=20_000)
        heads = [sides.nth(i).locator("b").first.inner_text().strip() for i in range(2)]
        assert heads == ["ana · aceptada · 1 entidad", "ben · aceptada · 2 entidades"]
        labels = page.locator("#ann-review-sides mark span").evaluate_all("s => s.map(e => e.textContent.trim())")
        assert sorted(labels) == ["Acción", "Concepto", "Concepto"], labels
        assert '"label": "Concept"' in page.locator("#ann-review-json textarea").input_value()  # the data: canonical
        assert _page_width(page) <= PHONE["width"]
        page.locator("#ann-review-item").evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(SHOTS / "review-es-phone.png"))
    finally:
        page.close()


def test_counts_take_the_plural_their_number_asks_for_in_spanish():
    from ner.ui.editor import progress_text, summary_text
    from ner.ui.i18n import say_in

    assert progress_text({"done": 1, "total": 1, "remaining": 1}, "es") == "1 / 1 hecha · queda 1"
    assert progress_text({"done": 1, "total": 2, "remaining": 2}, "es") == "1 / 2 hechas · quedan 2"
    assert progress_text({"done": 1, "total": 2, "remaining": 1}, "en") == "1 / 2 done · 1 left"
    assert progress_text({"done": 4900, "total": 4900, "remaining": 0}, "es") == "4.900 / 4.900 hechas · quedan 0"
    one = {"accepted": 1, "rejected": 1, "skipped": 1, "changed": 1, "total": 1, "added": 1, "removed": 1,
           "relabelled": 1, "boundaries": 1}
    assert summary_text(one, "es") == ("1 aceptada · 1 rechazada · 1 saltada. Cambió 1 de las sugerencias aceptadas "
                                       "(1 cambio: 1 añadida, 1 quitada, 1 reetiquetada, 1 límite movido).")
    two = dict.fromkeys(one, 2)
    assert summary_text(two, "es") == ("2 aceptadas · 2 rechazadas · 2 saltadas. Cambió 2 de las sugerencias "
                                       "aceptadas (2 cambios: 2 añadidas, 2 quitadas, 2 reetiquetadas, 2 límites "
                                       "movidos).")
    assert summary_text(one, "en") == ("1 accepted · 1 rejected · 1 skipped. You changed 1 of the accepted "
                                       "suggestions (1 edit: 1 added, 1 removed, 1 relabelled, 1 boundary moved).")
    assert (say_in("es", "file_done", name="a.txt", n=1) + say_in("es", "file_entities", n=1)
            == "**a.txt**: 1 línea, 1 entidad.")
    assert (say_in("es", "file_done", name="a.txt", n=2) + say_in("es", "file_entities", n=2)
            == "**a.txt**: 2 líneas, 2 entidades.")
    assert say_in("es", "ann_msg_queue", queue="q", n=1) + say_in("es", "ann_msg_preannotated", n=1, model="crf") \
        == "Cola «q»: 1 documento, 1 preanotado por crf"
    assert say_in("es", "ann_msg_queue", queue="q", n=2) + say_in("es", "ann_msg_preannotated", n=2, model="crf") \
        == "Cola «q»: 2 documentos, 2 preanotados por crf"


def test_the_learning_rate_is_shown_as_5e_5_and_read_as_typed_in_either_language():
    from ner.ui.train import DEFAULT_LEARNING_RATE, learning_rate

    assert DEFAULT_LEARNING_RATE == "5e-5"  # a number box showed 0.00005, with an English decimal point
    for typed in ("5e-5", "0.00005", "0,00005", " 5E-05 ", "5·10⁻⁵", "5×10^-5", 5e-5):
        assert learning_rate(typed) == 5e-5, typed
    for bad in ("", "cinco", "-1e-3", "0", "inf", "nan", None, True):
        assert learning_rate(bad) is None, bad
