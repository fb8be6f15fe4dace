"""Fit the answer decision on questions the matcher was not built from, and show how it holds.

`python -m bot.kb.calibrate [--questions FILE.jsonl ...]` prints a new `DECISION` for
bot/kb/matcher.py and reliability tables (predicted probability against how often the answer
was right, in bins). The examples:

- held-out alternates: the knowledge base's alternate questions in ten folds, each fold asked of
  an index built without it (right when the best-ranked fact is the alternate's own);
- the development set (tests/data/devset.yaml) and, with --questions, question files in the
  practice-set format (an answer is right when its text matches every `expect` group).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.i18n import Translator
from bot.kb.decision import FEATURES, Decision, Evidence
from bot.kb.loader import load_knowledge
from bot.kb.matcher import DECISION, Match, Matcher
from bot.kb.model import Fact, KnowledgeBase
from bot.kb.render import render_fact

FOLDS = 10
ALTERNATES_SHARE = 0.25  # the held-out alternates' weight in the fit, against 1 for the others
DEVSET = Path(__file__).resolve().parents[2] / "tests" / "data" / "devset.yaml"


@dataclass(frozen=True)
class Example:
    """One question's evidence for its best-ranked fact, and whether that fact was right."""

    source: str  # where the question comes from: alternates, left-out, devset, a file name
    question: str
    evidence: Evidence | None  # None: a question of names only, decided without scoring
    right: bool
    names_answer: bool = False  # names only, answered with the main fact of the name


def probability(decision: Decision, example: Example) -> float:
    """The decision's probability for an example (names only: the measured rate, or 0)."""
    if example.evidence is not None:
        return decision.probability(example.evidence)
    return decision.names_only if example.names_answer else 0.0


def _example(source: str, question: str, match: Match, right: bool) -> Example:
    names_answer = match.evidence is None and match.outcome == "answer"
    return Example(source, question, match.evidence, right, names_answer)


def without(kb: KnowledgeBase, drop: set[tuple[str, str, str]]) -> KnowledgeBase:
    """The knowledge base without some alternate questions, given as (fact, lang, question)."""
    facts = {}
    for fact_id, fact in kb.facts.items():
        questions = {
            lang: tuple(q for q in qs if (fact_id, lang, q) not in drop)
            for lang, qs in fact.questions.items()
        }
        if any(questions.values()):
            facts[fact_id] = replace(fact, questions=questions)
    return _with_facts(kb, facts)


def _with_facts(kb: KnowledgeBase, facts: dict[str, Fact]) -> KnowledgeBase:
    """The knowledge base with these facts only, its records' fact lists to match."""
    records = {
        rid: replace(r, facts=tuple(facts[f.id] for f in r.facts if f.id in facts))
        for rid, r in kb.records.items()
    }
    return replace(kb, facts=facts, records=records)


def _alternates(kb: KnowledgeBase) -> list[tuple[str, str, str]]:
    return [
        (fact_id, lang, q)
        for fact_id, fact in kb.facts.items()
        for lang, qs in fact.questions.items()
        for q in qs
    ]


def held_out(kb: KnowledgeBase, decision: Decision, seed: int = 1) -> Iterator[Example]:
    """Each alternate asked of an index built without its fold."""
    alternates = _alternates(kb)
    random.Random(seed).shuffle(alternates)
    for fold in range(FOLDS):
        drop = set(alternates[fold::FOLDS])
        matcher = Matcher(without(kb, drop), decision=decision)
        for fact_id, _lang, q in sorted(drop):
            match = matcher.match(q)
            if match.best is not None:
                yield _example("alternates", q, match, match.best == fact_id)


