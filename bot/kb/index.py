"""The matcher's index over one knowledge base: postings, word weights and fuzzy word lookup."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Indel

from bot.kb.analyze import INTENTS, Analyzer, word_similarity
from bot.kb.model import Fact, KnowledgeBase, Participant, Record
from bot.kb.text import script_of

# Kinds of question: a fact none of whose phrasings asks "when" does not answer a "when".
# Many facts answer "when", yet "when" decides between siblings: an intent never weighs less.
INTENT_WEIGHT = 2.0
# A record named in at most this share of facts is specific (Grenoble, prof. Imura): a fact
# unrelated to it cannot answer a question about it. Common ones (Bratislava) never veto.
SPECIFIC_SHARE = 0.2
KANA_WEIGHT = 0.15  # hiragana runs are mostly grammar
COMMON_POSTINGS = 1000  # entries; only knowledge bases far bigger than the shipped one reach it
# The collection whose records are items of one list (what Bratislava wants to learn), and the
# concepts every item answers: an item is an area of interest, something to learn.
LIST_ITEMS = "interests"
# "Energy efficiency on the agenda?" asks whether the item is among them too.
INTEREST_CONCEPTS = frozenset({"@area", "@learn", "@interest", "@agenda"})
# Events that are meetings: a fact whose text shows one (prof. Imura's tells which meeting he
# attended) concerns a meeting too.
MEETING_KINDS = frozenset({"meeting", "business_meeting"})
MEETING = "@meeting"
FUZZY_PREFILTER = 0.6  # Indel similarity that a word must reach before the finer comparison
# A known word this long reaches its other cases among the index words too, this alike.
INFLECTED_LENGTH = 7
INFLECTED_LIKE = 0.92
INFLECTED_RARE = 3  # facts at most: a common word's other cases are in the facts it is in


# Per entry and token: the alternates that have the token with its share of their weight,
# the largest of those shares, and the same pairs as a tuple.
Phrasing = tuple[dict[int, float], float, tuple[tuple[int, float], ...]]


def token_weight(token: str, idf: float) -> float:
    """A token's weight from its inverse document frequency; hiragana counts for less."""
    return idf * KANA_WEIGHT if script_of(token[0]) == "hira" else idf


