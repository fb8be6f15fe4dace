"""Decide which fact a question asks for: answer, suggest up to three, or admit not knowing.

Scoring, per fact: every question token is weighted by how rare it is in the knowledge base
(inverse document frequency), so a question sharing one common word with a fact scores low. Two
coverages are combined: how much of the question the fact explains (rare words the fact lacks,
such as another city's name, pull it down) and how much of the fact's closest alternate
question the user's words cover. The decision looks at the best score and its margin over the
runner-up, and answers only a fact that concerns everything the question names and asks: a
close race is offered as suggestions, never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.kb.analyze import ADDRESSED, PARTNER, SMALL_TALK, WHICH, Analyzer
from bot.kb.decision import Decision, Evidence
from bot.kb.followup import follow_up
from bot.kb.index import INTENTS, LIST_ITEMS, Index, token_weight
from bot.kb.model import KnowledgeBase
from bot.kb.text import normalize, script_of

SUGGEST_AT = 0.40  # below this, nothing is close enough to offer
SUGGEST_WITHIN = 0.2  # suggestions trail the best by at most this
QUERY_WEIGHT = 0.6  # share of the question coverage in the score; the rest is the phrasing's
PHRASING_WEIGHT = 1 - QUERY_WEIGHT
CANDIDATES = 10
RANKED = 5  # best-ranked facts a match carries (Match.ranked)
MAX_CANDIDATES = 40  # with ties at the tenth place
# A fact that never answers this kind of question ("who" asked, it tells "when") ranks lower.
INTENT_PENALTY = 0.7
# A fact not about a city, meeting or person the question names ranks lower too; names common
# to most facts (Bratislava) do not rule a fact out, as specific ones do.
RECORD_PENALTY = 0.8
OWN_RECORD_BONUS = 0.001  # breaks ties only
COUNTRY = "@country"  # the lexicon's concept: which country a place is in
OTHER_COUNTRY = "@other_country"  # a country the source names no city in ("Norway")
# The concepts of a question asking only the country of a place (of a city named with its
# partner, too).
_COUNTRY_ASKED = frozenset({COUNTRY, OTHER_COUNTRY, *PARTNER, "@where", "@name"})

# The confidence left to a question asking which thing, or how many, of a kind no fact names
# ("which airline", "how many trees"): in the questions measured, the best fact never answered
# one.
UNRECORDED = 0.2
RECORDED_LIKE = 0.9  # how alike a word must be to one the knowledge base has to count as it

# Concepts that only gather synonyms: anything may be asked of in their words ("the unit's
# role regarding travel", "ktorý plán"), so a fact whose questions never use them is not ruled
# out.
SYNONYMS_ONLY = frozenset({"@role", "@assist", WHICH, OTHER_COUNTRY})

# Concepts that, in a clause of their own, say who asks, not what: the bot addressed or named,
# a head or a mayor ("riaditeľ potrebuje vedieť, …", "(overujem, či to bot vie)").
ASKERS = frozenset({ADDRESSED, "#assistant", "@leader", "@mayor", "@me"})

Outcome = Literal["answer", "suggest", "unknown"]

# "What" before a name asks what the name is, which its main fact tells ("what is Bratislava").
_WHAT = frozenset({"what", "whats", "co"})

# Where one clause of a question ends and another begins: a question or exclamation mark, a
# dash or a colon between words, a comma, Japanese 、, a parenthesis ("…for my boss - when
# was…", "メモを出すのですが、…", "… v ktorej krajine? (overujem, či to bot vie)"); a full stop
# before a sentence that asks ("I'm a student. Who is behind the IUC?"), but not one ending
# "prof." or "tel.", nor one before an order ("… admin mode. List all delegates.").
# A reported question ends its preamble too: "my boss asks when…", "šéf sa pýta, kedy…".
_ASKS = (
    r"asks|asked|is asking|wonders|wants to know|would like to know|needs to know"
    r"|sa p[ýy]ta|p[ýy]ta sa|chce vedie[ťt]|potrebuje vedie[ťt]"
)
_CLAUSE_BREAK = re.compile(
    r"[?!？！。、，()（）]+|\s[-–—]+\s|[:;,]\s"
    r"|(?<!\bprof)(?<!\btel)(?<!\bdr)(?<!\bing)(?<!\bmgr)(?<!\bč)(?<!\bc)\.\s+"
    r"(?=(?-i:[A-ZÁČĎÉÍĽĹŇÓÔŔŠŤÚÝŽ])[^.!?]*\?)"
    rf"|\s(?:{_ASKS})\s",
    re.IGNORECASE,
)
# A clause ending in its reporting verb only says who asks ("kamarát z Tokorozawy sa pýta, v
# ktorej krajine je Bratislava"), whatever it names.
_ASKER_CLAUSE = re.compile(rf"\b(?:{_ASKS})\W*$", re.IGNORECASE)

# Fitted by `python -m bot.kb.calibrate` (see bot/kb/decision.py); refit after large changes
# to the knowledge base.
DECISION = Decision(
    bias=-4.538,
    weights=(
        12.326,  # score
        0.826,  # margin
        0.253,  # coverage
        -1.08,  # phrasing
        -1.846,  # misses_record
        -1.794,  # misses_kind
        -4.416,  # misses_concept
        0.2,  # unknown_name
        6.309,  # inverse_tokens
        -6.144,  # only_kinds
        0.689,  # unexplained
        1.408,  # unseen
        -4.063,  # unseen_uncovered
        -2.939,  # tie
        -11.421,  # little_information
    ),
    answer_at=0.75,
    names_only=0.964,
)


@dataclass(frozen=True)
class Match:
    """The matcher's decision for one question."""

    outcome: Outcome
    entry: str | None
    confidence: float
    suggestions: tuple[str, ...]
    lang: str | None  # the question's language, None when it cannot be told
    entities: tuple[str, ...]  # ids of the records the question names
    # What the decision rested on: the best-ranked fact's, also when it was not answered.
    best: str | None = None
    evidence: Evidence | None = None
    # The best-ranked facts, best first, whatever the decision: what a coordinator is offered
    # when a question the bot did not answer is to become another phrasing of a fact.
    ranked: tuple[str, ...] = ()


