"""POST /outgoing: our bot's own messages, posted by its backend, through the real ingest handler (moto)."""

# The handler tests' fixtures (env, s3) are imported and then named as arguments.
# ruff: noqa: F811

import json
import time

import pytest

from telegram_ingest.outgoing import outgoing_update_id
from tests.helpers import json_body, load_fixture
from tests.lambdas.ingest.test_handler import AUTH, BUCKET, SECRET, call, s3, stored_keys  # noqa: F401
from tests.lambdas.ingest.test_handler import env as handler_env  # noqa: F401

CHAT = {"id": -1001500000001, "title": "Suporte Loja Exemplo", "type": "supergroup"}
BOT = {"id": 7000000001, "is_bot": True, "first_name": "AjudaBot", "username": "ajuda_loja_bot"}
OUTGOING_SECRET = "backend-posts-with-this_42"


@pytest.fixture
def env(handler_env):
    handler_env.setenv("BOT_USER_ID", str(BOT["id"]))
    for name in ("BOT_USERNAME", "OUTGOING_SECRET", "OUTGOING_SECRET_ARN"):
        handler_env.delenv(name, raising=False)
    return handler_env


def sent(message_id: int, text: str, date: int = 1_741_611_000, **extra) -> dict:
    """A sendMessage result: the Message our bot sent (2025-03-10 12:50 UTC)."""
    return {"message_id": message_id, "from": BOT, "chat": CHAT, "date": date, "text": text, **extra}


def post(body, lambda_context, headers=AUTH):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return call(raw, lambda_context, headers=headers, path="/outgoing")


def test_a_sent_message_is_stored_as_an_update_of_the_day_it_was_sent(s3, lambda_context):
    message = sent(
        2001, "Seu pedido sai hoje.", reply_to_message={"message_id": 1999, "chat": CHAT, "date": 1}
    )
    response = post({"ok": True, "result": message}, lambda_context)  # the whole Bot API response
    assert (response["statusCode"], json_body(response)) == (200, {"ok": True, "stored": 1})
    update_id = outgoing_update_id(CHAT["id"], 2001)
    assert update_id < 0  # never one of Telegram's update ids
    key = f"telegram/context_date=2025-03-10/{update_id}.json"  # the message's day (TIMEZONE=UTC here)
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()) == {
        "update_id": update_id, "message": message}  # fmt: skip


def test_a_repost_or_an_edit_overwrites_the_same_object(s3, lambda_context):
    post(sent(2001, "Seu pedido sai hoje."), lambda_context)
    post(sent(2001, "Seu pedido sai amanhã.", edit_date=1_741_611_100), lambda_context)
    (key,) = stored_keys(s3)
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())["message"]["text"] == (
        "Seu pedido sai amanhã."
    )


