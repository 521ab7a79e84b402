"""The Makefile as a person uses it: `make help` describes every target, the docs' make commands are ones
make accepts, and the targets that run a tool, given bad input or no AWS configuration, print one line
(beside make's own `make: ***` line) and fail (issue 23, items 2 and 4)."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.test_cli_errors import one_line, without_aws

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text()


def make(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, env=without_aws(**env), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def phony_targets() -> set[str]:
    (line,) = re.findall(r"^\.PHONY:(.*)$", MAKEFILE, flags=re.MULTILINE)
    return set(line.split())


def test_make_help_describes_every_target():
    run = make("help")
    assert run.returncode == 0, run.stderr
    described = re.findall(r"^  make (\S+) +\S.*$", run.stdout, flags=re.MULTILINE)
    assert len(phony_targets()) > 20
    assert set(described) == phony_targets()


def test_the_docs_give_make_options_through_args():
    """`make demo --log-level X` is make's option, which make rejects: a tool's options go in ARGS=."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    wrong = [
        (page.name, command)
        for page in pages
        for command in re.findall(r"`(make [^`]*)`", page.read_text())
        if re.search(r"(^|\s)--?[a-z]", re.sub(r"ARGS=(\"[^\"]*\"|'[^']*'|\S+)", "", command))
    ]
    assert wrong == []


# (target and variables, extra environment, what the line says)
CASES = [
    (["answers", "STAGE=dev"], {}, "make answers: no AWS region"),
    (["report", "STAGE=dev"], {}, "make report: no AWS region"),
    (["verify", "STAGE=dev"], {}, "make verify: no AWS region"),
    (["deploy", "STAGE=dev"], {}, "make deploy: no AWS region"),
    (["deploy", "STAGE=nope"], {}, "make deploy: unknown stage 'nope'; cdk.json defines: dev, prod"),
    (["synth", "STAGE=nope"], {}, "make synth: unknown stage 'nope'; cdk.json defines: dev, prod"),
    (["set-webhook", "STAGE=dev"], {"TELEGRAM_BOT_TOKEN": "123:abc"}, "make set-webhook: no AWS region"),
    (["webhook-info"], {}, "set TELEGRAM_BOT_TOKEN"),
    (["poll"], {}, "set TELEGRAM_BOT_TOKEN"),
    (["sql", "DIR=nowhere/at/all"], {}, "make sql: nowhere/at/all: no such folder"),
    (["demo", "ARGS=--log-level verbose"], {}, "make demo: --log-level verbose is not a level"),
    (["forget"], {}, "make forget: USER_ID=<the person's Telegram user id> is required"),
    (["subject-export", "USER_ID=5", "STAGE=dev"], {}, "export: no AWS region"),
    (["import-export", "STAGE=dev"], {}, "usage: make import-export FILE=result.json"),
    (["import-export", "FILE=missing.json", "STAGE=dev"], {}, "import-export: missing.json: cannot read it"),
]


@pytest.mark.parametrize(("args", "env", "said"), CASES, ids=[" ".join(case[0]) for case in CASES])
def test_each_tool_target_says_one_line_and_fails(args, env, said):
    assert said in one_line(make(*args, **env))
