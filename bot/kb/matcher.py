"""Decide which fact a question asks for: answer, suggest up to three, or admit not knowing.

Scoring, per fact: every question token is weighted by how rare it is in the knowledge base
(inverse document frequency), so a question sharing one common word with a fact scores low. Two
coverages are combined: how much of the question the fact explains (rare words the fact lacks,
such as another city's name, pull it down) and how much of the fact's closest alternate
question the user's words cover. The decision looks at the best score and its margin over the
runner-up: a close race is offered as suggestions, never guessed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Indel

from bot.kb.analyze import Analyzer, word_similarity
from bot.kb.model import KnowledgeBase
from bot.kb.text import normalize, script_of

ANSWER_AT = 0.55  # best score needed for an answer
MARGIN = 0.05  # and its lead over the runner-up
SUGGEST_AT = 0.40  # below this, nothing is close enough to offer
QUERY_WEIGHT = 0.6  # share of the question coverage in the score; the rest is the phrasing's
CANDIDATES = 10
# Kinds of question: a fact none of whose phrasings asks "when" does not answer a "when".
INTENTS = frozenset(
    {
        "@when",
        "@until",
        "@who",
        "@where",
        "@contact",
        "@how_many",
        "@cost",
        "@size",
        "@next",
        "@name",
    }
)
# A record named in at most this share of facts is specific (Grenoble, prof. Imura): a fact
# unrelated to it cannot answer a question about it. Common ones (Bratislava) never veto.
SPECIFIC_SHARE = 0.2
INTENT_PENALTY = 0.7
INTENT_WEIGHT = 2.0
F_SHARE = 0.0
# At least this share of the question (by weight) must be explained by the fact to answer:
# "weather in Tokyo tomorrow" names Tokyo, but most of it is about something else.
MIN_COVERAGE = 0.3
# A word the knowledge base never uses weighs as much as one used by a single fact, times this.
UNKNOWN_WEIGHT = 1.0
KANA_WEIGHT = 0.3  # hiragana runs are mostly grammar

Outcome = Literal["answer", "suggest", "unknown"]


@dataclass(frozen=True)
class Match:
    """The matcher's decision for one question."""

    outcome: Outcome
    entry: str | None
    confidence: float
    suggestions: tuple[str, ...]
    lang: str | None  # the question's language, None when it cannot be told
    entities: tuple[str, ...]  # ids of the records the question names


