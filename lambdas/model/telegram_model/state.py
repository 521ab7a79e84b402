"""The model's per-day state (model/_state/ in the processed bucket), which lets the daily run compute its
new day once instead of re-reading the 14 days before it (telegram_model.incremental).

Every run writes, for each day it writes (the days first..last), beside the tables:
- versions: each message of the day (its first version arrived that day) with its latest version's
  update_id (the message_versions layer), so that a later edit is found and ranked;
- keyword_counts: the day's keyword counts (the keyword_counts layer), which automatic topics add up;
- events: the day's updates that are not messages (button clicks, reactions, member changes, ...) and the
  group migrations, as processed (small: the case layers read them over the whole window);
- albums: the day's albums (chat, media_group_id), so that an album spanning two days is noticed;
- a marker, `model/_state/days/context_date=D/<fingerprint>`, written last: the day's state is complete and
  was computed by these layers with these settings (the fingerprint of their SQL). A run with other
  settings or other SQL finds no state of its own and recomputes in full.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from telegram_etl.storage import Storage
from telegram_model.tables import MODEL_PREFIX

# Beside the tables (not in any table's folder; Athena skips names starting with _): the model step's
# role, the retention and the right to erasure's recomputation cover it as they cover the tables.
STATE_PREFIX = f"{MODEL_PREFIX}/_state"
MESSAGE_TYPES = "('message', 'edited_message', 'channel_post', 'edited_channel_post')"
# Each kind of state as the SQL that selects a day's rows of it (`{day}` a date literal). versions and
# keyword_counts come from the layers; events and albums from the processed updates of the day.
STATE_SQL = {
    "versions": "SELECT chat_id, message_id, update_id FROM message_versions "
    "WHERE first_context_date = {day} ORDER BY chat_id, message_id",
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
FROM_LAYERS = ("versions", "keyword_counts")
FROM_UPDATES = ("events", "albums")


def fingerprint(layers: Iterable[tuple[str, str]]) -> str:
    """The layers' SQL as run (settings in it): state computed by other SQL or settings is not reused."""
    digest = hashlib.sha256()
    for name, sql in layers:
        digest.update(f"{name}\n{sql}\n".encode())
    return digest.hexdigest()[:16]


def state_key(kind: str, day: date) -> str:
    return f"{STATE_PREFIX}/{kind}/context_date={day.isoformat()}/part-00000.parquet"


def marker_prefix(day: date) -> str:
    return f"{STATE_PREFIX}/days/context_date={day.isoformat()}/"


def has_state(storage: Storage, bucket: str, day: date, mark: str) -> bool:
    return any(o.key == marker_prefix(day) + mark for o in storage.list_objects(bucket, marker_prefix(day)))


def write_state(
    storage: Storage, bucket: str, connection: duckdb.DuckDBPyConnection, day: date, mark: str,
    kinds: Iterable[str],
) -> None:  # fmt: skip
    """The day's state of these kinds from the connection's tables, then its marker (the others go: the
    day's state is now this run's). The day's marker goes first, so a run that fails half-way leaves no
    day marked with a mix."""
    stale = [o.key for o in storage.list_objects(bucket, marker_prefix(day))]
    if stale:
        storage.delete(bucket, stale)
    for kind in kinds:
        rows = connection.sql(STATE_SQL[kind].format(day=f"'{day.isoformat()}'")).to_arrow_table()
        sink = io.BytesIO()
        pq.write_table(rows, sink, compression="zstd")
        storage.put(bucket, state_key(kind, day), sink.getvalue(), "application/octet-stream")
    storage.put(bucket, marker_prefix(day) + mark, b"", "text/plain")


def download(storage: Storage, bucket: str, key: str, folder: Path) -> Path | None:
    """An object into folder/<key> (None when it does not exist), for DuckDB to read with its columns and
    filters pushed down, spilling as it needs, instead of whole tables held in Python."""
    if not any(o.key == key for o in storage.list_objects(bucket, key.rsplit("/", 1)[0] + "/")):
        return None
    target = folder / key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(storage.get(bucket, key))
    return target
