"""The model's per-day state (model/_state/ in the processed bucket), which lets the daily run compute its
new day once instead of re-reading the 14 days before it (telegram_model.incremental).

Every run writes, for each day it writes (the days first..last), beside the tables:
- versions: each message of the day (its first version arrived that day) with its latest version's
  update_id (the message_versions layer), so that a later edit is found and ranked;
- keyword_counts: the day's keyword counts (the keyword_counts layer), which automatic topics add up;
- events: the day's updates that are not messages (button clicks, reactions, member changes, ...) and the
  group migrations, as processed (small: the case layers read them over the whole window);
- albums: the day's albums (chat, media_group_id), so that an album spanning two days is noticed;
- a marker, `model/_state/days/context_date=D/<fingerprint>`, written last, after the tables and the state of
  every day the run writes (their markers are deleted before anything is written: a run that fails half-way
  leaves none of its days marked): the day's state is complete and was computed by this code (STATE_VERSION,
  the state's SQL and columns, the model tables' columns) with these layers and settings. A run with other
  settings, SQL, tables or state code finds no state of its own and recomputes in full.
A day is marked only when its state is what a full run reading it would see: a full run leaves unmarked
(and unmarks) a day whose message's latest version arrived more than CONTEXT_DAYS after it (an edit too
late to reach the day's tables: stale_days, recorded under model/_state/stale/ for the runs that do not
read that far, markable).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from telegram_etl.storage import Storage
from telegram_model.layers import ModelSettings
from telegram_model.tables import MODEL_PREFIX, TABLES

# Beside the tables (not in any table's folder; Athena skips names starting with _): the model step's
# role, the retention and the right to erasure's recomputation cover it as they cover the tables.
STATE_PREFIX = f"{MODEL_PREFIX}/_state"
MESSAGE_TYPES = "('message', 'edited_message', 'channel_post', 'edited_channel_post')"
# Each kind of state as the SQL that selects a day's rows of it (`{day}` a date literal). versions and
# keyword_counts come from the layers; events and albums from the processed updates of the day.
STATE_SQL = {
    "versions": "SELECT chat_id, message_id, update_id FROM message_versions "
    "WHERE first_context_date = {day} AND has_original ORDER BY chat_id, message_id",
    "keyword_counts": "SELECT stem, word, uses FROM keyword_counts WHERE context_date = {day} "
    "ORDER BY stem, word",
    "events": f"""SELECT * EXCLUDE (context_date) FROM telegram_updates WHERE context_date = {{day}}
        AND (update_type NOT IN {MESSAGE_TYPES} OR migrate_to_chat_id IS NOT NULL
             OR migrate_from_chat_id IS NOT NULL)
        ORDER BY update_id""",  # noqa: S608
    "albums": f"""SELECT DISTINCT chat_id, media_group_id FROM telegram_updates WHERE context_date = {{day}}
        AND media_group_id IS NOT NULL AND update_type IN {MESSAGE_TYPES}
        ORDER BY chat_id, media_group_id""",  # noqa: S608
}
# Each kind's columns, as the incremental run reads them back (events: the processed table's).
STATE_COLUMNS = {
    "versions": "chat_id BIGINT, message_id BIGINT, update_id BIGINT",
    "keyword_counts": "stem VARCHAR, word VARCHAR, uses BIGINT",
    "albums": "chat_id BIGINT, media_group_id VARCHAR",
}
FROM_LAYERS = ("versions", "keyword_counts")
FROM_UPDATES = ("events", "albums")
# The meaning of the state beyond its SQL (what the runs read and write, which days are marked): raise it
# with any such change, so that no run reuses state written by the code before.
STATE_VERSION = 2
# The days whose messages' latest version arrived more than `{days}` days after them: the days' tables
# (written up to `{days}` days after) no longer show what a run reading them sees.
STALE_SQL = """SELECT DISTINCT v.first_context_date FROM message_versions AS v
    JOIN telegram_updates AS u ON u.update_id = v.update_id
    WHERE v.has_original
      AND u.context_date > strftime(CAST(v.first_context_date AS DATE) + INTERVAL {days} DAY, '%Y-%m-%d')
    ORDER BY 1"""


def fingerprint(layers: Iterable[tuple[str, str]], settings: ModelSettings) -> str:
    """What the state depends on: the layers' SQL as run (settings in it), the settings themselves, the
    model tables' columns and the state's own SQL, columns and version. State computed with any other is
    not reused."""
    digest = hashlib.sha256(f"state {STATE_VERSION}\n".encode())
    for name, sql in layers:
        digest.update(f"{name}\n{sql}\n".encode())
    values = {name: getattr(settings, name) for name in ModelSettings.__annotations__}
    digest.update(json.dumps(values, sort_keys=True, ensure_ascii=False, default=_plain).encode())
    for table in TABLES:
        columns = ", ".join(f"{f.name} {f.type}" for f in table.arrow_schema)
        digest.update(f"{table.name} ({columns}) {table.order}\n".encode())
    for kind in sorted(STATE_SQL):
        digest.update(f"{kind}\n{STATE_SQL[kind]}\n{STATE_COLUMNS.get(kind, '')}\n".encode())
    digest.update(f"{STALE_SQL}\n".encode())
    return digest.hexdigest()[:16]


def _plain(value: object) -> object:
    return dict(value) if isinstance(value, Mapping) else list(value)  # type: ignore[call-overload]


def state_key(kind: str, day: date) -> str:
    return f"{STATE_PREFIX}/{kind}/context_date={day.isoformat()}/part-00000.parquet"


def marker_prefix(day: date) -> str:
    return f"{STATE_PREFIX}/days/context_date={day.isoformat()}/"


def has_state(storage: Storage, bucket: str, day: date, mark: str) -> bool:
    return _exists(storage, bucket, marker_prefix(day) + mark)


def _exists(storage: Storage, bucket: str, key: str) -> bool:
    """Whether the object is there, by listing its folder (the local file storage lists folders only)."""
    return any(o.key == key for o in storage.list_objects(bucket, key.rsplit("/", 1)[0] + "/"))


def write_state(
    storage: Storage, bucket: str, connection: duckdb.DuckDBPyConnection, day: date, kinds: Iterable[str]
) -> None:  # fmt: skip
    """The day's state of these kinds from the connection's tables (its marker: mark_days, after)."""
    for kind in kinds:
        rows = connection.sql(STATE_SQL[kind].format(day=f"'{day.isoformat()}'")).to_arrow_table()
        sink = io.BytesIO()
        pq.write_table(rows, sink, compression="zstd")
        storage.put(bucket, state_key(kind, day), sink.getvalue(), "application/octet-stream")


def unmark_days(storage: Storage, bucket: str, days: Iterable[date]) -> None:
    """Remove the days' markers (any fingerprint's): their state is no longer valid for any run."""
    for day in days:
        stale = [o.key for o in storage.list_objects(bucket, marker_prefix(day))]
        if stale:
            storage.delete(bucket, stale)


def mark_days(storage: Storage, bucket: str, days: Iterable[date], mark: str) -> None:
    """The days' state is complete, of this fingerprint: written last, after the tables and the state."""
    for day in days:
        storage.put(bucket, marker_prefix(day) + mark, b"", "text/plain")


