"""Phone numbers in texts (issues 14, 25): phonenumbers' PhoneNumberMatcher in region BR at the VALID
leniency, with the outcome of Brazil's usual shapes decided without the library's parser.

The library finds candidates (its own pattern, trims, dates, times, inner groups) and parses and checks each
one (`parse`, `is_valid_number`, the national-prefix check): ~60 µs of its Python per real phone, most of the
redaction's cost before this module (BENCHMARKS.md, "Realistic chat text": the phone matcher 5.6 -> 1.3 µs
per distinct text). A candidate of ASCII digits, spaces, dashes,
dots and parentheses, with or without a leading + (docs/privacy.md: the shapes people type), goes through
parse's steps in a way its digits alone decide (each step read in phonenumbers 9.0.42's
`phonenumberutil.parse` and `_verify`):
- with a + and then 55 (Brazil's country code; 5 is no country code), the national number is the digits after
  55: it is accepted if it is a valid Brazilian number (no national-prefix check after a +);
- without a +, neither 00 (an international prefix), 90 (a national prefix) nor 55 (the country code without
  its +) first: the national number is the digits, accepted if valid and if the first of Brazil's formats that
  fits it does not require a national prefix the text lacks (`800 123 4567`: `0\\1`);
- a single 0 first and at most 12 digits: the 0 is the national prefix (a carrier code after it needs 13
  digits or more; no Brazilian number starts with 0, so parse strips it); when the rest has a length parse
  keeps (the library's `_test_number_length`), it is the national number, the prefix is present, and it is
  accepted if valid.

"Valid" is the metadata's: a length of the general description, its pattern, and one number type's length
and pattern (`_number_type_helper`), here one regular expression per length built from the metadata on first
use (nothing at import). Any other candidate (other countries, 55 without a +, letters, other separators)
goes to the library's own step, as do the candidates of any other region or leniency.

The matcher's own steps around it, for such candidates, skip the patterns that need a character the candidate
lacks (a date needs `/`, a time stamp a space, each inner split its separator) and are otherwise the
library's, in its order; the next candidate is searched from shortly before the next digit (its pattern costs
~0.1 µs a character of text tried). tests/lambdas/etl/test_phone_matcher.py compares both with the library:
the decision on generated candidates of these shapes and the matches on generated texts.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from phonenumbers import Leniency, PhoneMetadata, PhoneNumber, PhoneNumberMatcher
from phonenumbers.phonenumbermatcher import (
    _INNER_MATCHES,
    _LEAD_PATTERN,
    _MATCHING_BRACKETS,
    _PATTERN,
    _PUB_PAGES,
    _TIME_STAMPS,
    _TIME_STAMPS_SUFFIX,
    PhoneNumberMatch,
)
from phonenumbers.phonenumberutil import (
    _SECOND_NUMBER_START_PATTERN,
    _UNWANTED_END_CHAR_PATTERN,
    ValidationResult,
    _formatting_rule_has_first_group_only,
    _test_number_length,
)

REGION = "BR"
COUNTRY_CODE = "55"
_MAX_INPUT = 250  # parse's longest input (_MAX_INPUT_STRING_LENGTH)
# The shapes decided here: ASCII digits, spaces, dashes, dots, parentheses, at most a + in front.
_SIMPLE = re.compile(r"\+?[0-9 ().-]+")
_NOT_DIGITS = str.maketrans("", "", "+ ().-")
# What each of the library's inner splits (_INNER_MATCHES, in order) needs in the candidate to match once.
_INNER_NEEDS = ("/", "(", "-", "\u2012\u2013\u2014\u2015\uff0d", ".", None)
# The number types _number_type_helper tries (any of them makes a number valid).
_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
          "fixed_line", "mobile")  # fmt: skip


class PhoneMatcher(PhoneNumberMatcher):
    """phonenumbers' matcher; in region BR at the VALID leniency, the shapes above decided from the
    metadata, and the candidates whose outcome is known before skipped: those with fewer letters and digits
    than the shortest valid number (every digit of a number, its country code included when the text gives
    one, comes from the candidate's digits, or from letters read as digits): 8 in Brazil (a 3003/4004
    number), 10 through an international prefix (00 + a carrier's 2 digits + 6), 6 after a + (+49 and 4
    digits), as test_text_equivalence derives them from the metadata; and the bare digits after an order
    word (`order_number`), which the redaction drops whatever the matcher says. Either way the matcher
    would go on from the same place. Its other steps, and the order of its candidates, are its own."""

    def __init__(self, text: str, region: str, leniency: int = Leniency.VALID, **options: Any) -> None:
        super().__init__(text, region, leniency=leniency, **options)
        self._decides = region == REGION and leniency == Leniency.VALID

    def _find(self, index: int) -> Any:
        # The library's loop; the next candidate searched from shortly before the next digit.
        text = self.text
        match = _next_candidate(text, index)
        while self._max_tries > 0 and match is not None:
            start = match.start()
            candidate = text[start : match.end()]
            if "/" in candidate or "\\" in candidate:
                candidate = self._trim_after_first_match(_SECOND_NUMBER_START_PATTERN, candidate)
            if len(candidate) >= self._min_candidate_length:
                match = self._extract_match(candidate, start)
                if match is not None:
                    return match
                self._max_tries -= 1
            match = _next_candidate(text, start + len(candidate))
        return None

    def _extract_match(self, candidate: str, offset: int) -> Any:
        plus = "+" in candidate or "\uff0b" in candidate
        if sum(map(str.isalnum, candidate)) < (SHORTEST_AFTER_PLUS if plus else SHORTEST_IN_BRAZIL):
            return None
        if order_number(self.text, offset, candidate):
            return None
        if not (self._decides and _SIMPLE.fullmatch(candidate)):
            return super()._extract_match(candidate, offset)
        # The library's _extract_match, each pattern searched only when the candidate has what it needs:
        # a date (_SLASH_SEPARATED_DATES) a /, which these shapes lack, a time stamp a space.
        if " " in candidate and _TIME_STAMPS.search(candidate):
            if _TIME_STAMPS_SUFFIX.match(self.text[offset + len(candidate) :]):
                return None
        match = self._parse_and_verify(candidate, offset)
        if match is not None:
            return match
        return self._extract_inner_match(candidate, offset)

    def _extract_inner_match(self, candidate: str, offset: int) -> Any:
        # The library's, without searching for a split whose separator the candidate lacks.
        if candidate.isdigit():
            return None  # none of the splits' separators
        chars = set(candidate)
        for possible_inner_match, needs in zip(_INNER_MATCHES, _INNER_NEEDS, strict=True):
            if needs is not None and chars.isdisjoint(needs):
                continue
            group_match = possible_inner_match.search(candidate)
            is_first_match = True
            while group_match and self._max_tries > 0:
                if is_first_match:
                    group = _trim_end(candidate[: group_match.start()])
                    match = self._parse_and_verify(group, offset)
                    if match is not None:
                        return match
                    self._max_tries -= 1
                    is_first_match = False
                group = _trim_end(group_match.group(1))
                match = self._parse_and_verify(group, offset + group_match.start(1))
                if match is not None:
                    return match
                self._max_tries -= 1
                group_match = possible_inner_match.search(candidate, group_match.start() + 1)
        return None

    def _parse_and_verify(self, candidate: str, offset: int) -> Any:
        national = national_number(candidate) if self._decides else None
        if national is None:
            return super()._parse_and_verify(candidate, offset)
        if not national or not self._in_place(candidate, offset):
            return None
        # The library's match keeps only these of what it parsed (it clears the source, raw input, carrier).
        return PhoneNumberMatch(
            offset, candidate, PhoneNumber(country_code=55, national_number=int(national))
        )

    def _in_place(self, candidate: str, offset: int) -> bool:
        """The library's checks before it parses (VALID leniency): brackets that match, no page range, no
        Latin letter, currency sign or % right before or after."""
        if not _MATCHING_BRACKETS.fullmatch(candidate) or _PUB_PAGES.search(candidate):
            return False
        text = self.text
        if offset > 0 and not _LEAD_PATTERN.match(candidate) and self._breaks_off(text[offset - 1]):
            return False
        end = offset + len(candidate)
        return end >= len(text) or not self._breaks_off(text[end])

    def _breaks_off(self, char: str) -> bool:
        """The library's _is_invalid_punctuation_symbol or _is_latin_letter; for ASCII, a letter, $ or %."""
        if char.isascii():
            return char.isalpha() or char in "$%"
        return self._is_invalid_punctuation_symbol(char) or self._is_latin_letter(char)


