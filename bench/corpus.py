"""A seeded corpus of support-chat texts that looks like a real Brazilian support group's, and Updates that
carry it: the benchmark corpus of the ETL's text work (issue 25).

The demo generator's texts repeat (~18% distinct, ~33 characters): the per-text caches then hide the text
features and the redaction. Real groups write mostly distinct sentences. This corpus:
- customer messages composed from an opening, a request about one of the shop's topics and optional details
  and closings, typed as people type (lower case, no accents, abbreviations, "??", emoji): ~80 characters
  on average, from a few words to a few lines, nearly all distinct;
- staff replies: canned answers (repeated) and composed ones with order and protocol numbers;
- short acknowledgements, greetings and emoji ("ok", "obrigado", "👍", ...) drawn with Zipf weights: the
  texts that do repeat;
- the personal data such a group carries, at the rates of DATA_RATES (assumptions, per composed message):
  phones in the formats people type, valid CPFs and CNPJs (some formatted, some not), e-mails, protocol
  and order numbers, tracking codes, links, @mentions, prices, dates and CEPs.

realistic_updates() rewrites the texts and captions of the demo generator's Updates (its shapes: replies,
edits, albums, commands, callbacks, reactions, members...) with this corpus; our bot's FAQ answers and the
commands keep theirs, as a real bot repeats itself. Entities follow the new texts (url, mention, email:
what Telegram marks), with UTF-16 offsets.

Usage: python -m bench.corpus [N]   (prints the corpus's figures and a sample)
"""

from __future__ import annotations

import os
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.common import updates as demo_updates

# Per composed customer message: how often each kind of detail is added (assumptions, not measured on a
# real group: a support group's members give their order number often, a phone or a CPF now and then).
DATA_RATES = {
    "order": 0.14, "protocol": 0.05, "phone": 0.05, "cpf": 0.03, "cnpj": 0.008, "email": 0.03,
    "tracking": 0.03, "link": 0.04, "mention": 0.05, "price": 0.05, "date": 0.06, "cep": 0.02,
}  # fmt: skip
ACK_SHARE = 0.30  # of all texts: short acknowledgements, greetings, emoji (repeated, Zipf)
STAFF_SHARE = 0.12  # of all texts: staff replies, 40% of them canned

