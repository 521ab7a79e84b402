# A frozen copy of lambdas/etl/telegram_etl/text.py as of commit e10a521, before issue 25's speed work: the
# reference the faster implementation is compared with, row for row (tests/lambdas/etl/test_text_equivalence.py)
# and timed against (bench/text_speed.py). Not used by the ETL. When the behaviour changes on purpose, copy
# the new behaviour here too (or retire the comparison): issue 21 item 6 added the bare-wish rule (_WISH_WORDS).
# ruff: noqa
"""What a message's text says, computed once per row by the ETL: its normalized form, its intent
(question, problem, greeting, acknowledgement) and its keywords. Pure functions, no settings: the
settings-dependent parts of the conversation model (roles, topics, cases) are SQL over these columns
(analytics/sql/), so changing a setting never needs reprocessing.

Portuguese first (the product's customers), with English and Spanish; other scripts keep their letters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from telegram_etl import language as languages

# --- normalization --------------------------------------------------------------------------------

_LINK = re.compile(r"(?:https?://|www\.|t\.me/)\S+|\b[\w.-]+\.(?:com|br|net|org|io|me)(?:/\S*)?", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MENTION = re.compile(r"@\w+")
# What redaction (telegram_etl.privacy) left in place of people's data, read as what it replaced: a
# number, or nothing (as an e-mail or a mention), so the features stay those of the original text.
_REDACTED_NUMBER = re.compile(r"\[(?:cpf|cnpj|phone|card)\]")
_REDACTED_NAME = re.compile(r"\[(?:email|mention)\]")
_LONG_NUMBER = re.compile(r"\d(?:[\d.\-/]*\d){2,}")  # order numbers, dates, phones, CEPs: 3+ digits
_NOT_WORD = re.compile(r"[^\w#]+|_+")
# ? and its full-width, Arabic, Spanish, Greek (U+037E) and Armenian forms.
QUESTION_MARKS = ("?", "\uff1f", "\u061f", "\u00bf", "\u037e", "\u055e")

_GREETING = (
    r"oi+|ola|opa|ei|hey|hi|hello|hola|salve|eai|e ai|alo|bom dia|boa tarde|boa noite|boas|bomdia|"
    r"buenos dias|buenas tardes|buenas noches|buenas|good morning|good afternoon|good evening|"
    r"tudo bem|tudo bom|td bem|tudo certo|tudo joia|como vai|como vao|como estao|"
    r"pessoal|gente|galera|amigos|prezados|caros|everyone|all|todos|"
    r"com licenca|desculpa|desculpe|por favor|pf|pfv|pfvr"
)
_LEADING_GREETINGS = re.compile(rf"^(?:(?:{_GREETING})(?: |$))+")


def fold(text: str) -> str:
    """Lower case without diacritics ("Não É" -> "nao e"); letters of every script are kept."""
    lowered = text.lower()
    if lowered.isascii():  # most texts: NFKD leaves ASCII as it is, and it has no combining marks
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _without_links(text: str) -> str:
    # Each pattern needs its character ("." or "://" for a link, "@" for the rest): most texts skip them.
    if "[" in text:
        text = _REDACTED_NAME.sub(" ", _REDACTED_NUMBER.sub(" # ", text))
    if "." in text or "://" in text:
        text = _LINK.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", _EMAIL.sub(" ", text))
    return text


def _words(text: str) -> str:
    """Folded words of a text, links and numbers neutralized, single spaces."""
    return _words_of(_without_links(text))


def _words_of(outside_links: str) -> str:
    folded = _LONG_NUMBER.sub(" # ", fold(outside_links))
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def normalize(text: str | None) -> str | None:
    """The normalized text of the model: folded words without a leading greeting (see docs)."""
    if text is None:
        return None
    return _LEADING_GREETINGS.sub("", _words(text)).strip()


def normalize_and_intent(text: str) -> tuple[str, str | None]:
    """(normalize(text), intent(text)), the text's words computed once for both."""
    outside_links = _without_links(text)
    words = _words_of(outside_links)
    normalized = _LEADING_GREETINGS.sub("", words).strip()
    return normalized, _intent(text, outside_links, words, normalized)


# --- intent ---------------------------------------------------------------------------------------

QUESTION = "question"
PROBLEM = "problem"
GREETING = "greeting"
ACKNOWLEDGEMENT = "acknowledgement"
REQUEST_INTENTS = (QUESTION, PROBLEM)

