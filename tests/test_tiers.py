"""The two test tiers (issue 23 item 7): `make test` and `make test-slow` select tests by marker, together
they run every collected test exactly once, and CI (.ci/run) runs both after the demo."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text()
CI = ROOT / ".ci" / "run"
TIERS = ("test", "test-slow")


def rule(target: str) -> tuple[list[str], list[str]]:
    """A Makefile target's prerequisites and recipe lines."""
    match = re.search(rf"^{re.escape(target)}:(.*)\n((?:\t.*\n)*)", MAKEFILE, flags=re.MULTILINE)
    assert match, f"no rule for {target}"
    return match.group(1).split(), [line.strip() for line in match.group(2).splitlines()]


def pytest_arguments(target: str) -> list[str]:
    """The arguments of the one pytest command in the target's recipe."""
    (command,) = [line for line in rule(target)[1] if " -m pytest " in line]
    words = shlex.split(command)
    return words[words.index("pytest") + 1 :]


def marker_expression(target: str) -> str:
    arguments = pytest_arguments(target)
    return arguments[arguments.index("-m") + 1]


# Both collections in one process: the second reuses the first's imports (CDK, DuckDB, ...), half the cost.
COLLECT = """
import sys, pytest
for expression in sys.argv[1:]:
    print("=== tier", flush=True)
    print("=== exit", int(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "-m", expression])))
"""


def collected(*expressions: str) -> list[tuple[set[str], int]]:
    """For each expression, the test ids pytest selects with `-m expression`, and how many it collected
    before deselecting."""
    run = subprocess.run([sys.executable, "-c", COLLECT, *expressions], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=False)  # fmt: skip
    results = []
    for output in run.stdout.split("=== tier\n")[1:]:
        assert "=== exit 0" in output, output[-2000:] + run.stderr[-2000:]
        selected = {line for line in output.splitlines() if "::" in line}
        summary = re.search(r"^(?:(\d+)/)?(\d+) tests? collected", output, flags=re.MULTILINE)
        assert summary, output[-2000:]
        assert int(summary.group(1) or summary.group(2)) == len(selected)
        results.append((selected, int(summary.group(2))))
    assert len(results) == len(expressions), run.stdout[-2000:] + run.stderr[-2000:]
    return results


def test_each_collected_test_is_in_exactly_one_tier():
    (fast, total), (slow, total_again) = collected(marker_expression("test"), marker_expression("test-slow"))
    assert total == total_again
    assert fast and slow
    assert fast & slow == set()
    assert len(fast) + len(slow) == total  # none left out by both


def test_the_tiers_run_pytest_alike_but_for_the_marker():
    """Same workers and distribution: only the marker expression differs, so a file runs the same way in either."""
    fast, slow = pytest_arguments("test"), pytest_arguments("test-slow")
    assert (marker_expression("test"), marker_expression("test-slow")) == ("not slow", "slow")
    without = [
        arguments[: arguments.index("-m")] + arguments[arguments.index("-m") + 2 :]
        for arguments in (fast, slow)
    ]
    assert without[0] == without[1]
    assert "--dist" in without[0]
    assert not any(
        word.endswith(".py") or word.startswith("tests/") for word in fast + slow
    )  # markers, not files


def targets_run(target: str) -> list[str]:
    """The test tiers a make target runs, itself and through its prerequisites, in order."""
    prerequisites, _ = rule(target)
    ran = [
        tier
        for prerequisite in prerequisites
        if prerequisite.startswith("test")
        for tier in targets_run(prerequisite)
    ]
    return ran + ([target] if target in TIERS else [])


def test_ci_runs_the_demo_then_both_tiers():
    commands = [
        shlex.split(line.split("|")[0]) for line in CI.read_text().splitlines() if line.startswith("make ")
    ]
    targets = [command[1] for command in commands]
    assert targets[0] == "demo"
    assert "test" in targets  # the README's test command, as written there
    ran = [tier for target in targets[1:] if target.startswith("test") for tier in targets_run(target)]
    assert sorted(ran) == sorted(TIERS)
    assert targets_run("test-all") == list(TIERS)
