"""The compact id set behaves as a Python set, and the day job's dedupe semantics hold across its merges."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import telegram_etl.ids as ids_module
from telegram_etl.ids import UpdateIds
from tests.lambdas.etl.test_job import DAY, MemoryStorage, put_raw, run, written_ids

int64s = st.integers(min_value=-(2**63), max_value=2**63 - 1)
operations = st.lists(
    st.tuples(st.sampled_from(["add", "discard", "merge", "check"]), st.integers(0, 40) | int64s), max_size=80
)


@settings(max_examples=300, deadline=None)
@given(initial=st.lists(int64s | st.integers(0, 40), max_size=30), steps=operations)
def test_update_ids_behave_as_a_set(initial, steps):
    ids, model = UpdateIds(initial), set(initial)
    added_since_merge: set[int] = set()
    for operation, value in steps:
        if operation == "add" and value not in model:  # the ETL adds only ids it has not seen
            ids.add(value)
            model.add(value)
            added_since_merge.add(value)
        elif operation == "discard" and value in added_since_merge:  # only within a batch
            ids.discard(value)
            model.discard(value)
            added_since_merge.discard(value)
        elif operation == "merge":
            ids.merge()
            added_since_merge.clear()
        probe = [value, *list(model)[:5], value + 1 if value < 2**63 - 1 else 0]
        assert list(ids.contains_many(probe)) == [p in model for p in probe]
        assert (value in ids) == (value in model)
        assert len(ids) == len(model)


def test_a_merged_id_cannot_be_taken_back():
    ids = UpdateIds()
    ids.add(7)
    ids.merge()
    with pytest.raises(ValueError):
        ids.discard(7)
    ids.discard(8)  # never there: nothing to do


def test_eight_bytes_an_id_once_merged():
    ids = UpdateIds(range(0, 2_000_000, 2))
    assert ids.array_bytes == 8 * 1_000_000


def test_the_day_job_dedupes_across_merges_and_the_previous_day(monkeypatch):
    monkeypatch.setattr(ids_module, "MIN_MERGE", 2)  # merge after nearly every batch of 3
    storage = MemoryStorage()
    before = DAY.fromordinal(DAY.toordinal() - 1)
    for update_id in (100, 101):  # stored the day before: a redelivery after midnight is not this day's
        key = f"telegram/context_date={before}/{update_id}.json"
        storage.put("raw", key, json.dumps({"update_id": update_id}).encode(), "application/json")
    for update_id in range(12):
        put_raw(storage, update_id)
    for name, update_id in (("a", 3), ("b", 11), ("c", 0), ("d", 100), ("e", 101), ("f", 5)):
        put_raw(storage, update_id, name=f"z{name}")  # later keys with ids already seen
    result = run(storage)
    assert sorted(written_ids(storage, result)) == list(range(12))
    assert (result.read, result.written, result.duplicates, result.redelivered_from_previous_day) == (
        18, 12, 4, 2,
    )  # fmt: skip


def test_the_cycle_collector_comes_back_as_it_was_even_on_failure():
    import gc

    from telegram_etl.job import without_cycle_collection

    assert gc.isenabled()
    with pytest.raises(RuntimeError), without_cycle_collection():
        assert not gc.isenabled()
        raise RuntimeError("a batch failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with without_cycle_collection():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
