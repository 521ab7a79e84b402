"""The daily run reads its new day only (telegram_model.incremental) and writes the same bytes as the run
that re-reads the 14 days before it: over the demo generator's group, day after day, with its edits, albums,
buttons, reactions, outgoing bot messages and its group's migration to a supergroup. Its own tables are
tables of the run's database file, not temporary ones."""

import io
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from demo_data.generator import generate
from demo_data.group import BOT_USERNAME, STAFF_USER_IDS, TOPIC_RULES
from telegram_etl.flatten import flatten
from telegram_etl.privacy import People
from telegram_etl.schema import ARROW_SCHEMA
from telegram_model.app import Settings
from telegram_model.job import run_model
from tests.lambdas.etl.test_job import MemoryStorage

TIMEZONE = "America/Sao_Paulo"
SETTINGS = Settings(
    timezone=TIMEZONE, staff_user_ids=STAFF_USER_IDS, bot_username=BOT_USERNAME, topic_rules=dict(TOPIC_RULES),
    feedback_resolved_values=("feedback:yes",), feedback_unresolved_values=("feedback:no",),
    satisfied_reactions=("👍",), unsatisfied_reactions=("👎",), bot_handover_patterns=("vou chamar",),
)  # fmt: skip


def processed_days(updates: int, days: int, seed: int) -> dict[date, bytes]:
    """The generated group's updates as the ETL writes them: one Parquet object per local day."""
    conversation = generate(seed=seed, updates=updates, days=days)
    distinct = {d.update["update_id"]: d.update for d in conversation.deliveries}
    people = People(b"test-key", STAFF_USER_IDS)
    table = pa.Table.from_pylist(
        [flatten(u, None, people=people) for u in distinct.values()], schema=ARROW_SCHEMA
    )
    local = pc.fill_null_forward(table["date"].cast(pa.timestamp("ms", tz=TIMEZONE)))
    day_of = pc.strftime(local, format="%Y-%m-%d")
    out = {}
    for day in sorted(set(day_of.to_pylist())):
        sink = io.BytesIO()
        pq.write_table(table.filter(pc.equal(day_of, day)), sink)
        out[date.fromisoformat(day)] = sink.getvalue()
    return out


def model_objects(storage: MemoryStorage) -> dict[str, bytes]:
    """The model's tables (not its state, which each kind of run keeps in its own way)."""
    return {
        key: body
        for (_, key), body in storage.objects.items()
        if key.startswith("model/") and not key.startswith("model/_state/")
    }


@pytest.mark.slow  # the generator's group day after day: make test-slow
@pytest.mark.parametrize("seed", [1])
def test_day_after_day_the_incremental_run_writes_what_the_full_run_writes(seed):
    days = processed_days(4_000, 16, seed)
    incremental, full = MemoryStorage(), MemoryStorage()
    modes = []
    for day, body in days.items():
        for storage in (incremental, full):
            storage.put("out", f"telegram/context_date={day}/part-00000.parquet", body, "x")
        first = day - timedelta(days=7)
        result = run_model(
            incremental, bucket="out", settings=SETTINGS, first=first, last=day, new_days=[day]
        )
        expected = run_model(full, bucket="out", settings=SETTINGS, first=first, last=day)
        modes.append(result.mode)
        assert expected.mode == "full"
        assert model_objects(incremental) == model_objects(full), (day, result.mode)
    print(modes)
    assert modes.count("incremental") >= len(modes) - 3


