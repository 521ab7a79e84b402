"""Wall time of `cdk synth` of the whole app (three stacks, cdk-nag included), as `make synth` runs it.

Usage: python -m bench.synth [runs]   (default 2)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    npx = shutil.which("npx")
    if npx is None:
        raise SystemExit("npx not found: install Node.js, then `make setup`")
    env = {
        **os.environ,
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        command = [npx, "cdk", "synth", "--quiet", "--no-notices", "-c", "stage=dev"]
        subprocess.run(command, env=env, check=True, capture_output=True)
        timings.append(time.perf_counter() - started)
    print("| benchmark | result |\n|---|---|")
    print(f"| `cdk synth` of the app (3 stacks + cdk-nag), {runs} runs | "
          f"{', '.join(f'{t:.1f} s' for t in timings)} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
