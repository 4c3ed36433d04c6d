from ner.tokens import sentences, words


def texts(text, spans):
    return [text[s:e] for s, e in spans]


def test_words_split_numbers_units_and_slashes():
    text = "El 10% a las 11:00 tenía VIH/SIDA."
    assert texts(text, words(text)) == ["El", "10", "%", "a", "las", "11", ":", "00", "tenía", "VIH", "/", "SIDA", "."]


def test_words_skip_every_kind_of_space():
    text = "dolor  de\u00a0cabeza\u200bfuerte\tsí"
    assert texts(text, words(text)) == ["dolor", "de", "cabeza", "fuerte", "sí"]
    assert words(text)[1] == (len("dolor  "), len("dolor  de"))


def test_words_keep_greek_and_cjk_letters_and_accents():
    text = "La proteína β-amiloide 中文 ñandú"
    assert texts(text, words(text)) == ["La", "proteína", "β", "-", "amiloide", "中文", "ñandú"]


def test_words_of_empty_and_blank_text():
    assert words("") == []
    assert words(" \u200b\u00a0 ") == []


def test_sentences_split_after_final_punctuation_and_lines():
    text = "El paciente mejoró. ¿Tiene fiebre? Sí.\nNueva línea  "
    assert texts(text, sentences(text)) == ["El paciente mejoró.", "¿Tiene fiebre?", "Sí.", "Nueva línea"]


def test_sentences_do_not_split_decimals_or_lowercase_continuations():
    text = "Tomó 2.5 mg p. ej. cada día."
    assert texts(text, sentences(text)) == [text]


def test_sentences_of_blank_text():
    assert sentences("   \n\n  ") == []