class Index:
    """Facts (entries), the tokens of their alternate questions, and the records they concern."""

    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer | None = None) -> None:
        self.kb = kb
        self.analyzer = analyzer or Analyzer(kb)
        self.entries: list[str] = []
        self.record_token: list[str] = []  # per entry: its record's token ("#iuc")
        self.related: list[frozenset[str]] = []  # per entry: the records and kinds it concerns
        self.alt_entry: list[int] = []  # per alternate question: its entry
        postings: dict[str, set[int]] = defaultdict(set)
        # Per city: its administration (the City of Bratislava), when it has no facts of its own.
        city_of = {
            f"#{r.fields['place']}": f"#{r.id}"
            for r in kb.records.values()
            if r.collection == "organisations"
            and r.fields.get("kind") == "city"
            and r.fields.get("place")
            and not r.facts
        }
        alt_tokens: list[list[str]] = []
        list_items: set[int] = set()  # entries about an item of a list (see `list_items`)
        events: set[int] = set()  # entries about an event (see `placed`)
        for fact in kb.facts.values():
            entry = len(self.entries)
            self.entries.append(fact.id)
            self.record_token.append(f"#{fact.record}")
            record = kb.records[fact.record]
            related = _related(kb, fact.record)
            # A record the answer's text speaks of, and where it is, is one the fact concerns:
            # Imura's fact tells that he attended the Bratislava meeting ("which professor came
            # to the meeting in BA"). Not whom else it names: Schreurs's fact is not Imura's.
            for ref in _referenced(kb, fact):
                related.update(
                    t
                    for t in _related(kb, ref, depth=1)
                    if t == f"#{ref}" or kb.records[t[1:]].collection == "places"
                )
                if kb.records[ref].fields.get("kind") in MEETING_KINDS:
                    # And it speaks of a meeting: "which unit was Imura from at the meeting".
                    related.add(MEETING)
            for questions in fact.questions.values():
                for question in questions:
                    toks = self.analyzer.analyze(question)
                    if toks:
                        alt_tokens.append(toks)
                        self.alt_entry.append(entry)
                        for tok in toks:
                            postings[tok].add(entry)
                        related.update(t for t in toks if t[0] in "@#")
            postings[f"#{fact.record}"].add(entry)
            if record.collection == LIST_ITEMS:
                # An item of what Bratislava wants to learn is an area of interest: "is
                # traditional architecture among its interests?" asks for that item.
                related.update(INTEREST_CONCEPTS)
                list_items.add(entry)
            if record.collection == "events":
                events.add(entry)
                for role in _event_places(kb, record):
                    postings[role].add(entry)
                    related.add(role)
            # A fact about a city is one about its administration too ("which country is the
            # City of Bratislava in", "kontakt na magistrát" ask of Bratislava's facts).
            related.update(city_of[p] for p in related & city_of.keys())
            self.related.append(frozenset(related))
        total = max(len(self.entries), 1)
        self.postings = {tok: tuple(sorted(ids)) for tok, ids in postings.items()}
        per_entry: list[set[str]] = [set() for _ in self.entries]
        for tok, ids in postings.items():
            for entry in ids:
                per_entry[entry].add(tok)
        self.entry_tokens = [frozenset(toks) for toks in per_entry]  # per entry: its tokens
        # Entries about an item of a list: each answers with the whole list in context.
        self.list_items = frozenset(list_items)
        # Entries about an event, which has a place and visitors from somewhere, or about
        # something with a direction ("what Bratislava wants to learn from Tokorozawa"); of
        # other facts, a place named is no place of an event ("cooling in Bratislava").
        self.placed = events.union(
            e for e, toks in enumerate(self.entry_tokens) if any(t[:6] == "@from#" for t in toks)
        )
        self.idf = {
            tok: token_weight(tok, math.log(1 + total / len(ids))) for tok, ids in postings.items()
        }
        for intent in INTENTS & self.idf.keys():
            self.idf[intent] = max(self.idf[intent], INTENT_WEIGHT)
        self.unknown_weight = math.log(1 + total)  # as rare as a word of a single fact
        # Per entry: for each token, the alternate questions (numbered within the entry) that
        # have it, with its share of that alternate's weight, and the largest such share. A
        # question's few matched tokens then reach the alternates they cover without reading
        # the others, and a question reaching an entry through one token needs no sums at all.
        phrasings: list[dict[str, dict[int, float]]] = [{} for _ in self.entries]
        counts = [0] * len(self.entries)
        for entry, toks in zip(self.alt_entry, alt_tokens, strict=True):
            weight = sum(self.idf[t] for t in toks)
            for tok in toks:
                share = self.idf[tok] / weight
                phrasings[entry].setdefault(tok, {})[counts[entry]] = share
            counts[entry] += 1
        # Also as (alternate, share) pairs, quicker to walk than the dict's items.
        self.phrasings: list[dict[str, Phrasing]] = [
            {
                tok: (shares, max(shares.values()), tuple(shares.items()))
                for tok, shares in per_entry.items()
            }
            for per_entry in phrasings
        ]
        self.alternates = counts  # per entry: how many alternate questions have tokens
        # Tokens in a large share of a big knowledge base (@when) are only added to candidates
        # found through rarer tokens: walking their long postings costs much and decides little.
        self.common = {
            t: frozenset(ids) for t, ids in self.postings.items() if len(ids) > COMMON_POSTINGS
        }
        self.specific = frozenset(
            t
            for t, ids in self.postings.items()
            if t[0] == "#" and len(ids) <= SPECIFIC_SHARE * total
        )
        self.foreign = _foreign(kb, self.postings, self.related)
        self.first_fact = {f"#{r.id}": r.facts[0].id for r in kb.records.values() if r.facts}
        self.first_fact.update(_main_fact_of_places(kb, self.first_fact, self.analyzer, city_of))
        # The programme itself ("#iuc"), which nearly every fact concerns.
        self.programmes = frozenset(
            f"#{r.id}" for r in kb.records.values() if r.collection == "programme"
        )
        self._inflections: dict[str, dict[str, float]] = {}
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for tok in self.postings:
            if tok[0] not in "@#":
                self._by_initial[tok[0]].append(tok)

    def expand(self, token: str) -> dict[str, float]:
        """The index tokens a question token stands for (itself, inflections, typos)."""
        if token in self.postings:
            return {token: 1.0}
        if token[0] in "@#" or len(token) < 3:
            return {}
        script = script_of(token[0])
        if script not in ("latin", "kata") or (script == "kata" and len(token) < 4):
            return {}
        found: dict[str, float] = {}
        for candidate, ratio in self._near(token):
            if script == "latin":
                sim = word_similarity(token, candidate)
            else:
                sim = 0.9 * ratio if ratio >= 0.8 else 0.0
            if sim > 0.0:
                found[candidate] = sim
        return dict(sorted(found.items(), key=lambda kv: kv[1], reverse=True)[:3])

    def inflections(self, token: str) -> dict[str, float]:
        """Other index words that are the same long word in another case ("koordinátorom" of
        one fact, "koordinátorka" of another): a known word reaches them too. Cached."""
        known = self._inflections.get(token)
        if known is None:
            known = {}
            if (
                len(token) >= INFLECTED_LENGTH
                and script_of(token[0]) == "latin"
                and len(self.postings.get(token, ())) <= INFLECTED_RARE
            ):
                for candidate, _ in self._near(token):
                    sim = word_similarity(token, candidate) if candidate != token else 0.0
                    if sim >= INFLECTED_LIKE:
                        known[candidate] = sim
            self._inflections[token] = known
        return known

    def _near(self, token: str) -> list[tuple[str, float]]:
        """Index words with the token's initial, roughly alike (Indel ratio), to compare finer."""
        return [
            (candidate, ratio)
            for candidate, ratio, _ in process.extract(
                token,
                self._by_initial.get(token[0], ()),
                scorer=Indel.normalized_similarity,
                score_cutoff=FUZZY_PREFILTER,
                limit=20,
            )
        ]

    def phrasing_scores(self, entries: Iterable[int], matched: dict[str, float]) -> list[float]:
        """How much of each entry's closest alternate question the matched tokens cover.

        All candidates in one call: this is the matcher's hottest loop.

        An alternate's coverage is the sum of its matched tokens' shares (times their
        similarity), added in the order of `matched`; alternates no matched token reaches have
        0.0, and no coverage is below that. An alternate one token reaches covers at most that
        token's largest share, so with two tokens only the alternates both reach need adding
        up; with more, a list over all the entry's alternates sums them in order.
        """
        words = matched.keys()
        phrasings = self.phrasings
        scores = []
        for entry in entries:
            tokens = phrasings[entry]
            hit = words & tokens.keys()  # in C, looking up the few matched tokens
            count = len(hit)
            if not count:
                scores.append(0.0)
            elif count == 1:
                (token,) = hit  # sim >= 0 keeps the order of the shares
                scores.append(tokens[token][1] * matched[token])
            elif count == 2:
                # 0.0 + a + b is b + a: the order of two tokens does not matter.
                first, second = hit
                (shares1, best1, _), sim1 = tokens[first], matched[first]
                (shares2, best2, _), sim2 = tokens[second], matched[second]
                best = best1 * sim1
                other = best2 * sim2
                if other > best:
                    best = other
                for alt in shares1.keys() & shares2.keys():
                    both = shares1[alt] * sim1 + shares2[alt] * sim2
                    if both > best:
                        best = both
                scores.append(best)
            else:
                scores.append(_closest(tokens, matched, hit, self.alternates[entry]))
        return scores


