"""`python -m local_pipeline.replay ...`, the replay's old path, is an external contract: it still runs
local.replay with the same options, output and exit status."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ROOT / "tests/fixtures/conversations"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_old_path_replays_a_file_with_settings_json_and_parquet_out(tmp_path):
    out, parquet = tmp_path / "answers.json", tmp_path / "table"
    run = subprocess.run(
        [sys.executable, "-m", "local_pipeline.replay", str(CONVERSATIONS / "feedback_prompts.jsonl"),
         "--settings", str(CONVERSATIONS / "feedback_prompts.settings.json"), "--json", str(out),
         "--parquet-out", str(parquet)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    answers = json.loads(out.read_text())
    assert answers["q3_feedback_resolution_rate"][0]["resolution_rate_pct"] == 75.0  # feedback_prompts.md
    assert "q3_asked_again_within_24h" in run.stdout
    assert list(parquet.glob("context_date=*/*.parquet"))


def test_the_old_path_fails_as_the_new_one_does(tmp_path):
    missing = tmp_path / "missing.jsonl"
    runs = [
        subprocess.run([sys.executable, "-m", module, str(missing)], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120, check=False)
        for module in ("local_pipeline.replay", "local.replay")
    ]  # fmt: skip
    assert runs[0].returncode == runs[1].returncode != 0
    assert runs[0].stderr == runs[1].stderr and str(missing) in runs[0].stderr
