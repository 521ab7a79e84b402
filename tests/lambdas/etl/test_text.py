"""What a text says: intent, normalized text and keywords, by hand from docs/conversation-model.md."""

import pytest

from telegram_etl.text import ACKNOWLEDGEMENT, GREETING, PROBLEM, QUESTION, intent, keywords, normalize, stem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a question mark outside links
        ("Qual o prazo de entrega para Recife?", QUESTION),
        ("Segue o link https://loja.example/p?id=123", None),  # the "?" is in the link
        ("Как оплатить заказ?", QUESTION),  # other scripts
        ("¿Tienen envío a Lima?", QUESTION),
        ("cual es el horario\uff1f", QUESTION),  # full-width question mark
        # question openers without "?", colloquial ones included
        ("cadê meu pedido", QUESTION),
        ("kd meu pedido", QUESTION),
        ("alguém sabe se o pix caiu", QUESTION),
        ("vcs entregam em Recife", QUESTION),
        ("Boa tarde, como faço para emitir a segunda via", QUESTION),  # after a greeting
        ("how do i change my delivery address", QUESTION),
        ("Como uso o /rastreio?", QUESTION),  # a command in the text is text
        # problem statements
        ("não consigo pagar com cartão", PROBLEM),
        ("meu pedido 98765 chegou quebrado", PROBLEM),
        ("Quero cancelar minha compra", PROBLEM),
        ("Preciso da 2ª via do boleto", PROBLEM),
        ("the app is not working", PROBLEM),
        # greetings and acknowledgements alone, question mark or not
        ("Boa tarde, tudo bem?", GREETING),
        ("Oi pessoal", GREETING),
        ("Bom dia!!", GREETING),
        ("Pode deixar", ACKNOWLEDGEMENT),
        ("Como combinado", ACKNOWLEDGEMENT),
        ("Obrigado!", ACKNOWLEDGEMENT),
        ("Ok valeu", ACKNOWLEDGEMENT),
        ("sem problemas", ACKNOWLEDGEMENT),
        ("também quero saber", ACKNOWLEDGEMENT),  # a "me too", not a request of its own
        # a bare wish or "me too" under a post: no question mark, no other word (issue 21 item 6)
        ("Quero!", ACKNOWLEDGEMENT),
        ("Eu também!", ACKNOWLEDGEMENT),
        ("Também quero", ACKNOWLEDGEMENT),
        ("Eu quero!! 😍", ACKNOWLEDGEMENT),
        ("Quero 2", ACKNOWLEDGEMENT),
        ("Yo también", ACKNOWLEDGEMENT),
        ("Me too", ACKNOWLEDGEMENT),
        ("+1", ACKNOWLEDGEMENT),
        ("Quero?", QUESTION),  # a question mark makes it a question
        ("Quero! Qual o prazo de entrega?", QUESTION),
        ("Quero o meu dinheiro de volta", PROBLEM),  # a word beyond the wish
        ("Eu também quero cancelar", PROBLEM),
        # anything else
        ("Segue o comprovante", None),
        ("Funcionou, obrigado!", None),
        ("😀😀", None),
        ("", None),
        (None, None),
    ],
)
def test_intent(text, expected):
    assert intent(text) == expected


def test_normalized_text_drops_greetings_links_mentions_and_long_numbers():
    assert normalize("Boa tarde! Cadê o PEDIDO 123456, @suporte? Veja https://x.example/a?b=1") == (
        "cade o pedido # veja"
    )
    assert normalize("2ª via do boleto") == "2a via do boleto"  # short numbers stay: rules may use them
    assert normalize("Não É Possível") == "nao e possivel"
    assert normalize(None) is None


def test_stems_fold_plurals_and_simple_inflections():
    groups = [
        ("boleto", "boletos"),
        ("cartao", "cartoes"),
        ("cancelar", "cancelamento", "cancelei", "cancelado", "cancela"),
        ("entrega", "entregas", "entregar", "entregam", "entregue", "entregou"),
        ("rastreio", "rastrear", "rastreamento"),
        ("pedido", "pedidos"),
        ("valor", "valores"),
    ]
    for group in groups:
        assert len({stem(word) for word in group}) == 1, group
    assert stem("boleto") != stem("pedido")


def test_keywords_skip_stop_words_and_keep_each_stem_once_in_order():
    assert keywords(normalize("Como tiro a segunda via do boleto? O boleto venceu")) == [
        ("segund", "segunda"),
        ("via", "via"),
        ("bolet", "boleto"),
        ("venc", "venceu"),
    ]
    assert keywords(normalize("Preciso de ajuda, alguém?")) == []  # generic words name no problem
    assert keywords(normalize("Как оплатить заказ?")) == [("оплатить", "оплатить"), ("заказ", "заказ")]
