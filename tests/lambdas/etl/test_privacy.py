"""Redaction and pseudonyms (telegram_etl.privacy): realistic Portuguese support texts, hand-written.
Valid documents are computed by hand with their check digits (CPF 529.982.247-25, CNPJ 11.222.333/0001-81
are the classic worked examples; 4111 1111 1111 1111 and 5555 5555 5555 4444 are test card numbers)."""

from collections import Counter

import pytest

from telegram_etl.flatten import flatten
from telegram_etl.privacy import (
    CHANNEL_BOT_ID,
    GROUP_ANONYMOUS_BOT_ID,
    TELEGRAM_SERVICE_ID,
    People,
    pseudonym,
    redact,
    redact_text_mentions,
)
from telegram_etl.text import normalize

REDACTED = [
    # CPF, with and without punctuation
    ("Meu CPF é 529.982.247-25, pode verificar?", "Meu CPF é [cpf], pode verificar?", "cpf"),
    ("cpf 52998224725", "cpf [cpf]", "cpf"),
    ("CPF:529.982.247-25.", "CPF:[cpf].", "cpf"),
    (
        "o cpf do titular é 123.456.789-09 e o pedido 88123",
        "o cpf do titular é [cpf] e o pedido 88123",
        "cpf",
    ),
    # CNPJ
    ("Nota no CNPJ 11.222.333/0001-81 por favor", "Nota no CNPJ [cnpj] por favor", "cnpj"),
    ("cnpj 11222333000181", "cnpj [cnpj]", "cnpj"),
    # e-mail
    ("Manda pro meu e-mail ana.souza+loja@gmail.com", "Manda pro meu e-mail [email]", "email"),
    ("email: joao_silva@empresa.com.br obrigado", "email: [email] obrigado", "email"),
    # phones: Brazilian with/without +55, DDD in parentheses, mobiles with the 9, landlines; E.164
    ("Me chama no zap (11) 98765-4321", "Me chama no zap [phone]", "phone"),
    ("liga +55 11 98765-4321 depois das 18h", "liga [phone] depois das 18h", "phone"),
    ("+5511987654321", "[phone]", "phone"),
    ("meu número 21 99876-5432", "meu número [phone]", "phone"),
    ("fixo (21) 3333-4444 horário comercial", "fixo [phone] horário comercial", "phone"),
    ("contato 11987654321", "contato [phone]", "phone"),
    ("me chama no 11987654321", "me chama no [phone]", "phone"),
    ("meu numero 11987654321", "meu numero [phone]", "phone"),
    ("I'm abroad: +1 415 555 2671", "I'm abroad: [phone]", "phone"),
    ("UK number +44 20 7946 0958", "UK number [phone]", "phone"),
    # cards (Luhn), with spaces or dashes
    ("cartão 4111 1111 1111 1111 foi recusado", "cartão [card] foi recusado", "card"),
    ("final do cartão? todo: 5555-5555-5555-4444", "final do cartão? todo: [card]", "card"),
    ("4111111111111111", "[card]", "card"),
    # a card at a line's end, a time on the next line: the card groups may cross a line break, but the
    # 14 of 14:30 is no fifth group of the card (hypothesis found it leaking)
    ("4111 1111 1111 1111\n14:30 pode?", "[card]\n14:30 pode?", "card"),
    # people's @mentions
    ("@mariana_costa pode me ajudar?", "[mention] pode me ajudar?", "mention"),
    ("falei com @joaosilva ontem", "falei com [mention] ontem", "mention"),
    # a username `make forget` erased (same length, underscores): still a person's mention
    ("@__________ tudo bem?", "[mention] tudo bem?", "mention"),
]

KEPT = [
    "pedido 123456789 não chegou",
    "meu pedido 1234567890 está parado",  # a valid-looking landline, but an order number
    "protocolo 2025031012345",
    "pedido nº 1198765432",
    "paguei R$ 1.234,56 no boleto",
    "comprei dia 12/03/2025 às 14:30",
    "rastreio BR123456789BR parado em Curitiba",
    "código de rastreio LB123456789HK",
    "CEP 01310-100",
    "cpf 123.456.789-00",  # wrong check digits
    "cpf 111.111.111-11",  # repeated digits pass the checksum but are no CPF
    "cnpj 11.222.333/0001-00",  # wrong check digits
    "cartão 4111 1111 1111 1112",  # fails Luhn
    "nota fiscal 35250312345678000199550010000012341000012345",  # a 44-digit access key
    "versão 2.3.14 do app",
    "chegou 3 de 5 itens",
    "usa o /rastreio@LojaSuporteBot",
    "o @LojaSuporteBot não respondeu",  # bots keep their names
    "/start@LojaSuporteBot",
    "boa tarde, tudo bem?",
    "horário 08:00-18:00, seg a sex",
]


