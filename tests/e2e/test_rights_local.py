"""Issue 14, a person's rights on the local pipeline (SeaweedFS): the demo's data, one customer forgotten,
then their export finds nothing and everyone else's rows are as they were."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from demo_data.generator import generate
from standins.pseudonym_key import existing_key
from telegram_etl.privacy import pseudonym

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def rights(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops.rights", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def rows(workdir: Path) -> list[tuple]:
    """(update_id, user_id, reply_to_user_id, chat_id) of every row of the demo's Parquet mirror."""
    files = str(workdir / "parquet" / "telegram" / "*" / "*.parquet")
    return duckdb.sql(
        f"SELECT update_id, user_id, reply_to_user_id, chat_id FROM read_parquet('{files}') ORDER BY 1"
    ).fetchall()


@pytest.fixture(scope="module", params=["object", "firehose"])
def demo(request, tmp_path_factory) -> Path:
    """The demo's data in each raw layout (firehose: Firehose's batched objects of records)."""
    workdir = tmp_path_factory.mktemp(f"rights-demo-{request.param}")
    done = subprocess.run(
        [sys.executable, "-m", "local.demo", "--workdir", str(workdir), "--updates", "150", "--days", "3",
         "--raw-layout", request.param],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    workdir.joinpath("layout").write_text(request.param)
    return workdir


def customer(seed: int = 7, updates: int = 150, days: int = 3) -> int:
    """The demo's customer who wrote most and was replied to, from the conversation the demo replayed."""
    conversation = generate(seed=seed, updates=updates, days=days)
    staff = set(conversation.settings().staff_user_ids)
    messages = [d.update["message"] for d in conversation.deliveries if "message" in d.update]
    authors = Counter(m["from"]["id"] for m in messages if "from" in m and not m["from"].get("is_bot"))
    replied = {
        m["reply_to_message"]["from"]["id"] for m in messages if "from" in m.get("reply_to_message", {})
    }
    return next(user for user, _ in authors.most_common() if user not in staff and user in replied)


def test_forget_one_customer_then_their_export_is_empty_and_the_others_are_untouched(demo):
    person = customer()
    # With pseudonyms on, the table names them by their pseudonym under the local key.
    key = existing_key(demo)
    names = {person} | ({pseudonym(person, key)} if key else set())
    before = rows(demo)
    theirs = [row for row in before if row[1] in names]
    assert theirs and any(reply in names for _, _, reply, _ in before)

    exported = demo / "before.json"
    result = rights("export", "--user-id", str(person), "--workdir", str(demo), "--out", str(exported))
    assert result.returncode == 0, result.stderr
    export = json.loads(exported.read_text())
    assert len(export["processed_rows"]) == len(theirs)
    assert len(export["raw_updates_authored"]) >= len(theirs)
    assert export["processed_replies_to_you"]

    forgot = rights("forget", "--user-id", str(person), "--workdir", str(demo))
    assert forgot.returncode == 0, forgot.stderr
    assert str(person) not in forgot.stdout + forgot.stderr
    layout = (demo / "layout").read_text()
    raw_prefix = "raw:telegram/context_date=" if layout == "object" else "raw:firehose/context_date="
    assert raw_prefix in forgot.stdout and "rows_removed" in forgot.stdout
    if layout == "firehose":  # their records went from the batched objects, the others' stayed
        # (the bot's own messages, posted to /outgoing, are objects under telegram/ in either layout)
        assert "records_deleted" in forgot.stdout

    after = rows(demo)  # forget refreshed the mirror `make sql` reads
    assert not names & {user for _, user, _, _ in after}
    # The model's tables were recomputed from what is left: the person is in none of them.
    model = demo / "parquet" / "model"
    assert (
        duckdb.sql(f"SELECT count(*) FROM read_parquet('{model}/messages/*/*.parquet')").fetchall()[0][0] > 0
    )
    for table, column in (
        ("messages", "user_id"),
        ("requests", "user_id"),
        ("cases", "user_id"),
        ("ratings", "owner_id"),
    ):
        held = duckdb.sql(
            f"SELECT DISTINCT {column} FROM read_parquet('{model}/{table}/*/*.parquet')"
        ).fetchall()
        assert not names & {value for (value,) in held}, table
    assert not names & {reply for _, _, reply, _ in after}
    # Everyone else's rows: the same rows, the same authors; only references to the person are cleared.
    others = [
        (u, user, None if reply in names else reply, chat)
        for u, user, reply, chat in before
        if user not in names
    ]
    assert after == others

    again = rights("forget", "--user-id", str(person), "--workdir", str(demo))
    assert again.returncode == 0 and "nothing held (nothing touched)" in again.stdout, again.stdout
    empty = demo / "after.json"
    assert (
        rights("export", "--user-id", str(person), "--workdir", str(demo), "--out", str(empty)).returncode
        == 0
    )
    left = json.loads(empty.read_text())
    for name in (
        "raw_updates_authored",
        "raw_updates_mentioning",
        "raw_unreadable_objects",
        "processed_rows",
        "processed_replies_to_you",
    ):
        assert left[name] == [], name