ACKS = (
    "ok|obrigado|👍|Obrigado!|obg|valeu|Ok|blz|Obrigada!|vlw|kkkk|Bom dia|sim|🙏|Boa tarde|certo|"
    "Ok, obrigado|beleza|Valeu!|show|obrigada|Sim|kkkkkk|Perfeito|entendi|👍👍|Boa noite|Oi|"
    "Bom dia!|ok obrigado|Muito obrigado!|aguardo|Certo|tá bom|ta bom|?|??|Oi pessoal|"
    "Bom dia pessoal|😂😂|👏|Obrigado 🙏|top|Combinado|blz, obrigado|tmj|Show!|ok, aguardo|"
    "Entendi, obrigado|Deu certo, obrigado!|nada ainda|e aí?|alguém?|up|Resolvido|❤️|😡|affs|rs|"
    "Boa tarde pessoal|opa|Olá|Tudo bem?|joia|Obrigado pela ajuda"
).split("|")
CANNED = [
    "Olá! Para agilizar, envie o número do pedido no privado, por favor.",
    "Bom dia! Vou verificar e já te retorno.",
    "O prazo de entrega conta em dias úteis a partir da aprovação do pagamento.",
    "Pedimos desculpas pelo transtorno, já estamos verificando com a transportadora.",
    "Você pode acompanhar o pedido em Meus pedidos, no site ou no app.",
    "O estorno no cartão aparece em até duas faturas.",
    "Te chamei no privado com os detalhes 😉",
    "Para trocas, acesse Meus pedidos > Trocar produto e agende a coleta grátis.",
    "Boa tarde! Consegue me passar o CPF do titular no privado?",
    "Já abri um chamado interno, assim que tiver retorno te aviso aqui.",
    "A nota fiscal vai anexa no e-mail de confirmação do envio.",
    "O cupom vale só para a primeira compra no app.",
]
NAMES = (
    "Ana|Bruno|Carla|Diego|Eduarda|Felipe|Gabriela|Heitor|Isabela|João|Juliana|Lucas|Mariana|"
    "Natália|Otávio|Paula|Rafael|Sabrina|Thiago|Vitória|Wesley|Yasmin|Zé|Camila|Leandro|Fernanda|"
    "Rodrigo|Patrícia|Márcio|Luíza"
).split("|")
SURNAMES = (
    "silva|souza|oliveira|santos|lima|costa|pereira|ferreira|almeida|rocha|gomes|martins|barbosa|"
    "ribeiro|carvalho|araujo|melo|cardoso|teixeira"
).split("|")
DOMAINS = (
    "gmail.com|hotmail.com|outlook.com|yahoo.com.br|uol.com.br|bol.com.br|icloud.com|"
    "empresa.com.br|terra.com.br"
).split("|")
PRODUCTS = (
    "o tênis|a camiseta|o fone de ouvido|a geladeira|o celular|o notebook|a jaqueta|a mochila|"
    "a cafeteira|a air fryer|a panela|o relógio|a smart TV|a cadeira gamer|a bicicleta|o colchão|"
    "o ventilador|o liquidificador|o vestido|a calça jeans|o kit de maquiagem|o perfume|o tablet|"
    "a capinha|o carregador|o micro-ondas|o aspirador|a sandália|a bolsa|os óculos de sol|"
    "o jogo de cama|a toalha|o monitor|o teclado|o mouse|a impressora|o sofá|a mesa|o tapete|"
    "a luminária|a boneca|o lego|o patinete|os halteres|o whey|a ração|a cama pet|a furadeira"
).split("|")
CITIES = (
    "Recife|Curitiba|Manaus|Porto Alegre|Belo Horizonte|Salvador|Fortaleza|Belém|Goiânia|Campinas|"
    "São Luís|Maceió|Natal|Teresina|João Pessoa|Aracaju|Florianópolis|Vitória|Cuiabá|Campo Grande|"
    "Londrina|Joinville|Uberlândia|Sorocaba|Ribeirão Preto|Niterói|Santos|Juiz de Fora|"
    "Feira de Santana|Macapá"
).split("|")
CARRIERS = ("os Correios|a Jadlog|a Loggi|a transportadora|a Total Express|a Azul Cargo|o motoboy").split("|")
WEEKDAYS = ("segunda|terça|quarta|quinta|sexta|sábado|domingo").split("|")
PAYMENTS = ("pix|boleto|cartão de crédito|cartão de débito|Pix|PicPay|Mercado Pago").split("|")
ISSUES = (
    "veio quebrado|veio com defeito|veio a cor errada|veio faltando peça|não liga|"
    "veio o tamanho errado|chegou amassado|veio usado|parou de funcionar|veio sem a nota"
).split("|")
DEPARTMENTS = ("financeiro|SAC|pós-venda|logística|suporte técnico|atendimento").split("|")

