"""The daily run, incrementally: the new day's processed updates read once, the 14 days before it from the
model's own tables and its per-day state (telegram_model.state), with the same layers and the same rows as
a run that re-reads all 15 days (telegram_model.job.run_model, `full`).

After the ETL writes day R, a run writes R-7..R and reads R-14..R. What the days before R add to it, and
where it comes from here:
- the messages of R-7..R-1 (their requests' topics change with the keyword counts, their cases with R's
  answers, clicks and reactions): the stored `messages` partitions, whole for their requests and the
  days R edits, without their texts for the other messages (only the case layers read those, and only
  their ids, roles and replies); a day's partition is rewritten only when R edits one of its messages;
- the requests of R-14..R-8 (a click rates a request up to 7 days before) and the customer messages
  that a reply or a button replies to: the stored `messages` rows of those, without texts;
- the keyword counts of R-14..R-8: their state;
- the clicks, reactions and group migrations of R-14..R-1: their state (`events`);
- which messages R edits (and whether R's version is the later one): their state (`versions`); an edit
  of a message in no day's state has no original in the 15 days and is no message (has_original), as in
  the full run.
The incremental run gives way to the full one (returns None) when it cannot give the same rows: a day
before R without valid state (telegram_model.state: a marker of these layers, settings, tables and state
code), a processed day after R, R migrating a group, an album spanning R and an earlier day, or R editing
a message of R-14..R-8. Its days' markers go before it writes and come back after its tables and state.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb

from telegram_etl.storage import Storage
from telegram_model.build import UPDATES, connect, day_rows, register_updates, run_layers
from telegram_model.state import (
    FROM_LAYERS,
    FROM_UPDATES,
    MESSAGE_TYPES,
    STATE_COLUMNS,
    download,
    has_state,
    mark_days,
    state_key,
    unmark_days,
)
from telegram_model.tables import MESSAGES, REQUESTS, TABLES, Table

FIRST_LAYERS = ("chat_migrations", "message_versions", "messages")
# The message columns only requests (and the rewritten days) need; the case layers read ids, roles and
# replies, and hand-overs read our bot's normalized_text.
TEXTS = ("text", "normalized_text", "keywords", "keyword_stems")


# The layers' rows of a table, of these days (None: all the run writes), written: how many.
WriteTable = Callable[[duckdb.DuckDBPyConnection, Table, "list[date] | None"], int]
WriteState = Callable[[duckdb.DuckDBPyConnection, date, Sequence[str]], None]


def files_sql(paths: Sequence[Path], columns: str = "*") -> str:
    """A DuckDB relation over stored partitions (their context_date from the path), or an empty one."""
    listed = ", ".join(f"'{p.as_posix()}'" for p in paths)
    return (
        f"SELECT {columns} FROM read_parquet([{listed}], hive_partitioning = true, "  # noqa: S608
        "hive_types = {'context_date': VARCHAR})"
    )


def run_incremental(
    storage: Storage, *, bucket: str, layers: list[tuple[str, str]], mark: str, first: date, last: date,
    context_days: int, processed_prefix: str, download_updates: Callable[[date, Path], list[Path]],
    write_table: WriteTable, write_state: WriteState,
) -> tuple[dict[str, int], int] | None:  # fmt: skip
    """Write first..last (last: the new day) as run_model does, or None (nothing written) when only the
    full run gives its rows. Returns the rows written per table and the updates read."""
    earlier = [last - timedelta(days=n) for n in range(2 * context_days, 0, -1)]
    later = [last + timedelta(days=n) for n in range(1, context_days + 1)]

    def processed(day: date) -> bool:
        return any(True for _ in storage.list_objects(bucket, f"{processed_prefix}/context_date={day}/"))

    if any(processed(day) for day in later):
        return None
    stateful = [day for day in earlier if has_state(storage, bucket, day, mark)]
    if any(processed(day) for day in earlier if day not in stateful):
        return None

    with tempfile.TemporaryDirectory(prefix="model-") as folder:
        fetched: dict[str, list[Path]] = {}
        for kind in ("versions", "keyword_counts", "events", "albums"):
            paths = [download(storage, bucket, state_key(kind, day), Path(folder)) for day in stateful]
            fetched[kind] = [p for p in paths if p is not None]
        for table in (MESSAGES, REQUESTS):
            keys = [f"{table.prefix()}/context_date={day}/part-00000.parquet" for day in stateful]
            paths = [download(storage, bucket, key, Path(folder)) for key in keys]
            fetched[table.name] = [p for p in paths if p is not None]
        new_day = download_updates(last, Path(folder))
        read = sum(day_rows(new_day).values())
        connection = connect(Path(folder))
        try:
            # R's updates and the days before's events (each file's day from its path), read by DuckDB.
            register_updates(connection, [*new_day, *fetched["events"]])
            done = _run(connection, layers, fetched, first, last)
            if done is None:
                return None
            written, table_days = done
            # Nothing of the run's days stays marked while their tables and state are half-written.
            run_days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            unmark_days(storage, bucket, run_days)
            for table in TABLES:
                written[table.name] = write_table(connection, table, table_days.get(table.name))
            for day in run_days[:-1]:  # the earlier written days: what R changed of their state
                write_state(connection, day, FROM_LAYERS)
            write_state(connection, last, (*FROM_LAYERS, *FROM_UPDATES))
            mark_days(storage, bucket, run_days, mark)
        finally:
            connection.close()
    return written, read


def _run(
    connection: duckdb.DuckDBPyConnection, layers: list[tuple[str, str]], fetched: dict[str, list[Path]],
    first: date, last: date,
) -> tuple[dict[str, int], dict[str, list[date]]] | None:  # fmt: skip
    """The layers of first..last in the connection (None: only the full run gives their rows), and the days
    of each table to write (messages: R and the days whose messages R edits; the others: all)."""
    new, first_day = f"'{last.isoformat()}'", f"'{first.isoformat()}'"
    # The run's own tables (state_*, patched, targets, the patched message_versions and messages) are
    # tables of the database file, as the layers are (telegram_model.build.connect): compressed and evicted
    # as DuckDB needs (as TEMP tables they held ~5 GiB of DuckDB's memory at 10M updates a day).
    for kind, columns in STATE_COLUMNS.items():
        connection.execute(f"CREATE TABLE state_{kind} ({columns}, context_date VARCHAR)")
        if fetched[kind]:
            connection.execute(f"INSERT INTO state_{kind} BY NAME {files_sql(fetched[kind])}")
    # R's edits of messages in the state have their original there (has_original: a message counts only
    # with its original, which an edit of a message of a day not in the state lacks, as in the full run).
    run_layers(connection, [(name, sql) for name, sql in layers if name in FIRST_LAYERS[:-1]])
    connection.execute("""UPDATE message_versions AS v SET has_original = true WHERE EXISTS (
        SELECT 1 FROM state_versions AS s WHERE s.chat_id = v.chat_id AND s.message_id = v.message_id)""")
    run_layers(connection, [(name, sql) for name, sql in layers if name == FIRST_LAYERS[-1]])

    def count(sql: str) -> int:
        return connection.execute(sql).fetchone()[0]

    # What only the full run gets right: a migration (it renames earlier days' groups), an album across
    # days, an edit of a message of a context day (not rewritten here, but read by the full run).
    migrations = f"""SELECT count(*) FROM {UPDATES} WHERE context_date = {new}
        AND (migrate_to_chat_id IS NOT NULL OR migrate_from_chat_id IS NOT NULL)"""  # noqa: S608
    albums = f"""SELECT count(*) FROM (
            SELECT DISTINCT chat_id, media_group_id FROM {UPDATES}
            WHERE context_date = {new} AND media_group_id IS NOT NULL AND update_type IN {MESSAGE_TYPES}
        ) JOIN state_albums USING (chat_id, media_group_id)"""  # noqa: S608
    old_edits = f"""SELECT count(*) FROM message_versions AS v
        JOIN state_versions AS s USING (chat_id, message_id)
        WHERE v.first_context_date = {new} AND s.context_date < {first_day}"""  # noqa: S608
    if count(migrations) or count(albums) or count(old_edits):
        return None

    # The versions of the window: the stored ones and R's; an R version later than the stored one is an
    # edit of an earlier day's message, whose row R's version now gives (its day kept).
    connection.execute("ALTER TABLE message_versions RENAME TO day_versions")
    connection.execute(f"""
        CREATE TABLE patched AS
        SELECT v.chat_id, v.message_id, s.context_date AS day
        FROM day_versions AS v JOIN state_versions AS s USING (chat_id, message_id)
        WHERE v.first_context_date = {new} AND v.update_id > s.update_id""")  # noqa: S608
    connection.execute(f"""
        CREATE TABLE message_versions AS
        SELECT chat_id, message_id, max(update_id) AS update_id,
               min(first_context_date) AS first_context_date, bool_or(has_original) AS has_original
        FROM (SELECT chat_id, message_id, update_id, first_context_date, has_original FROM day_versions
              WHERE first_context_date = {new}
              UNION ALL SELECT chat_id, message_id, update_id, context_date, true FROM state_versions)
        GROUP BY 1, 2""")  # noqa: S608
    dirty = [d for (d,) in connection.execute("SELECT DISTINCT day FROM patched ORDER BY 1").fetchall()]
    dirty_sql = "(" + ", ".join(f"'{d}'" for d in [*dirty, last.isoformat()]) + ")"
    connection.execute("ALTER TABLE messages RENAME TO day_messages")
    stored = files_sql(fetched["messages"]) if fetched["messages"] else "FROM day_messages WHERE false"
    requested = (
        files_sql(fetched["requests"], "chat_id, message_id")
        if fetched["requests"]
        else "SELECT chat_id, message_id FROM day_messages WHERE false"
    )
    # Views: each use reads the columns (and days) it needs from the files, no copy of their texts.
    connection.execute(f"CREATE TEMP VIEW stored_messages AS {stored}")
    connection.execute(f"CREATE TEMP VIEW stored_requests AS {requested}")
    connection.execute(f"""
        CREATE TABLE targets AS
        SELECT DISTINCT chat_id, reply_to_message_id AS message_id
        FROM (SELECT chat_id, reply_to_message_id FROM day_messages
              UNION ALL SELECT chat_id, reply_to_message_id FROM stored_messages
              WHERE role <> 'customer' AND context_date >= {first_day}
              UNION ALL
              SELECT chat_id, reply_to_message_id FROM {UPDATES} WHERE update_type = 'callback_query')
        WHERE message_id IS NOT NULL""")  # noqa: S608
    # A written day's requests keep their texts (and our bot's, staff's... messages their normalized
    # text, for hand-overs); the rest of the rows only what the case layers read.
    kept_texts = ", ".join(
        f"CASE WHEN s.context_date >= {first_day} AND (q.message_id IS NOT NULL"
        + (" OR s.role <> 'customer'" if column == "normalized_text" else "")
        + f") THEN s.{column} END AS {column}"
        for column in TEXTS
    )
    connection.execute(f"""
        CREATE TABLE messages AS
        SELECT d.* FROM day_messages AS d ANTI JOIN state_versions AS s USING (chat_id, message_id)
        WHERE d.context_date = {new}
        UNION ALL BY NAME
        SELECT d.* REPLACE (p.day AS context_date)
        FROM day_messages AS d JOIN patched AS p USING (chat_id, message_id)
        UNION ALL BY NAME
        SELECT s.* FROM stored_messages AS s ANTI JOIN patched AS p USING (chat_id, message_id)
        WHERE s.context_date IN {dirty_sql}
        UNION ALL BY NAME
        SELECT s.* REPLACE ({kept_texts})
        FROM stored_messages AS s
        LEFT JOIN stored_requests AS q USING (chat_id, message_id)
        LEFT JOIN targets AS t ON t.chat_id = s.chat_id AND t.message_id = s.message_id
        WHERE s.context_date NOT IN {dirty_sql}
          AND ((s.role <> 'customer' AND s.context_date >= {first_day}) OR q.message_id IS NOT NULL
               OR t.message_id IS NOT NULL)""")  # noqa: S608
    # What only `messages` needed goes (the views over it are not read again); the checkpoint lets the
    # file reuse their blocks for the layers below instead of growing (/tmp).
    for name in ("targets", "patched", "day_messages", "day_versions"):
        connection.execute(f"DROP TABLE {name}")
    connection.execute("CHECKPOINT")
    for name, sql in layers:
        if name in FIRST_LAYERS:
            continue
        run_layers(connection, [(name, sql)])
        if name == "keyword_counts":  # the days before the written ones: their counts as stored
            connection.execute(
                "INSERT INTO keyword_counts BY NAME SELECT * FROM state_keyword_counts "  # noqa: S608
                f"WHERE context_date < {first_day}"
            )
    return {}, {MESSAGES.name: [date.fromisoformat(d) for d in dirty] + [last]}