@pytest.mark.parametrize(("text", "expected", "kind"), REDACTED)
def test_personal_data_becomes_a_placeholder(text, expected, kind):
    counts = Counter()
    assert redact(text, counts) == expected
    assert counts == {kind: 1}


@pytest.mark.parametrize("text", KEPT)
def test_what_is_not_personal_data_stays(text):
    counts = Counter()
    assert redact(text, counts) == text
    assert counts == {}


def test_several_kinds_in_one_text_are_each_counted():
    counts = Counter()
    text = "Sou a Ana, cpf 529.982.247-25, email ana@uol.com.br, cel (11) 98765-4321; falar com @pedro_lima"
    assert redact(text, counts) == "Sou a Ana, cpf [cpf], email [email], cel [phone]; falar com [mention]"
    assert counts == {"cpf": 1, "email": 1, "phone": 1, "mention": 1}
    redact(text, counts)  # a repeated text (cached) is counted again: counts are per message
    assert counts["cpf"] == 2


def test_the_features_of_a_redacted_text_read_placeholders_as_what_they_replaced():
    text = "Meu CPF 529.982.247-25 não passa no cadastro"
    assert normalize(redact(text)) == normalize(text) == "meu cpf # nao passa no cadastro"
    assert normalize(redact("manda no ana@gmail.com ou @joaosilva")) == "manda no ou"


def test_text_mentions_are_replaced_by_their_utf16_span():
    text = "🙂 Obrigado Maria Clara, resolveu!"
    entities = [{"type": "text_mention", "offset": 12, "length": 11, "user": {"id": 5, "is_bot": False}}]
    counts = Counter()
    assert redact_text_mentions(text, entities, counts) == "🙂 Obrigado [mention], resolveu!"
    assert counts == {"mention": 1}
    assert redact_text_mentions(text, [{"type": "bold", "offset": 0, "length": 3}]) == text
    assert redact_text_mentions(text, [{"type": "text_mention", "offset": 40, "length": 5}]) == text


def test_pseudonyms_are_stable_keyed_and_63_bit():
    assert pseudonym(5964236329, b"k1") == pseudonym(5964236329, b"k1")
    assert pseudonym(5964236329, b"k1") != pseudonym(5964236329, b"k2")
    assert 0 <= pseudonym(5964236329, b"k1") < 2**63
    with pytest.raises(ValueError):
        People(b"")


def test_telegram_accounts_and_bots_are_not_people():
    people = People(b"k", staff_user_ids=(42,))
    for account in (TELEGRAM_SERVICE_ID, GROUP_ANONYMOUS_BOT_ID, CHANNEL_BOT_ID):
        assert people.stored_id(account, None) == account  # even without is_bot
    assert people.stored_id(7012345678, True) == 7012345678
    assert people.stored_id(42, False) == pseudonym(42, b"k")
    assert people.stored_id(42, None) == pseudonym(42, b"k")  # no is_bot: protected
    assert (people.is_staff(42), people.is_staff(43), people.is_staff(None)) == (True, False, None)


def _message(**fields):
    base = {"message_id": 1, "date": 1741600000, "chat": {"id": -100500, "type": "supergroup", "title": "Loja"},
            "from": {"id": 9001, "is_bot": False, "first_name": "Ana", "username": "ana_s", "language_code": "pt-br"}}  # fmt: skip
    return {"update_id": 1, "message": {**base, **fields}}


def test_a_contact_message_puts_its_phone_in_no_column():
    update = _message(contact={"phone_number": "+5511987654321", "first_name": "Ana", "user_id": 9001})
    row = flatten(update, None, people=People(b"k"))
    assert row["content_type"] == "contact"
    assert "5511987654321" not in repr(row) and "9001" not in repr(row) and "Ana" not in repr(row)


def test_callback_data_is_redacted_too():
    update = {"update_id": 2, "callback_query": {"id": "1", "data": "ligar:11987654321",
              "from": {"id": 9001, "is_bot": False, "first_name": "Ana"}}}  # fmt: skip
    counts = Counter()
    assert flatten(update, None, people=People(b"k"), redactions=counts)["callback_data"] == "ligar:[phone]"
    assert counts == {"phone": 1}
