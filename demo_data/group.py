"""The demo's support group: who is in it (customers, staff, our bot, an anonymous admin, the channel),
its chats (a forum supergroup, a small group upgraded part-way) and what they write: requests by topic in
several wordings, small talk, our bot's answers, hand-overs and feedback buttons, commands, and the hours
people write at. demo_data.scenarios composes the conversation from these."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

BOT_USERNAME = "ajuda_loja_bot"
BOT = {"id": 7000000001, "is_bot": True, "first_name": "AjudaBot", "username": BOT_USERNAME}
# An anonymous admin posts as the group: from this bot, with sender_chat = the group.
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
TELEGRAM = {"id": 777000, "is_bot": False, "first_name": "Telegram"}  # the automatic forwards' sender
# The support group: a forum supergroup, most of its talk in General (no thread), one topic thread.
CHAT = {"id": -1001500000002, "title": "Suporte Loja Exemplo", "is_forum": True, "type": "supergroup"}
CHANNEL = {"id": -1001500000077, "title": "Loja Exemplo - Novidades", "username": "lojaexemplo",
           "type": "channel"}  # fmt: skip
# A small resellers' group, upgraded to a supergroup part-way: a new chat id from then on.
SMALL_GROUP = {"id": -4623150987, "title": "Loja Exemplo - Revendedores", "type": "group",
               "all_members_are_administrators": False}  # fmt: skip
SUPERGROUP = {"id": -1002398761245, "title": "Loja Exemplo - Revendedores", "type": "supergroup"}
STAFF = [(6011000101, "Carla", "carla_suporte"), (6011000102, "Rafael", "rafa_atendimento"),
         (6011000103, "Juliana", "ju_loja")]  # fmt: skip
STAFF_USER_IDS = tuple(user_id for user_id, _, _ in STAFF)
CUSTOMER_NAMES = [
    "Ana", "Bruno", "Camila", "Diego", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela", "João",
    "Karina", "Lucas", "Mariana", "Nicolas", "Olívia", "Pedro", "Queila", "Rodrigo", "Sofia", "Tiago",
    "Úrsula", "Vinícius", "Wesley", "Yasmin", "Zeca", "Larissa", "Matheus", "Beatriz", "Gustavo", "Letícia",
]  # fmt: skip
RESELLER_NAMES = ["Adriana", "Marcos", "Patrícia", "Renato", "Simone"]

# Requests by topic label: several paraphrases each, with and without "?", colloquial ones, problem
# statements; {n} is an order number, {city} a city. Each is clear-cut: one topic, no other topic's
# terms. None: requests that name nothing (no keyword, so no topic under the model).
REQUESTS: dict[str | None, list[str]] = {
    "rastreio": [
        "Como faço para rastrear meu pedido?",
        "Cadê meu pedido {n}?",
        "kd meu pedido",
        "Meu pedido {n} ainda não chegou",
        "Onde vejo o código de rastreio?",
        "O rastreio parou de atualizar, podem verificar o pedido {n}?",
    ],
    "prazo de entrega": [
        "Qual o prazo de entrega para {city}?",
        "Vocês entregam no sábado?",
        "Quantos dias demora pra chegar em {city}",
        "Entregam em {city}?",
    ],
    "troca e devolução": [
        "Como troco um produto que chegou quebrado?",
        "O tênis veio com defeito, quero trocar",
        "Posso devolver se não servir?",
        "A camiseta ficou pequena, como faço a troca?",
    ],
    "pagamento": [
        "Posso pagar com Pix?",
        "Vocês aceitam boleto?",
        "Dá pra parcelar em 3x no cartão?",
        "Paguei o boleto ontem e ainda não foi compensado",
    ],
    "estorno": [
        "Quando cai o estorno no cartão?",
        "Fui cobrado duas vezes no cartão",
        "Cadê meu reembolso?",
        "Ainda não recebi o estorno do pedido {n}",
    ],
    "cancelamento": [
        "Quero cancelar meu pedido",
        "Como cancelo a compra {n}?",
        "Preciso cancelar o pedido {n}, comprei errado",
    ],
    # Not covered by TOPIC_RULES: the model gives them an automatic topic (their shared key term),
    # and they show up among the uncovered keywords. Their vocabularies are disjoint.
    "nota fiscal": [
        "Onde encontro a nota fiscal?",
        "A nota fiscal não veio no e-mail",
        "Vocês emitem nota fiscal com CNPJ?",
    ],
    "cupom": [
        "O cupom de desconto não funciona",
        "Tem cupom pra primeira compra?",
        "Meu cupom BEMVINDO10 dá erro",
    ],
    None: [
        "Alguém pode me ajudar?",
        "Preciso de ajuda urgente",
        "Tem alguém aí pra me ajudar?",
    ],
}
TOPIC_WEIGHTS = {"rastreio": 9, "prazo de entrega": 7, "troca e devolução": 6, "pagamento": 5,
                 "estorno": 4, "cancelamento": 3, "nota fiscal": 3, "cupom": 2, None: 2}  # fmt: skip
# The demo's topic rules (regular expressions over the normalized text, first match wins): every topic
# above but "nota fiscal" and "cupom".
TOPIC_RULES: dict[str, tuple[str, ...]] = {
    "cancelamento": (r"\bcancel",),
    "estorno": (r"\bestorn", r"\breembols", r"\bcobrad"),
    "troca e devolução": (r"\btroc", r"\bdevol", r"\bdefeito", r"\bquebrad"),
    "pagamento": (r"\bpix\b", r"\bboleto", r"\bparcel", r"\bpag(?:ar|o|amento|uei)\b"),
    "rastreio": (r"\brastre", r"\b(?:cade|kd)\b", r"\bpedido (?:# )?(?:ainda )?nao (?:chegou|veio)"),
    "prazo de entrega": (r"\bprazo", r"\bentreg", r"\bquantos dias"),
}
# A question whose text changes (same topic), and a message that becomes a request through its edit.
EDITED_REQUESTS = [
    ("Qual o prazo de entrega para {city}?", "Qual o prazo de entrega para {city}? CEP {cep}",
     "prazo de entrega"),
    ("Cade meu pedio {n}?", "Cadê meu pedido {n}?", "rastreio"),
    ("Posso pagar com pics?", "Posso pagar com Pix?", "pagamento"),
]  # fmt: skip
BECOMES_REQUEST = [
    ("Meu pedido {n}", "Meu pedido {n} ainda não chegou", "rastreio"),
    ("Comprei um tênis semana passada", "Comprei um tênis semana passada, posso trocar o tamanho?",
     "troca e devolução"),
]  # fmt: skip
# Album captions: a problem statement (a request), or just the photos (not one).
ALBUM_REQUESTS = [("Chegou assim, quebrado. Quero trocar", "troca e devolução"),
                  ("O produto veio com defeito, seguem as fotos", "troca e devolução")]  # fmt: skip
ALBUM_CAPTIONS = ["Seguem as fotos do produto", "Fotos da embalagem"]
MID_TEXT_COMMAND = ("Como uso o /rastreio?", "/rastreio", "rastreio")  # a request, not a command
GREETINGS = ["Boa tarde, tudo bem?", "Bom dia, pessoal", "Oi gente", "Boa noite!", "Olá, tudo bom?"]
ACKNOWLEDGEMENTS = ["Obrigado!", "Obrigada, deu certo", "Pode deixar", "Ok, valeu",
                    "Perfeito, muito obrigado", "Show, obrigado 👍", "Valeu, funcionou aqui"]  # fmt: skip
# Some carry personal data, as real follow-ups do: the ETL redacts it (docs/privacy.md).
FOLLOW_UPS = ["Já faz 10 dias, meu zap é {phone}", "Comprei dia 12, no CPF {cpf}", "O número é {n}",
              "Foi pelo site, com o e-mail cliente{n}@gmail.com"]  # fmt: skip
ME_TOO = ["Também quero saber", "Eu também quero saber!", "Mesma dúvida aqui"]
NEWCOMER_HELLO = ["Oi pessoal, acabei de entrar", "Olá a todos!"]
# The channel's promotions, forwarded into the group, and the members' bare wishes under them: customer
# messages, not requests (docs/conversation-model.md); now and then a real question among them.
PROMO_POSTS = ["🖤 BLACK FRIDAY: fone Bluetooth de R$ 299 por R$ 149, só hoje! Quer? Comenta QUERO 👇",
               "Kit presente com 30% OFF até meia-noite. Comenta QUERO que a gente te chama!"]  # fmt: skip
WISHES = ["Quero!", "Eu também!", "Também quero 😍", "Eu quero 2", "Quero", "+1", "Eu também quero!"]
PROMO_QUESTIONS = [("Quero! Qual o prazo de entrega pra {city}?", "prazo de entrega"),
                   ("Dá pra pagar com pix?", "pagamento")]  # fmt: skip
# Service messages of the Bot API's newer kinds, sent in the group as a member (a field and its object, as
# the Bot API defines them): not a customer's message, whoever sends them.
_GIFT_STICKER = {"file_id": "CAACAgIAAxUAAWdkZXZ1ZWE5", "file_unique_id": "AgADZXY1", "type": "regular",
                 "width": 512, "height": 512, "is_animated": True, "is_video": False,
                 "emoji": "🧸"}  # fmt: skip
SERVICE_NOTICES: list[tuple[str, dict[str, Any]]] = [
    ("gift", {"gift": {"id": "5170233102089322756", "sticker": _GIFT_STICKER, "star_count": 15},
              "convert_star_count": 13, "text": "Vocês entregam hoje?"}),
    ("paid_message_price_changed", {"paid_message_star_count": 10}),
    ("boost_added", {"boost_count": 1}),
    ("giveaway_created", {"prize_star_count": 500}),
    ("successful_payment", {"currency": "BRL", "total_amount": 14900, "invoice_payload": "pedido-demo",
                            "telegram_payment_charge_id": "tg_demo_1",
                            "provider_payment_charge_id": "pix_demo_1"}),
    ("refunded_payment", {"currency": "XTR", "total_amount": 50, "invoice_payload": "frete-demo",
                          "telegram_payment_charge_id": "tg_demo_2"}),
    ("suggested_post_declined", {"comment": "Fora do tema do grupo"}),
]  # fmt: skip
CAPTIONS = ["Segue o comprovante", "Comprovante do pagamento"]
LEADING_GREETINGS = ["Boa tarde, ", "Bom dia, ", "Oi, ", "Boa noite! "]
CITIES = ["Recife", "Curitiba", "Manaus", "Porto Alegre", "Belo Horizonte", "Salvador"]
STAFF_ANSWERS = [
    "Use o link de rastreio que enviamos por e-mail.",
    "O prazo aparece na página do pedido, em dias úteis.",
    "Abra o pedido e clique em trocar produto, a coleta é grátis.",
    "Aceitamos Pix, cartão em até 6x e boleto.",
    "Já verifiquei aqui, está tudo certo com o seu pedido.",
    "Te mandei uma mensagem privada com os detalhes.",
    "O estorno aparece em até duas faturas.",
    "Vou verificar com a transportadora e te aviso.",
]
CHANNEL_POSTS = ["Frete grátis acima de R$ 199 até domingo!", "Chegou a coleção de outono, confira no site.",
                 "Atendimento no feriado: das 9h às 15h."]  # fmt: skip
FORUM_TOPIC = "Entregas de fim de ano"
FORUM_REQUESTS = [("Vocês entregam no dia 24?", "prazo de entrega"),
                  ("Qual o prazo de entrega pra {city} em dezembro?", "prazo de entrega"),
                  ("Meu pedido {n} ainda não chegou", "rastreio")]  # fmt: skip
# Our bot's FAQ answers, for the topics it knows (those of the demo's topic rules).
BOT_ANSWERS: dict[str, list[str]] = {
    "rastreio": [
        "Você acompanha seu pedido em lojaexemplo.com.br/rastreio com o número do pedido e o CPF.",
        "O código de rastreio chega por e-mail quando o pedido sai do centro de distribuição.",
    ],
    "prazo de entrega": [
        "O prazo aparece no carrinho ao informar o CEP: de 2 a 9 dias úteis, conforme a região.",
        "Entregamos de segunda a sábado; o prazo conta em dias úteis após a aprovação.",
    ],
    "troca e devolução": [
        "Você tem 30 dias para trocar: abra Meus pedidos > Trocar produto e agende a coleta grátis.",
    ],
    "pagamento": ["Aceitamos Pix, boleto e cartão em até 6x sem juros. O boleto compensa em 2 dias úteis."],
    "estorno": ["O estorno no cartão aparece em até duas faturas; no Pix, em até 5 dias úteis."],
    "cancelamento": ["Pedidos ainda não enviados podem ser cancelados em Meus pedidos > Cancelar."],
}
BOT_HANDOFF = "Não encontrei uma resposta para isso. Já chamei a equipe, um atendente vai te responder aqui."
# The demo's bot_handover_patterns (over the normalized text): they match BOT_HANDOFF, no FAQ answer.
BOT_HANDOVER_PATTERNS = (r"\bja chamei a equipe\b", r"\bum atendente (ja )?vai te responder\b")
FEEDBACK_TEXT = "Isso resolveu sua dúvida?"
RESOLVED, UNRESOLVED = "feedback:resolved", "feedback:unresolved"
FEEDBACK_MARKUP = {"inline_keyboard": [[{"text": "Sim 👍", "callback_data": RESOLVED},
                                        {"text": "Não 👎", "callback_data": UNRESOLVED}]]}  # fmt: skip
SATISFIED, UNSATISFIED = "👍", "👎"
# (text as typed, our command it starts with; None: another bot's)
COMMANDS = [("/start", "/start"), ("/status {n}", "/status"), (f"/ajuda@{BOT_USERNAME}", "/ajuda"),
            ("/ajuda", "/ajuda"), ("/rastreio {n}", "/rastreio"), ("/start@OutroBot", None)]  # fmt: skip
# Local hours people write at: business hours, a lunch dip, evenings, a quiet night.
HOUR_WEIGHTS = [1, 0, 0, 0, 0, 1, 2, 5, 9, 12, 11, 8, 5, 6, 9, 10, 8, 6, 5, 5, 4, 3, 2, 1]
WEEK = timedelta(days=7)
DAY = timedelta(days=1)
