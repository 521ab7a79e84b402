"""What a message's text says, computed once per row by the ETL: its normalized form, its intent
(question, problem, greeting, acknowledgement) and its keywords. Pure functions, no settings: the
settings-dependent parts of the conversation model (roles, topics, cases) are SQL over these columns
(analytics/sql/), so changing a setting never needs reprocessing.

Portuguese first (the product's customers), with English and Spanish; other scripts keep their letters. A
request's keywords are those of its language (telegram_etl.language: detected, with each language's stop
words and Snowball stemmer); a text too short to tell, or no request, keeps the Portuguese-first ones.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from telegram_etl import language as languages
from telegram_etl.language import COLLOQUIAL_STOP_WORDS, stem

# --- normalization --------------------------------------------------------------------------------

_LINK = re.compile(r"(?:https?://|www\.|t\.me/)\S+|\b[\w.-]+\.(?:com|br|net|org|io|me)(?:/\S*)?", re.I)
_LINK_HINT = re.compile(r"://|www\.|t\.me/|\.(?:com|br|net|org|io|me)", re.I)  # in every _LINK match
_DOT_BEFORE_TEXT = re.compile(r"\.\S")
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
_QUESTION_MARK = re.compile("[" + re.escape("".join(QUESTION_MARKS)) + "]")

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
    return lowered.translate(_FOLDED)


class _FoldTable(dict[int, str]):
    """A code point's folded form: its NFKD without combining marks. Folding each character on its own
    equals folding the text (NFKD decomposes each character alone, and canonical reordering only moves
    combining marks, which go), so str.translate folds a text in C. Each character is folded with NFKD on
    first sight and kept (up to _FOLD_ENTRIES; none at import: the cold start stays as it was)."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(char for char in decomposed if not unicodedata.combining(char))
        if len(self) < _FOLD_ENTRIES:
            self[code] = folded
        return folded


_FOLD_ENTRIES = 65_536
_FOLDED = _FoldTable()


def _without_links(text: str) -> str:
    # Each pattern needs its characters ("@" for e-mails and mentions; for a link "://", or a "." before
    # a non-space as in "www.x", "t.me/", ".com": then _LINK_HINT, which is in every _LINK match, but
    # slower, being case-insensitive): most texts skip them.
    if "[" in text:
        text = _REDACTED_NAME.sub(" ", _REDACTED_NUMBER.sub(" # ", text))
    if ("://" in text or _DOT_BEFORE_TEXT.search(text)) and _LINK_HINT.search(text):
        text = _LINK.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", _EMAIL.sub(" ", text))
    return text


def _words(text: str) -> str:
    """Folded words of a text, links and numbers neutralized, single spaces."""
    return _words_of(_without_links(text))


def _words_of(outside_links: str) -> str:
    # Folding, numbers and word breaks never cross whitespace (test_text_equivalence checks every
    # whitespace character), so each whitespace-separated chunk is done once and looked up afterwards:
    # chats reuse their words.
    found = []
    for chunk in outside_links.lower().split():
        words = _CHUNK_WORDS.get(chunk)
        if words is None:
            words = _chunk_words(chunk)
        if words:  # not a chunk without a word ("!!", "—")
            found.append(words)
    return " ".join(found)


def _chunk_words(chunk: str) -> str:
    """The words of one lower-cased chunk without whitespace: folded, numbers as #, single spaces."""
    folded = chunk if chunk.isascii() else chunk.translate(_FOLDED)
    if folded.isalpha() and folded.isascii():  # most words: nothing for the patterns below to change
        found = folded
    else:
        found = " ".join(_NOT_WORD.sub(" ", _LONG_NUMBER.sub(" # ", folded)).split())
    if len(_CHUNK_WORDS) >= _CACHED_WORDS:
        _CHUNK_WORDS.clear()  # bounded memory: a rare restart of the cache
    _CHUNK_WORDS[chunk] = found
    return found


_CACHED_WORDS = 65_536  # per cache: ~10 MB at most
_CHUNK_WORDS: dict[str, str] = {}


def _without_greetings(words: str) -> str:
    # The same as _LEADING_GREETINGS.sub("", words).strip(): the pattern is anchored at the start.
    found = _LEADING_GREETINGS.match(words)
    return words[found.end() :].strip() if found else words


def normalize(text: str | None) -> str | None:
    """The normalized text of the model: folded words without a leading greeting (see docs)."""
    if text is None:
        return None
    return _without_greetings(_words(text))


def normalize_and_intent(text: str) -> tuple[str, str | None]:
    """(normalize(text), intent(text)), the text's words computed once for both."""
    outside_links = _without_links(text)
    words = _words_of(outside_links)
    normalized = _without_greetings(words)
    return normalized, _intent(text, outside_links, words, normalized, normalized.split())


