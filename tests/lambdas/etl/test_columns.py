"""The columnar path (parse_update_fast + flatten_values + values_to_table, what the ETL runs) gives
exactly the Arrow table of the row-dict path (parse_update + flatten + pa.Table.from_pylist), which
stays as the flattener's specification."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import telegram_etl.flatten as flatten_module
from demo_data.generator import generate
from telegram_etl.flatten import (
    LossyNumber,
    epoch_ms,
    flatten,
    flatten_values,
    parse_update,
    parse_update_fast,
    text_features,
)
from telegram_etl.privacy import People
from telegram_etl.rows import to_table, values_to_table
from telegram_etl.schema import ARROW_SCHEMA, COLUMN_NAMES
from telegram_etl.text import intent, keywords, normalize, text_language
from tests.helpers import UPDATE_FILES
from tests.lambdas.etl.test_properties import updates as random_updates

STAMP = datetime(2025, 3, 10, 12, 30, 15, 987_654, tzinfo=UTC)


def generator_bodies() -> list[bytes]:
    bodies = []
    for seed in (1, 2, 3):
        conversation = generate(seed=seed, updates=3_000, days=2)
        bodies += [json.dumps(d.update, ensure_ascii=False).encode() for d in conversation.deliveries]
    return bodies


FIXTURE_BODIES = [path.read_bytes() for path in UPDATE_FILES]


# How people are stored: not at all (the bare mapping), as pseudonyms, in clear with staff set.
PEOPLE = {
    "no-people": lambda: None,
    "pseudonyms": lambda: People(b"test-key", staff_user_ids=(2_000_000_001, 5964236329)),
    "clear": lambda: People(None, staff_user_ids=(2_000_000_001, 5964236329)),
}


def row_path(
    bodies: list[bytes], ingested_at: datetime | None = STAMP, people=None, redactions=None
) -> pa.Table:
    rows = [flatten(parse_update(b), ingested_at, people=people, redactions=redactions) for b in bodies]
    return pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)


def columnar_path(
    bodies: list[bytes], ingested_at: datetime | None = STAMP, people=None, redactions=None
) -> pa.Table:
    values = []
    for body in bodies:
        update, exact = parse_update_fast(body)
        try:
            values.append(flatten_values(update, epoch_ms(ingested_at), exact_numbers=exact, people=people,
                                         redactions=redactions))  # fmt: skip
        except LossyNumber:
            values.append(flatten_values(parse_update(body), epoch_ms(ingested_at), people=people,
                                         redactions=redactions))  # fmt: skip
    conversion = values_to_table(values)
    assert not conversion.rejected and not conversion.repaired
    return conversion.table


@pytest.mark.parametrize("people", sorted(PEOPLE))
@pytest.mark.parametrize("fast_json", [True, False], ids=["orjson", "stdlib-json"])
@pytest.mark.parametrize("source", ["fixtures", "generator"])
def test_the_columnar_table_is_the_row_table(source, fast_json, people, monkeypatch):
    if fast_json and flatten_module.orjson is None:
        pytest.skip("orjson is not installed")
    if not fast_json:
        monkeypatch.setattr(flatten_module, "orjson", None)
    bodies = FIXTURE_BODIES if source == "fixtures" else generator_bodies()
    row_counts, columnar_counts = Counter(), Counter()
    expected = row_path(bodies, people=PEOPLE[people](), redactions=row_counts)
    found = columnar_path(bodies, people=PEOPLE[people](), redactions=columnar_counts)
    assert row_counts == columnar_counts
    assert found.schema.equals(expected.schema, check_metadata=True)
    assert found.equals(expected), [
        name for name in COLUMN_NAMES if not found.column(name).equals(expected.column(name))
    ]
    assert found.column("normalized_text").null_count < len(bodies)  # the text features are there


def test_every_fixture_row_is_the_same_tuple():
    for body in FIXTURE_BODIES:
        update = parse_update(body)
        row = flatten(update, None)
        values = flatten_values(update, None)
        ms = {name: epoch_ms(row[name]) for name in ("date", "edit_date")}
        assert values == tuple(ms.get(name, value) for name, value in row.items()), body[:80]


@settings(max_examples=400, deadline=None)
@given(st.lists(random_updates, min_size=1, max_size=6), st.none() | st.datetimes(timezones=st.just(UTC)))
def test_random_updates_give_the_same_conversion(batch, ingested_at):
    expected = to_table([flatten(update, ingested_at) for update in batch])
    found = values_to_table([flatten_values(update, epoch_ms(ingested_at)) for update in batch])
    assert found.table.equals(expected.table)
    assert (found.rejected, found.repaired) == (expected.rejected, expected.repaired)


def test_arrow_refusals_fall_back_to_the_row_path_with_the_same_repairs():
    bodies = [b'{"update_id": 1, "message": {"text": "oi \\ud83d ?", "date": 1700000000}}', FIXTURE_BODIES[0]]
    expected = to_table([flatten(parse_update(b), STAMP) for b in bodies])
    found = values_to_table([flatten_values(parse_update_fast(b)[0], epoch_ms(STAMP)) for b in bodies])
    assert found.repaired == expected.repaired == 1
    assert found.table.equals(expected.table)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
    | st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-3)), timezone(timedelta(hours=5, minutes=30))]),
    )
)  # fmt: skip
def test_epoch_ms_is_what_arrow_stores(moment):
    stored = pa.array([moment], type=pa.timestamp("ms", tz="UTC")).cast(pa.int64())[0].as_py()
    assert epoch_ms(moment) == stored


@pytest.mark.parametrize("seconds", [-1, 0, 1, 1_700_000_000, 253_402_300_799, 253_402_300_800, 2**63, True])
def test_dates_at_the_edges_are_the_same(seconds):
    update = {"update_id": 1, "message": {"date": seconds, "edit_date": seconds}}
    assert values_to_table([flatten_values(update, None)]).table.equals(
        to_table([flatten(update, None)]).table
    )


@pytest.mark.parametrize(
    "body",
    [
        # orjson reads integers beyond 64 bits as floats: the custom emoji id must keep its digits
        b'{"update_id": 5, "message_reaction": {"new_reaction": [{"type": "custom_emoji", '
        b'"custom_emoji_id": 184467440737095516160}]}}',
        b'{"update_id": 5, "message_reaction": {"new_reaction": [{"type": "custom_emoji", '
        b'"custom_emoji_id": 1.5}]}}',
        b'\xef\xbb\xbf{"update_id": 6, "message": {"text": "with a BOM"}}',  # orjson refuses a BOM
        b'{"update_id": 7, "message": {"text": "NaN", "x": NaN}}',  # so it does NaN
        b'{"update_id": 8, "message": {"message_id": 1, "message_id": 2, "text": "twice"}}',
        b'{"update_id": 9, "message": {"chat": {"id": -9223372036854775809}, "from": {"id": 18446744073709551615}}}',
    ],
)
def test_what_orjson_reads_differently_gives_the_stdlib_row(body):
    assert columnar_path([body]).equals(row_path([body]))


@pytest.mark.parametrize(
    "body", [b'{"update_id": 1e3}', b'{"update_id": 99999999999999999999}', b"[]", b"\xff"]
)
def test_what_is_not_an_update_is_refused_by_both_parsers(body):
    with pytest.raises(ValueError):
        parse_update(body)
    with pytest.raises(ValueError):
        parse_update_fast(body)


def test_cached_text_features_are_the_text_modules():
    texts = [
        row["text"] for row in row_path(generator_bodies()[:3000]).to_pylist() if row["text"] is not None
    ]
    texts += ["x " * 400 + "como faço?", "", "/start agora"]  # beyond the cached length, empty
    for text in texts:
        normalized = normalize(text)
        language = text_language(text) if intent(text) in ("question", "problem") else None
        found = keywords(normalized, language or "und")
        expected = (normalized, intent(text), [w for _, w in found], [s for s, _ in found], language)
        assert text_features(text) == expected
        assert text_features(text) == expected  # and again, from the cache