def devset(matcher: Matcher) -> Iterator[Example]:
    """The development set: right when the best-ranked fact is the expected one."""
    import yaml  # only the calibration reads the dev set

    for item in yaml.safe_load(DEVSET.read_text(encoding="utf-8")):
        match = matcher.match(str(item["q"]))
        if match.best is not None:
            right = item["expect"] is not None and match.best == item["expect"]
            yield _example("devset", str(item["q"]), match, right)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def question_file(kb: KnowledgeBase, matcher: Matcher, path: Path) -> Iterator[Example]:
    """Practice-format questions: right when the best fact's text matches every group."""
    translators = {lang: Translator(lang) for lang in kb.languages}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        match = matcher.match(item["q"])
        if match.best is None:
            continue
        fact = kb.facts[match.best]
        text = _nfkc(render_fact(kb, fact, translators[item["lang"]], date.today()))
        if item["kind"] == "oos":
            # Out of scope, except that a plain "no phone is recorded" answers it honestly.
            honest = item.get("honest")
            right = bool(honest) and re.search(_nfkc(honest), text) is not None
        else:
            right = all(any(re.search(_nfkc(p), text) for p in group) for group in item["expect"])
        yield _example(path.stem, item["q"], match, right)


def fit(
    examples: list[Example], l2: float = 1.0, rounds: int = 25
) -> tuple[float, tuple[float, ...]]:
    """Logistic regression (Newton's method, L2), every source weighing the same in total."""
    per_source: dict[str, int] = {}
    for e in examples:
        per_source[e.source] = per_source.get(e.source, 0) + 1
    examples = [e for e in examples if e.evidence is not None]
    raw = [e.evidence.features() for e in examples]
    n = len(FEATURES)
    # Standardized features, so one L2 penalty is fair to all; weights mapped back at the end.
    mean = [sum(x[i] for x in raw) / len(raw) for i in range(n)]
    std = [math.sqrt(sum((x[i] - mean[i]) ** 2 for x in raw) / len(raw)) or 1.0 for i in range(n)]
    xs = [[1.0, *((x[i] - mean[i]) / std[i] for i in range(n))] for x in raw]
    ys = [1.0 if e.right else 0.0 for e in examples]
    # Each source weighs the same in total, except the held-out alternates: the knowledge
    # base's own phrasings, tidier than what people type, so they only steady the fit.
    share = {source: ALTERNATES_SHARE if source == "alternates" else 1.0 for source in per_source}
    scale = len(examples) / sum(share.values())
    ws = [scale * share[e.source] / per_source[e.source] for e in examples]
    beta = [0.0] * (n + 1)
    for _ in range(rounds):
        grad = [0.0] * (n + 1)
        hess = [[0.0] * (n + 1) for _ in range(n + 1)]
        for x, y, w in zip(xs, ys, ws, strict=True):
            z = sum(b * xi for b, xi in zip(beta, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
            for i in range(n + 1):
                grad[i] += w * (p - y) * x[i]
                for j in range(i + 1):
                    hess[i][j] += w * p * (1 - p) * x[i] * x[j]
        for i in range(n + 1):
            for j in range(i):
                hess[j][i] = hess[i][j]
            if i:  # the bias is not penalized
                grad[i] += l2 * beta[i]
                hess[i][i] += l2
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
    weights = [beta[i + 1] / std[i] for i in range(n)]
    bias = beta[0] - sum(w * m for w, m in zip(weights, mean, strict=True))
    return round(bias, 3), tuple(round(w, 3) for w in weights)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve a x = b by Gaussian elimination with partial pivoting (a small, dense system)."""
    n = len(b)
    m = [[*row, rhs] for row, rhs in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def reliability(examples: Iterable[Example], decision: Decision, bins: int = 10) -> str:
    """Predicted probability against the observed share of right answers, per bin."""
    counts = [[0, 0, 0.0] for _ in range(bins)]
    for e in examples:
        p = probability(decision, e)
        b = min(int(p * bins), bins - 1)
        counts[b][0] += 1
        counts[b][1] += e.right
        counts[b][2] += p
    lines = ["predicted   questions  mean predicted  observed right"]
    for i, (n, right, psum) in enumerate(counts):
        if n:
            lines.append(
                f"{i / bins:.1f}-{(i + 1) / bins:.1f}  {n:10}  {psum / n:14.2f}  {right / n:14.2f}"
            )
    return "\n".join(lines)


def outcomes(examples: Iterable[Example], decision: Decision) -> str:
    """Answered right, answered wrong and not answered, per source."""
    table: dict[str, list[int]] = {}
    for e in examples:
        row = table.setdefault(e.source, [0, 0, 0, 0])
        answered = probability(decision, e) >= decision.answer_at
        row[0] += 1
        row[1] += answered and e.right
        row[2] += answered and not e.right
        row[3] += e.right
    lines = ["source            questions  answered right  answered wrong  best was right"]
    for source, (n, right, wrong, best) in table.items():
        lines.append(f"{source:16}  {n:9}  {right / n:14.1%}  {wrong / n:14.1%}  {best / n:14.1%}")
    return "\n".join(lines)


def tradeoff(examples: list[Example], decision: Decision) -> str:
    """Answered right and wrong at other thresholds: what a stricter or looser bot would do."""
    lines = ["answer at  answered right  answered wrong"]
    for at in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        probs = [(probability(decision, e), e.right) for e in examples]
        right = sum(p >= at and r for p, r in probs) / len(probs)
        wrong = sum(p >= at and not r for p, r in probs) / len(probs)
        lines.append(f"{at:9.1f}  {right:14.1%}  {wrong:14.1%}")
    return "\n".join(lines)


def collect(kb: KnowledgeBase, decision: Decision, files: Iterable[Path] = ()) -> list[Example]:
    """Every example: held-out alternates, the dev set and the given files."""
    matcher = Matcher(kb, decision=decision)
    examples = [*held_out(kb, decision), *devset(matcher)]
    for path in files:
        examples.extend(question_file(kb, matcher, path))
    return examples


def main(argv: list[str] | None = None) -> None:
    """Fit, then print the decision and how it does on each source."""
    parser = argparse.ArgumentParser(prog="python -m bot.kb.calibrate", description=__doc__)
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE_DIR)
    parser.add_argument("--questions", type=Path, action="append", default=[])
    parser.add_argument(
        "--report",
        type=Path,
        action="append",
        default=[],
        help="question files only reported, never fitted on",
    )
    parser.add_argument("--skip", action="append", default=[], help="sources not fitted on")
    parser.add_argument("--answer-at", type=float, default=DECISION.answer_at)
    args = parser.parse_args(argv)
    kb = load_knowledge(args.knowledge)
    examples = collect(kb, DECISION, args.questions)
    print("current:", DECISION)
    print(outcomes(examples, DECISION))
    bias, weights = fit([e for e in examples if e.source not in args.skip])
    named = [e.right for e in examples if e.names_answer]
    # Never quite certain: a handful of right answers do not make a probability of 1.
    names_only = min(round(sum(named) / len(named), 3), 0.99) if named else DECISION.names_only
    fitted = Decision(bias, weights, args.answer_at, names_only)
    print("\nfitted, for bot/kb/matcher.py:")
    rows = "".join(f"        {w},  # {name}\n" for name, w in zip(FEATURES, weights, strict=True))
    print(
        f"DECISION = Decision(\n    bias={bias},\n    weights=(\n{rows}    ),\n"
        f"    answer_at={args.answer_at},\n    names_only={names_only},\n)"
    )

    print(outcomes(examples, fitted))
    print(reliability(examples, fitted))
    print(tradeoff([e for e in examples if e.source != "alternates"], fitted))
    if args.report:
        matcher = Matcher(kb, decision=fitted)
        reported = [e for path in args.report for e in question_file(kb, matcher, path)]
        print("\nreported only (not fitted on):")
        print(outcomes(reported, fitted))
        print(reliability(reported, fitted))


if __name__ == "__main__":
    main()