def _closest(
    tokens: dict[str, Phrasing],
    matched: dict[str, float],
    hit: set[str],
    alternates: int,
) -> float:
    """The largest coverage of one of the entry's alternates; `hit`: matched tokens it has."""
    # A list indexed by alternate: with three tokens or more, most alternates are reached.
    covered = [0.0] * alternates
    for token, sim in matched.items():
        if token in hit:
            if sim == 1.0:  # share * 1.0 is share: the usual exact word needs no product
                for alt, share in tokens[token][2]:
                    covered[alt] += share
            else:
                for alt, share in tokens[token][2]:
                    covered[alt] += share * sim
    return max(covered)


def _foreign(
    kb: KnowledgeBase, postings: dict[str, tuple[int, ...]], related: list[frozenset[str]]
) -> list[frozenset[str]]:
    """Per entry: the other partnerships and their cities it is about.

    The knowledge base is about one partnership (the one most facts concern); the programme's
    other pairs are there for context. A question that names none of them is about the home
    pair: "od kedy spolupracujú" asks when Bratislava and Tokorozawa began, not Umeå and
    Kamakura.
    """
    pairs = {f"#{r.id}": r for r in kb.records.values() if r.collection == "partnerships"}
    if len(pairs) < 2:
        return [frozenset() for _ in related]
    home = max(pairs, key=lambda p: len(postings.get(p, ())))
    home_cities = {f"#{c}" for c in pairs[home].fields.get("cities", ())}
    others = {
        token
        for pair, record in pairs.items()
        if pair != home
        for token in (pair, *(f"#{c}" for c in record.fields.get("cities", ())))
        if token not in home_cities
    }
    return [frozenset(r & others) for r in related]


