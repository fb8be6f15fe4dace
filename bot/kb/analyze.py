"""Turn a question into matcher tokens: concepts (@when), records (#tokorozawa) and words.

Names and synonyms are recognized before anything is compared, so "Tokorozawou", "所沢" and
"ところざわ" all become #tokorozawa, and "kedy", "date" and "いつ" all become @when. The same
analysis runs over the knowledge base's alternate questions and over the user's question.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from rapidfuzz import process
from rapidfuzz.distance import Indel

from bot.kb.dates import dates_in
from bot.kb.model import KnowledgeBase
from bot.kb.text import (
    has_slovak_letters,
    is_japanese,
    kana_fold,
    katakana_spelling,
    normalize,
    runs,
    script_of,
    tokens,
)


def _inside_katakana(text: str, end: int) -> bool:
    """Whether a phrase ending at `end` stops inside a katakana word."""
    return (
        0 < end < len(text)
        and script_of(text[end - 1]) == "kata"
        and script_of(text[end]) == "kata"
    )


def word_similarity(a: str, b: str) -> float:
    """How alike two Latin words are (0..1): inflections and typos count, short words exact."""
    if a == b:
        return 1.0
    shorter = min(len(a), len(b))
    if shorter < 4:
        return 0.0
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    # Slovak inflects by the ending (Tokorozawa, Tokorozawe, Tokorozawou): a shared stem with
    # short endings is the same word in another case (but "cities" is not "citizens").
    if prefix >= 4 and shorter - prefix <= 2 and max(len(a), len(b)) - prefix <= 3:
        return 0.92
    if shorter >= 5:
        ratio = Indel.normalized_similarity(a, b)
        if ratio >= 0.8:
            return 0.9 * ratio
    return 0.0


# Months as people abbreviate them ("Oct 2018", "okt. 2018"), read as the month's name in the
# knowledge base's questions. Not "may" or "mar", which are words as well.
MONTH_ABBREVIATIONS = {
    "jan": "january",
    "feb": "february",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "okt": "oktober",
    "nov": "november",
    "dec": "december",
}
# Other words people shorten in a chat ("coop duration?", "which yr", "next mtg", "stretko").
ABBREVIATIONS = {
    **MONTH_ABBREVIATIONS,
    "yr": "year",
    "yrs": "years",
    "coop": "cooperation",
    "mtg": "meeting",
    "mtgs": "meetings",
    "mgmt": "management",
    "dept": "department",
    "depts": "departments",
    "rep": "representative",
    "reps": "representatives",
    "stretko": "stretnutie",
}
_ABBREVIATED = frozenset(ABBREVIATIONS)
_HIRAGANA = re.compile("[\u3041-\u309f]")
# A Slovak relative clause after a comma ("jedna z tém, o ktoré má záujem", "miesta, kde sa
# realizujú projekty"): its "ktoré", "kde" ask nothing.
_RELATIVE = re.compile(
    r",\s*(?:(?:o|na|v|vo|s|so|z|zo|do|pre|za|cez|po|pri|k|ku|od)\s+)?(ktor\w*|kde|kam|kedy)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?;:–—]|\s-\s")


def _relative_words(text: str) -> dict[str, set[int]]:
    """Per normalized word, which of its occurrences begin a relative clause.

    Only after a clause of three words or more ending in a lowercase word: "Tokorozawa, kde
    leží?" asks where Tokorozawa is.
    """
    found: dict[str, set[int]] = {}
    for match in _RELATIVE.finditer(text):
        before = text[: match.start()]
        clause = _CLAUSE_END.split(before)[-1].split()
        if len(clause) < 3 or not clause[-1][:1].islower():
            continue
        word = normalize(match.group(1))
        found.setdefault(word, set()).add(normalize(before).split().count(word))
    return found


# Where something happened matters ("what did they do in Tokorozawa" is the 2019 meeting);
# these words and particles mark a place as the place of the event, or as the origin.
AT_WORDS = frozenset({"in", "at", "to", "v", "vo", "do", "na"})
AT_PARTICLES = ("で", "に", "へ")
# "です", "でした", "でしょう" begin with "で" but are the copula: "相手はグルノーブルですか" is
# "is it Grenoble?", no meeting in Grenoble.
COPULA = ("です", "でし", "でしょ")
FROM_WORDS = frozenset({"from", "z", "zo"})
# A place beside hosting is the place of the event: "did Tokorozawa host a meeting",
# "hostila Tokorozawa stretnutie?" (not "hostia", guests, who come from a place).
HOST_WORDS = frozenset({"host", "hosted", "hosts", "hosting"}) | frozenset(
    {"hostila", "hostilo", "hostili", "usporiadala", "usporiadalo", "usporiadali"}
)
# A place named with the people it sent is where they came from: "the Tokorozawa delegation",
# "zástupcovia Bratislavy", "所沢の代表団", "ブラチスラバ側" (the 2018 and 2019 meetings differ
# only in who visited whom).
DELEGATION_WORDS = frozenset(
    {"delegation", "delegates", "representatives", "representative", "side", "team"}
    | {"officials", "guests", "visitors", "people", "mayor"}
    | {"delegacia", "delegacie", "delegaciu", "zastupcovia", "zastupcov", "zastupca", "hostia"}
)


def _is_delegation(word: str) -> bool:
    """A word of DELEGATION_WORDS, also mistyped ("delegtion"; not "visit" for "visitors")."""
    if word in DELEGATION_WORDS:
        return True
    return len(word) >= 6 and any(
        Indel.normalized_similarity(word, d) >= 0.9 for d in DELEGATION_WORDS
    )


# "Ďalší" is "next" before a meeting ("ďalšia návšteva", "ďalšie stretnutie") and "other"
# elsewhere ("aké ďalšie mestá"): only the first asks for the next one.
_NEXT_MEETING = re.compile(
    r"\bdals\w*\s+(?:stretnut|navstev|misi|cest|podujat|zasadnut|rokovan|konferenci|vylet)"
)
NEXT = "@next"
# A katakana word this long and this like a name written in kana is that name, mistyped
# (ブラスチラバ for ブラチスラバ: two letters swapped).
KANA_NAME_LENGTH = 4
# Typed words remembered with the phrase word they stand for: the knowledge base's own
# questions repeat a few thousand words, and users type mostly those; beyond this many, a word
# is read afresh each time rather than held.
PHRASE_WORDS_HELD = 20_000
KANA_NAME_LIKE = 0.8
_KANA_NAME = frozenset(chr(c) for c in range(0x3041, 0x30A0)) | {"ー", "・"}
WHO = "@who"
# Slovak "ktorý", "ktorá", "ktoré" ask "which" of what follows, "who" only of a person
# ("ktorý profesor"); "ktorí" (plural, people) is "who" anyway.
WHICH = "@which"
_PERSON_STEMS = (
    *("profesor", "prof", "zastup", "clovek", "ludi", "osob", "koordinator", "delegat"),
    *("ucastnik", "primator", "starost", "expert", "konzultant", "pan", "kolega", "kolegyn"),
    *("zamestnan", "pracovnik", "urednik", "predstavitel", "clen", "hostia", "hostom", "japonc"),
    *("vedu", "riaditel", "odbornik", "specialist", "poradc", "architekt", "politik"),
)
NAME = "@name"
# "Who were the four?": the count is known, so the people themselves are asked for.
_COUNTED = re.compile(
    r"\bwho (?:were|are) the (?:two|three|four|[2-9])\b"
    r"|\bkto (?:boli|su) (?:ti |tie )?(?:dvaja|traja|styria|[2-9])\b"
    r"|(?:[2-9]|[二三四])(?:人|名)(?:は|って)(?:誰|だれ)|(?:誰|だれ)と(?:誰|だれ)"
)

# A year checked ("was it signed in 2019?", "bola podpísaná v roku 2018?", "2018年に結ばれた
# んだっけ", "in spring 2019, right?", "na jar 2019?", "2019年の春だったよね"): with no other
# question word, a yes/no question about a date, which the fact giving the date answers. Not
# a year naming a thing ("the 2018 meeting", "the meeting in 2018", "2018年の会議"), nor one
# beside a question word ("what was discussed in 2018").
# Parts of a year checked beside it: English, then Slovak (normalized: no diacritics).
_SEASONS = (
    *("spring", "summer", "autumn", "fall", "winter", "early", "late"),
    *("jar", "jari", "lete", "jesen", "zime"),
)
_JA_SEASONS = ("春", "夏", "秋", "冬", "初め", "前半", "後半")
_CHECKED_WORDS = frozenset(_SEASONS + _JA_SEASONS)
_YEAR_CHECKED = re.compile(
    r"(?:(\w+)\s+)?\b(?:(?:in|on|v|vo|roku|rok)\s+|(?:in|v|na)\s+(?:the\s+)?"
    rf"(?:{'|'.join(_SEASONS)})\s+(?:of\s+)?)(?:19|20)\d\d\b"
    rf"|(?:19|20)\d\d年(?:に|の(?:{'|'.join(_JA_SEASONS)})(?:に|だった|でした|ごろ|頃)|だった|でした)"
)
_ASKS_OTHER = re.compile(
    r"\b(?:what|which|how|why|whose|who|whom|where|co|com|coho|comu|cim|ake|aky|aka|aku|ako"
    r"|preco|ktor\w*|kto|koho|komu|kym|kde|kam)\b"
    r"|何|なに|どんな|どの|どう|なぜ|誰|だれ|どこ"
)
WHEN = "@when"
HOW_MANY = "@how_many"
UNTIL = "@until"
# Japanese "how much" (どのくらい) is "how long" unless beside what else is measured: the
# population, a count, a cost.
MEASURES = frozenset({"@size", HOW_MANY, "@cost"})
_HOW_MUCH = re.compile("どのくらい|どれくらい|どれぐらい")
_HOW_LONG = re.compile("いつまで|期間|終了|満了|続|長さ|何か月|何ヶ月")
# A count checked ("five people from Tokorozawa came, right?", "boli tam piati ľudia?",
# "所沢から5人来たよね"): a yes/no question about how many, which the fact giving the count
# answers. Normalized text: no diacritics.
_COUNT_CHECKED = re.compile(
    r"\b(?P<count>two|three|four|five|six|seven|eight|nine|ten|dvaja|dve|traja|tri|styria|styri"
    r"|piati|pat|siesti|sest|[2-9]|10)\s+(?:\w+\s+)?(?:people|persons|representatives|reps"
    r"|delegates|officials|members|participants|ludia|ludi|zastupcovia|zastupcov|zastupcu"
    r"|delegati|delegatov|osoby|osob|ucastnici|ucastnikov)\b"
    r"|(?P<kanji>[2-9]|[二三四五六七八九十])(?:人|名)(?!は|って|の)"
)
EVENT_WORDS = frozenset({"@meeting", "@business_meeting"})
# "When" joining a clause of time to a question that asks something else: "When Tokorozawa
# people visited Bratislava, did they see project sites?", "what was on the program when they
# visited?". Not "when" that asks ("tell me when they came", "when did they come?").
_WHEN_CLAUSE_FIRST = re.compile(
    r"^\s*when\b[^,?]*,\s*(?:did|do|does|was|were|is|are|what|which|who|where|how|can|could)\b"
)
_WHEN_CLAUSE_AFTER = re.compile(
    r"^\s*(?:what|which|who|where|how|did|do|does|was|were|is|are)\b.*?\b(\w+) when "
    r"(?:they|we|he|she|it|our|their|the|those|these)\b"
)
_EMBEDS = frozenset({"me", "know", "tell", "ask", "asking", "wonder", "wondering", "sure"})
_DIGIT = re.compile(r"\d")
_DATE_WORDS = re.compile(r"\b(?:date|dates|day|days|year|month|time)\b")

_SENT = ("代表", "側", "一行", "訪問団", "使節団", "職員")
DELEGATION_PARTICLES = (*_SENT, *("の" + p for p in _SENT), "の人")


# Kinds of question: what is asked (when, who, where, whom to contact), not about what.
INTENTS = frozenset(
    {"@when", "@until", "@who", "@where", "@contact", "@email_phone", "@how_many", "@cost"}
    | {"@size", "@next", "@name"}
)
# The bot addressed ("you", "ty", "あなた") tells what a question is about only when nothing
# else does: "who are you" asks about the bot, "can you tell me when…" about something else.
ADDRESSED = "@you"
# What the bot can do ("what can you do", "čo vieš", "何ができるの"): asked of the bot in the
# same way, and about something else when that is named.
ABILITIES = "@abilities"
# An aside on who asks ("zaujíma ma", "pre náš odbor"): phrases that say nothing asked.
ASIDE = "@aside"
# Greetings, thanks and goodbyes: a reply of their own, unless a question comes with them.
SMALL_TALK = frozenset({"@hello", "@thanks", "@bye", "@okay"})
# Who the asker is, told beside a greeting ("hi, I'm Jana from the city office", "volám sa
# Peter a pracujem na magistráte", "市役所のヤナです", "田中と申します"): it names who asks, not
# what is asked, up to the end of its clause or to "and I need …" ("som z magistrátu a
# potrebujem sa prihlásiť"). "I'm" only before a name or "from" ("I'm interested in the next
# visit" asks); not Slovak "som" alone, which also asks ("som prihlásený?"), only "som z".
_INTRODUCTION = re.compile(
    r"\b(?:(?i:i am|i'm|im|this is)\s+[A-Z]\w*|(?i:my name is|i work (?:at|in|for|with)|"
    r"(?:i am|i'm|im|we are|we're) from|"
    r"vol[aá]m sa|moje meno je|pracujem (?:na|v|vo|pre|ako)|(?:som|sme) zo?))\b"
    r"[^,.;!?]*?(?=[,.;!?]|\s+(?i:a|and)\s+(?i:i\s+)?(?i:potrebujem|chcem|chcel|chcela|chceme"
    r"|chceli|by|mám|mam|need|want|would|wish|have)\b|$)"
    r"|[^、。,.!！?？\s]*(?:と申します|といいます|と言います)"
    r"|[^、。,.!！?？\s]*の[^、。,.!！?？\s]{1,12}です(?=[、。,.!！\s]|$)"
)
# "Tokorozawa's partner", "所沢のパートナー都市": one city of a pair and a partner word name
# the pair.
PARTNER = frozenset({"@partner", "@pairs"})
PAIRS = "@pairs"
PARTNER_ASKS = frozenset({WHO, "@where", WHICH})

_LATIN_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+")

# Words that ask which thing of a kind ("which airline", "aké jedlo", "どの航空会社"): the word
# after one names what is asked (see `Analyzer.asked_words`). Normalized, without diacritics.
WHICH_WORDS = frozenset(
    {"what", "which", "whose"}
    | {"aky", "aka", "ake", "aku", "akom", "akej", "akeho", "akych", "akou", "akym", "akymi"}
    | {"ktory", "ktora", "ktore", "ktoru", "ktorom", "ktorej", "ktoreho", "ktorych", "ktorou"}
    | {"ktorym", "ktorymi", "ktori"}
)
# "How many X", "koľko X": a count of a kind, asked the same way ("how many trees").
COUNT_WORDS = frozenset({"many", "much", "kolko"})
# Words between the two that say nothing of the kind ("what kind of", "ktoré konkrétne").
WHICH_FILLERS = frozenset(
    {"kind", "kinds", "type", "types", "sort", "sorts", "of", "exact", "exactly", "specific"}
    | {"particular", "precise", "konkretne", "konkretny", "konkretna", "presne", "druh", "typ"}
)
# Verbs that end the noun a "how many" asks of ("how many business meetings have there been").
_AUXILIARIES = frozenset({"have", "has", "had", "were", "was", "are", "is", "did", "do", "does"})
_JAPANESE_WHICH = re.compile(r"(?:どの|どんな|何の|なんの)([\u4e00-\u9fff\u30a0-\u30ff]{2,})")


class Analyzer:
    """Knows the names, aliases and concept words of one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        phrases: dict[str, str] = {}
        self.words: dict[str, str] = {}
        for concept, per_lang in kb.lexicon.items():
            for words in per_lang.values():
                self._add(phrases, words, f"@{concept}")
        for record in kb.records.values():
            names: list[str] = list(record.name.values())
            for aliases in record.aliases.values():
                names.extend(aliases)
            self._add(phrases, names, f"#{record.id}")
        # Names written in kana, to read a mistyped one (ブラスチラバ) as the name it is near.
        self._kana_names = {
            p: t
            for p, t in phrases.items()
            if t[0] == "#" and len(p) >= KANA_NAME_LENGTH and all(c in _KANA_NAME for c in p)
        }
        # A question naming both cities of a pair asks about their partnership.
        self.pairs = [
            ({f"#{c}" for c in r.fields["cities"]}, f"#{r.id}")
            for r in kb.records.values()
            if r.collection == "partnerships"
        ]
        self.places = {f"#{r.id}" for r in kb.records.values() if r.collection == "places"}
        # Events by their dates: a date in a question names the event it falls on.
        self._events = [
            (f"#{r.id}", r.fields["start"], r.fields.get("end") or r.fields["start"])
            for r in kb.records.values()
            if r.collection == "events" and isinstance(r.fields.get("start"), date)
        ]
        # A city's administration named ("所沢市", "magistrát") names the city too: the facts
        # about the city (its country, its partner) answer for it (bot/kb/index.py).
        self._city_place = {
            f"#{r.id}": f"#{r.fields['place']}"
            for r in kb.records.values()
            if r.collection == "organisations"
            and r.fields.get("kind") == "city"
            and f"#{r.fields.get('place')}" in self.places
        }
        # The bot's own names: "are you a bot?" addresses the bot as much as "who are you".
        self.own_names = frozenset(
            f"#{r.id}" for r in kb.records.values() if r.collection == "assistant"
        )
        # A question naming none of these cities completes no pair (None: one has no cities).
        self._pair_cities: frozenset[str] | None = (
            frozenset().union(*(cities for cities, _ in self.pairs))
            if all(cities for cities, _ in self.pairs)
            else None
        )
        self.stopwords = frozenset(normalize(w) for words in kb.stopwords.values() for w in words)
        # Phrases are looked up, not searched with one big regular expression: its cost grows
        # with every alias, and a knowledge base of thousands of facts would crawl.
        self._latin: dict[str, str] = {}
        self._japanese: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for phrase, token in phrases.items():
            if is_japanese(phrase):
                self._japanese[phrase[0]].append((phrase, token))
            else:
                self._latin[phrase] = token
        for candidates in self._japanese.values():
            candidates.sort(key=lambda item: len(item[0]), reverse=True)
        self._japanese_initial = (
            re.compile("[" + "".join(re.escape(c) for c in sorted(self._japanese)) + "]")
            if self._japanese
            else None
        )
        self._max_words = max((p.count(" ") + 1 for p in self._latin), default=1)
        # Per first word of a Latin phrase: the most words a phrase starting with it has. A
        # phrase found at a word of the question starts with that whole word (the words are
        # the longest runs of letters), so other words need no look-up.
        self._latin_first: dict[str, int] = {}
        for phrase in self._latin:
            first = _LATIN_WORD.match(phrase)
            if first:
                count = len(_LATIN_WORD.findall(phrase))
                self._latin_first[first[0]] = max(self._latin_first.get(first[0], 0), count)
        # The later words of Latin phrases, by initial: a mistyped one ("energy effeciency")
        # is read as the word it is closest to, when the phrase's first word is typed right.
        self._phrase_words: dict[str, list[str]] = defaultdict(list)
        self._phrase_word_read: dict[str, str] = {}  # see `_phrase_word`
        for word in sorted({w for p in self._latin for w in _LATIN_WORD.findall(p)[1:]}):
            self._phrase_words[word[0]].append(word)
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in self.words:
            self._by_initial[word[0]].append(word)
        # The knowledge base's own Latin words, looked up once here instead of per question:
        # users mostly type words of its questions, and each costs a fuzzy search otherwise.
        self._word_tokens: dict[str, str] = {}  # empty while `_word_token` fills it
        known_runs = [
            (script, run)
            for fact in kb.facts.values()
            for questions in fact.questions.values()
            for question in questions
            for script, run in runs(normalize(question))
        ]
        known = {run for script, run in known_runs if script == "latin"}
        self._word_tokens = {word: self._word_token(word) for word in sorted(known)}
        # Katakana words the knowledge base writes, to split compounds users write as one
        # (スマートエコシティ for スマート・エコシティ).
        self._katakana = frozenset(
            katakana_spelling(run)
            for script, run in known_runs
            if script == "kata" and len(run) >= 2
        )
        self._lang_words: dict[str, set[str]] = defaultdict(set)
        for lang in kb.languages:
            for fact in kb.facts.values():
                for question in fact.questions.get(lang, ()):
                    self._lang_words[lang].update(normalize(question).split())
            for per_lang in kb.lexicon.values():
                for word in per_lang.get(lang, ()):
                    self._lang_words[lang].update(normalize(word).split())
            self._lang_words[lang].update(normalize(w) for w in kb.stopwords.get(lang, ()))
        shared = set.intersection(*self._lang_words.values()) if self._lang_words else set()
        for words in self._lang_words.values():
            words -= shared
        # A language's small words and question words (sú, tiež, ktoré, kedy) tell the language
        # of a sentence that borrows the other's terms ("nature-based solutions sú tiež téma?"):
        # they count twice in `detect_language`.
        self._grammar_words = {
            lang: {normalize(w) for w in kb.stopwords.get(lang, ())}
            | {
                normalize(w)
                for concept in INTENTS
                for w in kb.lexicon.get(concept[1:], {}).get(lang, ())
                if " " not in w
            }
            | (WHICH_WORDS & self._lang_words[lang])
            for lang in kb.languages
        }

    def _add(self, phrases: dict[str, str], items: Iterable[str], token: str) -> None:
        for item in items:
            folded = kana_fold(normalize(item))
            if not folded:
                continue
            if " " not in folded and not is_japanese(folded):
                self.words.setdefault(folded, token)
            else:
                phrases.setdefault(folded, token)

    def analyze(self, text: str, normalized: str | None = None) -> list[str]:
        """The question's tokens, concepts and record names first, without stopwords or repeats.

        `normalized` is `normalize(text)`, when the caller has it already.
        """
        norm = normalize(text) if normalized is None else normalized
        if not _ABBREVIATED.isdisjoint(norm.split()):
            # Before the phrases: "which yr" is "which year", "Oct 2018 meeting" a meeting.
            norm = " ".join(ABBREVIATIONS.get(word, word) for word in norm.split())
        folded = kana_fold(norm)
        found: list[str] = []
        spans = self._japanese_phrases(folded, norm) if is_japanese(norm) else []
        spans += self._latin_phrases(folded, spans)
        places = self.places
        rest = norm  # the text without the phrases found
        if spans:
            chars = list(norm)
            for start, end, token in sorted(spans):
                found.append(token)
                if token in places:
                    before = norm[:start].split()
                    found.extend(
                        self._place_role(token, before[-1] if before else "", folded[end:])
                    )
                chars[start:end] = " " * (end - start)
            rest = "".join(chars)
        stopwords = self.stopwords
        word_tokens = self._word_tokens
        previous = ""
        words = [piece for word in tokens(rest) for piece in self._split_katakana(word)]
        relative = _relative_words(text) if "," in text else {}
        seen: dict[str, int] = {}
        for i, word in enumerate(words):
            if relative:
                count = seen[word] = seen.get(word, -1) + 1
                if count in relative.get(word, ()):
                    previous = word
                    continue  # "miesta, kde sa realizujú projekty" asks no "where"
            if word not in stopwords:
                token = word_tokens.get(word) or self._word_token(word)
                if token == WHO and word.startswith("ktor") and word != "ktori":
                    following = words[i + 1] if i + 1 < len(words) else ""
                    if not following.startswith(_PERSON_STEMS):
                        token = WHICH  # "ktorý plán": which one, not who
                found.append(token)
                if token in places:
                    following = words[i + 1] if i + 1 < len(words) else ""
                    found.extend(self._place_role(token, previous, following))
            previous = word
        if "dals" in norm and _NEXT_MEETING.search(norm):
            found.append(NEXT)
        if WHO in found and NAME not in found and _COUNTED.search(norm):
            # "who were the four?", "4人は誰": the count is known, the people are asked for.
            found.append(NAME)
        if INTENTS.isdisjoint(found):
            counted = _COUNT_CHECKED.search(norm)
            if counted and not _ASKS_OTHER.search(norm):
                # "five people from Tokorozawa came, right?": the count is what is checked, and
                # the fact giving it answers; the number typed is no word it must have.
                found = [t for t in found if t != (counted["count"] or counted["kanji"])]
                found.append(HOW_MANY)
        if (
            UNTIL in found
            and not MEASURES.isdisjoint(found)
            and _HOW_MUCH.search(norm)
            and not _HOW_LONG.search(norm)
        ):
            # "人口どのくらい？": "how much" of the population asks its size, not how long.
            found.remove(UNTIL)
        if WHEN in found and "when" in norm and _joins_a_clause_of_time(text):
            found.remove(WHEN)
        if _DIGIT.search(norm):  # a year or a date: most questions have none
            if INTENTS.isdisjoint(found) and self._checks_year(norm):
                # The season checked is part of the value to confirm, which the date's fact
                # gives, not a word it must have. The year stays: a year nothing is recorded of
                # ("a third meeting in 2020?") is not answered by the date of another.
                found = [t for t in found if t not in _CHECKED_WORDS]
                found.append(WHEN)
            if self._events:
                found.extend(self._events_on(norm))
        if not self._city_place.keys().isdisjoint(found):
            found += [self._city_place[t] for t in found if t in self._city_place]
        pair_cities = self._pair_cities
        if pair_cities is None or not pair_cities.isdisjoint(found):
            present = set(found)
            partner = not PARTNER.isdisjoint(present)
            halves = []  # the pairs one of whose cities is named beside a partner word
            for cities, pair in self.pairs:
                if cities <= present:
                    found.append(pair)
                    present.add(pair)
                elif partner and len(cities & present) == 1:
                    # "Who/where is Tokorozawa's partner?" asks for the other city, which
                    # the pair's facts name: not for a person or a place of an event.
                    found = [t for t in found if t not in PARTNER_ASKS]
                    found.append(pair)
                    present.add(pair)
                    halves.append((cities, pair))
            if len(halves) > 1 and len(halves) == len({p for _, p in halves}):
                # "Is Kamakura paired with Grenoble?": cities of two pairs, neither the whole
                # of one, ask which city goes with which, which the list of pairs tells.
                dropped = set().union(*(cities | {pair} for cities, pair in halves))
                found = [t for t in found if t not in dropped and t not in PARTNER]
                found.append(PAIRS)
        about_bot = [t for t in (ADDRESSED, ABILITIES) if t in found]
        if about_bot and any(
            t[0] in "@#" and t not in about_bot and t not in INTENTS and t not in self.own_names
            for t in found
        ):
            # "can you tell me when the agreement was signed" is about the agreement, "what do
            # you know about Imura" about Imura; "what can you do", with nothing else named, is
            # about the bot.
            found = [t for t in found if t not in about_bot]
        if ASIDE in found:
            found = [t for t in found if t != ASIDE]
        return list(dict.fromkeys(found))

    def _events_on(self, norm: str) -> list[str]:
        """The events the text's dates fall on, each date naming one event only.

        "15.–17. 10. 2018" is the Bratislava meeting; "May 2019" names two (Tokyo, Tokorozawa)
        and so neither.
        """
        named = []
        for year, month, day in dates_in(norm):
            if day is not None:
                on_day = date(year, month, day)
                on = [token for token, start, end in self._events if start <= on_day <= end]
            else:
                on = [
                    token
                    for token, start, end in self._events
                    if (start.year, start.month) <= (year, month) <= (end.year, end.month)
                ]
            if len(on) == 1:
                named.append(on[0])
        return named

    def without_introduction(self, text: str) -> str | None:
        """The text without the asker's introduction of themselves; None when it has none."""
        stripped = _INTRODUCTION.sub(" ", text)
        return None if stripped == text else stripped

    def _checks_year(self, norm: str) -> bool:
        """Whether a yes/no question checks a year ("was it signed in 2019?")."""
        checked = _YEAR_CHECKED.search(norm)
        if not checked or _ASKS_OTHER.search(norm):
            return False
        before = checked[1]  # "meeting" in "the meeting in 2018" names which meeting
        return not before or self._word_token(before) not in EVENT_WORDS

    def asked_words(self, normalized: str) -> tuple[str, ...]:
        """The word naming what a "which …" question asks for, when it is a plain word.

        "which airline did they fly with" asks for an airline: a fact that names none cannot
        answer it, however well the rest of the question matches. Japanese gives the tokens of
        the word (its kanji pairs). Empty when there is no such word, or it is a stopword, a
        concept or a name (those the matcher weighs already).
        """
        match = _JAPANESE_WHICH.search(normalized)
        if match:
            found = tuple(self.analyze(match[1]))
            return () if any(t[0] in "@#" for t in found) else found
        words = normalized.split()
        for i, word in enumerate(words):
            if word in WHICH_WORDS or word in COUNT_WORDS:
                rest = [w for w in words[i + 1 :] if w not in WHICH_FILLERS]
                if not rest or rest[0] in self.stopwords:
                    return ()
                if (
                    len(rest) > 1
                    and (len(rest) == 2 or rest[2] in self.stopwords or rest[2] in _AUXILIARIES)
                    and len(named := self.analyze(" ".join(rest[:2]))) == 1
                    and named[0][0] in "@#"
                ):
                    # A phrase the lexicon knows is the kind asked for ("how many business
                    # meetings were there"); not one qualifying it ("which Latin American
                    # cities").
                    return ()
                token = self._word_token(rest[0])
                return () if token[0] in "@#" else (token,)
        return ()

    def _split_katakana(self, word: str) -> list[str]:
        """A katakana compound the knowledge base writes in parts, as those parts."""
        known = self._katakana
        if len(word) < 4 or word in known or script_of(word[0]) != "kata":
            return [word]
        # Fewest known parts covering the whole word, each at least two characters long.
        best: list[list[str] | None] = [[]] + [None] * len(word)
        for end in range(2, len(word) + 1):
            for start in range(end - 2, -1, -1):
                head, current = best[start], best[end]
                if (
                    head is not None
                    and word[start:end] in known
                    and (current is None or len(head) + 1 < len(current))
                ):
                    best[end] = [*head, word[start:end]]
        return best[-1] or [word]

    def _japanese_phrases(self, folded: str, norm: str) -> list[tuple[int, int, str]]:
        """Names and concepts written in Japanese, longest first at each position.

        `norm` is the text before `kana_fold`: a phrase ending in katakana is no phrase inside
        a longer katakana word (パートナー, a partner, is not the start of パートナーシップ).
        """
        spans: list[tuple[int, int, str]] = []
        if self._japanese_initial is None:
            return spans
        search = self._japanese_initial.search
        japanese = self._japanese
        i = 0
        # From one character a phrase may start with to the next, instead of each character.
        while (found := search(folded, i)) is not None:
            i = found.start()
            for phrase, token in japanese[folded[i]]:
                if folded.startswith(phrase, i) and not _inside_katakana(norm, i + len(phrase)):
                    spans.append((i, i + len(phrase), token))
                    i += len(phrase)
                    break
            else:
                i += 1
        return spans

    def _latin_phrases(
        self, folded: str, taken: list[tuple[int, int, str]]
    ) -> list[tuple[int, int, str]]:
        """Names and concepts of several Latin words ("city hall", "do kedy"), longest first."""
        if taken:
            words = [
                m.span()
                for m in _LATIN_WORD.finditer(folded)
                if not any(s <= m.start() < e for s, e, _ in taken)
            ]
        else:
            words = [m.span() for m in _LATIN_WORD.finditer(folded)]
        spans = []
        first = self._latin_first
        count = len(words)
        i = 0
        while i < count:
            start, end = words[i]
            longest = first.get(folded[start:end], 0)
            if longest > 1:  # a phrase starts with this word: the longest one here, if any
                top = min(self._max_words, longest, count - i)
                fixed: list[str] | None = None  # the words as read with typos mended, once
                for n in range(top, 1, -1):
                    start, end = words[i][0], words[i + n - 1][1]
                    token = self._latin.get(folded[start:end])
                    if token is None:
                        if fixed is None:
                            typed = [folded[s:e] for s, e in words[i : i + top]]
                            fixed = [typed[0], *map(self._phrase_word, typed[1:])]
                        token = self._latin.get(" ".join(fixed[:n]))
                    if token:
                        spans.append((start, end, token))
                        i += n
                        break
                else:
                    i += 1
            else:
                i += 1
        return spans

    def _phrase_word(self, word: str) -> str:
        """The word of a phrase a typed word stands for: itself, or the one it is a typo of."""
        read = self._phrase_word_read.get(word)
        if read is None:
            read = self._read_phrase_word(word)
            if len(self._phrase_word_read) < PHRASE_WORDS_HELD:
                self._phrase_word_read[word] = read
        return read

    def _read_phrase_word(self, word: str) -> str:
        candidates = self._phrase_words.get(word[0], ())
        if len(word) < 5 or word in candidates:
            return word
        # Plainer than `word_similarity`: the phrase's first word, typed right, already says
        # what is meant, so one wrong letter of a long word is allowed ("effeciency").
        best, best_sim = word, (0.85 if len(word) >= 7 else 0.89)
        for known in candidates:
            sim = max(word_similarity(word, known), Indel.normalized_similarity(word, known))
            if sim > best_sim:
                best, best_sim = known, sim
        return best

    def _place_role(self, token: str, before: str, after: str) -> list[str]:
        """Place markers: "in X", "v X", "Xで" give @at#X; "from X", "z X", "Xから", "X
        delegation", "zástupcovia X", "Xの代表団" give @from#X."""
        if token not in self.places:
            return []
        after = after.lstrip()
        if (
            before in AT_WORDS
            or before in HOST_WORDS
            or (after.startswith(AT_PARTICLES) and not after.startswith(COPULA))
            or after.split(" ", 1)[0] in HOST_WORDS
        ):
            return [f"@at{token}"]
        if (
            before in FROM_WORDS
            or _is_delegation(before)
            or after.startswith(("から", *DELEGATION_PARTICLES))
            or _is_delegation(after.split(" ", 1)[0])
        ):
            return [f"@from{token}"]
        return []

    def _word_token(self, token: str) -> str:
        known = self._word_tokens.get(token)
        if known is not None:
            return known
        if script_of(token[0]) == "kata" and len(token) >= KANA_NAME_LENGTH:
            near = process.extractOne(
                kana_fold(token),
                self._kana_names.keys(),
                scorer=Indel.normalized_similarity,
                score_cutoff=KANA_NAME_LIKE,
            )
            return self._kana_names[near[0]] if near else token
        if script_of(token[0]) != "latin":
            return token
        token = ABBREVIATIONS.get(token, token)  # also for `asked_words` ("which yr")
        hit = self.words.get(token)
        if hit:
            return hit
        if token.startswith("ne") and len(token) >= 6 and token[2:] in self.words:
            # Slovak negates a verb with "ne-" ("nezaujíma", "nepodpísali"): a yes/no question
            # that denies is answered as the one that asks ("Bratislavu to nezaujíma, však?").
            return self.words[token[2:]]
        if len(token) < 4:
            return token
        # A long word may have a letter missing or added ("agrement", "delegtion"); a short one
        # must be closer, or unrelated words of a similar shape would be read as concepts.
        best, best_sim = token, (0.84 if len(token) >= 7 else 0.89)
        for word, _, _ in process.extract(
            token,
            self._by_initial.get(token[0], ()),
            scorer=Indel.normalized_similarity,
            score_cutoff=0.6,
            limit=10,
        ):
            sim = word_similarity(token, word)
            # Greetings are read as typed: "serve" is not "servus".
            if sim > best_sim and self.words[word] not in SMALL_TALK:
                best, best_sim = self.words[word], sim
        return best

    def detect_language(self, text: str, normalized: str | None = None) -> str | None:
        """'ja' for kana or kanji; 'sk' or 'en' only with a clear lead in evidence; else None.

        Evidence is Slovak letters and words found in one language's questions only. A word
        that begins a word of the other language, or begins with one ("partner" and
        "partnerstvo"), is half the evidence: people type it in both. Without a lead of a whole
        word, None lets the caller answer in the asker's own language ("kamakura partner" with
        a Slovak interface is answered in Slovak). `normalized` is `normalize(text)`, when the
        caller has it already.
        """
        if is_japanese(text) and (
            _HIRAGANA.search(text) or len(_LATIN_WORD.findall(text.lower())) < 2
        ):
            # Japanese grammar is in hiragana; a name in kanji or katakana inside an English or
            # Slovak sentence ("set interface to 日本語 pls", "所沢市 – to je kde?") is quoted.
            return "ja"
        # Sorted once, on the first call, to find words that begin with another.
        ordered: dict[str, list[str]] | None = self.__dict__.get("_lang_sorted")
        if ordered is None:
            ordered = self.__dict__["_lang_sorted"] = {
                lang: sorted(words) for lang, words in self._lang_words.items()
            }

        def shares_stem(word: str, lang: str) -> bool:
            words = self._lang_words.get(lang, ())
            if any(word[:k] in words for k in range(4, len(word))):
                return True
            others = ordered.get(lang, [])
            i = bisect_right(others, word)
            return i < len(others) and others[i].startswith(word)

        sk_score = 2.0 if has_slovak_letters(text) else 0.0
        en_score = 0.0
        sk_words = self._lang_words.get("sk", ())
        en_words = self._lang_words.get("en", ())
        sk_grammar = self._grammar_words.get("sk", set())
        en_grammar = self._grammar_words.get("en", set())
        for word in (normalize(text) if normalized is None else normalized).split():
            in_sk, in_en = word in sk_words, word in en_words
            if in_sk and not in_en:
                sk_score += 0.5 if len(word) >= 4 and shares_stem(word, "en") else 1.0
                sk_score += 1.0 if word in sk_grammar else 0.0
            elif in_en and not in_sk:
                en_score += 0.5 if len(word) >= 4 and shares_stem(word, "sk") else 1.0
                en_score += 1.0 if word in en_grammar else 0.0
        if abs(sk_score - en_score) < 1.0:
            return None
        return "sk" if sk_score > en_score else "en"


def _joins_a_clause_of_time(text: str) -> bool:
    """Whether the only "when" of an English question joins a clause of time, not asks."""
    lowered = text.lower()
    if lowered.count("when") != 1 or _DATE_WORDS.search(lowered):
        return False
    if _WHEN_CLAUSE_FIRST.search(lowered):
        return True
    after = _WHEN_CLAUSE_AFTER.search(lowered)
    return bool(after) and after[1] not in _EMBEDS
