from ner.entities import Document, Entity, entity
from ner.tagging import (
    TAGS,
    bio_to_entities,
    bio_to_spans,
    doc_to_bio,
    fragments_of,
    policy_losses,
    spans_to_bio,
    tag_policy,
)
from ner.tokens import words

TEXT = "La leucemia linfocítica crónica afecta a los linfocitos."
LEU = len("La ")
LEU_END = len("La leucemia linfocítica crónica")
LIN = len("La leucemia linfocítica crónica afecta a los ")


def test_tags_start_with_o_and_pair_b_i_for_each_label():
    assert TAGS[0] == "O"
    assert len(TAGS) == 9 and "B-Concept" in TAGS and "I-Reference" in TAGS


def test_fragments_of_cut_at_whitespace_runs():
    text = "a  bb\u00a0c"
    assert fragments_of(0, len(text), text) == ((0, 1), (3, 5), (6, 7))


def test_multi_fragment_entity_round_trips_through_bio():
    frags = ((LEU, LEU + len("leucemia")), (LEU + len("leucemia "), LEU + len("leucemia linfocítica")),
             (LEU + len("leucemia linfocítica "), LEU_END))
    doc = Document("d", TEXT, (Entity(frags, "Concept"), entity(LIN, LIN + len("linfocitos"), "Concept")))
    ws, tags = doc_to_bio(doc)
    assert tags == ["O", "B-Concept", "I-Concept", "I-Concept", "O", "O", "O", "B-Concept", "O"]
    assert bio_to_entities(TEXT, ws, tags) == list(doc.entities)


def test_gapped_entity_is_dropped_and_counted():
    text = "cáncer de mama y de pulmón"
    gapped = Entity(((0, len("cáncer")), (len("cáncer de mama y de "), len(text))), "Concept")
    mama = entity(len("cáncer de "), len("cáncer de mama"), "Concept")
    doc = Document("d", text, (gapped, mama))
    spans, lost = tag_policy(doc)
    assert spans == [(mama.start, mama.end, "Concept")]
    assert lost == [gapped]
    assert policy_losses([doc]) == {"gapped": 1}


def test_overlap_keeps_the_longer_entity():
    text = "dolor de cabeza intenso"
    long = Entity(fragments_of(0, len("dolor de cabeza"), text), "Concept")
    short = entity(len("dolor de "), len("dolor de cabeza"), "Concept")
    doc = Document("d", text, (short, long))
    spans, lost = tag_policy(doc)
    assert spans == [(0, len("dolor de cabeza"), "Concept")] and lost == [short]
    assert policy_losses([doc]) == {"overlapping": 1}
    one_piece = Document("d", text, (entity(0, len("dolor de cabeza"), "Concept"),))
    assert policy_losses([one_piece]) == {"refragmented": 1}  # decoding cuts it at spaces


def test_spans_to_bio_rejects_a_span_inside_a_word():
    text = "hipertensión"
    try:
        spans_to_bio(words(text), [(0, 5, "Concept")])
    except ValueError as exc:
        assert "word boundaries" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_invalid_bio_sequences_are_repaired():
    ws = [(0, 1), (2, 3), (4, 5), (6, 7)]
    assert bio_to_spans(ws, ["I-Action", "I-Action", "I-Concept", "O"]) == [(0, 3, "Action"), (4, 5, "Concept")]
    assert bio_to_spans(ws, ["B-Action", "B-Action", "O", "I-Action"]) == [
        (0, 1, "Action"), (2, 3, "Action"), (6, 7, "Action")]
    assert bio_to_spans(ws, ["X", "B-", "O", "O"]) == []


def test_functions_do_not_mutate_arguments():
    ws = [(0, 1), (2, 3)]
    tags = ["B-Action", "I-Action"]
    bio_to_spans(ws, tags)
    assert tags == ["B-Action", "I-Action"] and ws == [(0, 1), (2, 3)]


def test_policy_losses_on_the_real_corpus(real_corpus):
    from ner import corpus

    assert policy_losses(corpus.load("test")) == {}
    train = policy_losses(corpus.load("train"))
    assert train == {"gapped": 30, "overlapping": 1}