def _next_candidate(text: str, index: int) -> re.Match[str] | None:
    """_PATTERN.search(text, index), searched from at most _LEAD_LENGTH characters before the first digit
    at or after index: a candidate is its leading brackets, pluses and punctuation (at most that many, none
    a digit), then a digit. Searching the text before that costs ~0.1 µs a character."""
    digit = _DIGIT.search(text, index)
    if digit is None:
        return None
    return _PATTERN.search(text, max(index, digit.start() - _LEAD_LENGTH))


_DIGIT = re.compile(r"\d")
_LEAD_LENGTH = 2 * (1 + 4)  # _PATTERN's lead: (?:[lead][punctuation]{0,4}){0,2}


def _trim_end(group: str) -> str:
    found = _UNWANTED_END_CHAR_PATTERN.search(group)
    return group[: found.start()] if found else group


SHORTEST_IN_BRAZIL = 8  # digits of the shortest valid number without a + (Brazil's, or through 00xx)
SHORTEST_AFTER_PLUS = 6  # digits of the shortest valid number after a + (its country code included)
# A bare run of digits right after one of these words is an order, a protocol or an invoice, not a
# phone number ("pedido 1234567890" is also a valid-looking landline in DDD 12).
ORDER_WORDS_BEFORE = r"pedido|protocolo|chamado|ticket|order|ordem|n[º°]|nota|nf|rastreio|código|codigo|#"
_NOT_A_PHONE_AFTER = re.compile(rf"(?:{ORDER_WORDS_BEFORE})\s*:?\s*$", re.I)
LONGEST_ORDER_WORD = 9  # characters ("protocolo"; the test derives it)