def _main_fact_of_places(
    kb: KnowledgeBase, first_fact: dict[str, str], analyzer: Analyzer, city_of: dict[str, str]
) -> dict[str, str]:
    """A bare name of a place with no facts of its own ("Kamakura", "Tokorozawa"): its pair's
    main fact, or that of the one record set there (Tokyo: the IUC meeting). A city's
    administration ("magistrát") is its place."""
    found = {
        city: first_fact[pair]
        for cities, pair in analyzer.pairs
        if pair in first_fact
        for city in cities
    }
    set_there: dict[str, list[str]] = defaultdict(list)  # per place: the main facts set there
    for record in kb.records.values():
        place = record.fields.get("place")
        if record.facts and isinstance(place, str):
            set_there[f"#{place}"].append(record.facts[0].id)
    for place, facts in set_there.items():
        if place in analyzer.places and len(facts) == 1:
            found.setdefault(place, facts[0])
    for place, administration in city_of.items():
        if place in found:
            found.setdefault(administration, found[place])
    return {t: f for t, f in found.items() if t not in first_fact}


def _event_places(kb: KnowledgeBase, record: Record) -> list[str]:
    """Where an event took place (@at#city) and where its visitors came from (@from#city)."""
    place = record.fields.get("place")
    roles = [f"@at#{place}"] if place else []
    for participant in record.fields.get("participants", ()):
        org = kb.records.get(participant.organisation or "")
        home = org.fields.get("place") if org else None
        if home and home != place:
            roles.append(f"@from#{home}")
    return roles


_REFERENCE = re.compile(r"\{([\w-]+)\.")


def _referenced(kb: KnowledgeBase, fact: Fact) -> set[str]:
    """The other records whose fields the fact's text shows ({meeting-2018-bratislava.period})."""
    refs = {ref for text in fact.text.values() for ref in _REFERENCE.findall(text)}
    return refs & kb.records.keys()


def _related(kb: KnowledgeBase, record_id: str, depth: int = 2) -> set[str]:
    """The record and those it references (place, partnership, its cities, people…)."""
    found = {f"#{record_id}"}
    frontier = [record_id]
    for _ in range(depth):
        following = []
        for rid in frontier:
            for value in kb.records[rid].fields.values():
                for item in value if isinstance(value, tuple) else (value,):
                    ref = (
                        (item.person or item.organisation)
                        if isinstance(item, Participant)
                        else item
                    )
                    if isinstance(ref, str) and ref in kb.records and f"#{ref}" not in found:
                        found.add(f"#{ref}")
                        following.append(ref)
        frontier = following
    return found