OPENINGS = (
    "Boa tarde|Bom dia|Boa noite|Oi|Olá|Oi gente|Pessoal|Bom dia pessoal|Boa tarde, tudo bem?|"
    "Olá, boa tarde|Oi, tudo bem?|Gente|Socorro|Opa|Boa noite galera|Oie|Bom diaa|Olá a todos|Ei|"
    "Com licença"
).split("|")
REQUESTS = [
    "meu pedido ainda não chegou, já faz {days} dias",
    "cadê meu pedido? comprei {product} dia {day} e nada até agora",
    "o rastreio do meu pedido não atualiza desde {weekday}",
    "qual o prazo de entrega pra {city}?",
    "vocês entregam em {city} no {weekday}?",
    "{product} {issue}, como faço a troca?",
    "quero devolver {product}, {issue}",
    "comprei {product} e {issue}",
    "posso pagar com {payment}?",
    "paguei no {payment} e o pedido continua aguardando pagamento",
    "o {payment} não compensou ainda, já faz {days} dias",
    "não consigo finalizar a compra no {payment}, dá erro no final",
    "fui cobrado duas vezes no {payment}, preciso do estorno",
    "quando cai o estorno {do_product}? já faz {days} dias",
    "quero cancelar o pedido {do_product}",
    "como cancelo a compra? comprei errado {product}",
    "a nota fiscal {do_product} não veio no e-mail",
    "vocês emitem nota com CNPJ?",
    "o cupom {coupon} não funciona no app",
    "tem cupom pra primeira compra?",
    "não consigo entrar no app, fala que a senha está errada",
    "o app fecha sozinho quando abro meus pedidos",
    "{carrier} disse que entregou mas não recebi nada",
    "o entregador {da_carrier} não passou aqui {weekday}",
    "dá pra mudar o endereço de entrega? me mudei pra {city}",
    "{product} tem garantia de quanto tempo?",
    "{product} serve em {city}? a voltagem lá é 220",
    "tem {bare} de outra cor em estoque?",
    "o site mostra {days} dias úteis mas {carrier} fala {days2}",
    "alguém recebeu {product} da promoção de {weekday}?",
    "vocês têm loja física em {city}?",
    "o frete pra {city} tá muito caro, tem outra opção?",
    "comprei {qty} unidades {do_product} e só chegou {qty2}",
    "a coleta da troca foi agendada pra {weekday} e ninguém veio",
    "preciso de ajuda com o {department}, ninguém responde",
    "o atendimento do {department} me mandou falar aqui",
    "how do I track my order to {city}?",
    "meu pedido consta como entregue mas está na agência {da_carrier}",
    "dá pra parcelar {product} em quantas vezes?",
    "meu pedido foi cancelado sozinho, por quê?",
    "é a {nth} vez que eu pergunto e ninguém responde",
    "{product} que comprei dia {day} veio diferente da foto do site",
    "alguém mais está com problema pra pagar no {payment} hoje?",
    "o status do pedido está em separação há {days} dias, é normal?",
    "recebi {product} mas falta a nota fiscal e o manual",
    "minha encomenda voltou pro remetente, o que faço agora?",
    "troquei {product} há {days} dias e o novo ainda não foi enviado",
    "o vendedor parceiro não responde, vocês podem intermediar?",
    "consigo retirar na loja de {city} em vez de receber em casa?",
    "meu cartão foi recusado mas o valor aparece na fatura",
]
DETAILS: dict[str, list[str]] = {
    "order": ["pedido {order}", "meu pedido é {order}", "pedido nº {order}", "número do pedido: {order}",
              "#{order}", "pedido {order} 🙏", "o pedido é o {order}"],
    "protocol": ["protocolo {protocol}", "já abri o protocolo {protocol}", "protocolo nº {protocol}",
                 "meu protocolo: {protocol}"],
    "phone": ["meu zap é {phone}", "me chama no {phone}", "whatsapp {phone}", "liga no {phone}",
              "meu número {phone}", "contato: {phone}", "tel {phone}"],
    "cpf": ["meu CPF é {cpf}", "CPF {cpf}", "no CPF {cpf}", "cpf do titular: {cpf}"],
    "cnpj": ["CNPJ {cnpj}", "a nota é no CNPJ {cnpj}", "cnpj da empresa {cnpj}"],
    "email": ["meu e-mail é {email}", "email {email}", "cadastrei com {email}", "manda pro {email}"],
    "tracking": ["código de rastreio {tracking}", "rastreio {tracking}", "o código é {tracking}"],
    "link": ["segue o link {link}", "vi aqui {link}", "{link}", "o anúncio é esse {link}"],
    "mention": ["@{mention} pode ver?", "@{mention} consegue me ajudar?", "falei com @{mention} ontem",
                "@LojaSuporteBot não respondeu"],
    "price": ["paguei {price}", "foi {price}", "no valor de {price}"],
    "date": ["comprei dia {date}", "desde {date}", "pedido feito em {date} às {time}"],
    "cep": ["meu CEP é {cep}", "CEP {cep}"],
}  # fmt: skip
CLOSINGS = (
    "obrigado|obrigada!|aguardo retorno|alguém pode ajudar?|urgente!!|por favor|😡|🙏|?|"
    "preciso muito|tô esperando|que demora|vcs podem ver?|😢|obg|desde já agradeço|"
    "me ajudem por favor|alguém sabe?"
).split("|")
STAFF = [
    "Oi {name}, seu pedido {order} saiu para entrega hoje, o rastreio é {tracking}.",
    "{name}, abri o protocolo {protocol} para o seu caso, o prazo de resposta é de {days} dias úteis.",
    "Olá {name}! O estorno de {price} foi solicitado e aparece em até {days} dias.",
    "{name}, a coleta da troca {do_product} ficou para {weekday}, entre 8h e 18h.",
    "Verifiquei o pedido {order}: está com {carrier} em {city}, a previsão é {weekday}.",
    "Oi {name}, para {city} o prazo é de {days} dias úteis após a aprovação.",
    "@{mention} te chamei no privado para confirmar o endereço.",
    "{name}, o pagamento via {payment} foi aprovado agora, o pedido {order} já está em separação.",
]
TYPOS = [("você", "vc"), ("vocês", "vcs"), ("porque", "pq"), ("não", "n"), ("está", "tá"), ("para", "pra"),
         ("também", "tb"), ("mensagem", "msg"), ("quando", "qdo"), ("aqui", "aki")]  # fmt: skip


