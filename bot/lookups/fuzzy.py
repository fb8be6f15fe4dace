"""Find things by a few typed letters, in any of our scripts: names, aliases, descriptions.

A look-up is not a question: people type a fragment of a name ("architekt", "シュラーズ",
"ところざわ", "strategie") and expect every record it fits. Texts and query meet in the
matcher's form (bot/kb/text.py: NFKC, case folded, Latin diacritics dropped) with katakana
folded to hiragana, so トコロザワ finds ところざわ. A query scores the best of: the whole query
found inside a text (100), each query word against the text's words (typos, Slovak endings:
"Schreursovej" still finds "Schreurs"), and rapidfuzz's partial alignment for longer queries.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.kb.text import kana_fold, normalize

THRESHOLD = 85.0  # below this a record does not fit ("strategie" is 80 to "magistrate")
SECONDARY = 0.9  # a description (duties, role) counts less than a name
MIN_PARTIAL = 4  # partial alignment of shorter Latin queries fits nearly anything


def fold(text: str) -> str:
    """The form texts and queries are compared in."""
    return kana_fold(normalize(text))


def _word_score(query_words: list[str], words: list[str]) -> float:
    """How well every query word is matched by some word of the text (the mean of the best)."""
    if not query_words or not words:
        return 0.0
    total = 0.0
    for q in query_words:
        best = 0.0
        for w in words:
            if w.startswith(q) and len(q) >= 3:
                best = 100.0  # a prefix: "strat" for "strategie", "oddel" for "oddelenie"
                break
            # A Slovak ending on either side ("architekta", "Schreursovej"): the shared stem.
            best = max(best, fuzz.ratio(q, w), fuzz.ratio(q[: len(w) + 2], w))
        total += best
    return total / len(query_words)


def score(query: str, text: str) -> float:
    """0–100: how well a folded query fits a folded text."""
    if not query or not text or (query.isascii() and len(query) < 2):
        return 0.0  # one Latin letter is in nearly every name
    # Two Latin letters are inside many words ("ek" in "projekt"): only at a word's start.
    short = len(query) < 3 and query.isascii()
    if query in text and (not short or f" {query}" in f" {text}"):
        return 100.0
    best = _word_score(query.split(), text.split())
    # partial_ratio also finds the shorter text inside the query ("EK" in "architekt"):
    # only the query inside the text counts.
    if len(text) >= len(query) and (len(query) >= MIN_PARTIAL or not query.isascii()):
        best = max(best, fuzz.partial_ratio(query, text))
    return best


@dataclass(frozen=True)
class Hit:
    """A key whose texts fit the query, with the best score."""

    key: Hashable
    score: float


class FuzzyIndex:
    """Texts per key, folded once; `search` ranks the keys a query fits, best first."""

    def __init__(self) -> None:
        self._entries: list[tuple[Hashable, tuple[str, ...], tuple[str, ...]]] = []

    def add(self, key: Hashable, names: Iterable[str], descriptions: Iterable[str] = ()) -> None:
        """Names count fully, descriptions a little less (SECONDARY)."""
        self._entries.append(
            (
                key,
                tuple(dict.fromkeys(f for f in map(fold, names) if f)),
                tuple(dict.fromkeys(f for f in map(fold, descriptions) if f)),
            )
        )

    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        """The keys whose texts fit the query (score ≥ THRESHOLD), best first, ties in order."""
        folded = fold(query)
        if not folded:
            return []
        hits = []
        for order, (key, names, descriptions) in enumerate(self._entries):
            best = max((score(folded, n) for n in names), default=0.0)
            if best < 100.0 and descriptions:
                best = max(best, SECONDARY * max(score(folded, d) for d in descriptions))
            if best >= THRESHOLD:
                hits.append((-best, order, Hit(key, best)))
        hits.sort(key=lambda h: (h[0], h[1]))
        found = [h for _, _, h in hits]
        return found if limit is None else found[:limit]
