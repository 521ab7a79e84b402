"""Issue 21 item 5, any language: each text's language (telegram_etl.language), and keywords that are
never a stop word of that language, stemmed by its own stemmer (telegram_etl.text)."""

import subprocess
import sys
from collections import Counter

from bench.language_accuracy import labelled
from telegram_etl import language
from telegram_etl.text import features, keywords, normalize, text_language


def test_short_chat_messages_get_their_language():
    # 32 hand-written support-chat messages per language (tests/fixtures/language/chat_messages.tsv):
    # measured 28 pt, 32 es, 32 en, 26 id, 32 ru right (BENCHMARKS.md "Language"). A wrong language is
    # worse than "und" (which keeps the Portuguese-first rules), so wrong ones are bounded on their own.
    rows = labelled()
    assert Counter(code for code, _ in rows) == {"pt": 32, "es": 32, "en": 32, "id": 32, "ru": 32}
    found = [(code, text_language(message)) for code, message in rows]
    right = Counter(code for code, got in found if got == code)
    wrong = [(code, got) for code, got in found if got not in (code, language.UNDETERMINED)]
    assert all(right[code] >= 26 for code in ("pt", "es", "en", "id", "ru")), right
    assert sum(right.values()) >= 145 and len(wrong) <= 6, (right, wrong)


def test_a_text_too_short_to_tell_has_no_language():
    # fewer than 2 words of 3 letters or more, after the greeting
    assert [text_language(t) for t in ("ok", "kenapa?", "Boa tarde! Pix?", "👍", "")] == ["und"] * 5
    assert text_language("Boa tarde, o pix não caiu na minha conta") == "pt"


def test_indonesian_function_words_are_never_topics():
    # The Indonesian groups: their top "topics" were itu, yang, ada, ini, kalo, apakah.
    text = "Kak, apakah itu yang ada di aplikasi ini? kalo saldo saya belum masuk gimana"
    _, intent, words, _, found = features(text)
    assert found == "id" and intent == "question"
    assert words == ["aplikasi", "saldo", "masuk"]
    # Snowball's Indonesian stemmer: particles and possessives (-nya, -lah), prefixes (di-, me-)
    assert keywords("saldonya belum masuk transfernya", "id") == [
        ("saldo", "saldonya"), ("masuk", "masuk"), ("transfer", "transfernya")
    ]  # fmt: skip
    # "data" and "cara" are no longer cut as Portuguese words ("dat", "car"): "data" is a word of its own,
    # "cara" (how) an Indonesian stop word
    assert keywords("cara ganti data akun", "id") == [("ganti", "ganti"), ("data", "data"), ("akun", "akun")]


def test_english_done_is_not_dont():
    assert keywords(normalize("I don't know if it's done"), "en") == [("done", "done")]
    assert keywords(normalize("payments refunds"), "en") == [("payment", "payments"), ("refund", "refunds")]


def test_russian_stems_survive_the_folded_short_i():
    # Folding turns й into и: "сломанный" and "сломанная" (broken) share the stem all the same
    # (Snowball: the adjectival ending, then the participle's -нн- after the vowel).
    assert keywords(normalize("сломанный заказ"), "ru") == [("слома", "сломанныи"), ("заказ", "заказ")]
    assert keywords(normalize("сломанная оплата, оплату"), "ru") == [
        ("слома", "сломанная"), ("оплат", "оплата")
    ]  # fmt: skip
    assert keywords(normalize("Здравствуйте, подскажите, пожалуйста, где мой заказ"), "ru") == [
        ("заказ", "заказ")
    ]


def test_portuguese_keeps_its_light_stemmer_and_hand_lists():
    _, intent, words, stems, found = features("Cadê meu boleto? Já paguei os boletos ontem")
    assert (found, intent) == ("pt", "question")
    assert (words, stems) == (["boleto", "paguei"], ["bolet", "pagu"])
    # an undetermined text is read as Portuguese (the product's customers)
    assert keywords("cancelamento", "und") == keywords("cancelamento", "pt") == [("cancel", "cancelamento")]


def test_a_language_without_a_stemmer_keeps_its_words():
    assert language.snowball("vi") is None
    assert keywords("giao hang cham", "vi") == [("giao", "giao"), ("hang", "hang"), ("cham", "cham")]


def test_the_model_loads_on_the_first_text_that_needs_it():
    script = (
        "from telegram_etl import language, text;"
        "assert language._model.cache_info().currsize == 0;"
        "text.features('ok');"
        "assert language._model.cache_info().currsize == 0;"
        "text.features('meu pedido não chegou');"
        "assert language._model.cache_info().currsize == 1; print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "ok"


def test_only_a_requests_language_is_detected():
    # Other texts make no topic: their language is not needed, and detecting is a text's costliest step.
    # So they keep the keywords of an undetermined language: the pt/en/es stop words and light stemmer.
    _, intent, words, stems, found = features("Terima kasih kak, sudah beres")
    assert (intent, found) == (None, None)
    assert (words, stems) == (
        ["terima", "kasih", "kak", "sudah", "beres"],
        ["terim", "kasih", "kak", "sudah", "ber"],
    )
    # The same words asked: Indonesian, its stop words out, "beres" left whole by its stemmer.
    assert features("Terima kasih kak, sudah beres?")[1:] == ("question", ["beres"], ["beres"], "id")


def test_a_long_run_of_emoji_before_the_words_does_not_hide_them():
    text = "🙏" * 130 + " Здравствуйте, где мой заказ? Оплатил неделю назад, статус не меняется"
    assert text_language(text) == "ru"