def _cpf(rng: random.Random) -> str:
    nine = [rng.randrange(10) for _ in range(9)]
    for length in (9, 10):
        total = sum(d * (length + 1 - i) for i, d in enumerate(nine))
        nine.append(total * 10 % 11 % 10)
    digits = "".join(map(str, nine))
    if rng.random() < 0.5:
        return digits
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def _cnpj(rng: random.Random) -> str:
    base = [rng.randrange(10) for _ in range(8)] + [0, 0, 0, 1]
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        remainder = sum(d * w for d, w in zip(base, weights, strict=False)) % 11
        base.append(0 if remainder < 2 else 11 - remainder)
    d = "".join(map(str, base))
    return d if rng.random() < 0.4 else f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"


def _phone(rng: random.Random) -> str:
    ddd = rng.choice([11, 21, 31, 41, 51, 61, 71, 81, 85, 91, 19, 27, 48, 62, 92])
    mobile = f"9{rng.randrange(6000, 10000)}"
    line = f"{rng.randrange(10000):04d}"
    landline = f"{rng.randrange(2000, 5000)}-{line}"
    formats = [
        f"({ddd}) {mobile}-{line}", f"{ddd} {mobile}-{line}", f"{ddd}{mobile}{line}",
        f"({ddd}){mobile}-{line}", f"+55 {ddd} {mobile}-{line}", f"+55{ddd}{mobile}{line}",
        f"{mobile}-{line}", f"{ddd} {mobile} {line}", f"({ddd}) {landline}", f"0{ddd} {mobile}-{line}",
        f"{ddd}9 {mobile[1:]}-{line}",
    ]  # fmt: skip
    return rng.choices(formats, weights=[8, 6, 6, 3, 3, 2, 4, 2, 2, 1, 1])[0]


