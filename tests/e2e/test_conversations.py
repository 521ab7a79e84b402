"""The conversation model on hand-computed group conversations (tests/fixtures/conversations/): each is
replayed through the real webhook handler, SeaweedFS, the ETL handler and DuckDB, and the six answers of
the contract are compared with the values worked out by hand in its .md (never from this code)."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from local.replay import load_settings, read_deliveries, replay_into
from stacks.config import RAW_LAYOUTS
from standins.runner import LocalPipeline

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CONVERSATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "conversations"
NAMES = sorted(path.name.removesuffix(".jsonl") for path in CONVERSATIONS.glob("*.jsonl"))
# Rows are compared as sets keyed by their first column: ties have no defined order.
KEYED = {
    "q1_messages_by_hour": "hour_of_day",
    "q2_top_topics": "topic",
    "q2_top_commands": "command",
    "q3_topics": "topic",
    "q2_requests_by_language": "language",
}


@pytest.fixture(scope="module", params=[(n, layout) for n in NAMES for layout in RAW_LAYOUTS],
                ids=lambda param: "-".join(param))  # fmt: skip
def replayed(request, s3_server, tmp_path_factory):
    # Each raw layout gives the same answers (firehose: the local Firehose stand-in).
    name, layout = request.param
    settings = replace(load_settings(CONVERSATIONS / f"{name}.settings.json"), raw_layout=layout)
    bucket = f"{name.replace('_', '-')}-{layout}"
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket=f"{bucket}-raw",
                             processed_bucket=f"{bucket}-out", settings=settings)  # fmt: skip
    pipeline.create_buckets()
    errors: list[str] = []
    deliveries = list(read_deliveries(CONVERSATIONS / f"{name}.jsonl", errors))
    answers = replay_into(pipeline, deliveries, errors, tmp_path_factory.mktemp(name))
    assert errors == []
    if layout == "firehose":  # the updates went through Firehose; our bot's own messages stay objects
        assert pipeline.firehose.objects
        sent = sum(1 for d in deliveries if d.route == "outgoing")
        stored = pipeline.s3.list_objects_v2(Bucket=f"{bucket}-raw", Prefix="telegram/").get("KeyCount")
        assert stored == sent
    return name, answers


def test_the_answers_are_the_hand_computed_ones(replayed):
    name, answers = replayed
    expected = json.loads((CONVERSATIONS / f"{name}.expected.json").read_text())
    for query, rows in expected.items():
        if isinstance(rows, dict):  # one-row answers
            assert {column: answers[query][0][column] for column in rows} == rows, query
        else:
            key = KEYED[query]
            got = (
                {row[key]: {column: row[column] for column in rows[0]} for row in answers[query]}
                if rows
                else {}
            )
            assert got == {row[key]: row for row in rows} or (not rows and not answers[query]), query


def test_outgoing_lines_hold_what_the_bot_backend_posts(s3_server, tmp_path):
    """An {"outgoing": ...} line holds a Message, a Bot API response ({"ok": true, "result": ...}) or a list
    of Messages, and is posted to /outgoing at its received_ms among the webhook lines, wherever it is in the
    file: staff_vs_bot so written gives its hand-computed answers; a line that is neither is reported."""
    items = [json.loads(line) for line in (CONVERSATIONS / "staff_vs_bot.jsonl").read_text().splitlines()]
    updates, bot = [i for i in items if "update" in i], [i for i in items if "outgoing" in i]
    assert len(bot) == 5
    first, second, third, *rest = bot
    shaped = [
        {"outgoing": {"ok": True, "result": first["outgoing"]}, "received_ms": first["received_ms"]},
        {"outgoing": [second["outgoing"], third["outgoing"]], "received_ms": third["received_ms"]},
        *rest,
    ]
    source = tmp_path / "input.jsonl"
    lines = [json.dumps(i) for i in [*updates, *shaped]] + ['{"outgoing": "sent", "received_ms": 1}']
    source.write_text("\n".join(lines) + "\n")
    settings = load_settings(CONVERSATIONS / "staff_vs_bot.settings.json")
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket="shapes-raw", processed_bucket="shapes-out",
                             settings=settings)  # fmt: skip
    pipeline.create_buckets()
    errors: list[str] = []
    answers = replay_into(pipeline, read_deliveries(source, errors), errors, tmp_path / "parquet")
    assert errors == [f'line {len(lines)}: "outgoing" is not an object or a list']
    expected = json.loads((CONVERSATIONS / "staff_vs_bot.expected.json").read_text())["q3_questions_answered"]
    assert {column: answers["q3_questions_answered"][0][column] for column in expected} == expected


def test_every_conversation_has_its_settings_expectations_and_derivation():
    for name in NAMES:
        for suffix in (".settings.json", ".expected.json", ".md"):
            assert (CONVERSATIONS / f"{name}{suffix}").is_file(), f"{name}{suffix}"


def test_replay_command_contract(tmp_path):
    """`python -m local.replay INPUT --settings --json --parquet-out`, as a user runs it: an
    invalid line is reported with its number and the rest is replayed."""
    source = CONVERSATIONS / "feedback_prompts.jsonl"
    lines = source.read_text().splitlines()
    broken = tmp_path / "input.jsonl"
    broken.write_text("\n".join([lines[0], "{not json", '{"update": {"update_id": 1}}', *lines[1:]]) + "\n")
    out, parquet, report = tmp_path / "answers.json", tmp_path / "table", tmp_path / "report.html"
    run = subprocess.run(
        [sys.executable, "-m", "local.replay", str(broken), "--settings",
         str(CONVERSATIONS / "feedback_prompts.settings.json"), "--json", str(out), "--parquet-out", str(parquet),
         "--report", str(report), "--lang", "pt-BR"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "line 2: not JSON" in run.stderr
    assert "line 3: " in run.stderr and "received_ms" in run.stderr
    answers = json.loads(out.read_text())
    expected = json.loads((CONVERSATIONS / "feedback_prompts.expected.json").read_text())
    assert answers["q3_feedback_resolution_rate"][0]["resolution_rate_pct"] == 75.0
    assert {k: answers["q3_questions_answered"][0][k] for k in expected["q3_questions_answered"]} == expected[
        "q3_questions_answered"
    ]
    assert "q1_messages_by_hour" in run.stdout and "q3_asked_again_within_24h" in run.stdout
    days = [p.name for p in parquet.iterdir() if p.name.startswith("context_date=")]
    assert days and sorted(p.name for p in parquet.iterdir() if p.name not in days) == [
        "cases", "messages", "ratings", "requests"]  # fmt: skip
    assert list(parquet.glob("context_date=*/*.parquet"))
    # The model's tables too, one object per day: the cases are the answers' requests.
    for name in ("messages", "requests", "cases", "ratings"):
        assert [p.name for p in parquet.glob(f"{name}/context_date=*/*")] == ["part-00000.parquet"] * len(
            list(parquet.glob(f"{name}/context_date=*"))
        ), name
    cases = pq.read_table(parquet / "cases").num_rows
    assert cases == answers["q3_questions_answered"][0]["questions"] > 0
    assert f"Report: {report.resolve()}" in run.stdout
    page = report.read_text()
    assert '<html lang="pt-BR">' in page and "3. O bot resolve os problemas?" in page and "75 %" in page


def test_replay_command_takes_the_raw_layout(tmp_path):
    out = tmp_path / "answers.json"
    run = subprocess.run(
        [sys.executable, "-m", "local.replay", str(CONVERSATIONS / "feedback_prompts.jsonl"),
         "--settings", str(CONVERSATIONS / "feedback_prompts.settings.json"), "--raw-layout", "firehose",
         "--json", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(out.read_text())["q3_feedback_resolution_rate"][0]["resolution_rate_pct"] == 75.0


def test_settings_unknown_to_this_version_are_ignored_with_a_warning(tmp_path, capsys):
    from local.replay import load_settings

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"timezone": "UTC", "staff_user_ids": [1], "some_future_setting": True}))
    settings = load_settings(path)
    assert (settings.timezone, settings.staff_user_ids) == ("UTC", (1,))
    assert "ignoring settings this version does not know: some_future_setting" in capsys.readouterr().err