class Matcher:
    """An index over the alternate questions of one knowledge base."""

    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer | None = None) -> None:
        self.kb = kb
        self.analyzer = analyzer or Analyzer(kb)
        self.entries: list[str] = []
        self.phrasings: list[list[list[str]]] = []  # per entry, its alternates' tokens
        self.related: list[frozenset[str]] = []  # per entry, the records and kinds it concerns
        postings: dict[str, set[int]] = defaultdict(set)
        for fact in kb.facts.values():
            index = len(self.entries)
            self.entries.append(fact.id)
            alternates = []
            for questions in fact.questions.values():
                for question in questions:
                    toks = self.analyzer.analyze(question)
                    if toks:
                        alternates.append(toks)
                        for tok in toks:
                            postings[tok].add(index)
            postings[f"#{fact.record}"].add(index)
            place = kb.records[fact.record].fields.get("place")
            if kb.records[fact.record].collection == "events" and place:
                postings[f"@at#{place}"].add(index)
            self.phrasings.append(alternates)
            related = _related(kb, fact.record)
            related.update(t for toks in alternates for t in toks if t[0] in "@#")
            self.related.append(frozenset(related))
        total = max(len(self.entries), 1)
        self.postings = {tok: tuple(sorted(ids)) for tok, ids in postings.items()}
        self.idf = {
            tok: _weight(tok, math.log(1 + total / len(ids))) for tok, ids in postings.items()
        }
        for intent in INTENTS & self.idf.keys():
            # Many facts answer "when", yet "when" decides between siblings: never weigh it low.
            self.idf[intent] = max(self.idf[intent], INTENT_WEIGHT)
        self.unknown_weight = UNKNOWN_WEIGHT * math.log(1 + total)
        self.specific = frozenset(
            t
            for t, ids in self.postings.items()
            if t[0] == "#" and len(ids) <= SPECIFIC_SHARE * total
        )
        self.first_fact = {f"#{r.id}": r.facts[0].id for r in kb.records.values() if r.facts}
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for tok in self.postings:
            if tok[0] not in "@#":
                self._by_initial[tok[0]].append(tok)

    def match(self, question: str) -> Match:
        """Score every fact against the question and decide."""
        lang = self.analyzer.detect_language(question)
        query = self.analyzer.analyze(question)
        entities = tuple(t[1:] for t in query if t.startswith("#"))
        if not query:
            return Match("unknown", None, 0.0, (), lang, entities)
        expanded = [self._expand(tok) for tok in query]
        weights = [
            max((self.idf[v] for v in matches), default=_weight(tok, self.unknown_weight))
            for tok, matches in zip(query, expanded, strict=True)
        ]
        total_weight = sum(weights)
        coverage: dict[int, float] = defaultdict(float)
        for weight, matches in zip(weights, expanded, strict=True):
            best: dict[int, float] = {}
            for vocab, sim in matches.items():
                for entry in self.postings[vocab]:
                    if sim > best.get(entry, 0.0):
                        best[entry] = sim
            for entry, sim in best.items():
                coverage[entry] += weight * sim
        if not coverage:
            return Match("unknown", None, 0.0, (), lang, entities)
        matched: dict[str, float] = {}
        for matches in expanded:
            for vocab, sim in matches.items():
                matched[vocab] = max(matched.get(vocab, 0.0), sim)
        top = sorted(coverage, key=coverage.__getitem__, reverse=True)[:CANDIDATES]
        scored = sorted(
            (
                (
                    QUERY_WEIGHT * coverage[e] / total_weight
                    + (1 - QUERY_WEIGHT) * self._phrasing_score(e, weights, expanded, matched),
                    e,
                )
                for e in top
            ),
            reverse=True,
        )
        if all(t[0] == "#" for t in query):
            return self._about(query, lang, entities)
        named = {t for t in query if t in self.specific}
        # A fact about something else cannot answer (the Umeå–Kamakura agreement is not ours).
        scored = [(s, e) for s, e in scored if named <= self.related[e]]
        if not scored:
            return Match("unknown", None, 0.0, (), lang, entities)
        kinds = {t for t in query if t[0] == "@"}
        # A fact that never answers this kind of question ("who" asked, it tells "when") ranks
        # lower: it may still be offered, rarely answered.
        scored = sorted(
            ((s if kinds <= self.related[e] else s * INTENT_PENALTY, e) for s, e in scored),
            reverse=True,
        )
        best_score, best_entry = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        confidence = round(best_score, 3)
        # Answer only a fact that concerns everything the question names and asks.
        fits = {t for t in query if t[0] in "@#"} <= self.related[best_entry]
        # A name the knowledge base has never seen (Paris, ウィーン) means the question is about
        # something else, however well the rest matches.
        fits = fits and not any(
            max(matches.values(), default=0.0) < 0.9 and _looks_like_name(tok, question)
            for tok, matches in zip(query, expanded, strict=True)
        )
        covered = coverage[best_entry] / total_weight >= MIN_COVERAGE
        if fits and covered and best_score >= ANSWER_AT and best_score - runner_up >= MARGIN:
            return Match("answer", self.entries[best_entry], confidence, (), lang, entities)
        if best_score >= SUGGEST_AT:
            close = [
                self.entries[e] for s, e in scored[:3] if s >= SUGGEST_AT and s >= best_score - 0.2
            ]
            return Match("suggest", None, confidence, tuple(close), lang, entities)
        return Match("unknown", None, confidence, (), lang, entities)

    def _about(self, query: list[str], lang: str | None, entities: tuple[str, ...]) -> Match:
        """Only names were typed ("Imura", "IUC"): the main fact of the most specific one."""
        facts = [self.first_fact[t] for t in query if t in self.first_fact]
        ranked = sorted(facts, key=lambda f: len(self.postings[f"#{f.split('.')[0]}"]))
        if len(ranked) == 1 or (ranked and ranked[0].split(".")[0] in _pairs(query, self)):
            return Match("answer", ranked[0], 1.0, (), lang, entities)
        if ranked:
            return Match("suggest", None, 0.5, tuple(ranked[:3]), lang, entities)
        return Match("unknown", None, 0.0, (), lang, entities)

    def _expand(self, token: str) -> dict[str, float]:
        """The index tokens a question token stands for, with their similarity."""
        if token in self.postings:
            return {token: 1.0}
        if token[0] in "@#" or len(token) < 3:
            return {}
        script = script_of(token[0])
        found: dict[str, float] = {}
        for candidate in self._by_initial.get(token[0], ()):
            if script == "latin":
                sim = word_similarity(token, candidate)
            elif script == "kata" and len(token) >= 4:
                ratio = Indel.normalized_similarity(token, candidate)
                sim = 0.9 * ratio if ratio >= 0.8 else 0.0
            else:
                continue
            if sim > 0.0:
                found[candidate] = sim
        return dict(sorted(found.items(), key=lambda kv: kv[1], reverse=True)[:3])

    def _phrasing_score(
        self,
        entry: int,
        weights: list[float],
        expanded: list[dict[str, float]],
        matched: dict[str, float],
    ) -> float:
        """How well the closest alternate question and the user's question cover each other."""
        best = 0.0
        total_query = sum(weights)
        for toks in self.phrasings[entry]:
            total = sum(self.idf[t] for t in toks)
            recall = sum(self.idf[t] * matched.get(t, 0.0) for t in toks) / total
            present = set(toks)
            precision = (
                sum(
                    w * max((s for v, s in m.items() if v in present), default=0.0)
                    for w, m in zip(weights, expanded, strict=True)
                )
                / total_query
            )
            score = (1 - F_SHARE) * recall + F_SHARE * (
                2 * precision * recall / (precision + recall) if precision + recall else 0.0
            )
            best = max(best, score)
        return best


def _weight(token: str, idf: float) -> float:
    return idf * KANA_WEIGHT if script_of(token[0]) == "hira" else idf


def _related(kb: KnowledgeBase, record_id: str, depth: int = 2) -> set[str]:
    """The record and those it references (place, partnership, its cities, people…)."""
    found = {f"#{record_id}"}
    frontier = [record_id]
    for _ in range(depth):
        following = []
        for rid in frontier:
            record = kb.records.get(rid)
            if record is None:
                continue
            for value in record.fields.values():
                items = value if isinstance(value, tuple) else (value,)
                for item in items:
                    ref = item.person or item.organisation if hasattr(item, "person") else item
                    if isinstance(ref, str) and ref in kb.records and f"#{ref}" not in found:
                        found.add(f"#{ref}")
                        following.append(ref)
        frontier = following
    return found


def _pairs(query: list[str], matcher: Matcher) -> set[str]:
    return {pair[1:] for _, pair in matcher.analyzer.pairs if pair in query}


def _looks_like_name(token: str, question: str) -> bool:
    """A katakana word, or a Latin word written capitalized inside the sentence."""
    script = script_of(token[0])
    if script == "kata":
        return len(token) >= 2
    if script != "latin" or len(token) < 3 or token.isdigit():
        return False
    words = question.split()
    return any(w[:1].isupper() and normalize(w).startswith(token) for w in words[1:])
