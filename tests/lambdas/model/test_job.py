"""The model step over processed days in memory: which days it reads and writes, one object per table and
day, the same bytes on a re-run, stale days removed, and the rating's request taken from one row; a day
stored before a column existed; DuckDB within its share of the function's memory, spilling to /tmp; a
partition written a batch at a time has the bytes of one written whole."""

import io
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from telegram_etl.schema import ARROW_SCHEMA
from telegram_model import build, job
from telegram_model.app import BadRequest, Settings, window
from telegram_model.job import part_key, run_model, write_partition
from telegram_model.tables import CASES, MESSAGES, RATINGS, REQUESTS
from tests.lambdas.etl.test_job import MemoryStorage

D = date(2025, 3, 10)
CHAT, ASKER, STAFF, BOT = -100, 1, 2, 3
SETTINGS = Settings(timezone="UTC", feedback_resolved_values=("yes",), feedback_unresolved_values=("no",))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def message(
    update_id, message_id, user, when, text, *, intent=None, stems=(), reply_to=None, staff=False, bot=False
):
    return {"update_id": update_id, "update_type": "message", "message_id": message_id, "chat_id": CHAT,
            "chat_type": "supergroup", "user_id": user, "user_is_bot": bot, "user_is_staff": staff, "date": when,
            "text": text, "normalized_text": text.lower(), "intent": intent, "keywords": list(stems),
            "keyword_stems": list(stems), "reply_to_message_id": reply_to}  # fmt: skip


def put_day(storage, day: date, rows: list[dict], schema: pa.Schema = ARROW_SCHEMA) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    storage.put("out", f"telegram/context_date={day}/part-00000.parquet", sink.getvalue(), "x")


def read(storage, table, day) -> pa.Table:
    return pq.read_table(io.BytesIO(storage.get("out", part_key(table, day))))


@pytest.fixture
def storage():
    return sample_storage()


def sample_storage() -> MemoryStorage:
    """A question on day D, answered by staff on D+1."""
    storage = MemoryStorage()
    put_day(
        storage,
        D,
        [message(1, 1, ASKER, at(D, 10), "Onde está meu pedido?", intent="question", stems=["pedido"])],
    )
    # Staff answers the next day.
    put_day(
        storage,
        D + timedelta(days=1),
        [message(2, 2, STAFF, at(D + timedelta(days=1), 9), "Chega hoje", reply_to=1, staff=True)],
    )
    return storage


def test_a_day_run_writes_its_8_days_reading_the_days_after_too(storage):
    # {"date": D}: D-7..D, as after re-running the ETL for D: the answer of D+1 still counts.
    first, last = window({"date": D.isoformat()})
    assert (first, last) == (D - timedelta(days=7), D)
    result = run_model(storage, bucket="out", settings=SETTINGS, first=first, last=last)
    assert result.read_days == 2 and result.rows == {"messages": 1, "requests": 1, "cases": 1, "ratings": 0}
    (case,) = read(storage, CASES, D).to_pylist()
    assert case["message_id"] == 1 and case["answered_at"] == at(D + timedelta(days=1), 9)
    assert case["first_response_minutes"] == 23 * 60.0 and case["topic"] == "pedido"
    assert read(storage, CASES, D).schema.names == CASES.arrow_schema.names
    # Day D+1 is outside the window: not written (the next day's run writes it).
    assert not list(storage.list_objects("out", f"model/messages/context_date={D + timedelta(days=1)}/"))


def test_one_object_per_table_and_day_the_same_bytes_again_and_stale_days_removed(storage):
    run_model(storage, bucket="out", settings=SETTINGS, first=D, last=D + timedelta(days=1))
    first = {key: body for (bucket, key), body in storage.objects.items() if key.startswith("model/")}
    assert sorted(key for key in first if not key.startswith("model/_state/")) == sorted([part_key(t, d) for t in (MESSAGES, REQUESTS, CASES) for d in (D,)]
                                   + [part_key(MESSAGES, D + timedelta(days=1))])  # fmt: skip
    run_model(storage, bucket="out", settings=SETTINGS, first=D, last=D + timedelta(days=1))
    again = {key: body for (bucket, key), body in storage.objects.items() if key.startswith("model/")}
    assert again == first  # idempotent, byte for byte
    # The day's updates gone (forgotten): its partitions go too, nothing half-left.
    del storage.objects[("out", f"telegram/context_date={D}/part-00000.parquet")]
    run_model(storage, bucket="out", settings=SETTINGS, first=D, last=D + timedelta(days=1))
    left = sorted(key for (_, key) in storage.objects if key.startswith("model/") and "/_state/" not in key)
    assert left == [part_key(MESSAGES, D + timedelta(days=1))]


