"""The daily run reads its new day only (telegram_model.incremental) and writes the same bytes as the run
that re-reads the 14 days before it: over the demo generator's group, day after day, with its edits, albums,
buttons, reactions, outgoing bot messages and its group's migration to a supergroup."""

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
    table = pa.Table.from_pylist([flatten(u, None, people=people) for u in distinct.values()], schema=ARROW_SCHEMA)
    local = pc.fill_null_forward(table["date"].cast(pa.timestamp("ms", tz=TIMEZONE)))
    day_of = pc.strftime(local, format="%Y-%m-%d")
    out = {}
    for day in sorted(set(day_of.to_pylist())):
        sink = io.BytesIO()
        pq.write_table(table.filter(pc.equal(day_of, day)), sink)
        out[date.fromisoformat(day)] = sink.getvalue()
    return out


def model_objects(storage: MemoryStorage) -> dict[str, bytes]:
    return {key: body for (_, key), body in storage.objects.items() if key.startswith("model/")}


@pytest.mark.parametrize("seed", [1, 7])
def test_day_after_day_the_incremental_run_writes_what_the_full_run_writes(seed):
    days = processed_days(6_000, 24, seed)
    incremental, full = MemoryStorage(), MemoryStorage()
    modes = []
    for day, body in days.items():
        for storage in (incremental, full):
            storage.put("out", f"telegram/context_date={day}/part-00000.parquet", body, "x")
        first = day - timedelta(days=7)
        result = run_model(incremental, bucket="out", settings=SETTINGS, first=first, last=day, new_days=[day])
        expected = run_model(full, bucket="out", settings=SETTINGS, first=first, last=day)
        modes.append(result.mode)
        assert expected.mode == "full"
        assert model_objects(incremental) == model_objects(full), (day, result.mode)
    print(modes)
    assert modes.count("incremental") >= len(modes) - 3
