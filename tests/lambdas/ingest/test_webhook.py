"""Pure rules of the webhook."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from telegram_ingest.allow_list import AllowList, migration_of
from telegram_ingest.secret import SecretUnavailable, WebhookSecret
from telegram_ingest.webhook import Settings, arrival_day, chat_id_of, is_authorized, raw_key, update_kind
from tests.helpers import UPDATE_FILES, load_fixture


def test_is_authorized_needs_an_exact_match_and_a_configured_secret():
    assert is_authorized("abc", "abc")
    assert not is_authorized("abd", "abc")
    assert not is_authorized(None, "abc")
    assert not is_authorized("", "")
    assert not is_authorized("abc", None)


def test_every_fixture_has_a_kind():
    kinds = {update_kind(load_fixture(path.name)) for path in UPDATE_FILES}
    assert {
        "message",
        "edited_message",
        "channel_post",
        "callback_query",
        "my_chat_member",
        "chat_member",
        "message_reaction",
        "message_reaction_count",
        "poll_answer",
        "inline_query",
    } <= kinds


@pytest.mark.parametrize(
    ("name", "chat_id"),
    [
        ("01_group_text.json", -4165056164),
        ("30_callback_query_message.json", 19179842),
        ("29_channel_reaction_count.json", -1002236736395),
        ("32_doc_inline_query.json", None),
        ("38_poll_answer.json", None),
    ],
)
def test_chat_id_of(name, chat_id):
    assert chat_id_of(load_fixture(name)) == chat_id


def test_arrival_day_uses_the_timezone_and_falls_back_to_now():
    now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    assert arrival_day(1_704_074_400_000, ZoneInfo("America/Sao_Paulo"), now) == date(2023, 12, 31)
    assert arrival_day(1_704_074_400_000, ZoneInfo("UTC"), now) == date(2024, 1, 1)
    assert arrival_day(None, ZoneInfo("UTC"), now) == date(2024, 6, 1)


def test_raw_key_layout():
    assert raw_key(42, date(2024, 2, 29)) == "telegram/context_date=2024-02-29/42.json"


def test_settings_parse_the_allow_list():
    settings = Settings.from_env({"RAW_BUCKET": "b", "ALLOWED_CHAT_IDS": "-100123, 5"})
    assert settings.allowed_chat_ids == frozenset({-100123, 5})
    assert Settings.from_env({"RAW_BUCKET": "b"}).allowed_chat_ids is None
    assert Settings.from_env({"RAW_BUCKET": "b"}).timezone == ZoneInfo("UTC")


def test_secret_is_read_once_per_container():
    calls = []

    def fetch(arn):
        calls.append(arn)
        return "value"

    secret = WebhookSecret({"WEBHOOK_SECRET_ARN": "arn:1"}, fetch)
    assert [secret.value(), secret.value(), secret.value()] == ["value"] * 3
    assert calls == ["arn:1"]


def test_failed_secret_read_is_retried_on_the_next_request():
    attempts = iter([RuntimeError("throttled"), "value"])

    def fetch(arn):
        result = next(attempts)
        if isinstance(result, Exception):
            raise result
        return result

    secret = WebhookSecret({"WEBHOOK_SECRET_ARN": "arn:1"}, fetch)
    with pytest.raises(SecretUnavailable):
        secret.value()
    assert secret.value() == "value"


def test_direct_secret_wins_and_none_means_refuse():
    assert WebhookSecret({"WEBHOOK_SECRET": "v", "WEBHOOK_SECRET_ARN": "arn"}, lambda arn: "x").value() == "v"
    assert WebhookSecret({}, lambda arn: "x").value() is None


def test_the_secret_is_trimmed_and_a_blank_one_refuses_everything():
    # `make set-webhook` registers the trimmed value (ops.webhook): a stored trailing newline must not
    # make every delivery a 401.
    assert WebhookSecret({"WEBHOOK_SECRET_ARN": "arn"}, lambda arn: "s3cr3t\n").value() == "s3cr3t"
    assert WebhookSecret({"WEBHOOK_SECRET": " s3cr3t "}, lambda arn: "x").value() == "s3cr3t"
    assert WebhookSecret({"WEBHOOK_SECRET_ARN": "arn"}, lambda arn: " \n").value() is None


def test_migration_of_reads_both_service_messages():
    assert migration_of(load_fixture("18_group_migrate_to_chat_id.json")) == (-4518810793, -1002471352452)
    assert migration_of(load_fixture("19_supergroup_migrate_from_sender_chat.json")) == (
        -10011869112345,
        -10011869112345,
    )
    assert migration_of(load_fixture("01_group_text.json")) is None
    assert migration_of({"update_id": 1, "message": {"chat": {"id": 5}, "migrate_to_chat_id": True}}) is None


def test_allow_list_looks_markers_up_on_a_miss_and_caches_only_what_it_found():
    lookups = []
    markers = {"allowed-chats/-1002.json"}

    def exists(key):
        lookups.append(key)
        return key in markers

    allow_list = AllowList(frozenset({-1}), exists)
    assert allow_list.allows(-1) and lookups == []  # configured: no lookup
    assert allow_list.allows(-1002) and allow_list.allows(-1002)
    assert lookups == ["allowed-chats/-1002.json"]  # found once, then cached
    assert not allow_list.allows(-7) and not allow_list.allows(-7)
    assert lookups[1:] == ["allowed-chats/-7.json"] * 2  # a miss is asked again: another container may add it
    assert not allow_list.allows(None)
    assert AllowList(None, exists).allows(None)  # no allow-list: every update is stored


def test_only_a_migration_from_an_allowed_chat_is_followed():
    allow_list = AllowList(frozenset({-1}), lambda key: False)
    to_new = {"update_id": 1, "message": {"chat": {"id": -1}, "migrate_to_chat_id": -100}}
    from_old = {"update_id": 2, "message": {"chat": {"id": -100}, "migrate_from_chat_id": -1}}
    foreign = {"update_id": 3, "message": {"chat": {"id": -5}, "migrate_to_chat_id": -500}}
    assert allow_list.migration_to_follow(to_new) == (-1, -100)
    assert allow_list.migration_to_follow(from_old) == (-1, -100)
    assert allow_list.migration_to_follow(foreign) is None
    allow_list.remember(-100)
    assert allow_list.migration_to_follow(to_new) is None  # already followed
    assert AllowList(None, lambda key: False).migration_to_follow(to_new) is None  # nothing to follow