def test_a_media_group_result_is_one_object_per_message(s3, lambda_context):
    response = post([sent(3001, "foto 1"), sent(3002, "foto 2")], lambda_context)
    assert json_body(response)["stored"] == 2 and len(stored_keys(s3)) == 2


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", "not valid JSON"),
        ({"ok": False, "description": "Bad Request"}, '"ok": true'),
        ({"message_id": 1, "chat": {"id": "x"}, "date": 1}, "chat.id"),
        ({"message_id": 1, "chat": CHAT}, "date"),
        ([], "1 to 100"),
        ([1, 2], "JSON object"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_a_bad_body_is_a_clear_400_and_nothing_is_stored(s3, lambda_context, body, error):
    response = post(body, lambda_context)
    assert response["statusCode"] == 400 and error in json_body(response)["error"]
    assert stored_keys(s3) == []


def test_outgoing_needs_the_webhook_secret(s3, lambda_context):
    response = post(sent(1, "x"), lambda_context, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
    assert response["statusCode"] == 401 and stored_keys(s3) == []


def test_a_message_not_sent_by_our_bot_is_a_400_and_nothing_is_stored(s3, lambda_context):
    """A customer's real message (from a real Update), and the same as if a staff member had sent it."""
    customer = load_fixture("01_group_text.json")["message"]
    staff = {
        **sent(2002, "Já verifiquei."),
        "from": {"id": 5012345678, "is_bot": False, "first_name": "Carla"},
    }
    other_bot = {**sent(2003, "Oi"), "from": {**BOT, "id": 7000000002, "username": "outro_bot"}}
    for message in (customer, staff, other_bot, {k: v for k, v in sent(2004, "x").items() if k != "from"}):
        response = post({"ok": True, "result": message}, lambda_context)
        assert response["statusCode"] == 400 and "our bot" in json_body(response)["error"], message
    # One foreign message in a media group refuses the whole post: it is one sendMediaGroup result.
    assert post([sent(3001, "foto 1"), staff], lambda_context)["statusCode"] == 400
    assert stored_keys(s3) == []


def test_without_a_bot_id_our_bot_is_known_by_its_username(s3, env, lambda_context):
    env.delenv("BOT_USER_ID")
    env.setenv("BOT_USERNAME", "Ajuda_Loja_Bot")  # usernames are case-insensitive
    assert post(sent(2001, "Seu pedido sai hoje."), lambda_context)["statusCode"] == 200
    person = {**sent(2002, "x"), "from": {**BOT, "is_bot": False}}  # a person cannot hold a bot's name
    assert post(person, lambda_context)["statusCode"] == 400
    assert len(stored_keys(s3)) == 1


def test_without_knowing_our_bot_outgoing_refuses_everything(s3, env, lambda_context):
    env.delenv("BOT_USER_ID")
    response = post(sent(2001, "Seu pedido sai hoje."), lambda_context)
    assert response["statusCode"] == 403 and "bot_user_id" in json_body(response)["error"]
    assert stored_keys(s3) == []


def test_a_chat_outside_the_allow_list_goes_to_refused_as_on_the_webhook(s3, env, lambda_context):
    env.setenv("ALLOWED_CHAT_IDS", str(CHAT["id"]))
    private = {**sent(4001, "Olá!"), "chat": {"id": 401234567, "type": "private", "first_name": "Ana"}}
    response = post([sent(4002, "No grupo"), private], lambda_context)
    assert json_body(response) == {"ok": True, "stored": 1, "refused": 1}
    keys = stored_keys(s3)
    assert sorted(key.split("/")[0] for key in keys) == ["refused", "telegram"]
    assert f"refused/context_date=2025-03-10/{outgoing_update_id(401234567, 4001)}.json" in keys


@pytest.mark.parametrize("date", [2**62, 10**13, 4_102_444_800, 1_000_000_000, -5])
def test_a_date_far_from_now_is_a_400_not_a_502(s3, lambda_context, date):
    """2**62 overflows datetime (a ValueError, a 502 before); 2100 or 2001 would file the message in a
    day no run reads."""
    response = post(sent(2001, "x", date=date), lambda_context)
    assert response["statusCode"] == 400 and "date" in json_body(response)["error"]
    assert stored_keys(s3) == []


def test_outgoing_has_its_own_secret_when_one_is_configured(s3, env, lambda_context):
    env.setenv("OUTGOING_SECRET", OUTGOING_SECRET)
    own = {"X-Telegram-Bot-Api-Secret-Token": OUTGOING_SECRET}
    assert post(sent(2001, "x"), lambda_context, headers=AUTH)["statusCode"] == 401  # the webhook's
    assert post(sent(2001, "x"), lambda_context, headers=own)["statusCode"] == 200
    update = json.dumps(load_fixture("01_group_text.json")).encode()
    assert call(update, lambda_context, headers=own)["statusCode"] == 401  # and never the other way
    assert (
        call(update, lambda_context, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})["statusCode"] == 200
    )


def test_a_post_for_a_day_older_than_the_late_data_re_runs_is_logged_for_its_alarm(
    s3, env, lambda_context, caplog
):
    """The bot's edit of a 3-week-old answer: stored, and said (the ETL's re-runs reach 7 days back)."""
    env.setenv("LATE_DATA_DAYS", "7")
    now = int(time.time())
    for message_id, text, date in [(2001, "Vou chamar a equipe.", now - 21 * 86_400),
                                   (2002, "Seu pedido sai hoje.", now - 3600)]:  # fmt: skip
        body = json.dumps(sent(message_id, text, date=date)).encode()
        response = call(body, lambda_context, headers=AUTH, path="/outgoing", request_time_ms=now * 1000)
        assert response["statusCode"] == 200
    late = [r for r in caplog.records if getattr(r, "outcome", None) == "late_beyond_window"]
    assert len(late) == 1 and len(stored_keys(s3)) == 2