_OPENERS = re.compile(
    r"^(?:"
    # Portuguese, colloquial forms included
    r"como(?! (?:combinado|falei|falado|disse|dito|sempre|de costume|previsto))|qual|quais|quando|onde|"
    r"aonde|cade|kd|quanto|quanta|quantos|quantas|quem|por que|porque|pq|o que|oq|que (?:horas|dia|dias|"
    r"tipo|forma|prazo)|alguem|algm|voces|vcs|vc|voce|tem(?! (?:sim|razao))|teria|tinha como|"
    r"pode(?! (?:deixar|ser|sim|crer|contar))|podem|poderia|poderiam|podia|posso|poderia|consigo|"
    r"conseguem|da pra|da para|e possivel|seria possivel|sera que|gostaria de saber|queria saber|"
    r"quero saber|preciso saber|sabe|sabem|existe|ha como|e normal|e verdade|"
    # English
    r"how|what|whats|when|where|why|who|which|can|could|is|are|do|does|did|should|will|would|any|"
    r"anyone|anybody|may|have you|has anyone|"
    # Spanish
    r"cual|cuales|cuando|donde|quien|quienes|cuanto|cuantos|puedo|pueden|puede|hay|alguien|tienen|"
    r"se puede|"
    # Russian, for a first word in Cyrillic
    r"как|что|где|когда|почему|сколько|кто|можно|есть ли"
    r")(?: |$)"
)
_PROBLEM = re.compile(
    r"\b(?:"
    r"nao (?:(?:estou|to|tou|ta|esta|estao) )?(?:consig\w*|conseguindo|cheg\w*|receb\w*|veio|vieram|"
    r"funcion\w*|caiu|cai|aparec\w*|carreg\w*|abr\w*|entr\w*|deix\w*|foi|foram|da|deu|compens\w*|"
    r"const\w*|localiz\w*|acho|encontr\w*|gera|gerou|libera\w*|aceit\w*|pass\w*)|"
    r"erro|errado|problema|travou|travando|trava|bug|quebrad\w*|quebrou|defeito|danificad\w*|"
    r"atrasad\w*|atraso|cobrad\w*|cobraram|cobranca indevida|estorn\w*|reembols\w*|cancel\w*|"
    r"trocar|troca|devolv\w*|devolucao|preciso|precisava|precisamos|quero|queria|gostaria|ajuda|"
    r"socorro|urgente|help|reclama\w*|"
    r"not working|doesnt work|dont work|cant|cannot|unable|error|problem|issue|broken|need|want|"
    r"refund|cancel|wrong|missing|"
    r"no funciona|no puedo|no llego|necesito|quiero|ayuda"
    r")\b"
)
_ACK_PHRASES = re.compile(
    r"\b(?:pode deixar|como combinado|como falei|como falado|de nada|tudo certo|ta bom|ta certo|"
    r"tem sim|tem razao|pode ser|pode sim|pode crer|sem problemas?|no problem|thank you|"
    r"muito obrigad[oa]|ok entendi|entendi sim|por nada|ate mais|ate logo|bom trabalho|boa sorte|"
    # "me too" under someone else's question: not a request of its own
    r"(?:eu )?tambem (?:quero|queria|preciso|gostaria de) saber|(?:eu )?tambem|idem|me too|same here|"
    r"(?:tenho |estou com )?(?:a )?mesma duvida|(?:o )?mesmo problema aqui)\b"
)
_ACK_WORDS = frozenset(
    "ok okay oks okk blz beleza certo certinho entendi entendido perfeito otimo otima show top massa "
    "combinado fechado valeu vlw obrigado obrigada obrigadao obg brigado brigada agradeco grato grata "
    "thanks thank thx ty gracias perfecto vale sim nao claro isso exato exatamente tmj joia legal "
    "bacana maravilha excelente amem kkk kkkk kkkkk haha hahaha rs rsrs aguardo aguardando "
    "mesmo muito muita entao ai ja por favor voce voces vcs vc pessoal gente galera amigo amiga "
    "de novo tb tbm tambem also great nice cool good yes no ah ahh".split()
)

# A bare wish or "me too" under a post ("Quero!", "Eu também!", "Também quero", "Yo también", "Me too", "+1"),
# with no question mark and no other word: not a request of its own (docs/conversation-model.md).
_WISH_WORDS = frozenset(
    "quero queria quiero want eu yo i me tambem tb tbm tambien too also "
    "sim muito um uma esse essa 1 2".split()
)


def intent(text: str | None) -> str | None:
    """question / problem / greeting / acknowledgement, or None for any other text (and no text).

    A greeting or an acknowledgement alone is never a request, even with a question mark
    ("Boa tarde, tudo bem?"); a question mark inside a link does not make a question.
    """
    if not text:
        return None
    outside_links = _without_links(text)
    words = _words_of(outside_links)
    return _intent(text, outside_links, words, _LEADING_GREETINGS.sub("", words).strip())


