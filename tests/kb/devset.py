"""Score the question answerer on the development set; `python -m tests.kb.devset` prints it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.kb.answer import QuestionAnswerer

DEVSET = Path(__file__).resolve().parent.parent / "data" / "devset.yaml"


@dataclass
class Score:
    """Counts per language: in-scope right, wrong and refused; out-of-scope refused."""

    counts: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def rate(self, lang: str, what: str, of: str) -> float:
        """A share, e.g. rate('sk', 'right', 'in')."""
        total = self.counts[(lang, of)]
        return self.counts[(lang, what)] / total if total else 1.0


def load_devset() -> list[dict]:
    """The development questions: {q, lang, expect (entry id or None)}."""
    return yaml.safe_load(DEVSET.read_text(encoding="utf-8"))


def evaluate(qa: QuestionAnswerer, items: list[dict]) -> Score:
    """Ask every question and tally the outcomes."""
    score = Score()
    for item in items:
        lang, expect = item["lang"], item["expect"]
        answer = qa.ask(str(item["q"]), lang)
        if expect is None:
            score.counts[(lang, "out")] += 1
            if answer.answered:
                score.misses.append(
                    f"[{lang}] answered out-of-scope {item['q']!r} -> {answer.entry}"
                )
            else:
                score.counts[(lang, "refused")] += 1
            continue
        score.counts[(lang, "in")] += 1
        if answer.answered and answer.entry == expect:
            score.counts[(lang, "right")] += 1
        elif answer.answered:
            score.counts[(lang, "wrong")] += 1
            score.misses.append(f"[{lang}] WRONG {item['q']!r} -> {answer.entry} (want {expect})")
        else:
            score.counts[(lang, "unsure")] += 1
            got = [s.entry for s in answer.suggestions]
            score.misses.append(
                f"[{lang}] {answer.outcome} {item['q']!r} {answer.confidence} {got} "
                f"(want {expect})"
            )
    return score


def report(score: Score) -> str:
    """A table of the rates per language."""
    lines = ["lang  in-scope  right   wrong   out-of-scope  refused"]
    for lang in ("en", "sk", "ja", "all"):
        langs = ("en", "sk", "ja") if lang == "all" else (lang,)
        c = Counter()
        for key, value in score.counts.items():
            if key[0] in langs:
                c[key[1]] += value
        lines.append(
            f"{lang:4}  {c['in']:8}  {c['right'] / max(c['in'], 1):6.1%}  "
            f"{c['wrong'] / max(c['in'], 1):6.1%}  {c['out']:12}  "
            f"{c['refused'] / max(c['out'], 1):6.1%}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    from bot.config import DEFAULT_KNOWLEDGE_DIR
    from bot.kb.loader import load_knowledge

    result = evaluate(QuestionAnswerer(load_knowledge(DEFAULT_KNOWLEDGE_DIR)), load_devset())
    if "-v" in sys.argv:
        print("\n".join(result.misses))
    print(report(result))
