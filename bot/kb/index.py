"""The matcher's index over one knowledge base: postings, word weights and fuzzy word lookup."""

from __future__ import annotations

import math
from collections import defaultdict

from rapidfuzz import process
from rapidfuzz.distance import Indel

from bot.kb.analyze import Analyzer, word_similarity
from bot.kb.model import KnowledgeBase, Participant
from bot.kb.text import script_of

# Kinds of question: a fact none of whose phrasings asks "when" does not answer a "when".
INTENTS = frozenset(
    {"@when", "@until", "@who", "@where", "@contact", "@how_many", "@cost", "@size"}
    | {"@next", "@name"}
)
# Many facts answer "when", yet "when" decides between siblings: an intent never weighs less.
INTENT_WEIGHT = 2.0
# A record named in at most this share of facts is specific (Grenoble, prof. Imura): a fact
# unrelated to it cannot answer a question about it. Common ones (Bratislava) never veto.
SPECIFIC_SHARE = 0.2
KANA_WEIGHT = 0.3  # hiragana runs are mostly grammar
COMMON_POSTINGS = 1000  # entries; only knowledge bases far bigger than the shipped one reach it
FUZZY_PREFILTER = 0.6  # Indel similarity that a word must reach before the finer comparison


def token_weight(token: str, idf: float) -> float:
    """A token's weight from its inverse document frequency; hiragana counts for less."""
    return idf * KANA_WEIGHT if script_of(token[0]) == "hira" else idf


class Index:
    """Facts (entries), the tokens of their alternate questions, and the records they concern."""

    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer | None = None) -> None:
        self.kb = kb
        self.analyzer = analyzer or Analyzer(kb)
        self.entries: list[str] = []
        self.related: list[frozenset[str]] = []  # per entry: the records and kinds it concerns
        self.alt_entry: list[int] = []  # per alternate question: its entry
        postings: dict[str, set[int]] = defaultdict(set)
        alt_tokens: list[list[str]] = []
        for fact in kb.facts.values():
            entry = len(self.entries)
            self.entries.append(fact.id)
            record = kb.records[fact.record]
            related = _related(kb, fact.record)
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
            if record.collection == "events" and record.fields.get("place"):
                postings[f"@at#{record.fields['place']}"].add(entry)
            self.related.append(frozenset(related))
        total = max(len(self.entries), 1)
        self.postings = {tok: tuple(sorted(ids)) for tok, ids in postings.items()}
        self.idf = {
            tok: token_weight(tok, math.log(1 + total / len(ids))) for tok, ids in postings.items()
        }
        for intent in INTENTS & self.idf.keys():
            self.idf[intent] = max(self.idf[intent], INTENT_WEIGHT)
        self.unknown_weight = math.log(1 + total)  # as rare as a word of a single fact
        # Per entry: for each token, the alternate questions (numbered within the entry) that
        # have it, with its share of that alternate's weight. A question's few matched tokens
        # then reach the alternates they cover without reading the others.
        phrasings: list[dict[str, list[tuple[int, float]]]] = [{} for _ in self.entries]
        counts = [0] * len(self.entries)
        for entry, toks in zip(self.alt_entry, alt_tokens, strict=True):
            weight = sum(self.idf[t] for t in toks)
            for tok in toks:
                share = self.idf[tok] / weight
                phrasings[entry].setdefault(tok, []).append((counts[entry], share))
            counts[entry] += 1
        self.phrasings: list[dict[str, tuple[tuple[int, float], ...]]] = [
            {tok: tuple(alts) for tok, alts in per_entry.items()} for per_entry in phrasings
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
        self.first_fact = {f"#{r.id}": r.facts[0].id for r in kb.records.values() if r.facts}
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
        candidates = process.extract(
            token,
            self._by_initial.get(token[0], ()),
            scorer=Indel.normalized_similarity,
            score_cutoff=FUZZY_PREFILTER,
            limit=20,
        )
        found: dict[str, float] = {}
        for candidate, ratio, _ in candidates:
            if script == "latin":
                sim = word_similarity(token, candidate)
            else:
                sim = 0.9 * ratio if ratio >= 0.8 else 0.0
            if sim > 0.0:
                found[candidate] = sim
        return dict(sorted(found.items(), key=lambda kv: kv[1], reverse=True)[:3])

    def phrasing_score(self, entry: int, matched: dict[str, float]) -> float:
        """How much of the entry's closest alternate question the matched tokens cover."""
        tokens = self.phrasings[entry]
        # A list indexed by alternate, not a dict: the inner loop is the matcher's hottest.
        # Alternates no matched token reaches stay 0.0, and no coverage is below that.
        covered = [0.0] * self.alternates[entry]
        for token, sim in matched.items():
            hits = tokens.get(token)
            if hits:
                for alt, share in hits:
                    covered[alt] += share * sim
        return max(covered, default=0.0)


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
