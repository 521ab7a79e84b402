"""Issue 25: telegram_etl.phones decides Brazil's usual phone shapes from phonenumbers' metadata instead of
its parser, and skips searches that cannot match; its matches are the library's, on the realistic corpus and
on generated texts around Brazil's formats (valid and invalid DDDs, 9-digit mobiles, landlines, +55, a
leading 0, separators, neighbouring letters and digits, CPF-like runs).

The comparison is with PhoneNumberMatcher itself (region BR, VALID leniency): its matches, less the bare
digits after an order word, which both skip (the redaction drops them either way)."""

from __future__ import annotations

import re
from re import _parser as sre_parse  # type: ignore[attr-defined]

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import Leniency, PhoneMetadata, PhoneNumberMatcher
from phonenumbers.phonenumbermatcher import _INNER_MATCHES, _PATTERN
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from bench.corpus import chat_texts, message_texts, realistic_updates
from telegram_etl import phones


def library(text: str) -> list:
    return [
        match
        for match in PhoneNumberMatcher(text, "BR", leniency=Leniency.VALID)
        if not phones.order_number(text, match.start, match.raw_string)
    ]


def ours(text: str) -> list:
    return [
        match
        for match in phones.PhoneMatcher(text, "BR")
        if not phones.order_number(text, match.start, match.raw_string)
    ]


def library_decision(text: str, candidate: str, offset: int):
    return PhoneNumberMatcher(text, "BR", leniency=Leniency.VALID)._parse_and_verify(candidate, offset)


# Hand-derived from the metadata of phonenumbers 9.0.42 for BR (general description: lengths 8-11; the
# types' patterns; the formats' national-prefix rules) and parse's steps, as the module docstring lists them.
@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("(11) 98765-4321", "11987654321"),  # DDD 11, mobile 9 + 8 digits; format "(\\1)": no prefix needed
        ("11 98765-4321", "11987654321"),
        ("11987654321", "11987654321"),
        ("+55 11 98765-4321", "11987654321"),  # +55: the national number is what follows
        ("+5511987654321", "11987654321"),
        ("011 98765-4321", "11987654321"),  # the 0 is the national prefix
        ("(41) 3463-9137", "4134639137"),  # a landline: DDD 41, [2-5] + 7 digits
        ("(10) 98765-4321", ""),  # DDD 10 does not exist: no fixed-line or mobile pattern takes it
        ("(11) 8765-4321", ""),  # 10 digits, the subscriber starting with 8: neither landline nor mobile
        ("98765-4321", ""),  # no DDD: 9 digits, a mobile's local-only length
        ("4004-1234", "40041234"),  # shared cost, 8 digits, its format has no national-prefix rule
        ("800 123 4567", ""),  # toll free, but its format (0\\1) requires the 0 the text lacks
        ("0800 123 4567", "8001234567"),
        ("+55 0 11 98765-4321", None),  # a national prefix after +55: the library decides
        ("+1 650 253 0000", None),  # another country
        ("55 11 98765-4321", None),  # 55 without a +
        ("(55) 3222-1234", None),  # DDD 55 reads like the country code: the library decides
        ("0014 11 98765-4321", None),  # an international prefix
        ("015 11 98765-4321", None),  # 0, a carrier code (15), 11 digits: the library decides
        ("015 3234-5678", "1532345678"),  # 0 and 10 digits: too short for a carrier code; DDD 15, a landline
        ("9012345678", None),  # 90: a national prefix
        ("11 98765-4321 ramal 2", None),  # letters
        ("11/98765-4321", None),  # another separator
        ("12", None),  # too few digits to be viable
    ],
)
def test_hand_derived_decisions(candidate, expected):
    assert phones.national_number(candidate) == expected
    decided = phones.PhoneMatcher(candidate, "BR")._parse_and_verify(candidate, 0)
    assert decided == library_decision(candidate, candidate, 0)
    if expected is not None:  # decided here: a number exactly when the metadata makes it one
        assert (decided is not None) == bool(expected)


