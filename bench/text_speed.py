"""Text features and redaction per distinct text, before (bench/reference_*.py, the code before issue 25)
and now, step by step, in one process: the distinct texts of the realistic corpus (bench.corpus), every
cache emptied before each round as in a fresh process (the word caches then fill during the round, as
they do during a run). CPU time, the median of the rounds. Then flatten + Parquet (bench.flatten_write's
columnar path, as the Lambda runs it) with the text work of before and of now, on both corpora.

Usage: python -m bench.text_speed [UPDATES] [ROUNDS]   (defaults: 20,000 updates, 5 rounds)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import Any

import bench.reference_privacy as old_privacy
import bench.reference_text as old_text
import telegram_etl.flatten as flatten
from bench.common import updates as demo_updates
from bench.corpus import message_texts, realistic_updates
from bench.flatten_write import columnar, raw_items
from telegram_etl import language, privacy, text


def clear() -> None:
    text.clear_caches()
    old_text.stem.cache_clear()
    old_privacy._redacted.cache_clear()
    privacy._redacted.cache_clear()
    flatten._cached_text_features.cache_clear()
    flatten._cached_redacted_text.cache_clear()


def per_text(work: Callable[[Any], Any], items: list[Any], rounds: int) -> float:
    """Median CPU µs per item of `rounds` rounds over items, caches emptied before each."""
    times = []
    for _ in range(rounds):
        clear()
        started = time.process_time()
        for item in items:
            work(item)
        times.append(time.process_time() - started)
    return statistics.median(times) / len(items) * 1e6


def old_row(raw: str) -> Any:
    if not old_privacy.may_hold_personal_data(raw):
        redacted = raw
    else:
        redacted = old_privacy.redact(raw, Counter())
    return old_features(redacted)


def old_features(raw: str) -> tuple[str, str | None, list[str], list[str], str | None]:
    # text.features' columns from the reference, a request's language included (as the tests' old_row).
    normalized, intent = old_text.normalize_and_intent(raw)
    language = old_text.language_of(raw) if intent in text.REQUEST_INTENTS else None
    found = old_text.keywords(normalized, language or "und")
    return normalized, intent, [word for _, word in found], [stem for stem, _ in found], language


def old_redaction(raw: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    found: Counter[str] = Counter()
    redacted = old_privacy.redact(raw, found)
    return redacted, tuple(found.items())


def flatten_rate(items: list[Any], rounds: int, *, before: bool) -> float:
    """CPU µs per update of flatten + Parquet with the text work of before or of now."""
    swapped = {"features": old_features, "redaction": old_redaction,
               "may_hold_personal_data": old_privacy.may_hold_personal_data}  # fmt: skip
    saved = {name: getattr(flatten, name) for name in swapped}
    if before:
        for name, function in swapped.items():
            setattr(flatten, name, function)
    try:
        return per_text(columnar, [items], rounds) / len(items)
    finally:
        for name, function in saved.items():
            setattr(flatten, name, function)


def old_fold_nfkd(lowered: str) -> str:
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    texts = list(dict.fromkeys(message_texts(realistic_updates(count))))
    redacted = [privacy.redact(raw) for raw in texts]
    normalized = [text.normalize(raw) for raw in redacted]
    lowered = [raw.lower() for raw in redacted if not raw.lower().isascii()]
    gated = [raw for raw in texts if privacy._DIGIT_RUN.search(raw)]
    documents = [privacy._documents(raw, Counter()) for raw in gated]
    share = len(gated) / len(texts)
    # the texts whose language is detected (requests of 2 words or more): the model's input, links out
    detected = [
        text._without_links(raw) for raw in redacted
        if text.features(raw)[1] in text.REQUEST_INTENTS and text.text_language(raw) != "und"
    ]  # fmt: skip
    steps = [
        ("redaction (redact)", lambda t: old_privacy.redact(t, Counter()),
         lambda t: privacy.redact(t, Counter()), texts, 1.0),
        ("  of which the phone matcher, on the texts with a 10-digit run",
         lambda t: old_privacy._phones(t, Counter()), lambda t: privacy._phones(t, Counter()),
         documents, share),
        ("text features: normalize_and_intent", old_text.normalize_and_intent, text.normalize_and_intent,
         redacted, 1.0),
        ("  of which accent folding, on the texts with a non-ASCII letter", old_fold_nfkd,
         lambda t: t.translate(text._FOLDED), lowered, len(lowered) / len(texts)),
        ("  of which the words (links out, folding, numbers, word breaks)", lambda t: old_text._words(t),
         lambda t: text._words(t), redacted, 1.0),
        ("  intent() alone (its words included)", lambda t: old_text.intent(t), lambda t: text.intent(t),
         redacted, 1.0),
        ("text features: keywords", old_text.keywords, text.keywords, normalized, 1.0),
        ("  language detection (`language.detect`), on the requests detected", old_text.detect,
         language.detect, detected, len(detected) / len(texts)),
        ("**the whole text: redaction, features, keywords**", old_row, flatten._redacted_text_of, texts, 1.0),
    ]  # fmt: skip
    print(f"{len(texts):,} distinct texts of {count:,} realistic updates; CPU µs per distinct text, "
          f"median of {rounds} rounds, caches emptied before each\n")  # fmt: skip
    print("| step | before | now | before / now |\n|---|---|---|---|")
    for label, old, new, items, weight in steps:
        before = per_text(old, items, rounds) * weight
        now = per_text(new, items, rounds) * weight
        print(f"| {label} | {before:.2f} | {now:.2f} | {before / now:.1f}x |")
    # The detection again, the two codes interleaved, the least of 15 rounds (each run of it costs ~20 µs:
    # rounds one after the other differ by more than the two codes do under load).
    best = {"before": float("inf"), "now": float("inf")}
    for _ in range(15):
        for label, detect in (("before", old_text.detect), ("now", language.detect)):
            started = time.process_time()
            for outside_links in detected:
                detect(outside_links)
            best[label] = min(best[label], time.process_time() - started)
    before, now = (best[label] / len(detected) * 1e6 for label in ("before", "now"))
    print(f"\nlanguage detection, interleaved, least of 15 rounds, per detected text ({len(detected):,}): "
          f"before {before:.2f} µs, now {now:.2f} µs, {before / now:.2f}x")  # fmt: skip
    flat = 10_000
    print(f"\nflatten + Parquet (bench.flatten_write's columnar path: orjson, pseudonyms, redaction), "
          f"{flat:,} updates, CPU µs per update, median of {rounds} rounds, caches emptied\n")  # fmt: skip
    print("| corpus | text work of before | now | before / now | updates/s of CPU now |")
    print("|---|---|---|---|---|")
    for label, corpus in (("realistic (bench.corpus)", realistic_updates), ("demo generator", demo_updates)):
        items = raw_items([json.dumps(u, ensure_ascii=False).encode() for u in corpus(flat)])
        before = flatten_rate(items, rounds, before=True)
        now = flatten_rate(items, rounds, before=False)
        print(f"| {label} | {before:.1f} | {now:.1f} | {before / now:.2f}x | {1e6 / now:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
