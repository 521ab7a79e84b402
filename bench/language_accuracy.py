"""Language detection on short chat messages (tests/fixtures/language/chat_messages.tsv, 32 per language
in pt, es, en, id, ru): right, undetermined ("und") and wrong per language, as telegram_etl.text decides
a text's language (too short: "und"), and its cost: loading the model, CPU µs per text, and CPU µs per
update added to flatten + Parquet on the realistic corpus (bench.corpus), with and without detection.

Usage: python -m bench.language_accuracy [UPDATES] [ROUNDS]   (defaults: 10,000 updates, 5 rounds)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.corpus import realistic_updates
from bench.flatten_write import raw_items
from bench.text_speed import flatten_rate
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
    cost(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, int(sys.argv[2]) if len(sys.argv) > 2 else 5)


def cost(count: int, rounds: int) -> None:
    """flatten + Parquet per update with and without detection (every text "und"), caches emptied before
    each round; the import of the ETL's text module, and the model's first load, in fresh processes."""
    items = raw_items([json.dumps(u, ensure_ascii=False).encode() for u in realistic_updates(count)])
    detected = text._language_of
    runs = {}
    for label, function in (("with", detected), ("without", lambda _, __: language.UNDETERMINED)):
        text._language_of = function
        try:
            runs[label] = flatten_rate(items, rounds, before=False)
        finally:
            text._language_of = detected
    print(f"flatten + Parquet, {count:,} realistic updates, CPU µs per update, median of {rounds} rounds: "
          f"{runs['with']:.1f} with detection, {runs['without']:.1f} without: "
          f"{runs['with'] - runs['without']:+.1f} µs per update")  # fmt: skip
    code = {
        "import telegram_etl.flatten": "import time; t = time.perf_counter(); import telegram_etl.flatten; "
        "print((time.perf_counter() - t) * 1000)",
        "first detection (model load)": "import time; from telegram_etl import language; "
        "t = time.perf_counter(); language.detect('meu pedido nao chegou'); "
        "print((time.perf_counter() - t) * 1000)",
    }
    for label, script in code.items():
        times = [float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                      check=True).stdout) for _ in range(5)]  # fmt: skip
        print(f"{label}: {sorted(times)[2]:.0f} ms wall, median of 5 fresh processes")


if __name__ == "__main__":
    main()