def test_realistic_corpus_matches_are_the_librarys():
    texts = list(dict.fromkeys(chat_texts(6_000, seed=3))) + list(
        dict.fromkeys(message_texts(realistic_updates(3_000, seed=5)))
    )
    found = decided = 0
    for text in texts:
        matches = ours(text)
        assert matches == library(text), text
        found += len(matches)
        decided += sum(phones.national_number(match.raw_string) is not None for match in matches)
    assert found > 150 and decided > 0.8 * found, (found, decided)


DIGITS = st.one_of(
    st.text(alphabet="0123456789", min_size=7, max_size=8), st.text(alphabet="0123456789", max_size=11)
)
SEPARATOR = st.sampled_from(["", " ", "-", ".", " - ", "  ", ") ", "\u00a0", "/", "\n"])
PREFIX = st.sampled_from(
    ["", "", "+55", "+55 ", "+ 55 ", "55", "55 ", "0", "0 ", "00", "0055 ", "015 ", "021 ", "90", "+", "+1 ",
     "+351 ", "(", "+55 (", "+55(0"]
)  # fmt: skip
DDD = st.one_of(
    st.just(""),
    st.integers(0, 99).map(lambda d: f"{d:02}"),
    st.sampled_from(["11", "21", "41", "55", "90", "92"]),
)
NEIGHBOUR = st.sampled_from(
    ["", " ", "a", "tel ", "zap: ", "R$", "%", "x", "12", "1", "/", "ramal 3", "h", ":30", "é ", "ª", "pedido ",
     "nº ", "#", " ok", ", ", ".", "-", "(", ")", " 2025-01-02 ", "\n", " e 987.654.321-00", "CPF 52998224725 "]
)  # fmt: skip


@st.composite
def brazilian_numbers(draw) -> str:
    ddd = draw(DDD)
    ddd = draw(st.sampled_from([ddd, f"({ddd})", f"({ddd}) ", f"{ddd} "])) if ddd else ""
    head = draw(st.sampled_from(["9", "", "3", "4", "8", "2", "5", "7", "0", "800", "300", "4004", "3003", "500",
                                 "900", "0800", "0300"]))  # fmt: skip
    subscriber = head + draw(DIGITS)
    cut = draw(st.integers(0, len(subscriber)))
    return draw(PREFIX) + ddd + subscriber[:cut] + draw(SEPARATOR) + subscriber[cut:]


@pytest.mark.slow  # exhaustive: make test-slow
@settings(max_examples=3_000, deadline=None)
@given(brazilian_numbers())
def test_generated_candidates_are_decided_as_the_library_does(candidate):
    ours_ = phones.PhoneMatcher(candidate, "BR")._parse_and_verify(candidate, 0)
    assert ours_ == library_decision(candidate, candidate, 0)


@pytest.mark.slow  # exhaustive: make test-slow
@settings(max_examples=3_000, deadline=None)
@given(st.lists(st.tuples(NEIGHBOUR, brazilian_numbers()), min_size=1, max_size=3), NEIGHBOUR)
def test_generated_texts_give_the_librarys_matches(parts, end):
    text = "".join(before + number for before, number in parts) + end
    for variant in (text, text.upper()):
        assert ours(variant) == library(variant)


def test_common_shapes_are_decided_without_the_library():
    # The shapes of bench.corpus (docs/privacy.md): every one but 55 without a + is decided here.
    for candidate in ["(92) 99123-4567", "92 99123-4567", "92991234567", "(92)99123-4567", "+55 92 99123-4567",
                      "+5592991234567", "99123-4567", "92 99123 4567", "(92) 3212-3456", "092 99123-4567",
                      "929 9123-4567"]:  # fmt: skip
        assert phones.national_number(candidate) is not None, candidate