def order_number(text: str, start: int, raw: str) -> bool:
    """Bare digits right after an order word: an order, a protocol, an invoice, not a phone number."""
    if not raw.isdigit():
        return False
    # The word ends where the spaces and the colon before the number begin (str.isspace is \s): searching
    # from there, not from the text's start, finds the same (~0.1 µs a character saved).
    before = text[:start].rstrip()
    if before.endswith(":"):
        before = before[:-1].rstrip()
    return _NOT_A_PHONE_AFTER.search(text, max(0, len(before) - LONGEST_ORDER_WORD), start) is not None


def national_number(candidate: str) -> str | None:
    """What phonenumbers' parse and VALID check make of candidate in region BR, for the shapes above: the
    accepted number's national significant number, "" if the library finds no valid number in it (it
    raises or rejects), None if the shape is not one decided here."""
    if len(candidate) > _MAX_INPUT or not _SIMPLE.fullmatch(candidate):
        return None
    digits = candidate.translate(_NOT_DIGITS)
    if len(digits) < 3:  # fewer: "not viable" or too short after the +, decided by the library
        return None
    brazil = _brazil()
    if candidate[0] == "+":
        national = digits[2:]
        if not digits.startswith(COUNTRY_CODE) or national.startswith(("0", "90")):
            return None  # another country, or a national prefix after +55
        accepted = brazil.valid
    elif digits[0] == "0":
        if digits[1] == "0" or len(digits) > 12:
            return None  # an international prefix, or room for a carrier code
        if len(digits) - 1 not in brazil.prefix_stripped_lengths:
            return None  # parse keeps the 0: a number too short for Brazil, decided by the library
        national, accepted = digits[1:], brazil.valid
    elif digits.startswith((COUNTRY_CODE, "90")):
        return None
    else:
        national, accepted = digits, brazil.valid_without_prefix
    pattern = accepted.get(len(national))
    return national if pattern is not None and pattern.fullmatch(national) else ""


class _Brazil:
    """Brazil's metadata as regular expressions by national number length: valid, and valid with no
    national prefix required when it is written without one; the lengths at which parse keeps a number
    without its national prefix."""

    def __init__(self) -> None:
        metadata = PhoneMetadata.metadata_for_region(REGION)
        general = metadata.general_desc
        # The first format that fits a number is the one _choose_formatting_pattern_for_number picks: a
        # number needs its national prefix if that format's rule says so (not optional, not just "(\\1)").
        fits = [_format_pattern(number_format) for number_format in metadata.number_format]
        first_required = [
            "".join(f"(?!{earlier})" for earlier in fits[:index]) + fits[index]
            for index, number_format in enumerate(metadata.number_format)
            if number_format.national_prefix_formatting_rule
            and not number_format.national_prefix_optional_when_formatting
            and not _formatting_rule_has_first_group_only(number_format.national_prefix_formatting_rule)
        ]
        self.valid: dict[int, re.Pattern[str]] = {}
        self.valid_without_prefix: dict[int, re.Pattern[str]] = {}
        for length in general.possible_length:
            types = [
                f"(?:{desc.national_number_pattern})"
                for desc in (getattr(metadata, name) for name in _TYPES)
                if desc is not None
                and desc.national_number_pattern
                and (not desc.possible_length or length in desc.possible_length)
            ]
            if not types:
                continue
            valid = rf"(?=(?:{general.national_number_pattern})\Z)(?:{'|'.join(types)})"
            self.valid[length] = re.compile(valid)
            no_prefix = "".join(f"(?!{pattern})" for pattern in first_required)
            self.valid_without_prefix[length] = re.compile(no_prefix + valid)
        excluded = (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                    ValidationResult.INVALID_LENGTH)  # fmt: skip
        self.prefix_stripped_lengths = frozenset(
            length for length in range(12) if _test_number_length("1" * length, metadata) not in excluded
        )


def _format_pattern(number_format: Any) -> str:
    """A number format that fits the whole number (its last leading-digits pattern at the start, if any)."""
    leading = number_format.leading_digits_pattern
    ahead = f"(?=(?:{leading[-1]}))" if leading else ""
    return f"(?:{ahead}(?:{number_format.pattern})\\Z)"


@cache
def _brazil() -> _Brazil:
    return _Brazil()
