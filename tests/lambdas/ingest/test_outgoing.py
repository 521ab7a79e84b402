"""POST /outgoing: our bot's own messages, posted by its backend, through the real ingest handler (moto)."""

# The handler tests' fixtures (env, s3) are imported and then named as arguments.
# ruff: noqa: F811

import json

import pytest

from telegram_ingest.outgoing import outgoing_update_id
from tests.helpers import json_body
from tests.lambdas.ingest.test_handler import AUTH, BUCKET, call, env, s3, stored_keys  # noqa: F401

CHAT = {"id": -1001500000001, "title": "Suporte Loja Exemplo", "type": "supergroup"}
BOT = {"id": 7000000001, "is_bot": True, "first_name": "AjudaBot", "username": "ajuda_loja_bot"}


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
