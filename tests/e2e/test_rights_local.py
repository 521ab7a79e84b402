"""Issue 14, a person's rights on the local pipeline (SeaweedFS): the demo's data, one customer forgotten,
then their export finds nothing and everyone else's rows are as they were."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def rights(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "local_pipeline.rights", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def rows(workdir: Path) -> list[tuple]:
    """(update_id, user_id, reply_to_user_id, chat_id) of every row of the demo's Parquet mirror."""
    files = str(workdir / "parquet" / "telegram" / "*" / "*.parquet")
    return duckdb.sql(
        f"SELECT update_id, user_id, reply_to_user_id, chat_id FROM read_parquet('{files}') ORDER BY 1"
    ).fetchall()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("rights-demo")
    done = subprocess.run(
        [sys.executable, "-m", "local_pipeline.demo", "--workdir", str(workdir), "--updates", "150", "--days", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return workdir


def test_forget_one_customer_then_their_export_is_empty_and_the_others_are_untouched(demo):
    settings = json.loads((demo / "settings.json").read_text())
    before = rows(demo)
    authors = Counter(user for _, user, _, _ in before if user is not None)
    # The customer with the most rows who is also replied to: not staff, not a bot.
    staff = set(settings["staff_user_ids"])
    replied = {reply for _, _, reply, _ in before if reply is not None}
    person = next(
        u for u, _ in authors.most_common() if u not in staff and u in replied and u < 5_000_000_000
    )

    exported = demo / "before.json"
    result = rights("export", "--user-id", str(person), "--workdir", str(demo), "--out", str(exported))
    assert result.returncode == 0, result.stderr
    export = json.loads(exported.read_text())
    assert len(export["processed_rows"]) == authors[person]
    assert len(export["raw_updates_authored"]) >= authors[person]
    assert export["processed_replies_to_you"]

    forgot = rights("forget", "--user-id", str(person), "--workdir", str(demo))
    assert forgot.returncode == 0, forgot.stderr
    assert str(person) not in forgot.stdout + forgot.stderr
    assert "raw:telegram/context_date=" in forgot.stdout and "rows_removed" in forgot.stdout

    after = rows(demo)  # forget refreshed the mirror `make sql` reads
    assert person not in {user for _, user, _, _ in after}
    assert person not in {reply for _, _, reply, _ in after}
    # Everyone else's rows: the same rows, the same authors; only references to the person are cleared.
    others = [
        (u, user, None if reply == person else reply, chat)
        for u, user, reply, chat in before
        if user != person
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