def test_an_edit_of_an_earlier_days_message_rewrites_its_day_and_one_past_the_written_days_reads_all():
    # Day D: a request, a follow-up of its asker; D+1: the request edited to another topic (its day stays
    # D, whose partition the run rewrites), an older copy of the follow-up (an export's negative id: it
    # ranks below the live one and changes nothing), a new request; D+2: that one edited, and staff reply
    # to the follow-up (which answers the request of D); D+9: the request of D edited again, 9 days later:
    # D is no longer a written day, so only the full run reads it right, and the run gives way to it.
    from tests.lambdas.model.test_job import ASKER, STAFF, at, message, put_day

    D = date(2025, 3, 10)

    def edit(update_id, message_id, when, text, stems):
        row = message(update_id, message_id, ASKER, when, text, intent="question", stems=stems)
        return row | {"update_type": "edited_message"}

    days = {
        D: [message(1, 1, ASKER, at(D, 23, 50), "Onde está meu pedido?", intent="question", stems=["pedido"]),
            message(2, 2, ASKER, at(D, 23, 52), "alguém?", stems=[])],
        D + timedelta(days=1): [
            edit(3, 1, at(D, 23, 50), "Cadê o boleto?", ["boleto"]),
            message(-5, 2, ASKER, at(D, 23, 52), "copia antiga", stems=[]) | {"source": "export"},
            message(4, 4, ASKER, at(D + timedelta(days=1), 9), "Qual o prazo?", intent="question", stems=["prazo"]),
        ],
        D + timedelta(days=2): [
            edit(6, 4, at(D + timedelta(days=1), 9), "Qual o prazo do boleto?", ["prazo", "boleto"]),
            message(7, 7, STAFF, at(D + timedelta(days=2), 8), "Já foi", reply_to=2, staff=True),
        ],
        D + timedelta(days=9): [edit(8, 1, at(D, 23, 50), "Onde está o boleto?", ["boleto"])],
    }  # fmt: skip
    incremental, full = MemoryStorage(), MemoryStorage()
    modes = []
    for day, rows in days.items():
        for storage in (incremental, full):
            put_day(storage, day, rows)
        first = day - timedelta(days=7)
        modes.append(run_model(incremental, bucket="out", settings=SETTINGS, first=first, last=day,
                               new_days=[day]).mode)  # fmt: skip
        run_model(full, bucket="out", settings=SETTINGS, first=first, last=day)
        assert model_objects(incremental) == model_objects(full), day
        if day == D + timedelta(days=2):
            cases = pq.read_table(
                io.BytesIO(incremental.get("out", f"model/cases/context_date={D}/part-00000.parquet"))
            )
            (case,) = cases.to_pylist()
            assert (case["text"], case["topic"], case["staff_answered_at"]) == (
                "Cadê o boleto?", "pagamento", at(D + timedelta(days=2), 8)
            )  # fmt: skip
            texts = pq.read_table(
                io.BytesIO(incremental.get("out", f"model/messages/context_date={D}/part-00000.parquet"))
            )
            assert texts.column("text").to_pylist() == ["Cadê o boleto?", "alguém?"]
    assert modes == ["incremental", "incremental", "incremental", "full"]


def test_the_keyword_counts_of_the_days_before_the_written_ones_come_from_their_state():
    # Day D-10 (read by the run of D, not written) holds 3 requests on boletos; day D a request on the
    # prazo of a boleto and 2 on prazos: over R-14..R "boleto" is the most shared keyword (4 to 3), over
    # the written days alone it would be "prazo".
    from tests.lambdas.model.test_job import ASKER, SETTINGS, at, message, put_day

    D, before = date(2025, 3, 10), date(2025, 2, 28)
    days = {
        before: [message(n, n, ASKER, at(before, 9, n), "boleto?", intent="question", stems=["boleto"])
                 for n in (1, 2, 3)],
        D: [message(10, 10, ASKER, at(D, 9), "prazo do boleto?", intent="question", stems=["prazo", "boleto"])]
        + [message(n, n, ASKER, at(D, 10, n), "prazo?", intent="question", stems=["prazo"]) for n in (11, 12)],
    }  # fmt: skip
    incremental, full = MemoryStorage(), MemoryStorage()
    for day, rows in days.items():
        for storage in (incremental, full):
            put_day(storage, day, rows)
        first = day - timedelta(days=7)
        result = run_model(
            incremental, bucket="out", settings=SETTINGS, first=first, last=day, new_days=[day]
        )
        run_model(full, bucket="out", settings=SETTINGS, first=first, last=day)
        assert result.mode == "incremental"
        assert model_objects(incremental) == model_objects(full), day
    requests = pq.read_table(
        io.BytesIO(incremental.get("out", f"model/requests/context_date={D}/part-00000.parquet"))
    )
    assert dict(zip(requests["message_id"].to_pylist(), requests["topic"].to_pylist(), strict=True)) == {
        10: "boleto", 11: "prazo", 12: "prazo"
    }  # fmt: skip
    # `make remodel` over a range writes the state of its days too: the next day's run reads from it.
    after = D + timedelta(days=1)
    for storage in (incremental, full):
        run_model(storage, bucket="out", settings=SETTINGS, first=before, last=D)
        put_day(
            storage,
            after,
            [message(20, 20, ASKER, at(after, 9), "boleto?", intent="question", stems=["boleto"])],
        )
    first = after - timedelta(days=7)
    result = run_model(
        incremental, bucket="out", settings=SETTINGS, first=first, last=after, new_days=[after]
    )
    run_model(full, bucket="out", settings=SETTINGS, first=first, last=after)
    assert result.mode == "incremental" and model_objects(incremental) == model_objects(full)