def _fills(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(NAMES)
    product, carrier = rng.choice(PRODUCTS), rng.choice(CARRIERS)
    bare = product.split(" ", 1)[1]
    surname = rng.choice(SURNAMES)
    slug = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return {
        "name": name, "days": rng.randint(2, 40), "days2": rng.randint(2, 40), "day": rng.randint(1, 31),
        "weekday": rng.choice(WEEKDAYS), "city": rng.choice(CITIES), "product": product, "bare": bare,
        "do_product": f"d{product}", "carrier": carrier, "da_carrier": f"d{carrier}",
        "nth": rng.choice(["segunda", "terceira", "quarta", "3ª", "décima"]),
        "issue": rng.choice(ISSUES), "payment": rng.choice(PAYMENTS),
        "department": rng.choice(DEPARTMENTS), "qty": rng.randint(2, 6), "qty2": rng.randint(1, 2),
        "coupon": rng.choice(["BEMVINDO10", "FRETEGRATIS", "PRIMEIRA15", "BLACK20", "VOLTA5"]),
        "order": str(rng.randrange(10**(n := rng.choice([6, 7, 8, 9, 10])) // 10, 10**n)),
        "protocol": rng.choice([f"2025{rng.randrange(10**9):09d}", str(rng.randrange(10**7, 10**9))]),
        "phone": _phone(rng), "cpf": _cpf(rng), "cnpj": _cnpj(rng),
        "email": f"{slug}{rng.choice(['.', '_', ''])}{surname}{rng.choice(['', str(rng.randrange(100))])}"
                 f"@{rng.choice(DOMAINS)}",
        "tracking": f"{rng.choice(['BR', 'LB', 'NX', 'QB', 'OS'])}{rng.randrange(10**9):09d}"
                    f"{rng.choice(['BR', 'HK', 'CN'])}",
        "link": rng.choice([f"https://www.lojaexemplo.com.br/p/{rng.randrange(10**6)}",
                            f"lojaexemplo.com.br/pedido/{rng.randrange(10**8)}",
                            f"https://rastreamento.correios.com.br/app/index.php?objeto={rng.randrange(10**9)}",
                            f"https://youtu.be/{rng.randrange(16**10):x}",
                            f"www.reclameaqui.com.br/{surname}",
                            f"https://t.me/lojaexemplo/{rng.randrange(10**4)}"]),
        "mention": f"{slug}_{surname}" if rng.random() < 0.7 else f"{surname}{rng.randrange(10, 999)}",
        "price": f"R$ {rng.randrange(10, 5000):,},{rng.randrange(100):02d}".replace(",", ".", 1)
                 if rng.random() < 0.5 else f"R${rng.randrange(10, 999)},{rng.randrange(100):02d}",
        "date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}" + rng.choice(["", "/2025", "/25"]),
        "time": f"{rng.randrange(24)}:{rng.randrange(60):02d}",
        "cep": f"{rng.randrange(10**5):05d}-{rng.randrange(1000):03d}",
    }  # fmt: skip


def _typed(rng: random.Random, text: str) -> str:
    """As people type: some lower case, some without accents, abbreviations, repeated marks."""
    if rng.random() < 0.3:
        for word, short in TYPOS:
            if rng.random() < 0.5:
                text = re.sub(rf"\b{word}\b", short, text)
    style = rng.random()
    if style < 0.25:
        text = text.lower()
    elif style < 0.40:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower() or text
    elif style < 0.50:
        text = text.replace("?", "???")
    return text[0].upper() + text[1:] if rng.random() < 0.6 else text


def customer_text(rng: random.Random) -> str:
    """An opening, a request, maybe a second one, the details of DATA_RATES and a closing."""
    fills = _fills(rng)
    text = rng.choice(REQUESTS).format(**fills)
    if rng.random() < 0.3:
        text = rng.choice(OPENINGS) + rng.choice([", ", "! ", " ", "\n"]) + text
    if rng.random() < 0.2:  # a second request in the same message
        text += rng.choice([". ", ", e ", "! E ", "\n", " "]) + rng.choice(REQUESTS).format(**_fills(rng))
    for kind, share in DATA_RATES.items():
        if rng.random() < share:
            text += rng.choice([", ", ". ", " - ", " ", "\n"]) + rng.choice(DETAILS[kind]).format(**fills)
    if rng.random() < 0.3:
        text += rng.choice([". ", ", ", " ", "\n"]) + rng.choice(CLOSINGS)
    return _typed(rng, text)


def edit_of(rng: random.Random, text: str) -> str:
    """An edit of a text: a detail added, as people complete what they said."""
    kind = rng.choice(list(DATA_RATES))
    return f"{text}{rng.choice([' ', ', ', '. ', chr(10)])}{rng.choice(DETAILS[kind]).format(**_fills(rng))}"


def staff_text(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return rng.choice(CANNED)
    return rng.choice(STAFF).format(**_fills(rng))


def _zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


_ACK_WEIGHTS = _zipf_weights(len(ACKS))


def chat_texts(count: int, *, seed: int = 25, ack_share: float = ACK_SHARE) -> list[str]:
    """`count` texts of a support group, in posting order: customers, staff and acknowledgements."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        draw = rng.random()
        if draw < ack_share:
            texts.append(rng.choices(ACKS, weights=_ACK_WEIGHTS)[0])
        elif draw < ack_share + STAFF_SHARE:
            texts.append(staff_text(rng))
        else:
            texts.append(customer_text(rng))
    return texts


_ENTITY = re.compile(
    r"https?://\S+|www\.\S+|\b[\w.-]+\.com(?:\.br)?/\S*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w{4,}"
)


def entities_of(text: str) -> list[dict[str, Any]]:
    """The entities Telegram marks in such a text (url, email, mention), offsets in UTF-16 code units."""
    found = []
    for match in _ENTITY.finditer(text):
        value = match.group()
        kind = "mention" if value.startswith("@") else "email" if "@" in value else "url"
        offset = len(text[: match.start()].encode("utf-16-le")) // 2
        found.append({"type": kind, "offset": offset, "length": len(value.encode("utf-16-le")) // 2})
    return found


MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post", "business_message")


def realistic_updates(count: int, *, seed: int = 1, ack_share: float = ACK_SHARE) -> list[dict[str, Any]]:
    """The demo generator's `count` Updates (its shapes, bench.common.updates), their people's texts and
    captions replaced by chat_texts(); our bot's messages and commands keep theirs. A message keeps one
    text across its edits and replies (an edit adds a few words), as Telegram sends them."""
    texts = iter(chat_texts(count, seed=seed, ack_share=ack_share))
    rng = random.Random(seed)
    by_message: dict[tuple[Any, Any], str] = {}

    def rewrite(message: dict[str, Any], key: str, edited: bool) -> None:
        old = message.get(key)
        sender = message.get("from") or {}
        if not isinstance(old, str) or old.startswith("/") or sender.get("is_bot"):
            return
        ident = ((message.get("chat") or {}).get("id"), message.get("message_id"))
        text = by_message.get(ident)
        if text is None:
            text = by_message[ident] = next(texts)
        if edited:
            text = edit_of(rng, text)
        message[key] = text
        entities_key = "entities" if key == "text" else "caption_entities"
        marked = entities_of(text)
        if marked:
            message[entities_key] = marked
        else:
            message.pop(entities_key, None)

    result = []
    for update in demo_updates(count, seed=seed):
        for kind in MESSAGE_KINDS:
            message = update.get(kind)
            if isinstance(message, dict):
                replied = message.get("reply_to_message")
                if isinstance(replied, dict):
                    for key in ("text", "caption"):
                        rewrite(replied, key, False)
                for key in ("text", "caption"):
                    rewrite(message, key, kind.startswith("edited"))
        result.append(update)
    return result


def message_texts(all_updates: list[dict[str, Any]]) -> list[str]:
    """The texts and captions the ETL reads, one per update that has one."""
    found = []
    for update in all_updates:
        for kind in MESSAGE_KINDS:
            message = update.get(kind)
            if isinstance(message, dict):
                text = message.get("text", message.get("caption"))
                if isinstance(text, str):
                    found.append(text)
    return found


def describe(texts: list[str], label: str, out: Callable[[str], None] = print) -> None:
    counts = Counter(texts)
    distinct = list(counts)
    lengths = sorted(map(len, texts))
    distinct_lengths = sorted(map(len, distinct))

    def pct(values: list[int], p: float) -> int:
        return values[min(len(values) - 1, int(p * len(values)))]

    spread = "/".join(str(pct(distinct_lengths, p)) for p in (0.1, 0.5, 0.9, 0.99))
    out(f"| {label} | {len(texts):,} | {len(distinct) / len(texts):.0%} | {sum(lengths) / len(lengths):.0f} "
        f"| {sum(distinct_lengths) / len(distinct_lengths):.0f} ({spread}) |")  # fmt: skip


def corpus_updates(count: int, *, seed: int = 1) -> list[dict[str, Any]]:
    """The updates of the ETL's throughput figures: the realistic support-chat corpus (bench.corpus: mostly
    distinct texts) by default, or the demo generator's (~20% distinct) with BENCH_CORPUS=demo."""
    corpus = os.environ.get("BENCH_CORPUS", "realistic")
    if corpus == "demo":
        return demo_updates(count, seed=seed)
    if corpus != "realistic":
        raise ValueError(f"BENCH_CORPUS={corpus!r}: realistic or demo")
    return realistic_updates(count, seed=seed)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    realistic = message_texts(realistic_updates(count))
    demo = message_texts(demo_updates(count))
    print("| corpus | texts | distinct | mean chars | distinct texts: mean chars (p10/p50/p90/p99) |")
    print("|---|---|---|---|---|")
    describe(realistic, f"realistic (bench.corpus), {count:,} updates")
    describe(demo, f"demo generator (bench.common), {count:,} updates")
    print("\nSample:")
    for text in realistic[:40]:
        print(repr(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