def features(text: str) -> tuple[str, str | None, list[str], list[str], str | None]:
    """(normalize(text), intent(text), the words and the stems of keywords(normalize(text), language), the
    language: text_language(text) for a request, None for other texts): the ETL's columns of a text, its
    words computed once for all."""
    outside_links = _without_links(text)
    words = _words_of(outside_links)
    normalized = _without_greetings(words)
    found = normalized.split()
    text_intent = _intent(text, outside_links, words, normalized, found)
    # Only a request's keywords make topics: other texts keep the undetermined language's (detection is
    # the costliest step of a text, BENCHMARKS.md "Language").
    text_language = _language_of(outside_links, found) if text_intent in REQUEST_INTENTS else None
    significant, stems = _keywords_of(found, text_language or languages.UNDETERMINED)
    return normalized, text_intent, significant, stems, text_language


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


def _by_first_letter(words: re.Pattern[str]) -> re.Pattern[str]:
    """A pattern \\b(?:a|b|...)\\b of word alternatives, with the alternatives that start with the same
    letter grouped under it (\\b(?:n(?:ao ...|eed|...)|e(?:rro|...)|...)\\b): the same strings match, but
    at each word the regex engine tries the few alternatives of its first letter, not all ~60 (_PROBLEM:
    ~2x faster). Alternatives that do not start with a plain letter stay as they are."""
    head, tail = "\\b(?:", ")\\b"
    source = words.pattern
    if not (source.startswith(head) and source.endswith(tail)):
        return words
    alternatives, depth, start, escaped, in_class = [], 0, 0, False, False
    body = source[len(head) : -len(tail)]
    for index, char in enumerate(body):  # split at the top level's |
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            alternatives.append(body[start:index])
            start = index + 1
    alternatives.append(body[start:])
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        first, rest = alternative[:1], alternative[1:]
        if first.isalpha() and first.isascii() and not rest.startswith(("?", "*", "+", "{")):
            groups.setdefault(first, []).append(rest)
        else:
            groups.setdefault(alternative, [])  # kept whole
    grouped = [first + "(?:" + "|".join(rests) + ")" if rests else first for first, rests in groups.items()]
    return re.compile(head + "|".join(grouped) + tail, words.flags)


_PROBLEM = _by_first_letter(_PROBLEM)
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
    normalized = _without_greetings(words)
    return _intent(text, outside_links, words, normalized, normalized.split())


def _intent(text: str, outside_links: str, words: str, normalized: str, found: list[str]) -> str | None:
    if not text.strip():
        return None
    if not normalized:
        return GREETING if words else None
    # The phrases only remove whole words (#s aside, which stay), so: every word an acknowledgement or a
    # greeting is one, and a word outside the phrases' vocabulary too keeps it from being one.
    if _ACK_OR_GREETING.issuperset(found):
        return ACKNOWLEDGEMENT
    if _ACK_VOCABULARY.issuperset(found):
        rest = _ACK_PHRASES.sub(" ", normalized).split()
        if all(word in _ACK_WORDS or word in _GREETING_WORDS for word in rest):
            return ACKNOWLEDGEMENT
    if _QUESTION_MARK.search(outside_links) or _OPENERS.match(normalized):
        return QUESTION
    if _WISH_WORDS.issuperset(found):  # "Quero!", "Eu também quero", "+1": a wish, not a request
        return ACKNOWLEDGEMENT
    if _PROBLEM.search(normalized):
        return PROBLEM
    return None


_GREETING_WORDS = frozenset(word for phrase in _GREETING.split("|") for word in phrase.split())
_ACK_OR_GREETING = _ACK_WORDS | _GREETING_WORDS
# Every word a match of _ACK_PHRASES can hold (test_text_equivalence enumerates the pattern's matches).
_ACK_PHRASE_WORDS = frozenset(
    "pode deixar como combinado falei falado de nada tudo certo ta bom tem sim razao ser crer sem problema "
    "problemas no problem thank you muito obrigado obrigada ok entendi por ate mais logo trabalho boa sorte "
    "eu tambem quero queria preciso gostaria saber idem me too same here tenho estou com a mesma duvida o "
    "mesmo aqui".split()
)
_ACK_VOCABULARY = _ACK_OR_GREETING | _ACK_PHRASE_WORDS

# --- keywords -------------------------------------------------------------------------------------

# Function words (pt, en, es) and words every support message shares, which name no problem: a hand list,
# for every text (the maintained lists of pt/en/es drop support words such as order, bill, fix, conta).
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


