"""Our bot's hand-overs (it has no answer and calls staff in): an escalation, never an answer or
containment. A hand-computed conversation (America/Sao_Paulo, 2025-03-10; one topic per case, from the topic
rules) through the real ingest handler (the bot's messages posted to /outgoing), SeaweedFS, the ETL handler
and DuckDB, with the default bot_handover_patterns.

- (a) 09:00 Ana asks the delivery time; 09:01 the bot answers (a reply), nothing follows: answered by the
  bot (1 min), contained, not escalated.
- (b) 09:10 Bruno asks how to cancel; 09:11 the bot: "... Vou chamar a equipe." and nothing follows: handed
  over, escalated, not contained, not answered (by anyone).
- (c) 10:00 Eva cannot pay her boleto; 10:01 the bot: "Um atendente já vai te responder."; 10:20 Carla
  (staff) replies: handed over, escalated, answered by staff (20 min), not by the bot.
- (d) 11:00 Diego forgot his password; 11:02 the bot answers; 11:30 Carla replies too: answered by the bot
  (2 min), escalated (staff after the bot), not contained.
"""

import pytest

from local.replay import day_ranges
from stacks.config import StageConfig
from standins.runner import LocalPipeline, answer_all, raw_days
from tests.e2e.test_bot_messages import Group

pytestmark = pytest.mark.e2e

RULES = {"entrega": ("entreg",), "cancelamento": ("cancel",), "pagamento": ("boleto",), "senha": ("senha",)}
SETTINGS = StageConfig(
    stage="handover", staff_user_ids=(103,), bot_username="ajuda_loja_bot", topic_rules=RULES
)


@pytest.fixture(scope="module")
def answers(s3_server, tmp_path_factory):
    pipeline = LocalPipeline(s3_server.client_env(), raw_bucket="handover-raw", processed_bucket="handover-out",
                             settings=SETTINGS)  # fmt: skip
    pipeline.create_buckets()
    group = Group(pipeline)
    group.say(1, "ana", "09:00", "Qual o prazo de entrega?")
    group.bot_says(2, "09:01", "De 3 a 5 dias úteis.", reply_to=1)
    group.say(3, "bruno", "09:10", "Como cancelo meu pedido?")
    group.bot_says(4, "09:11", "Não sei responder isso. Vou chamar a equipe!", reply_to=3)
    group.say(5, "eva", "10:00", "Não consigo pagar o boleto")
    group.bot_says(6, "10:01", "Um atendente já vai te responder.", reply_to=5)
    group.say(7, "carla", "10:20", "Eva, reemiti o boleto para você.", reply_to=5)
    group.say(8, "diego", "11:00", "Esqueci minha senha, como troco?")
    group.bot_says(9, "11:02", "Use Esqueci a senha na tela de login.", reply_to=8)
    group.say(10, "carla", "11:30", "Diego, te mandei o link por e-mail.", reply_to=8)
    for payload in day_ranges(raw_days(pipeline)):
        pipeline.run_etl(payload)
    return answer_all(pipeline, tmp_path_factory.mktemp("handover"))


def test_a_handover_is_not_an_answer(answers):
    # Answered: (a) by the bot in 1 min, (c) by staff in 20 min, (d) by the bot in 2 min; (b) by nobody.
    # Apart: staff (c) 20 and (d) 30 -> median 25; the bot (a) 1 and (d) 2 -> 1.5 (hand-overs are not answers).
    assert answers["q3_questions_answered"] == [
        {"questions": 4, "answered": 3, "answered_pct": 75.0, "median_minutes_to_reply": 2.0,
         "answered_by_staff": 2, "answered_by_bot": 2, "median_minutes_to_staff": 25.0, "median_minutes_to_bot": 1.5}
    ]  # fmt: skip


def test_a_handover_is_an_escalation_never_containment(answers):
    columns = ("cases", "bot_answered", "contained", "containment_pct", "escalated", "escalation_pct",
               "median_minutes_to_bot_answer", "handed_over", "bot_handled")  # fmt: skip
    found = {r["topic"]: tuple(r[c] for c in columns) for r in answers["q3_bot_containment"]}
    assert found == {
        "entrega": (1, 1, 1, 100.0, 0, 0.0, 1.0, 0, 1),  # (a)
        "cancelamento": (1, 0, 0, 0.0, 1, 100.0, None, 1, 1),  # (b)
        "pagamento": (1, 0, 0, 0.0, 1, 100.0, None, 1, 1),  # (c)
        "senha": (1, 1, 0, 0.0, 1, 100.0, 2.0, 0, 1),  # (d)
    }


def test_the_bots_handovers_are_not_customer_messages(answers):
    # Customers: Ana, Bruno, Eva, Diego, one message each; Carla is staff, the bot is ours.
    assert sum(row["messages"] for row in answers["q1_messages_by_hour"]) == 4
