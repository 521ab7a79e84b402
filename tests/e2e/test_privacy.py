"""Issue 14 through the real path (webhook -> SeaweedFS -> ETL -> Parquet -> DuckDB) on the demo's data,
with the default settings: no person's id, name, username, CPF, e-mail or phone number reaches the
processed table, and the three questions get the same answers with and without pseudonyms."""

import json
import re
from dataclasses import replace

import pyarrow.parquet as pq
import pytest

from demo_data.generator import generate
from standins.runner import LocalPipeline, answer_all, raw_days
from telegram_etl.privacy import NOT_PEOPLE, pseudonym

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(s3_server, tmp_path_factory):
    """The demo's conversation stored once, processed twice: with the defaults and with pseudonyms off."""
    conversation = generate(seed=14, updates=1_500, days=3)
    settings = conversation.settings()
    assert settings.pseudonymize_users  # the default
    folder = tmp_path_factory.mktemp("privacy")
    on = LocalPipeline(s3_server.client_env(), raw_bucket="privacy-raw", processed_bucket="privacy-on",
                       settings=settings, data_dir=folder)  # fmt: skip
    off = LocalPipeline(s3_server.client_env(), raw_bucket="privacy-raw", processed_bucket="privacy-off",
                        settings=replace(settings, pseudonymize_users=False))  # fmt: skip
    # The same traffic in the firehose layout (its own raw bucket), with the same key.
    batched = LocalPipeline(s3_server.client_env(), raw_bucket="privacy-fh-raw", processed_bucket="privacy-fh",
                            settings=replace(settings, raw_layout="firehose"), data_dir=folder)  # fmt: skip
    for pipeline in (on, off, batched):
        pipeline.create_buckets()
    for delivery in conversation.deliveries:
        for pipeline in (on, batched):
            response = pipeline.post_webhook(
                json.dumps(delivery.update).encode(), request_time_ms=delivery.request_time_ms
            )
            assert response["statusCode"] == 200
    days = raw_days(on)
    event = {"start_date": days[0], "end_date": days[-1]}
    results = {"on": on.run_etl(event), "off": off.run_etl(event), "firehose": batched.run_etl(event)}
    answers = {"on": answer_all(on, folder / "on"), "off": answer_all(off, folder / "off")}
    answer_all(batched, folder / "firehose")  # its Parquet mirror
    table = pq.read_table(folder / "on" / "telegram")
    tables = {"object": table, "firehose": pq.read_table(folder / "firehose" / "telegram")}
    return conversation, on, results, answers, tables


def people_in(updates: list[dict]) -> tuple[set[int], set[str]]:
    """Every person's id, and every first name and username, anywhere in the raw updates."""
    ids, names = set(), set()

    def walk(value):
        if isinstance(value, dict):
            if "id" in value and "is_bot" in value and value.get("is_bot") is False:
                if value["id"] not in NOT_PEOPLE:
                    ids.add(value["id"])
                    names.update(v for k, v in value.items() if k in ("first_name", "username") and v)
            if value.get("type") == "private":
                ids.add(value["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for update in updates:
        walk(update)
    return ids, names


def cells(table) -> tuple[set[int], list[str]]:
    numbers, strings = set(), []
    for column in table.columns:
        for value in column.to_pylist():
            values = value if isinstance(value, list) else [value]
            numbers.update(v for v in values if isinstance(v, int) and not isinstance(v, bool))
            strings.extend(v for v in values if isinstance(v, str))
    return numbers, strings


CPF = re.compile(r"\d{3}\.\d{3}\.\d{3}-\d{2}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\(\d{2}\) 9?\d{4}-\d{4}")


@pytest.mark.parametrize("layout", ["object", "firehose"])
def test_no_person_id_name_username_cpf_email_or_phone_in_the_processed_table(demo, layout):
    conversation, pipeline, results, _, tables = demo
    table = tables[layout]
    updates = [delivery.update for delivery in conversation.deliveries]
    ids, names = people_in(updates)
    texts = [u.get("message", {}).get("text") or "" for u in updates]
    # The demo's data holds all of it in clear (else this test could not fail).
    assert len(ids) > 20 and len(names) > 20
    assert any(CPF.search(t) for t in texts) and any(EMAIL.search(t) for t in texts)
    assert any(PHONE.search(t) for t in texts)

    numbers, strings = cells(table)
    assert table.num_rows > 1_000
    assert not ids & numbers
    joined = "\n".join(strings)
    assert not [name for name in names if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", joined)]
    assert not CPF.search(joined) and not EMAIL.search(joined) and not PHONE.search(joined)
    # People are there, as pseudonyms under the pipeline's key: each person's messages still link.
    assert {pseudonym(i, pipeline.pseudonym_key) for i in ids} & numbers
    totals = results["on"]["totals"]["redactions"]
    assert totals["cpf"] > 0 and totals["email"] > 0 and totals["phone"] > 0
    assert results["off"]["totals"]["redactions"] == totals  # redaction is always on
    assert results["firehose"]["totals"]["redactions"] == totals


def test_both_raw_layouts_give_the_identical_table_with_privacy_on(demo):
    _, _, results, _, tables = demo
    # ingested_at is the arrival (firehose) or the S3 server's LastModified, i.e. now (objects).
    by_objects, by_records = (tables[layout].sort_by("update_id").drop_columns(["ingested_at"])
                              for layout in ("object", "firehose"))  # fmt: skip
    assert by_records.num_rows == by_objects.num_rows > 1_000
    assert by_records.equals(by_objects)
    assert results["firehose"]["totals"]["written"] == results["on"]["totals"]["written"]


def test_the_answers_are_the_same_with_and_without_pseudonyms(demo):
    """Every named query, except the columns that are people's ids or names themselves."""
    _, _, _, answers, _ = demo
    identities = {"user_id", "username", "owner_id"}
    assert answers["on"].keys() == answers["off"].keys()
    for name in answers["on"]:
        on, off = ([{k: v for k, v in row.items() if k not in identities} for row in answers[mode][name]]
                   for mode in ("on", "off"))  # fmt: skip
        if name == "setup_staff_candidates":  # ties are ordered by the id: compare as sets
            on, off = sorted(map(repr, on)), sorted(map(repr, off))
        assert on == off, name
    assert answers["on"]["q3_questions_answered"][0]["answered"] > 0  # staff answered: user_is_staff works