def stale_days(connection: duckdb.DuckDBPyConnection, context_days: int) -> set[date]:
    """The days read (by a full run) whose state would not be what a run reading them sees: a message of
    theirs has a version that arrived more than context_days after it. Each is recorded (stale_key): a
    later run that does not read that far still knows."""
    sql = STALE_SQL.format(days=int(context_days))
    return {date.fromisoformat(day) for (day,) in connection.execute(sql).fetchall()}


def stale_key(day: date) -> str:
    return f"{STATE_PREFIX}/stale/context_date={day.isoformat()}/late-edit"


def _recorded_stale(storage: Storage, bucket: str, day: date) -> bool:
    return _exists(storage, bucket, stale_key(day))


def record_stale(storage: Storage, bucket: str, days: Iterable[date]) -> None:
    for day in days:
        storage.put(bucket, stale_key(day), b"", "text/plain")


def markable(
    storage: Storage, bucket: str, days: Iterable[date], stale: set[date], last: date, context_days: int
) -> list[date]:  # fmt: skip
    """Of the days a full run of ..last wrote state for, those it may mark. A day's state serves the
    incremental runs of the 2 * context_days days after it, which see every version up to the day before
    theirs; the run saw versions up to last + context_days: a day it saw a late version of is stale, and
    so is a day whose reach goes past what it read if an earlier run found it stale (a late edit is found
    by the run of the day it arrived on, which reads the edited day)."""
    seen = last + timedelta(days=context_days)
    return [
        day for day in days
        if day not in stale
        and (day + timedelta(days=2 * context_days - 1) <= seen
             or not _recorded_stale(storage, bucket, day))
    ]  # fmt: skip


def download(storage: Storage, bucket: str, key: str, folder: Path) -> Path | None:
    """An object into folder/<key> (None when it does not exist), for DuckDB to read with its columns and
    filters pushed down, spilling as it needs, instead of whole tables held in Python."""
    if not _exists(storage, bucket, key):
        return None
    return fetch(storage, bucket, key, folder)


def fetch(storage: Storage, bucket: str, key: str, folder: Path) -> Path:
    """An existing object copied to folder/<key>: its day stays in its path (context_date=...)."""
    target = folder / key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(storage.get(bucket, key))
    return target
