"""Language detection on short chat messages (tests/fixtures/language/chat_messages.tsv, 32 per language
in pt, es, en, id, ru): right, undetermined ("und") and wrong per language, as telegram_etl.text decides
a text's language (too short: "und"), and its cost: loading the model, and CPU µs per text.

Usage: python -m bench.language_accuracy
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from telegram_etl import language, text

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "language" / "chat_messages.tsv"


def labelled() -> list[tuple[str, str]]:
    """(language, text) of each labelled message."""
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


def main() -> None:
    rows = labelled()
    started = time.process_time()
    language._model()
    print(f"model load: {(time.process_time() - started) * 1000:.0f} ms CPU")
    right, undetermined, wrong = Counter(), Counter(), []
    for expected, message in rows:
        found = text.text_language(message)
        if found == expected:
            right[expected] += 1
        elif found == language.UNDETERMINED:
            undetermined[expected] += 1
        else:
            wrong.append((expected, found, message))
    print("language  right  und  wrong")
    for code in dict.fromkeys(expected for expected, _ in rows):
        count = sum(1 for expected, _ in rows if expected == code)
        mistaken = sum(1 for expected, _, _ in wrong if expected == code)
        print(f"{code:8}  {right[code]:2}/{count}  {undetermined[code]:3}  {mistaken:5}")
    total = len(rows)
    print(f"all       {sum(right.values())}/{total} right ({sum(right.values()) / total:.0%}), "
          f"{sum(undetermined.values())} und, {len(wrong)} wrong")  # fmt: skip
    for expected, found, message in wrong:
        print(f"  {expected} -> {found}: {message}")
    texts = [message for _, message in rows]
    rounds = 20
    started = time.process_time()
    for _ in range(rounds):
        for message in texts:
            language.detect(message)
    per_text = (time.process_time() - started) / (rounds * len(texts)) * 1e6
    print(f"detect: {per_text:.1f} µs CPU per text, uncached")


if __name__ == "__main__":
    main()