def test_the_incremental_runs_own_tables_are_tables_of_its_database_file_not_temporary_ones(monkeypatch):
    # DuckDB keeps a TEMP table in its memory (uncompressed, spilled only past its limit); the tables of the
    # run's database file it compresses and evicts (telegram_model.build.connect). While the run writes,
    # its connection holds the layers and the state it read, all in that file; its working tables are gone.
    from telegram_model import job
    from telegram_model.layers import layer_files
    from telegram_model.state import STATE_COLUMNS
    from tests.lambdas.model.test_job import SETTINGS, D, sample_storage

    catalogs = []
    write_days = job.write_days

    def recording(storage, bucket, connection, table, written):
        listed = "SELECT database_name, table_name, temporary FROM duckdb_tables()"
        catalogs.append(connection.sql(listed).fetchall())
        return write_days(storage, bucket, connection, table, written)

    monkeypatch.setattr(job, "write_days", recording)
    storage = sample_storage()  # a question on D, staff's answer to it on D + 1
    # D's run is a full one (D + 1 is processed already); it writes D's state.
    first = D - timedelta(days=7)
    result = run_model(storage, bucket="out", settings=SETTINGS, first=first, last=D, new_days=[D])
    assert result.mode == "full"
    catalogs.clear()
    later = D + timedelta(days=1)
    result = run_model(storage, bucket="out", settings=SETTINGS, first=later - timedelta(days=7), last=later,
                       new_days=[later])  # fmt: skip
    assert result.mode == "incremental"
    assert len(catalogs) == 4  # one listing per table written
    state_tables = {f"state_{kind}" for kind in STATE_COLUMNS}
    for catalog in catalogs:
        assert [(name, temporary) for _, name, temporary in catalog if temporary] == []
        assert {database for database, _, _ in catalog} == {"model"}  # model.duckdb, in the run's folder
        assert {name for _, name, _ in catalog} == set(layer_files()) | state_tables


@pytest.mark.slow  # the generator's group day after day: make test-slow
def test_the_daily_run_is_incremental_unless_the_stage_opts_out():
    # model_incremental (MODEL_INCREMENTAL) is on by default; a stage that sets it false gets a full run
    # from the ETL's record even when every earlier day has its state, and the same tables.
    from aws_lambda_powertools import Logger

    from stacks.config import StageConfig
    from telegram_model.app import run

    assert StageConfig(stage="x").model_incremental is True
    days = processed_days(600, 16, 2)
    storages = {True: MemoryStorage(), False: MemoryStorage()}
    modes = {True: [], False: []}
    for day, body in days.items():
        record = {"responsePayload": {"days": [{"date": day.isoformat()}]}}
        for incremental, storage in storages.items():
            storage.put("out", f"telegram/context_date={day}/part-00000.parquet", body, "x")
            result = run(record, settings=SETTINGS, storage=storage, bucket="out",
                         logger=Logger(service="test"), incremental=incremental)  # fmt: skip
            modes[incremental].append(result["mode"])
        assert model_objects(storages[True]) == model_objects(storages[False]), day
    assert set(modes[False]) == {"full"}
    assert modes[True].count("incremental") >= len(modes[True]) - 3