def _intent(text: str, outside_links: str, words: str, normalized: str) -> str | None:
    if not text.strip():
        return None
    if not normalized:
        return GREETING if words else None
    rest = _ACK_PHRASES.sub(" ", normalized).split()
    if all(word in _ACK_WORDS or word in _GREETING_WORDS for word in rest):
        return ACKNOWLEDGEMENT
    if any(mark in outside_links for mark in QUESTION_MARKS) or _OPENERS.match(normalized):
        return QUESTION
    if _WISH_WORDS.issuperset(normalized.split()):  # "Quero!", "Eu também quero", "+1": a wish, not a request
        return ACKNOWLEDGEMENT
    if _PROBLEM.search(normalized):
        return PROBLEM
    return None


_GREETING_WORDS = frozenset(word for phrase in _GREETING.split("|") for word in phrase.split())

# --- keywords -------------------------------------------------------------------------------------

# Function words (pt, en, es) and words every support message shares, which name no problem.
STOP_WORDS = frozenset(
    """
    a o as os um uma uns umas de do da dos das no na nos nas num numa em por pelo pela pelos pelas para
    pra pro pras pros com sem sob sobre ate apos entre ante contra desde que se e ou mas nem como quando
    onde qual quais quanto quanta quantos quantas quem cade porque porque pq oq ja ainda so tambem tb
    tbm nao sim muito muita muitos muitas mais menos bem mal la aqui ai ali isso isto esse essa esses
    essas este esta estes estas aquele aquela aquilo eu tu ele ela nos vos eles elas me te lhe lhes
    meu minha meus minhas teu tua seu sua seus suas nosso nossa voce voces vc vcs gente pessoal galera
    alguem algm ninguem algum alguma alguns algumas nenhum nenhuma todo toda todos todas tudo nada cada
    outro outra outros outras mesmo mesma proprio ser sou somos era eram foi foram fui sera seria estar
    estou esta estamos estao estava estive esteve ter tenho tem temos tinha tive teve haver ha havia fazer
    faco faz fazem fiz fez feito ir vou vai vamos vao ia fui poder posso pode podem podia poderia
    conseguir consigo consegue conseguem consegui conseguiu saber sei sabe sabem querer quero queria quer
    precisar preciso precisa precisava precisamos gostaria gostar dar da dei deu dar ver vejo vi viu olhar
    falar falei disse dizer achar acho achei encontrar encontro encontrei encontra ficar fica ficou deixar
    deixa deixei chamar ajudar ajuda ajude
    ajudem favor obrigado obrigada obg valeu vlw ola oi bom boa dia dias tarde noite hoje ontem amanha
    agora depois antes sempre nunca ja logo tempo vez vezes hora horas minuto minutos semana mes ano
    coisa coisas algo forma jeito tipo caso assunto duvida duvidas pergunta problema problemas questao
    ajudinha urgente please help ok certo entao assim sera tao tanto pouco
    segue seguir cai caiu cair usar uso usa mandar manda mande mandei pegar pego tirar tiro tira colocar
    mudar muda alterar altera aparece aparecer funciona funcionar funcionando print msg mensagem
    change make use send find tell give see try check
    the a an and or but of to in on at for with from by about as is are was were be been am do does did
    have has had can could would should will may might must not no yes you your we our they their it its
    don doesn didn isn aren wasn weren won wouldn couldn shouldn haven hasn hadn
    this that these those there here what when where why how who which any anyone some my me i he she
    his her them him us just also very really please thanks thank hello hi need want get got know
    el la los las un una unos unas y o pero de del al en con por para sin sobre que como cuando donde
    cual quien cuanto es son esta estan fue ser estar hay tengo tiene tienen puedo puede pueden quiero
    necesito mi mis tu tus su sus yo usted ustedes nosotros ya tambien muy mas menos hola gracias
    как что где когда почему сколько кто можно есть ли и в на не я мы вы он она они это мой моя мне
    """.split()
)
_MIN_KEYWORD_LETTERS = 3


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light Portuguese stemmer for folded words: plurals, then common verbal and nominal endings,
    then a final vowel ("boletos" -> "bolet", "cancelamento"/"cancelar"/"cancelei" -> "cancel",
    "cartoes"/"cartao" -> "cart"). Snowball's Portuguese stemmer was tried and left out: on folded,
    informal text it splits cartão/cartões and rastreio/rastrear."""
    for suffix, replacement in _PLURALS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)] + replacement
            break
    for suffix in _ENDINGS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith(("eio", "eia")) and len(word) >= 6:
        word = word[:-2]
    while len(word) > 3 and word[-1] in "aeo":
        word = word[:-1]
    return word


_PLURALS = (
    ("oes", "ao"), ("aes", "ao"), ("ais", "al"), ("eis", "el"), ("ois", "ol"), ("uis", "ul"),
    ("res", "r"), ("zes", "z"), ("ses", "s"), ("ns", "m"), ("ss", "ss"), ("us", "us"), ("is", "is"),
    ("s", ""),
)  # fmt: skip
_ENDINGS = (
    "amento", "imento", "acao", "icao", "ucao", "mente", "ando", "endo", "indo", "aram", "eram", "iram",
    "avam", "arei", "aria", "ado", "ada", "ido", "ida", "ao", "ar", "er", "ir", "ei", "ou", "am", "em",
    "iu", "eu", "ue", "i",
)  # fmt: skip


# Issue 21 item 5 (any language), ported on purpose: a text's language, and the stop words and stems of
# that language. The libraries' side (detection, stopwords-iso, Snowball) is telegram_etl.language's.
COLLOQUIAL_STOP_WORDS = {
    "id": "kalo gak ga nggak ngga udah gimana aja sih deh kak min gan sis yg dgn utk tdk gk blm sdh bgt banget "
    "nya ya tolong mohon bantu dibantu bantuan terima kasih halo hai selamat pagi siang sore malam admin oke makasih".split(),
    "ru": "здравствуйте добрый день вечер утро привет подскажите помогите проблема".split(),
}


def language_of(text: str) -> str:
    """The text's language: "und" below 2 words of 3+ letters, else the detected one."""
    words = normalize(text).split()
    if len([word for word in words if len(word) >= 3 and word.isalpha()]) < 2:
        return languages.UNDETERMINED
    return detect(_without_links(text))


