"""Long polling a bot into the local pipeline: a local fake Bot API over HTTP, the real ingest handler,
the real SeaweedFS server. No update is lost or stored twice across restarts."""

import json

import pytest

from local.poll import OffsetStore, Poller
from ops.botapi import BotApi
from standins.runner import LocalPipeline
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.helpers import UPDATE_FILES

pytestmark = pytest.mark.e2e


def real_updates() -> list[dict]:
    """The real fixtures, renumbered so that each has its own update_id, in order."""
    return [
        {**json.loads(path.read_bytes()), "update_id": 900_000 + n} for n, path in enumerate(UPDATE_FILES)
    ]


@pytest.fixture
def pipeline(s3_server, request) -> LocalPipeline:
    name = request.node.name.replace("_", "-")[:40].strip("-")
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket=f"{name}-raw", processed_bucket=f"{name}-out")
    pipeline.create_buckets()
    return pipeline


def stored(pipeline) -> dict[int, bytes]:
    pages = pipeline.s3.get_paginator("list_objects_v2").paginate(Bucket=pipeline.raw_bucket)
    keys = [obj["Key"] for page in pages for obj in page.get("Contents", [])]
    bodies = {}
    for key in keys:
        update_id = int(key.rsplit("/", 1)[1].removesuffix(".json"))
        assert update_id not in bodies, f"update {update_id} stored twice"
        bodies[update_id] = pipeline.s3.get_object(Bucket=pipeline.raw_bucket, Key=key)["Body"].read()
    return bodies


def poller(bot_api, pipeline, tmp_path) -> Poller:
    return Poller(BotApi(TOKEN, base_url=bot_api.base_url), pipeline, OffsetStore(tmp_path / "offset.json"),
                  rejected_dir=tmp_path / "rejected", long_poll_seconds=0)  # fmt: skip


def test_every_update_is_stored_once_across_restarts(pipeline, tmp_path):
    updates = real_updates()
    with FakeBotApi() as bot_api:
        bot_api.add_updates(updates[:20])
        first = poller(bot_api, pipeline, tmp_path)
        assert first.poll_once() == 20
        assert OffsetStore(tmp_path / "offset.json").load() == updates[19]["update_id"] + 1

        # Restart: a new process reads the saved offset, which confirms the first batch to Telegram.
        bot_api.add_updates(updates[20:])
        second = poller(bot_api, pipeline, tmp_path)
        assert second.poll_once() == len(updates) - 20
        assert bot_api.calls[-1][1]["offset"] == updates[19]["update_id"] + 1
        assert second.poll_once() == 0  # confirmed: nothing comes back
        assert bot_api.calls[-1][1]["allowed_updates"][:2] == ["message", "edited_message"]

    bodies = stored(pipeline)
    assert sorted(bodies) == [u["update_id"] for u in updates]
    assert all(json.loads(bodies[u["update_id"]]) == u for u in updates)


def test_a_crash_before_the_offset_is_saved_stores_nothing_twice(pipeline, tmp_path):
    updates = real_updates()[:5]
    with FakeBotApi() as bot_api:
        bot_api.add_updates(updates)
        poller(bot_api, pipeline, tmp_path).poll_once()
        before = stored(pipeline)
        (tmp_path / "offset.json").unlink()  # as if the process died before saving the offset
        again = poller(bot_api, pipeline, tmp_path)
        assert again.poll_once() == 5  # Telegram had not been told: it sends them again...
    assert stored(pipeline) == before  # ...and the same keys get the same bytes


def test_an_update_the_webhook_rejects_is_set_aside_and_polling_goes_on(pipeline, tmp_path, monkeypatch):
    real_post = pipeline.post_webhook

    def post(body, request_time_ms):  # the webhook refuses update 6 (say, a body over its 1 MiB limit)
        if json.loads(body)["update_id"] == 6:
            return {"statusCode": 413, "body": '{"ok": false}'}
        return real_post(body, request_time_ms=request_time_ms)

    monkeypatch.setattr(pipeline, "post_webhook", post)
    updates = [{"update_id": 5, "message": {"text": "olá"}}, {"update_id": 6, "message": {"text": "x"}},
               {"update_id": 7, "message": {"text": "ok"}}]  # fmt: skip
    with FakeBotApi() as bot_api:
        bot_api.add_updates(updates)
        job = poller(bot_api, pipeline, tmp_path)
        assert job.poll_once() == 3
    assert (job.stored, job.rejected) == (2, 1)
    assert sorted(stored(pipeline)) == [5, 7]
    assert json.loads((tmp_path / "rejected" / "6.json").read_bytes()) == updates[1]  # kept, not lost
    assert OffsetStore(tmp_path / "offset.json").load() == 8


def test_storage_down_stops_before_the_offset_moves(pipeline, tmp_path, monkeypatch):
    with FakeBotApi() as bot_api:
        bot_api.add_updates(real_updates()[:2])
        job = poller(bot_api, pipeline, tmp_path)
        monkeypatch.setattr(
            pipeline, "post_webhook", lambda body, request_time_ms: {"statusCode": 500, "body": "{}"}
        )
        with pytest.raises(RuntimeError, match="not stored: HTTP 500"):
            job.poll_once()
    assert OffsetStore(tmp_path / "offset.json").load() is None


def test_a_bot_with_a_webhook_is_a_clear_error(pipeline, tmp_path):
    with FakeBotApi() as bot_api:
        bot_api.webhook = {"url": "https://example.invalid/webhook"}
        with pytest.raises(SystemExit, match="This bot has a webhook"):
            poller(bot_api, pipeline, tmp_path).run(should_stop=lambda: False, on_batch=lambda n: None)


def test_network_errors_are_retried(pipeline, tmp_path, monkeypatch):
    monkeypatch.setattr("local.poll.time.sleep", lambda seconds: None)
    with FakeBotApi() as bot_api:
        bot_api.add_updates(real_updates()[:3])
        bot_api.fail_next = 2
        job = poller(bot_api, pipeline, tmp_path)
        batches = []
        job.run(should_stop=lambda: bool(batches), on_batch=batches.append)
    assert batches == [3] and job.stored == 3


@pytest.mark.slow
def test_make_poll_then_make_report_as_commands(tmp_path):
    """The two commands as a user runs them: poll until stopped, then the report over what was stored."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    updates = real_updates()
    with FakeBotApi() as bot_api:
        bot_api.add_updates(updates)
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": bot_api.base_url}
        poll = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.poll",
                "poll",
                "--workdir",
                str(tmp_path),
                "--long-poll-seconds",
                "1",
            ],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while bot_api.pending and time.monotonic() < deadline:  # empty once a later call confirmed them all
            time.sleep(0.2)
        poll.send_signal(signal.SIGTERM)
        output = poll.communicate(timeout=60)[0]
    assert poll.returncode == 0, output
    assert f"{len(updates)} updates stored, next offset {updates[-1]['update_id'] + 1}" in output

    report = subprocess.run([sys.executable, "-m", "local.poll", "report", "--workdir", str(tmp_path)],
                            cwd=root, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert report.returncode == 0, report.stdout + report.stderr
    assert f"'written': {len(updates)}" in report.stdout
    (line,) = [line for line in report.stdout.splitlines() if line.startswith("Report: ")]
    assert Path(line.removeprefix("Report: ")).stat().st_size > 5_000
