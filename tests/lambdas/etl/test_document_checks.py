"""Issue 25: the redaction's CPF, CNPJ and card steps made cheaper give what they gave: the check digits
computed inline are validate_docbr's verdicts, and the patterns written digit first find what the patterns
as they were written before (lookbehind first, copied here) found."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from validate_docbr import CNPJ, CPF

from telegram_etl import privacy

# The patterns as issue 22 item 8 wrote them (before issue 25's digit-first form).
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![\w.,/-])", r"(?![\w]|[.,/-]\d)"
_BREAK = r"[ \t]*\r?\n[ \t]*"
_CPF_SEP, _CNPJ_SEP = rf"(?:[ .-]?(?:{_BREAK})?)", rf"(?:[ ./-]?(?:{_BREAK})?)"
_CARD_SEP = rf"(?:[ .-]|[ .-]?{_BREAK})"
WRITTEN_BEFORE = {
    "cnpj": re.compile(
        rf"{_EDGE_BEFORE}\d{{2}}{_CNPJ_SEP}\d{{3}}{_CNPJ_SEP}\d{{3}}{_CNPJ_SEP}\d{{4}}{_CNPJ_SEP}\d{{2}}{_EDGE_AFTER}"
    ),
    "cpf": re.compile(
        rf"{_EDGE_BEFORE}\d{{3}}{_CPF_SEP}\d{{3}}{_CPF_SEP}\d{{3}}{_CPF_SEP}\d{{2}}{_EDGE_AFTER}"
    ),
    "card": re.compile(
        rf"{_EDGE_BEFORE}(?<!\+)(?:\d{{13,19}}"
        rf"|\d{{4}}(?:{_CARD_SEP}\d{{4}}){{2}}{_CARD_SEP}\d{{1,4}}(?:{_CARD_SEP}\d{{1,3}})?"
        rf"|\d{{4}}{_CARD_SEP}\d{{6}}{_CARD_SEP}\d{{4,5}}){_EDGE_AFTER}"
    ),
}
NOW = {"cnpj": privacy._CNPJ, "cpf": privacy._CPF, "card": privacy._CARD}

PIECES = st.sampled_from(
    ["529.982.247-25", "52998224725", "529 982 247 25", "11.222.333/0001-81", "11222333000181",
     "4111 1111 1111 1111", "4111111111111111", "3714 496353 98431", "585.995.\n207-41", "+", "+55", "1.234,56",
     "BR", "a", "_", " ", ".", ",", "/", "-", "\n", "\t", " \n ", "0", "12", "٣", "x", "cpf ", "(", "é"]
)  # fmt: skip


@pytest.mark.slow  # exhaustive: make test-slow
@settings(max_examples=3_000, deadline=None)
@given(st.lists(PIECES | st.text(alphabet="0123456789 .-/,\n+a", max_size=8), max_size=10).map("".join))
def test_digit_first_patterns_find_what_the_written_ones_found(text):
    for kind, pattern in NOW.items():
        found = [(m.span(), m.group()) for m in pattern.finditer(text)]
        assert found == [(m.span(), m.group()) for m in WRITTEN_BEFORE[kind].finditer(text)], kind
        for start in range(len(text)):  # a value alone, as the tests' _dropped_on_purpose reads it
            assert bool(pattern.fullmatch(text, start)) == bool(WRITTEN_BEFORE[kind].fullmatch(text, start))


DIGIT_STRINGS = st.one_of(
    st.text(alphabet="0123456789", min_size=10, max_size=15),
    st.sampled_from("0123456789").flatmap(lambda d: st.sampled_from([d * 11, d * 14])),  # repeated digits
    st.text(alphabet="0123456789٣٤", min_size=11, max_size=14),  # Arabic-Indic digits: validate_docbr's own
)


def _with_one_digit_changed(data: st.DataObject, valid: str) -> str:
    position = data.draw(st.integers(0, len(valid) - 1))
    return valid[:position] + data.draw(st.sampled_from("0123456789")) + valid[position + 1 :]


@settings(max_examples=2_000, deadline=None)
@given(DIGIT_STRINGS, st.data())
def test_check_digits_are_validate_docbrs(digits, data):
    cpf, cnpj = CPF(), CNPJ()
    valid_cpf, valid_cnpj = cpf.generate(), cnpj.generate()
    for candidate in (digits, valid_cpf, _with_one_digit_changed(data, valid_cpf)):
        assert privacy._cpf_valid(candidate) == cpf.validate(candidate), candidate
    for candidate in (digits, valid_cnpj, _with_one_digit_changed(data, valid_cnpj)):
        assert privacy._cnpj_valid(candidate) == cnpj.validate(candidate), candidate
    assert privacy._cpf_valid(valid_cpf) and privacy._cnpj_valid(valid_cnpj)


# The e-mail and mention patterns as issue 22 wrote them; the e-mails now tried from each @ only.
_EMAIL_WRITTEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_MENTION_WRITTEN = re.compile(r"(?<![\w@.])@([A-Za-z][A-Za-z0-9_]{3,31}|_{4,32})\b")
AT_PIECES = st.sampled_from(
    ["ana.souza+loja@gmail.com", "a@b.co", "@ana_souza", "@LojaBot", "@____", "x@y", "@", "@@", "a@b.c", ".d@e.com",
     "b.cc", ".", "-", "+", "_", "é", "ü@ö.de", " ", "\n", "mail: ", "(", ")", "1", "com", ".com", "@1abc"]
)  # fmt: skip


@pytest.mark.slow  # exhaustive: make test-slow
@settings(max_examples=3_000, deadline=None)
@given(st.lists(AT_PIECES | st.text(alphabet="ab.+-_@ 1é", max_size=6), max_size=10).map("".join))
def test_emails_and_mentions_are_found_as_the_written_patterns_found_them(text):
    assert privacy._emails(text) == _EMAIL_WRITTEN.subn(privacy.PLACEHOLDERS["email"], text)
    found = [(m.span(), m.group(1)) for m in privacy._MENTION.finditer(text)]
    assert found == [(m.span(), m.group(1)) for m in _MENTION_WRITTEN.finditer(text)]