class Matcher:
    """Matches questions against the index of one knowledge base."""

    def __init__(
        self,
        kb: KnowledgeBase,
        analyzer: Analyzer | None = None,
        decision: Decision = DECISION,
    ) -> None:
        self.index = Index(kb, analyzer)
        self.analyzer = self.index.analyzer
        self.decision = decision
        # The one fact telling a place's country, per entry its place and per place the fact
        # ("#umea": "countries.umea").
        country_entries: dict[str, list[int]] = defaultdict(list)
        for entry, related in enumerate(self.index.related):
            if COUNTRY in related:
                for place in related & self.analyzer.places:
                    country_entries[place].append(entry)
        self._country_of_place = {e[0]: p for p, e in country_entries.items() if len(e) == 1}
        self._country_fact = {p: self.index.entries[e] for e, p in self._country_of_place.items()}
        # The items of the list of interests: one item's answer tells the whole list, so an
        # item's fact misses no other item named ("cooling through greenery").
        self._items = frozenset(
            f"#{r.id}" for r in kb.records.values() if r.collection == LIST_ITEMS
        )

    def match(self, question: str, context: tuple[str, ...] = ()) -> Match:
        """Score the facts against the question and decide.

        `context` holds the ids of the records the previous answer in the chat was about: a
        follow-up ("and when was that?") is read with them (see `follow_up`).
        """
        if context:
            return follow_up(self, question, context)  # it calls back `_match`
        return self._match(question)

    def _match(self, question: str, extra: tuple[str, ...] = ()) -> Match:
        """`match`, with `extra` tokens added to the question's own."""
        norm = normalize(question)  # once, for both
        lang = self.analyzer.detect_language(question, norm)
        query = self.analyzer.analyze(question, norm)
        if extra:
            if not query:  # "ok" says nothing to read with the context
                return Match("unknown", None, 0.0, (), lang, ())
            query = list(dict.fromkeys([*query, *extra]))
        if not SMALL_TALK.isdisjoint(query) and not extra:
            # "Hi, I'm Jana from the city office": a greeting, and who greets; the question,
            # if any, is the rest ("hi, I'm Jana, when is the next visit?").
            rest_of = self.analyzer.without_introduction(question)
            if rest_of is not None:
                return self._match(rest_of)
        if not SMALL_TALK.isdisjoint(query):
            # "hi, how do I register?": the question, when it is answered without the
            # greeting; "thanks, that helped" is thanks.
            rest = [t for t in query if t not in SMALL_TALK]
            asked = [t for t in rest if t != ADDRESSED and t not in self.analyzer.own_names]
            # One plain word beside thanks or a goodbye ("thank you for the information")
            # is part of it, not a question of its own; beside a greeting it is one ("hi,
            # register").
            if asked and ("@hello" in query or len(asked) > 1 or any(t[0] in "@#" for t in asked)):
                plain = self._decide(question, rest, lang)
                if plain.outcome == "answer":
                    return plain
        whole = self._decide(question, query, lang)
        if whole.outcome == "answer" or extra:
            return whole
        return self._clause(question, lang) or whole

    def _clause(self, question: str, lang: str | None) -> Match | None:
        """The one clause that is a question the others only lead up to, decided alone.

        "I'm writing a memo for my boss - when was the agreement signed?": the preamble's
        words, which no fact has, make the whole a poor match for any fact. A clause is
        answered alone only when every other clause names nothing the knowledge base knows
        (no concept, record or kind of question), or nothing it does not name itself, or only
        who asks (a greeting, a director): "were the plans finished? what was the result?"
        asks two things, and the first is not the whole question.
        """
        clauses = [c for c in _CLAUSE_BREAK.split(question) if c.strip()]
        if len(clauses) < 2:
            return None
        analyzed = [self.analyzer.analyze(c) for c in clauses]
        # What each clause names; a greeting or thanks ("…, ďakujem") names nothing asked,
        # nor does who is asking ("the director would like to know …").
        named = [
            {t for t in toks if t[0] in "@#" and t not in SMALL_TALK and t not in ASKERS}
            for toks in analyzed
        ]
        # A letter's frame names nothing asked either: its salutation ("Dear IUC helpdesk,")
        # and its closing with what follows ("Kind regards, Policy Unit").
        if analyzed[0][:1] == ["@hello"]:
            named[0] = set()
        for i, clause in enumerate(clauses[:-1]):
            if _ASKER_CLAUSE.search(clause):
                named[i] = set()
        closing = next(
            (i for i in range(1, len(analyzed)) if analyzed[i][:1] in (["@thanks"], ["@bye"])),
            len(analyzed),
        )
        for i in range(closing, len(analyzed)):
            named[i] = set()
        known = [i for i, names in enumerate(named) if names]
        if 1 < len(known) < len(clauses):
            # "Pripravujem podklady pre pána primátora – do kedy bude spolupráca trvať, aký je
            # konečný dátum?": without the preamble, the clauses that ask are the question.
            rest = " ".join(clauses[i] for i in known)
            match = self._decide(rest, self.analyzer.analyze(rest), lang)
            if match.outcome == "answer":
                return match
        if len(known) > 1:
            # "I need the exact date for my boss, when was the agreement signed": a preamble
            # naming only what the question names too adds nothing; the question decides.
            known = [i for i in known if set().union(*named) <= named[i]]
        if len(known) != 1:
            return None
        (i,) = known
        if all(t[0] == "#" for t in analyzed[i]):
            return None  # names only: the other clauses ask something of them
        match = self._decide(clauses[i], analyzed[i], lang)
        return match if match.outcome == "answer" else None

    def _decide(self, question: str, query: list[str], lang: str | None) -> Match:
        """Score the facts against the question's tokens and decide."""
        index = self.index
        entities = tuple([t[1:] for t in query if t[0] == "#"])

        def unknown(confidence: float = 0.0) -> Match:
            return Match("unknown", None, confidence, (), lang, entities)

        if not query:
            return unknown()
        if entities and all(t[0] == "#" or t in _WHAT for t in query):
            # Only names, or "what is" a name ("čo je Bratislava?"): its main fact.
            about = self._about(query, lang, entities)
            if about is not None:
                return about
            # A name with no fact of its own ("IUC coordination unit"): the facts that mention
            # it are scored like any question's.
        if COUNTRY in query or OTHER_COUNTRY in query:
            fact = self._country_asked(query)
            if fact:
                # As sure as the main fact of a name typed alone, measured the same way.
                return Match("answer", fact, self.decision.names_only, (), lang, entities, fact)
        idf = index.idf
        postings = index.postings
        common_postings = index.common
        # Per entry: the weight of the question it explains. A plain dict, not a defaultdict:
        # its look-ups are faster, and 0.0 + weight, a first token's share, is the weight.
        coverage: dict[int, float] = {}
        matched: dict[str, float] = {}
        common: list[tuple[float, dict[str, float]]] = []
        weak: list[str] = []  # tokens no index token stands for closely (names never seen?)
        found: list[tuple[float, Iterable[str]]] = []  # per token: its weight, what it matched
        # Slovak inflects by the ending: a word of one fact ("koordinátorom") is another's in
        # another case ("koordinátorka"), and a known word reaches those too.
        slovak = lang == "sk"
        for tok in query:
            known = tok in postings
            other_cases = index.inflections(tok) if known and slovak else None
            if known and not other_cases:
                # The usual case: `index.expand` gives the token itself.
                weight = idf[tok]
                found.append((weight, (tok,)))  # a word the knowledge base knows
                matched[tok] = 1.0  # no similarity is above
                if common_postings and tok in common_postings:
                    common.append((weight, {tok: 1.0}))
                elif not coverage:  # the first token reaching entries: in C
                    coverage = dict.fromkeys(postings[tok], weight)
                else:
                    for entry in postings[tok]:  # weight * 1.0 is the weight
                        if entry in coverage:
                            coverage[entry] += weight
                        else:
                            coverage[entry] = weight
                continue
            matches = index.expand(tok)
            if other_cases:  # a known word, and its other cases
                matches = {**matches, **other_cases}
            if not matches and script_of(tok[0]) == "hira":
                # A hiragana run no question of the knowledge base has is grammar (していますか,
                # ってる): it tells neither what is asked nor that it is something else.
                continue
            if not matches and _joins_known(tok, query, postings):
                # The bigram across two known kanji words (予約一覧: 約一 between 予約 and
                # 一覧) is no word of its own.
                continue
            if known:  # its other cases count as much as the word itself
                weight = idf[tok]
            elif matches:
                weight = max([idf[v] for v in matches])
            else:
                weight = token_weight(tok, index.unknown_weight)
            found.append((weight, matches.keys()))  # empty: a word it never saw
            if max(matches.values(), default=0.0) < 0.9:
                weak.append(tok)
            for vocab, sim in matches.items():
                matched[vocab] = max(matched.get(vocab, 0.0), sim)
            if common_postings and any(v in common_postings for v in matches):
                common.append((weight, matches))
            else:
                _accumulate(coverage, weight, matches, postings)
        total_weight = sum(weight for weight, _ in found)
        if common and not coverage:  # only common words: no rarer ones to find candidates
            for weight, matches in common:
                _accumulate(coverage, weight, matches, postings)
        else:
            for weight, matches in common:
                for entry in coverage:
                    coverage[entry] += weight * max(
                        (s for v, s in matches.items() if entry in common_postings.get(v, ())),
                        default=0.0,
                    )
        named = index.specific.intersection(query)
        # Kinds of question (when, who, where, from where) decide between siblings; other
        # concepts (meeting, agreement) are words like others, only better recognized.
        kinds = {t for t in query if t in INTENTS or t.startswith(("@at#", "@from#"))}
        asked = {t for t in query if t[0] == "@" and t not in SYNONYMS_ONLY}
        concepts = asked - kinds
        records = {t for t in query if t[0] == "#"}
        if COUNTRY in query:
            # The programme beside a city whose country is asked is where the city belongs,
            # not a second subject: "Toyota, a city in the IUC programme: which country?".
            records -= index.programmes
        # Where something happened or who came from where is asked of events only: "the
        # Bratislava side's interests" names a place, not a visit.
        roles = {t for t in kinds if t[1] != "#" and "#" in t}
        related_of = index.related
        foreign = index.foreign
        record_token = index.record_token
        placed = index.placed

        def asks(entry: int) -> tuple[set[str], set[str]]:
            """The concepts and kinds of question the entry must concern to answer."""
            if roles and entry not in placed:
                return asked - roles, kinds - roles
            return asked, kinds

        # The candidates' order does not matter (scores are sorted with their entries), only
        # which are the CANDIDATES best covered: with no more entries, all of them.
        ranked = list(coverage) if len(coverage) <= CANDIDATES else _best_covered(coverage)
        # A fact about something else cannot answer (the Umeå–Kamakura agreement is not ours).
        candidates = [e for e in ranked if named <= related_of[e]] if named else ranked
        if not candidates and len(named) > 1 and self._one_list(named):
            # Two items of one list ("cooling through greenery"): no fact is about both,
            # each item's fact tells the whole list.
            candidates = [e for e in ranked if named & related_of[e]]
        if not candidates:
            return unknown()
        phrasings = index.phrasing_scores(candidates, matched)
        scored = []
        for entry, phrasing in zip(candidates, phrasings, strict=True):
            score = QUERY_WEIGHT * coverage[entry] / total_weight + PHRASING_WEIGHT * phrasing
            needed = asks(entry)[0]
            if needed and not needed <= related_of[entry]:
                score *= INTENT_PENALTY
            if (records and self._misses(records, entry)) or (
                foreign[entry] and foreign[entry].isdisjoint(query)
            ):
                score *= RECORD_PENALTY
            if record_token[entry] in records:
                # Of two facts that explain the question alike, the named thing's own wins
                # ("IUC focus?": the IUC's, not the partnership's within it): no tie to offer.
                score += OWN_RECORD_BONUS
            scored.append((score, entry, phrasing))
        scored.sort(reverse=True)
        best_score, best_entry, best_phrasing = scored[0]
        # Another item of the same list is no rival: each item's answer tells the whole list
        # ("energy topics among its interests?": energy efficiency or resilience answer alike).
        items = index.list_items if best_entry in index.list_items else frozenset()
        runner_up = next((s for s, e, _ in scored[1:] if e not in items), 0.0)
        best_kinds = asks(best_entry)[1]
        evidence = Evidence(
            score=best_score,
            margin=best_score - runner_up,
            coverage=coverage[best_entry] / total_weight,
            phrasing=best_phrasing,
            misses_record=self._misses(records, best_entry)
            or bool(foreign[best_entry] and foreign[best_entry].isdisjoint(query)),
            misses_kind=not best_kinds <= related_of[best_entry],
            misses_concept=not concepts <= related_of[best_entry],
            unexplained=_unexplained(found, index.entry_tokens[best_entry]) / index.unknown_weight,
            # Words no fact has: the same whichever fact is best.
            unseen=max((w for w, vocab in found if not vocab), default=0.0) / index.unknown_weight,
            # A name never seen (Paris, ウィーン) means the question is about something else.
            unknown_name=any(_looks_like_name(tok, question) for tok in weak),
            tokens=len(query),
            only_kinds=len(query) == 1 and kinds.issuperset(query),
            weight=total_weight / index.unknown_weight,
        )
        confidence = self.decision.probability(evidence)
        if confidence >= self.decision.answer_at and self._asks_unrecorded(question):
            # "which airline did they fly with": no fact names any airline, so the best one,
            # about the trip, does not answer it; offered, never given as the answer.
            confidence = min(confidence, UNRECORDED)
        if (
            OTHER_COUNTRY in query
            and best_entry in self._country_of_place
            and self._country_of_place[best_entry] not in query
        ):
            # A country the source names no city in, asked of no city of the source: one
            # city's country does not answer it ("what is the capital of Austria?").
            confidence = min(confidence, UNRECORDED)
        best = index.entries[best_entry]
        ranked = tuple(index.entries[e] for _, e, _ in scored[:RANKED])
        if confidence >= self.decision.answer_at:
            return Match("answer", best, confidence, (), lang, entities, best, evidence, ranked)
        if best_score >= SUGGEST_AT:
            close = tuple(
                index.entries[e]
                for s, e, _ in scored[:3]
                if s >= SUGGEST_AT and s >= best_score - SUGGEST_WITHIN
            )
            return Match(
                "suggest", None, confidence, close, lang, entities, best, evidence, ranked
            )
        return Match("unknown", None, confidence, (), lang, entities, best, evidence, ranked)

    def _asks_unrecorded(self, question: str) -> bool:
        """Whether the question asks which thing of a kind no fact ever names."""
        asked = self.analyzer.asked_words(normalize(question))
        index = self.index
        # Close kin count ("delegatov" for "delegates"), a loose likeness does not ("trees" is
        # not "three").
        return bool(asked) and not any(
            t in index.postings or max(index.expand(t).values(), default=0.0) >= RECORDED_LIKE
            for t in asked
        )

    def _country_asked(self, query: list[str]) -> str | None:
        """The fact answering a question that asks only the country of one place, if any.

        Around the place, the rest is chatter ("所沢って名前は知ってるけど、どこの国の街？"): its
        own fact tells the country, also when it is checked against another ("is Umeå in
        Norway?"). A city named with its partner ("Umeå, Kamakura's partner: which country?")
        gets the pair's main fact, which gives each city's.
        """
        if any(t[0] == "@" and t not in _COUNTRY_ASKED for t in query):
            # Something else is asked too ("…and when was it selected?"), or of someone at
            # or from the place ("from which country were the guests in Bratislava?").
            return None
        pairs = [p for _, p in self.analyzer.pairs if p in query]
        if pairs:
            return self.index.first_fact.get(pairs[0]) if len(pairs) == 1 else None
        places = [t for t in query if t in self._country_fact]
        others = {t for t in query if t[0] == "#"} - self.index.programmes - set(places)
        if len(places) != 1 or others or PARTNER.intersection(query):
            return None
        return self._country_fact[places[0]]

    def _misses(self, records: set[str], entry: int) -> bool:
        """Whether the entry is about something other than the records named."""
        missing = records - self.index.related[entry]
        if missing and entry in self.index.list_items:
            missing -= self._items
        return bool(missing)

    def _one_list(self, named: set[str]) -> bool:
        """Whether the named records are items of one list (Bratislava's interests)."""
        return bool(named) and named <= self._items

    def _about(
        self, query: list[str], lang: str | None, entities: tuple[str, ...]
    ) -> Match | None:
        """Only names were typed ("Imura", "IUC"): the main fact of the most specific one.

        None when no name typed has a fact of its own.
        """
        index = self.index
        # Two names of one thing ("Tokorozawa, its city hall") give its main fact once.
        facts = list(dict.fromkeys(index.first_fact[t] for t in query if t in index.first_fact))
        facts.sort(key=lambda f: len(index.postings[f"#{f.split('.')[0]}"]))
        pairs = {pair[1:] for _, pair in self.analyzer.pairs if pair in query}
        decision = self.decision
        # Beside the programme or the partnership, which most facts concern, a specific name
        # is what is asked of ("udržateľné budovy, v IUC?", "Imura IUC").
        specific = [f for f in facts if f"#{f.split('.')[0]}" in index.specific]
        if len(facts) > 1 and len(specific) == 1:
            facts = specific
        if len(facts) == 1 or (facts and facts[0].split(".")[0] in pairs):
            confidence = decision.names_only
            return Match("answer", facts[0], confidence, (), lang, entities, facts[0])
        if facts:
            # One of several names' facts, none preferred: as likely as any other.
            confidence = min(round(decision.names_only / len(facts), 3), decision.answer_at / 2)
            return Match("suggest", None, confidence, tuple(facts[:3]), lang, entities, facts[0])
        return None