_NOT_LETTERS = re.compile(r"[\W\d_]+")


def detect(outside_links: str) -> str:
    """telegram_etl.language.detect as of commit d78c12e (issue 25's third pass calls the model without
    its wrapper): the reference of the detection's output."""
    words = " ".join(_NOT_LETTERS.sub(" ", outside_links[: 2 * languages.MAX_CHARS].lower()).split())
    if len(words) < languages.MAX_CHARS and len(outside_links) > 2 * languages.MAX_CHARS:
        words = " ".join(_NOT_LETTERS.sub(" ", outside_links.lower()).split())
    if len(words) > languages.MAX_CHARS:
        cut = languages.MAX_CHARS
        words = words[: words.rfind(" ", 0, cut + 1)] if " " in words[:cut] else words[:cut]
    labels, probabilities = languages._model().predict(words, k=3)
    scores: dict[str, float] = {}
    for label, probability in zip(labels, probabilities, strict=True):
        code = label.removeprefix("__label__")
        code = languages.SAME_AS.get(code, code)
        scores[code] = scores.get(code, 0.0) + probability * (
            languages.PORTUGUESE_PRIOR if code == "pt" else 1.0
        )
    if not scores:
        return languages.UNDETERMINED
    best = max(scores, key=scores.__getitem__)
    total = sum(scores.values()) + max(0.0, 1.0 - sum(probabilities))
    return best if scores[best] / total >= languages.MIN_PROBABILITY else languages.UNDETERMINED


def keywords(normalized_text: str | None, language: str = "und") -> list[tuple[str, str]]:
    """(stem, word) of each significant word of a normalized text, in order, each stem once."""
    if not normalized_text:
        return []
    own_stop_words = set()
    if language not in ("pt", "en", "es", "und"):
        listed = set(languages.stop_words(language)) | set(COLLOQUIAL_STOP_WORDS.get(language, []))
        own_stop_words = {fold(word) for word in listed}
    seen: set[str] = set()
    found = []
    for word in normalized_text.split():
        if word in STOP_WORDS or word in _GREETING_WORDS or word in _ACK_WORDS or word in own_stop_words:
            continue
        if sum(char.isalpha() for char in word) < _MIN_KEYWORD_LETTERS:
            continue
        if language in ("pt", "und"):
            key = stem(word) if word.isascii() else word
        elif languages.snowball(language) is None:
            key = word
        else:
            if language == "ru" and len(word) >= 2 and word[-2] in "аеиоуыэюя" and word[-1] == "и":
                word_to_stem = word[:-1] + "й"  # folding took й's breve
            else:
                word_to_stem = word
            key = languages.snowball(language)(word_to_stem)
        if key in seen:
            continue
        seen.add(key)
        found.append((key, word))
    return found