# A text with fewer words of at least _MIN_KEYWORD_LETTERS letters has no language of its own ("und").
_MIN_DETECTED_WORDS = 2


def text_language(text: str) -> str:
    """A text's language: ISO 639-1 (telegram_etl.language.detect), "und" for a text of fewer than 2
    words of 3 letters or more in its normalized text (too short to tell: "ok", "kenapa?")."""
    outside_links = _without_links(text)
    return _language_of(outside_links, _without_greetings(_words_of(outside_links)).split())


def _language_of(outside_links: str, words: list[str]) -> str:
    long_words = 0
    for word in words:  # at least _MIN_DETECTED_WORDS words of 3 letters or more, the first two found
        if len(word) >= _MIN_KEYWORD_LETTERS and word.isalpha():
            long_words += 1
            if long_words == _MIN_DETECTED_WORDS:
                break
    else:
        return languages.UNDETERMINED
    # Cached by what the model reads (its first words): distinct texts often open alike.
    model_words = languages.model_input(outside_links)
    return _LANGUAGES.get(model_words) or _detected(model_words)


def _detected(model_words: str) -> str:
    found = languages.detect_words(model_words)
    if len(_LANGUAGES) >= _CACHED_WORDS:
        _LANGUAGES.clear()
    _LANGUAGES[model_words] = found
    return found


_LANGUAGES: dict[str, str] = {}


def keywords(normalized_text: str | None, language: str = languages.UNDETERMINED) -> list[tuple[str, str]]:
    """(stem, word) of each significant word of a normalized text in a language, in order, each stem
    once."""
    if not normalized_text:
        return []
    significant, stems = _keywords_of(normalized_text.split(), language)
    return list(zip(stems, significant, strict=True))


def _keywords_of(words: list[str], language: str) -> tuple[list[str], list[str]]:
    """(significant words, their stems) of a normalized text's words, in order, each stem once."""
    keys = _KEYS.get(language)
    if keys is None:
        keys = _KEYS[language] = {}
    seen: set[str] = set()
    significant, stems = [], []
    for word in words:
        key = keys.get(word, _UNKNOWN)
        if key is _UNKNOWN:
            key = _key_of(word, language, keys)
        if key is None or key in seen:
            continue
        seen.add(key)
        significant.append(word)
        stems.append(key)
    return significant, stems


def _key_of(word: str, language: str, keys: dict[str, str | None]) -> str | None:
    """A word's keyword stem in a language, None for a word that names no problem; kept in keys."""
    key = None
    if word not in STOP_WORDS and word not in _GREETING_WORDS and word not in _ACK_WORDS:
        if word not in language_stop_words(language):
            letters = len(word) if word.isalpha() else sum(char.isalpha() for char in word)
            if letters >= _MIN_KEYWORD_LETTERS:
                key = language_stem(word, language)
    if len(keys) >= _CACHED_WORDS:
        keys.clear()
    keys[word] = key
    return key


@cache
def language_stop_words(language: str) -> frozenset[str]:
    """The stop words of a language beyond STOP_WORDS, folded: stopwords-iso's list and the colloquial
    ones, for any language but Portuguese, English and Spanish (and "und"), which STOP_WORDS covers."""
    if language in _HAND_LISTED:
        return frozenset()
    listed = languages.stop_words(language) | COLLOQUIAL_STOP_WORDS.get(language, frozenset())
    return frozenset(fold(word) for word in listed)


_HAND_LISTED = frozenset({"pt", "en", "es", languages.UNDETERMINED})


def language_stem(word: str, language: str) -> str:
    """A folded word's stem in its language: the light Portuguese stem() for Portuguese and an
    undetermined language (the word itself outside ASCII), Snowball's stemmer where it covers the
    language, else the word."""
    if language == "pt" or language == languages.UNDETERMINED:
        return stem(word) if word.isascii() else word
    snowball = languages.snowball(language)
    if snowball is None:
        return word
    if language == "ru" and word[-2:-1] in _RUSSIAN_VOWELS and word[-1] == "и":
        word = word[:-1] + "й"  # folding took й's breve: a final vowel + и is nearly always -ый, -ий, -ой
    return snowball(word)


_RUSSIAN_VOWELS = frozenset("аеиоуыэюя")
_UNKNOWN = ""  # no key is empty: stems keep at least one letter
_KEYS: dict[str, dict[str, str | None]] = {}  # per language


def clear_caches() -> None:
    """Forget every word and character seen (benchmarks: as a fresh process)."""
    _FOLDED.clear()
    _CHUNK_WORDS.clear()
    _KEYS.clear()
    _LANGUAGES.clear()
    stem.cache_clear()