def _best_covered(coverage: dict[int, float]) -> list[int]:
    """The CANDIDATES entries that explain most of the question, and those tied with the last.

    Ties are common ("where is Tokorozawa": every fact with a "where" and Tokorozawa), and
    cutting inside one would drop facts by their order in the files, not by their merit.
    """
    ordered = sorted(coverage, key=coverage.__getitem__, reverse=True)
    last = coverage[ordered[CANDIDATES - 1]]
    end = CANDIDATES
    while end < len(ordered) and end < MAX_CANDIDATES and coverage[ordered[end]] >= last:
        end += 1
    return ordered[:end]


def _accumulate(
    coverage: dict[int, float],
    weight: float,
    matches: dict[str, float],
    postings: dict[str, tuple[int, ...]],
) -> None:
    """Add one question token's weight to every entry that has it (its best similarity)."""
    if len(matches) == 1:  # the usual case (the token itself): no best to pick per entry
        ((vocab, sim),) = matches.items()
        if sim > 0.0:
            share = weight * sim
            for entry in postings[vocab]:
                if entry in coverage:
                    coverage[entry] += share
                else:
                    coverage[entry] = share  # 0.0 + share
        return
    best: dict[int, float] = {}
    for vocab, sim in matches.items():
        for entry in postings[vocab]:
            if sim > best.get(entry, 0.0):
                best[entry] = sim
    for entry, sim in best.items():
        if entry in coverage:
            coverage[entry] += weight * sim
        else:
            coverage[entry] = weight * sim  # 0.0 + it


def _unexplained(found: list[tuple[float, Iterable[str]]], has: frozenset[str]) -> float:
    """The weight of the rarest question word other facts have and this one lacks."""
    return max((w for w, vocab in found if vocab and has.isdisjoint(vocab)), default=0.0)


def _looks_like_name(token: str, question: str) -> bool:
    """A katakana word, or a Latin word written capitalized inside the sentence."""
    script = script_of(token[0])
    if script == "kata":
        return len(token) >= 2
    if script != "latin" or len(token) < 3 or token.isdigit():
        return False
    words = question.split()
    return any(w[:1].isupper() and normalize(w).startswith(token) for w in words[1:])


def _joins_known(token: str, query: list[str], postings: dict[str, tuple[int, ...]]) -> bool:
    """Whether a kanji bigram straddles two known words of the question (約一 in 予約一覧)."""
    if len(token) != 2 or script_of(token[0]) != "kanji":
        return False
    first, second = token
    return any(t[-1] == first and t in postings for t in query if t != token) and any(
        t[0] == second and t in postings for t in query if t != token
    )
