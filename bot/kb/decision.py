"""The answer decision: how likely the best-ranked fact is the right answer, and when to give it.

The matcher ranks facts; what it knows about the best one is its `Evidence`. A logistic model
turns the evidence into the probability that the fact answers the question, and the bot answers
only above `answer_at`. The weights are not set by hand: `bot.kb.calibrate` fits them on
questions the matcher never saw (the knowledge base's own alternate questions, each asked of an
index built without it, and every fact's questions asked of an index without that fact, which
then must be refused), so `confidence` means what the README says: an estimated probability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """What the matcher knows about its best-ranked fact for one question."""

    score: float  # the fact's combined score, 0..1 (+0.001 for the named record's own fact)
    margin: float  # its lead over the runner-up
    coverage: float  # share of the question (by word weight) the fact explains
    phrasing: float  # share of the fact's closest alternate question the words cover
    misses_record: bool  # the question names a thing (a city, a meeting) the fact is not about
    misses_kind: bool  # or asks a kind of question (when, who, where) it never answers
    misses_concept: bool  # or names a concept (a meeting, the agreement) its questions never do
    unknown_name: bool  # the question names something the knowledge base never mentions
    unexplained: float  # weight of the rarest question word that other facts have, not this
    unseen: float  # weight of the rarest question word no fact has (a new word: 1)
    tokens: int  # how many tokens the question has
    only_kinds: bool  # nothing but kinds of question ("when?", "kto"): nothing to go on
    weight: float = 1.0  # the question's information: its words' total weight (a new word: 1)

    def features(self) -> tuple[float, ...]:
        """The model's inputs, in the order of `Decision.weights`."""
        return (
            self.score,
            self.margin,
            self.coverage,
            self.phrasing,
            1.0 if self.misses_record else 0.0,
            1.0 if self.misses_kind else 0.0,
            1.0 if self.misses_concept else 0.0,
            1.0 if self.unknown_name else 0.0,
            1.0 / self.tokens,
            1.0 if self.only_kinds else 0.0,
            self.unexplained,
            self.unseen,
            # A new word in a question the fact explains little of: it asks something else.
            self.unseen * (1.0 - self.coverage),
            1.0 if self.margin < 1e-6 else 0.0,
            1.0 / (1.0 + self.weight),
        )


FEATURES = (
    "score",
    "margin",
    "coverage",
    "phrasing",
    "misses_record",
    "misses_kind",
    "misses_concept",
    "unknown_name",
    "inverse_tokens",
    "only_kinds",
    "unexplained",
    "unseen",
    "unseen_uncovered",
    "tie",
    "little_information",
)


@dataclass(frozen=True)
class Decision:
    """A logistic model of P(right answer | evidence) and the probability needed to answer."""

    bias: float
    weights: tuple[float, ...]
    answer_at: float
    # A question of names only ("Imura", "所沢") gets the main fact of the name: how often
    # that was right, measured like the rest.
    names_only: float

    def probability(self, evidence: Evidence) -> float:
        """The estimated probability that the best-ranked fact is the right answer."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, evidence.features(), strict=True))
        if z < -30:
            return 0.0
        return round(1.0 / (1.0 + math.exp(-z)), 3)
