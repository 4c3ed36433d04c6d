"""The Evaluate tab's kept results: packed compactly, filtered without unpacking, bounded for all sessions."""

from __future__ import annotations

import time

from ner.entities import Document, Entity
from ner.errors import mark_sentence
from ner.ui.evaluate import PAGE, browse_page, pages
from ner.ui.results import ANNOTATED, BLOCK, DIFFER, Results, error_mask, mask_errors, pack

TEXT = "El paciente tiene fiebre alta."
FIEBRE = Entity(((len("El paciente tiene "), len("El paciente tiene fiebre")),), "Concept")
PACIENTE = Entity(((len("El "), len("El paciente")),), "Concept")


def sentences(n: int) -> tuple[list[Document], list[Document]]:
    """``n`` gold sentences; every third prediction misses "fiebre"."""
    gold = [Document(f"s{i}", TEXT, (PACIENTE, FIEBRE)) for i in range(n)]
    pred = [Document(f"s{i}", TEXT, (PACIENTE,) if i % 3 == 0 else (PACIENTE, FIEBRE)) for i in range(n)]
    return gold, pred


def test_a_mask_holds_the_kinds_of_error_of_a_sentence():
    assert mask_errors(error_mask({"missing", "spurious"})) == {"missing", "spurious"}
    assert error_mask(set()) == 0


def test_a_pack_reads_back_the_sentences_it_holds_block_by_block():
    gold, pred = sentences(BLOCK * 2 + 5)
    kept = pack(gold, pred, names=("crf",), split="dev", credit=True)
    assert len(kept) == len(gold) and kept.blocks == 3
    assert [i for i, _ in kept.sentences([0, BLOCK + 1, 2 * BLOCK + 4])] == [0, BLOCK + 1, 2 * BLOCK + 4]
    (_, (g, p)), = kept.sentences([BLOCK * 2 + 3])
    assert g == gold[BLOCK * 2 + 3] and p == pred[BLOCK * 2 + 3]
    for i in (0, 1, 3):
        assert mask_errors(kept.mask(i)) == mark_sentence(gold[i], pred[i]).errors
        assert kept.mask(i) & ANNOTATED and not kept.mask(i) & DIFFER


def test_a_comparison_marks_the_sentences_where_the_models_differ():
    gold, pred = sentences(4)
    kept = pack(gold, pred, gold, names=("a", "b"), split="dev", credit=False)
    assert [bool(kept.mask(i) & DIFFER) for i in range(4)] == [True, False, False, True]
    assert "disagree on 2 of 4" in browse_page(kept, "any error")


def test_the_error_browser_shows_one_page_at_a_time():
    gold, pred = sentences(PAGE * 6)  # 2 pages of sentences with a missing entity
    kept = pack(gold, pred, names=("crf",), split="dev", credit=False)
    assert pages(kept, "missing") == 2 and pages(kept, "all sentences") == 6
    first, second = browse_page(kept, "missing", 0), browse_page(kept, "missing", 1)
    assert first.count("class='ner-sentence'") == PAGE and "Page 1 of 2" in first
    assert second.count("class='ner-sentence'") == PAGE * 2 - PAGE and "Page 2 of 2" in second
    assert ">s0<" in first and ">s0<" not in second and ">s60<" in second
    assert browse_page(kept, "missing", 99) == second  # past the end: the last page
    assert "Page" not in browse_page(kept, "spurious")


def test_the_results_of_all_sessions_stay_under_their_byte_bound_oldest_dropped_first():
    gold, pred = sentences(500)
    one = pack(gold, pred, names=("crf",), split="dev", credit=False)
    results = Results(max_bytes=one.size * 3, ttl=60)
    keys = [results.put(pack(gold, pred, names=("crf",), split="dev", credit=False)) for _ in range(5)]
    assert results.bytes <= one.size * 3 and len(results) == 3
    assert [results.get(k) is not None for k in keys] == [False, False, True, True, True]
    assert results.get("forged") is None and results.get(None) is None and results.get(["x"]) is None
    assert Results(max_bytes=10, ttl=60).put(one) is None  # too big alone: not kept, and said so by None


def test_kept_results_expire():
    gold, pred = sentences(3)
    results = Results(max_bytes=2**20, ttl=0.2)
    key = results.put(pack(gold, pred, names=("crf",), split="dev", credit=False))
    assert results.get(key) is not None
    time.sleep(0.3)
    assert results.get(key) is None and results.bytes == 0


def test_a_pack_holds_a_tenth_of_the_memory_of_the_documents_it_packs():
    import tracemalloc

    tracemalloc.start()
    gold = [Document(f"s{i}", f"{TEXT} Día {i}.", (Entity(PACIENTE.fragments, "Concept"),
                                                  Entity(FIEBRE.fragments, "Concept"))) for i in range(2000)]
    pred = [Document(d.id, d.text, d.entities[:1 + i % 2]) for i, d in enumerate(gold)]
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    kept = pack(gold, pred, names=("crf",), split="dev", credit=False)
    assert kept.size * 10 < held
