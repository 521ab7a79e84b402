"""Compare a synthesized template with its committed snapshot (UPDATE_SNAPSHOTS=1 rewrites them)."""

import json
import os

from tests.stacks.conftest import SNAPSHOTS, normalized


def assert_matches_snapshot(name: str, template: dict) -> None:
    path = SNAPSHOTS / f"{name}.json"
    actual = normalized(template)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert path.exists(), f"no snapshot {path.name}: run `make snapshots` and review the diff"
    expected = json.loads(path.read_text())
    assert actual == expected, f"{name} changed: review it, then `make snapshots` to accept"