def test_the_rated_request_is_one_rows_chat_and_id_the_later_message_on_a_tie():
    storage = MemoryStorage()
    same = at(D, 10)
    put_day(storage, D, [
        message(1, 10, ASKER, same, "pedido atrasado?", intent="question", stems=["pedido"]),
        message(2, 11, ASKER, same, "cadê o boleto?", intent="question", stems=["boleto"]),
        message(3, 12, BOT, at(D, 10, 5), "Resolveu?", bot=True),
        {"update_id": 4, "update_type": "callback_query", "chat_id": CHAT, "message_id": 12, "user_id": ASKER,
         "callback_data": "yes", "date": at(D, 10, 5)},
    ])  # fmt: skip
    run_model(storage, bucket="out", settings=SETTINGS, first=D, last=D)
    (rating,) = read(storage, RATINGS, D).to_pylist()
    assert (rating["request_chat_id"], rating["request_id"], rating["verdict"]) == (CHAT, 11, "resolved")
    feedback = {c["message_id"]: c["feedback"] for c in read(storage, CASES, D).to_pylist()}
    assert feedback == {10: None, 11: "resolved"}


def test_the_window_of_an_etl_result_a_range_and_bad_payloads():
    record = {
        "requestPayload": {"time": "x"},
        "responsePayload": {"days": [{"date": "2025-03-10"}, {"date": "2025-03-12"}]},
    }
    assert window(record) == (date(2025, 3, 3), date(2025, 3, 12))
    assert window({"responsePayload": {"days": []}}) is None
    assert window({"start_date": "2025-01-01", "end_date": "2025-01-31"}) == (
        date(2025, 1, 1),
        date(2025, 1, 31),
    )
    for bad in ({"start_date": "2025-01-01", "end_date": "2025-02-01"}, {"start_date": "2025-01-02", "end_date": "2025-01-01"},
                {"date": "yesterday"}, {}):  # fmt: skip
        with pytest.raises(BadRequest):
            window(bad)


def test_settings_travel_as_json_and_unknown_keys_are_refused():
    settings = Settings(
        timezone="America/Sao_Paulo", staff_user_ids=(5,), topic_rules={"entrega": ("prazo",)}
    )
    assert Settings.from_json(settings.to_json()) == settings
    with pytest.raises(RuntimeError, match="unknown"):
        Settings.from_json('{"timezon": "UTC"}')


def test_a_day_stored_before_a_column_existed_reads_it_as_null():
    # Day D was processed before text_language existed (its file has no such column); D+1 has it.
    storage = MemoryStorage()
    older = ARROW_SCHEMA.remove(ARROW_SCHEMA.get_field_index("text_language"))
    put_day(storage, D, [message(1, 1, ASKER, at(D, 10), "Onde está meu pedido?", intent="question",
                                 stems=["pedido"])], older)  # fmt: skip
    later = message(2, 2, ASKER, at(D + timedelta(days=1), 9), "Cadê o boleto?", intent="question",
                    stems=["boleto"])  # fmt: skip
    put_day(storage, D + timedelta(days=1), [{**later, "text_language": "pt"}])
    result = run_model(storage, bucket="out", settings=SETTINGS, first=D, last=D + timedelta(days=1))
    assert result.read_days == 2 and result.updates == 2
    languages = [(r["message_id"], r["language"]) for d in (D, D + timedelta(days=1))
                 for r in read(storage, REQUESTS, d).to_pylist()]  # fmt: skip
    assert languages == [(1, None), (2, "pt")]


def test_duckdb_holds_its_share_of_the_functions_memory_and_spills_the_rest_to_tmp(monkeypatch):
    with tempfile.TemporaryDirectory() as folder:
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        connection = build.connect(Path(folder))  # the run's folder in Lambda's /tmp
        # 60% of 256 MB: 153 MB, 153,000,000 bytes = 145.9 MiB.
        assert connection.sql("SELECT current_setting('memory_limit')").fetchall() == [("145.9 MiB",)]
        # ~2M rows of 200+ characters: more than the limit, held by spilling to /tmp.
        connection.execute(
            "CREATE TEMP TABLE big AS SELECT i, repeat('x', 200) || i AS s FROM range(2000000) t(i)"
        )
        assert connection.sql("SELECT count(DISTINCT s) FROM big").fetchall() == [(2_000_000,)]
        (spilled,) = connection.sql("SELECT sum(temporary_storage_bytes) FROM duckdb_memory()").fetchall()[0]
        assert spilled > 100 * 2**20
        assert any((Path(folder) / "duckdb-spill").iterdir())
        connection.close()


def test_a_partition_written_a_batch_at_a_time_has_the_bytes_of_one_written_whole(monkeypatch):
    monkeypatch.setattr(job, "ROW_GROUP_ROWS", 3)  # 10 rows: row groups of 3, 3, 3, 1
    rows = [{"chat_id": CHAT, "prompt_key": k, "owner_id": ASKER, "verdict": "resolved", "last_click": k}
            for k in range(10)]  # fmt: skip
    whole = pa.Table.from_pylist(rows, schema=RATINGS.arrow_schema)
    batches = [whole.slice(0, 4), whole.slice(4, 1), whole.slice(5, 5)]
    one, many = MemoryStorage(), MemoryStorage()
    assert write_partition(one, "out", RATINGS, D, [whole]) == 10
    assert write_partition(many, "out", RATINGS, D, batches) == 10
    assert many.objects == one.objects
    written = pq.ParquetFile(io.BytesIO(one.get("out", part_key(RATINGS, D))))
    assert [written.metadata.row_group(i).num_rows for i in range(written.num_row_groups)] == [3, 3, 3, 1]
    # No rows: the day's object goes.
    assert write_partition(many, "out", RATINGS, D, iter(())) == 0
    assert not many.objects