def test_metadata_is_what_the_decisions_assume():
    brazil = PhoneMetadata.metadata_for_region("BR")
    # A national prefix is 0 or 90 (then a carrier code and 10-11 digits, 13 digits in all at least).
    assert brazil.national_prefix_for_parsing.startswith("(?:0|90)(?:(")
    prefix = re.compile(brazil.national_prefix_for_parsing)
    for carrier in ("12", "14", "15", "21", "31", "41", "55", "65", "99"):
        assert prefix.match("0" + carrier + "9" * 9).end() == 1  # 12 digits: the 0 alone
        assert prefix.match("0" + carrier + "9" * 10).end() == 13
    # An international prefix starts with 00; 5 is no country code, 55 is Brazil's alone.
    assert brazil.international_prefix.startswith("00")
    assert 5 not in COUNTRY_CODE_TO_REGION_CODE and COUNTRY_CODE_TO_REGION_CODE[55] == ("BR",)
    assert brazil.country_code == 55


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=12))
def test_a_number_with_a_leading_zero_is_never_valid(digits):
    # Parse strips a leading 0 only because Brazil's numbers never start with one.
    general = PhoneMetadata.metadata_for_region("BR").general_desc.national_number_pattern
    assert re.fullmatch(general, "0" + digits) is None


def test_candidates_are_searched_from_shortly_before_a_digit():
    # _PATTERN's lead, before its first digit: brackets, pluses and punctuation, at most _LEAD_LENGTH.
    lead = _PATTERN.pattern[: _PATTERN.pattern.index("\\d")]
    assert sre_parse.parse(lead, _PATTERN.flags).getwidth()[1] == phones._LEAD_LENGTH
    compiled = re.compile(lead, _PATTERN.flags)
    digits = [chr(code) for code in range(0x110000) if re.fullmatch(r"\d", chr(code))]
    assert len(digits) > 600
    for digit in digits:  # no digit is part of the lead: a match's lead ends at its first digit
        assert compiled.match(digit).end() == 0 and compiled.match("(" + digit).end() == 1, hex(ord(digit))


@settings(max_examples=1_000, deadline=None)
@given(st.text(alphabet="0123456789 -.()/\u2012\u2014\uff0d\u00a0\u3000x+", max_size=16))
def test_inner_splits_need_their_separator(candidate):
    for pattern, needs in zip(_INNER_MATCHES, phones._INNER_NEEDS, strict=True):
        if needs is not None and not set(candidate) & set(needs):
            assert pattern.search(candidate) is None


ORDER_TEXT = st.lists(
    st.sampled_from(["pedido", "PEDİDO", "protocolo", "nº", "#", "código", "CÓDIGO", "ra\u017ftreio", ":", " ", "\u00a0",
                     "\u2003", "\n", "\t", "x", "1", "oi", "nota fiscal", "n°"]), max_size=8,
).map("".join)  # fmt: skip


@settings(max_examples=2_000, deadline=None)
@given(ORDER_TEXT, st.sampled_from(["11987654321", "(11) 98765-4321", "4004"]))
def test_order_number_searches_from_the_words_place_as_from_the_start(before, raw):
    text = before + raw + " ok"
    whole = raw.isdigit() and phones._NOT_A_PHONE_AFTER.search(text, 0, len(before)) is not None
    assert phones.order_number(text, len(before), raw) == whole


def test_longest_order_word_and_whitespace():
    assert sre_parse.parse(phones.ORDER_WORDS_BEFORE).getwidth()[1] == phones.LONGEST_ORDER_WORD
    # str.rstrip() strips what the pattern's \s matches, code point by code point.
    for code in range(0x3001):
        char = chr(code)
        assert (char.rstrip() == "") == (re.fullmatch(r"\s", char) is not None), hex(code)


def test_ascii_neighbours_break_off_as_the_library_says():
    matcher = phones.PhoneMatcher("", "BR")
    for char in map(chr, range(0x250)):  # ASCII, Latin-1 and Latin Extended: both ways
        expected = PhoneNumberMatcher._is_invalid_punctuation_symbol(
            char
        ) or PhoneNumberMatcher._is_latin_letter(char)
        assert matcher._breaks_off(char) == expected, hex(ord(char))
