"""Every command-line entry point, given bad input or no AWS configuration, prints one line on stderr that
says what is wrong and exits non-zero: never a traceback, never 0 (issue 23, item 2). Each runs as a person
runs it, in a subprocess, on a machine without AWS region, credentials or config files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "tests/fixtures/telegram/39_desktop_export_new_format.json"


def without_aws(**extra: str) -> dict[str, str]:
    """The environment of a fresh machine: no AWS settings or files, no bot token, no instance metadata."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_")
        and name not in ("TELEGRAM_BOT_TOKEN", "STAGE", "MAKEFLAGS", "MAKELEVEL")
    }
    env |= {
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return env | extra


def one_line(run: subprocess.CompletedProcess) -> str:
    """The one line on stderr (make's own `make: ***` line aside), after checking the run failed."""
    assert run.returncode != 0, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    lines = [line for line in run.stderr.splitlines() if not line.startswith("make: ***")]
    assert len(lines) == 1, run.stderr
    return lines[0]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "a-file").write_text("not a folder")
    (folder / "empty.jsonl").write_text("")
    (folder / "invalid.jsonl").write_text('not json\n{"update": 1, "received_ms": 1}\n\n')
    valid = {"update": {"update_id": 1, "message": {"message_id": 1}}, "received_ms": 1_741_000_000_000}
    (folder / "valid.jsonl").write_text(json.dumps(valid) + "\n")
    (folder / "refused.jsonl").write_text(
        json.dumps({"update": {"no": "update_id"}, "received_ms": 1}) + "\n"
    )
    return {
        "dir": str(folder),
        "unwritable": str(folder / "a-file" / "workdir"),  # under a file: unwritable even for root
        "nodata": str(folder / "nothing-here"),
    }


# (entry point and arguments, extra environment, what the line says). {dir}, {unwritable} and {nodata}
# are the inputs above.
CASES = [
    (["local.demo", "--workdir", "{unwritable}"], {}, "make demo: --workdir: cannot write to"),
    (["local.demo", "--updates", "0"], {}, "make demo: --updates and --days must be at least 1"),
    (["local.demo", "--log-level", "verbose"], {}, "make demo: --log-level verbose is not a level"),
    (["local.replay"], {}, "replay: give INPUT.jsonl, --telegram-export result.json, or both"),
    (["local.replay", "{dir}/missing.jsonl"], {}, "replay: {dir}/missing.jsonl: no such file"),
    (["local.replay", "{dir}/empty.jsonl"], {}, "the file holds no line"),
    (["local.replay", "{dir}/invalid.jsonl"], {}, "every line is invalid: line 1: not JSON"),
    (["local.replay", "{dir}/refused.jsonl"], {}, "nothing was stored: the webhook refused every update (1)"),
    (
        ["local.replay", "{dir}/valid.jsonl", "--workdir", "{unwritable}"],
        {},
        "replay: --workdir: cannot write",
    ),
    (
        ["local.replay", "{dir}/valid.jsonl", "--settings", "{dir}/empty.jsonl"],
        {},
        "replay: invalid settings",
    ),
    (["local.poll", "poll"], {}, "set TELEGRAM_BOT_TOKEN to the bot token"),
    (["local.poll", "report", "--workdir", "{unwritable}"], {}, "make report: --workdir: cannot write to"),
    (["local.poll", "report", "--workdir", "{nodata}"], {}, "nothing stored yet: run `make poll` first"),
    (["analyst.sql", "{dir}/no-table"], {}, "no such folder; run `make demo` first"),
    (["analyst.sql", "--bogus"], {}, "make sql: unrecognized arguments: --bogus"),
    (
        ["analyst.athena", "answers", "--stage", "dev"],
        {},
        "make answers: no AWS region: export AWS_DEFAULT_REGION",
    ),
    (["analyst.athena", "report", "--stage", "dev"], {}, "make report: no AWS region"),
    (
        ["analyst.athena", "answers", "--stage", "dev"],
        {"AWS_DEFAULT_REGION": "sa-east-1"},
        "make answers: no AWS credentials: run `aws configure`",
    ),
    (["analyst.athena", "answers", "--stage", "nope"], {}, "make answers: unknown stage 'nope'"),
    (
        ["analyst.athena", "report", "--stage", "dev", "--out", "{unwritable}/r.html"],
        {},
        "cannot write the report",
    ),
    (["analyst.athena", "answers", "--stage", "dev", "--from", "May"], {}, "argument --from: invalid"),
    (
        ["ops.import_export", "{dir}/missing.json", "--stage", "dev"],
        {},
        "import-export: {dir}/missing.json: cannot",
    ),
    (["ops.import_export", str(EXPORT), "--stage", "dev"], {}, "import-export: no AWS region"),
    (["ops.rights", "forget", "--user-id", "5", "--stage", "dev"], {}, "forget: no AWS region"),
    (["ops.rights", "export", "--user-id", "five"], {}, "export: USER_ID must be a Telegram user id"),
    (["ops.rights", "export", "--user-id", "5", "--workdir", "{nodata}"], {}, "export: no local data in"),
    (["ops.rights", "export", "--user-id", "5", "--out", "{unwritable}/x.json"], {}, "export: cannot write"),
    (["ops.people", "pseudonym", "5", "--stage", "dev"], {}, "pseudonym: no AWS region"),
    (["ops.people", "pseudonym", "five"], {}, "argument user_id: invalid int value: 'five'"),
    (["ops.people", "pseudonym", "5", "--dir", "{nodata}"], {}, "no key at {nodata}/pseudonym-key"),
    (["ops.webhook", "info"], {}, "set TELEGRAM_BOT_TOKEN to the bot token"),
    (
        ["ops.webhook", "set", "--stage", "dev"],
        {"TELEGRAM_BOT_TOKEN": "123:abc"},
        "make set-webhook: no AWS region",
    ),
    (["ops.verify", "--stage", "dev"], {}, "make verify: no AWS region"),
    (
        ["ops.remodel", "--stage", "dev", "--from", "2025-03-01", "--to", "2025-03-08"],
        {},
        "make remodel: no AWS region",
    ),
    (
        ["ops.remodel", "--stage", "dev", "--from", "2025-03-09", "--to", "2025-03-01"],
        {},
        "python -m ops.remodel:",
    ),
    (["ops.verify"], {}, "python -m ops.verify: the following arguments are required: --stage"),
    (["devtools.docs", "--bogus"], {}, "make docs: unrecognized arguments: --bogus"),
    (["standins.cli", "check", "make deploy", "--stage", "dev", "--aws"], {}, "make deploy: no AWS region"),
    (["standins.cli", "check", "make synth", "--stage", "nope"], {}, "make synth: unknown stage 'nope'"),
]


@pytest.mark.parametrize(("argv", "env", "said"), CASES, ids=[" ".join(case[0]) for case in CASES])
def test_each_entry_point_says_one_line_and_fails(inputs, argv, env, said):
    run = subprocess.run(
        [sys.executable, "-m", *(arg.format(**inputs) for arg in argv)], cwd=ROOT, env=without_aws(**env),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert said.format(**inputs) in one_line(run)


def test_every_entry_point_is_run_here():
    """A new tool (a module with `if __name__ == "__main__"`) gets a case above."""
    entry_points = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for folder in ("local", "analyst", "ops", "devtools", "standins")
        for path in (ROOT / folder).glob("*.py")
        if '__name__ == "__main__"' in path.read_text()
    }
    assert entry_points == {case[0][0] for case in CASES}
