"""Our bot's own messages (posted to /outgoing) in the conversation model: the cases it answers, its
containment and escalation. A hand-computed conversation (America/Sao_Paulo, 2025-03-10) through the real
ingest handler (both routes), SeaweedFS, the ETL handler and DuckDB.

- 09:00 Ana asks the delivery time; 09:01 the bot replies (posted to /outgoing): answered by the bot, 1 min,
  and contained (no staff needed, nothing says unresolved).
- 09:05 Bruno asks how to cancel; 09:06 the bot replies; 09:20 Carla (staff) replies too: escalated.
- 10:00 Eva cannot pay her boleto; 10:02 the bot replies; 10:03 she rates the bot's prompt (a reply to her
  request) unresolved: answered by the bot, not contained.
- 11:00 Diego asks where the invoice is: nobody answers.
"""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from local.replay import day_ranges
from stacks.config import StageConfig
from standins.runner import LocalPipeline, answer_all, raw_days

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("America/Sao_Paulo")
CHAT = {"id": -1001500000077, "title": "Suporte", "type": "supergroup"}
BOT = {"id": 7000000001, "is_bot": True, "first_name": "AjudaBot", "username": "ajuda_loja_bot"}
PEOPLE = {name: {"id": uid, "is_bot": False, "first_name": name.title()}
          for name, uid in [("ana", 101), ("bruno", 102), ("carla", 103), ("diego", 104), ("eva", 105)]}  # fmt: skip
SETTINGS = StageConfig(stage="bot", staff_user_ids=(103,), bot_username="ajuda_loja_bot")


def at(hhmm: str, seconds: int = 0) -> int:
    hour, minute = map(int, hhmm.split(":"))
    return int(datetime(2025, 3, 10, hour, minute, seconds, tzinfo=ZONE).timestamp())


class Group:
    def __init__(self, pipeline: LocalPipeline) -> None:
        self.pipeline, self.update_id, self.messages = pipeline, 900_000_000, {}

    def _message(self, message_id, sender, hhmm, text, reply_to=None, seconds=0):
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": CHAT,
            "date": at(hhmm, seconds),
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = self.messages[reply_to]
        self.messages[message_id] = message
        return message

    def say(self, message_id, who, hhmm, text, reply_to=None):
        self.update_id += 1
        update = {
            "update_id": self.update_id,
            "message": self._message(message_id, PEOPLE[who], hhmm, text, reply_to),
        }
        response = self.pipeline.post_webhook(
            json.dumps(update).encode(), request_time_ms=at(hhmm) * 1000 + 500
        )
        assert response["statusCode"] == 200

    def bot_says(self, message_id, hhmm, text, reply_to=None, seconds=0):
        message = self._message(message_id, BOT, hhmm, text, reply_to, seconds)
        body = json.dumps({"ok": True, "result": message}).encode()
        assert self.pipeline.post_outgoing(body, request_time_ms=at(hhmm) * 1000 + 900)["statusCode"] == 200

    def click(self, who, prompt_id, data, hhmm):
        self.update_id += 1
        callback = {"id": str(self.update_id), "from": PEOPLE[who], "message": self.messages[prompt_id],
                    "chat_instance": "-1", "data": data}  # fmt: skip
        update = {"update_id": self.update_id, "callback_query": callback}
        assert (
            self.pipeline.post_webhook(json.dumps(update).encode(), request_time_ms=at(hhmm) * 1000)[
                "statusCode"
            ]
            == 200
        )


@pytest.fixture(scope="module")
def answers(s3_server, tmp_path_factory):
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket="bot-msgs-raw", processed_bucket="bot-msgs-out",
                             settings=SETTINGS)  # fmt: skip
    pipeline.create_buckets()
    group = Group(pipeline)
    group.say(1, "ana", "09:00", "Qual o prazo de entrega?")
    group.bot_says(2, "09:01", "De 3 a 5 dias úteis.", reply_to=1)
    group.say(3, "bruno", "09:05", "Como cancelo meu pedido?")
    group.bot_says(4, "09:06", "Use /cancelar e o número do pedido.", reply_to=3)
    group.say(5, "carla", "09:20", "Bruno, cancelei para você.", reply_to=3)
    group.say(6, "eva", "10:00", "Não consigo pagar o boleto")
    group.bot_says(7, "10:02", "Tente pagar com pix.", reply_to=6)
    group.bot_says(8, "10:02", "Isso resolveu sua dúvida?", reply_to=6, seconds=30)
    group.click("eva", 8, "feedback:unresolved", "10:03")
    group.say(9, "diego", "11:00", "Onde vejo a nota fiscal?")
    for payload in day_ranges(raw_days(pipeline)):
        pipeline.run_etl(payload)
    return answer_all(pipeline, tmp_path_factory.mktemp("bot-msgs"))


def test_the_bots_answers_count_as_answers(answers):
    # R1 1 min, R2 1 min (the bot, before Carla), R3 2 min; Diego's is not answered. Median 1.
    # Apart: staff only R2 (Carla, 15 min); the bot R1, R2, R3 (1, 1, 2) -> median 1.
    assert answers["q3_questions_answered"] == [
        {"questions": 4, "answered": 3, "answered_pct": 75.0, "median_minutes_to_reply": 1.0,
         "answered_by_staff": 1, "answered_by_bot": 3, "median_minutes_to_staff": 15.0, "median_minutes_to_bot": 1.0}
    ]  # fmt: skip


def test_containment_and_escalation(answers):
    rows = answers["q3_bot_containment"]
    totals = {
        key: sum(row[key] for row in rows) for key in ("cases", "bot_answered", "contained", "escalated")
    }
    assert totals == {"cases": 4, "bot_answered": 3, "contained": 1, "escalated": 1}


def test_the_bots_messages_are_not_customer_messages(answers):
    # Customers: Ana, Bruno, Eva, Diego, one message each; Carla is staff, the bot is ours.
    assert sum(row["messages"] for row in answers["q1_messages_by_hour"]) == 4
    assert answers["q3_feedback_resolution_rate"] == [
        {"rated": 1, "resolved": 0, "unresolved": 1, "resolution_rate_pct": 0.0}
    ]
