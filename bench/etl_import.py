"""Cold-start cost of the ETL Lambda's module: `import lambdas.etl.handler` in a fresh interpreter (wall
time, the median of the runs), here and, with --before DIR, in another checkout of lambdas/ (for example
`git archive <commit> lambdas | tar -x -C DIR`), the two alternating so that the machine's load hits both.

Usage: python -m bench.etl_import [runs] [--before DIR]   (default 9 runs)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time(); import lambdas.etl.handler
t1, c1 = time.perf_counter(), time.process_time()
import telegram_etl.text
print(json.dumps({"total": t1 - t0, "cpu": c1 - c0, "text": telegram_etl.text.__file__}))
"""


def sample(root: Path) -> tuple[float, float]:
    env = {**os.environ, "RAW_BUCKET": "bench", "PROCESSED_BUCKET": "bench", "PSEUDONYM_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": f"{root}:{root / 'lambdas' / 'etl'}"}  # fmt: skip
    found = json.loads(subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=root, check=True,
                                      capture_output=True, text=True).stdout)  # fmt: skip
    assert found["text"].startswith(str(root)), found  # this checkout's code, not the installed one
    return found["total"], found["cpu"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="?", type=int, default=9)
    parser.add_argument("--before", type=Path)
    args = parser.parse_args()
    roots = {"now": Path.cwd()} | ({"before": args.before.resolve()} if args.before else {})
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
    for _ in range(args.runs):
        for name, root in roots.items():
            times[name].append(sample(root))
    print("| ETL handler import, fresh interpreter | wall, median (ms) | min-max (ms) | CPU, median (ms) |")
    print("|---|---|---|---|")
    for name, found in times.items():
        wall, cpu = [w for w, _ in found], [c for _, c in found]
        spread = f"{min(wall) * 1000:.0f}-{max(wall) * 1000:.0f}"
        print(f"| {name} ({roots[name]}), {args.runs} runs | {statistics.median(wall) * 1000:.0f} "
              f"| {spread} | {statistics.median(cpu) * 1000:.0f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
