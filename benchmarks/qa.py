"""Question-answering speed and accuracy, against a naive rapidfuzz baseline measured alongside.

    python benchmarks/qa.py            # shipped knowledge, synthetic 1,000 and 10,000 facts
    python benchmarks/qa.py --quick    # a smoke run: fewer questions, smaller synthetic bases

Prints Markdown tables of medians and ratios; nothing is asserted, a slow machine only makes
both columns slower. The baseline is `rapidfuzz.process.extractOne(question, alternates,
scorer=fuzz.WRatio)` over every alternate question of every fact (all languages, processed
once up front), answering the fact of the best alternate.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # `python benchmarks/qa.py` puts benchmarks/ first on sys.path; the project must come first.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
    sys.path.insert(0, str(ROOT))

import argparse
import gc
import math
import os
import random
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import yaml
from rapidfuzz import fuzz, process, utils

from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.i18n import LANGUAGES, Translator
from bot.kb.analyze import Analyzer
from bot.kb.answer import QuestionAnswerer
from bot.kb.loader import load_knowledge
from bot.kb.model import Fact, KnowledgeBase, Record
from bot.kb.text import script_of

DEVSET = ROOT / "tests" / "data" / "devset.yaml"
SEED = 20260101
LANGS = ("en", "sk", "ja")
THRESHOLDS = tuple(range(60, 100, 5))
MAX_OUT_ANSWERED = 0.10  # the baseline's threshold may answer at most this share out of scope
STARTUP_QUESTION = "When was the agreement signed?"
STARTUP_RUNS = 5
T = TypeVar("T")

# ----------------------------------------------------------------------------- questions


def load_devset() -> list[dict]:
    """The development questions: {q, lang, expect (fact id or None)}."""
    return yaml.safe_load(DEVSET.read_text(encoding="utf-8"))


def question_set(kb: KnowledgeBase, devset: list[dict]) -> list[tuple[str, str]]:
    """(question, language) of the dev set and every alternate question, shuffled (seeded)."""
    items = [(str(item["q"]), str(item["lang"])) for item in devset]
    for fact in kb.facts.values():
        for lang, questions in fact.questions.items():
            items.extend((q, lang) for q in questions)
    random.Random(SEED).shuffle(items)
    return items


# ----------------------------------------------------------------- synthetic knowledge


# Syllables written in Latin and in katakana, so a made-up city has a name in every language.
SYLLABLES = (
    ("ka", "カ"), ("ki", "キ"), ("ku", "ク"), ("ke", "ケ"), ("ko", "コ"), ("sa", "サ"),
    ("shi", "シ"), ("su", "ス"), ("se", "セ"), ("so", "ソ"), ("ta", "タ"), ("chi", "チ"),
    ("tsu", "ツ"), ("te", "テ"), ("to", "ト"), ("na", "ナ"), ("ni", "ニ"), ("no", "ノ"),
    ("ha", "ハ"), ("hi", "ヒ"), ("fu", "フ"), ("ho", "ホ"), ("ma", "マ"), ("mi", "ミ"),
    ("mu", "ム"), ("me", "メ"), ("mo", "モ"), ("ra", "ラ"), ("ri", "リ"), ("ru", "ル"),
    ("ro", "ロ"), ("ya", "ヤ"), ("yo", "ヨ"), ("wa", "ワ"), ("ga", "ガ"), ("go", "ゴ"),
    ("da", "ダ"), ("be", "ベ"), ("bo", "ボ"), ("za", "ザ"), ("lin", "リン"), ("vik", "ヴィク"),
)  # fmt: skip
ORG_KINDS = (
    {"en": "City Council", "sk": "mestské zastupiteľstvo", "ja": "市議会"},
    {"en": "University", "sk": "univerzita", "ja": "大学"},
    {"en": "Chamber of Commerce", "sk": "obchodná komora", "ja": "商工会議所"},
    {"en": "Energy Agency", "sk": "energetická agentúra", "ja": "エネルギー機関"},
    {"en": "Transport Authority", "sk": "dopravný úrad", "ja": "交通局"},
    {"en": "Environment Office", "sk": "úrad životného prostredia", "ja": "環境事務所"},
    {"en": "Port Authority", "sk": "prístavný úrad", "ja": "港湾局"},
    {"en": "Innovation Centre", "sk": "inovačné centrum", "ja": "イノベーションセンター"},
)
IN_WORD = {"en": "in", "sk": "v"}
# Longer question words the stopword lists leave: frames keep them, topics never use them.
_NOT_CONTENT = """which whose their there other these those what's would could should where
ktoré ktorý ktorá ktorí ktorých ktorom ktorej ktorého ktorú môžem bude budú akého koľko prečo"""
NOT_CONTENT = frozenset(_NOT_CONTENT.split())
_PUNCT = "?!.,:;()\"'“”„…–-"


def _made_up_name(rng: random.Random) -> dict[str, str]:
    parts = [rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))]
    latin = "".join(p[0] for p in parts).capitalize()
    return {"en": latin, "sk": latin, "ja": "".join(p[1] for p in parts)}


def _ja_runs(text: str) -> list[tuple[str, str]]:
    """(script, run) pieces of raw Japanese text; 'ー' stays with the kana before it."""
    out: list[tuple[str, str]] = []
    for ch in text:
        script = script_of(ch)
        if ch == "ー" and out and out[-1][0] == "kata":
            script = "kata"
        if out and out[-1][0] == script:
            out[-1] = (script, out[-1][1] + ch)
        else:
            out.append((script, ch))
    return out


class Vocabulary:
    """Question frames and content words of the shipped alternates, to recombine."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.analyzer = Analyzer(kb)
        self.frames = {
            lang: [q for f in kb.facts.values() for q in f.questions.get(lang, ())]
            for lang in LANGS
        }
        self._kinds: dict[str, str] = {}
        self.content: dict[str, list[str]] = {}
        for lang in LANGS:
            words: set[str] = set()
            for frame in self.frames[lang]:
                if lang == "ja":
                    pieces = [
                        r
                        for s, r in _ja_runs(frame)
                        if s in ("kanji", "kata") and len(r) >= 2 and "何" not in r
                    ]
                else:
                    pieces = [w.strip(_PUNCT).lower() for w in frame.split()]
                    pieces = [
                        w
                        for w in pieces
                        if len(w) >= 5
                        and w.isalpha()
                        and w not in NOT_CONTENT
                        and not w.startswith("ktor")
                    ]
                words.update(p for p in pieces if self.kind(p) == "content")
            self.content[lang] = sorted(words)

    def kind(self, word: str) -> str:
        """'name' (a record of the knowledge base), 'frame' (grammar, concept) or 'content'."""
        if word not in self._kinds:
            toks = self.analyzer.analyze(word)
            if any(t.startswith("#") for t in toks):
                self._kinds[word] = "name"
            elif not toks or all(t.startswith("@") for t in toks) or word.isdigit():
                self._kinds[word] = "frame"
            else:
                self._kinds[word] = "content"
        return self._kinds[word]


@dataclass(frozen=True)
class _Topic:
    city: dict[str, str]
    org: dict[str, str]
    words: dict[str, list[str]]
    year: int


def _alternate(vocab: Vocabulary, topic: _Topic, lang: str, rng: random.Random) -> str:
    """A shipped question recombined: names become this topic's, content words partly too."""
    frame = rng.choice(vocab.frames[lang])
    place = topic.city[lang]
    if lang == "ja":
        out = []
        for script, run in _ja_runs(frame):
            if script in ("kanji", "kata", "latin") and vocab.kind(run) == "name":
                out.append(rng.choice((place, place, topic.org["ja"])))
            elif script in ("kanji", "kata") and len(run) >= 2 and rng.random() < 0.6:
                out.append(rng.choice(topic.words["ja"]))
            else:
                out.append(run)
        text = "".join(out)
        if place not in text and rng.random() < 0.5:
            text = f"{place}の{text}"
        if rng.random() < 0.25:
            text = f"{topic.year}年の{text}"
        return text
    words = []
    for raw in frame.split():
        core = raw.strip(_PUNCT)
        kind = vocab.kind(core) if core else "frame"
        if kind == "name":
            words.append(raw.replace(core, rng.choice((place, place, topic.org[lang]))))
        elif kind == "content" and rng.random() < 0.6:
            words.append(raw.replace(core, rng.choice(topic.words[lang])))
        else:
            words.append(raw)
    text = " ".join(words)
    if place not in text and rng.random() < 0.5:
        text = f"{text.rstrip('?.')} {IN_WORD[lang]} {place}?"
    if rng.random() < 0.25:
        text = f"{text.rstrip('?.')} {topic.year}"
    return text


def synthetic_kb(
    kb: KnowledgeBase, facts: int, vocab: Vocabulary, alternates: int = 8
) -> KnowledgeBase:
    """The shipped knowledge plus `facts` FAQ records of one fact each, made up (seeded)."""
    rng = random.Random(SEED + facts)
    cities = [_made_up_name(rng) for _ in range(max(50, facts // 20))]
    source = next(iter(kb.records.values())).source
    records = dict(kb.records)
    all_facts = dict(kb.facts)
    for i in range(facts):
        city = rng.choice(cities)
        kind = rng.choice(ORG_KINDS)
        org = {
            "en": f"{city['en']} {kind['en']}",
            "sk": f"{kind['sk']} {city['sk']}",
            "ja": f"{city['ja']}{kind['ja']}",
        }
        topic = _Topic(
            city=city,
            org=org,
            words={lang: rng.sample(vocab.content[lang], 3) for lang in LANGS},
            year=rng.randint(2010, 2030),
        )
        w = topic.words
        record_id = f"syn-{i:05d}"
        name = {
            "en": f"{w['en'][0]} {w['en'][1]} in {city['en']}",
            "sk": f"{w['sk'][0]} {w['sk'][1]} v {city['sk']}",
            "ja": f"{city['ja']}の{w['ja'][0]}",
        }
        text = {
            "en": f"The {org['en']} handles {w['en'][0]} and {w['en'][1]} since {topic.year}; "
            f"about {rng.randint(2, 900)} {w['en'][2]} a year.",
            "sk": f"{org['sk'].capitalize()} zabezpečuje {w['sk'][0]} a {w['sk'][1]} od roku "
            f"{topic.year}; ročne približne {rng.randint(2, 900)} {w['sk'][2]}.",
            "ja": f"{org['ja']}は{topic.year}年から{w['ja'][0]}と{w['ja'][1]}を担当しています。"
            f"年間約{rng.randint(2, 900)}件の{w['ja'][2]}があります。",
        }
        questions = {
            lang: tuple(
                dict.fromkeys(_alternate(vocab, topic, lang, rng) for _ in range(alternates))
            )
            for lang in LANGS
        }
        fact = Fact(f"{record_id}.info", record_id, text, questions, source)
        records[record_id] = Record(record_id, "faq", name, {}, source, {}, (fact,))
        all_facts[fact.id] = fact
    return KnowledgeBase(
        directory=kb.directory,
        languages=kb.languages,
        records=records,
        facts=all_facts,
        contact=kb.contact,
        examples=kb.examples,
        lexicon=kb.lexicon,
        stopwords=kb.stopwords,
    )


# -------------------------------------------------------------------------------- baseline


class Baseline:
    """extractOne with WRatio over every alternate question, processed once up front."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.choices: list[str] = []
        self.entries: list[str] = []
        for fact in kb.facts.values():
            for questions in fact.questions.values():
                for question in questions:
                    self.choices.append(utils.default_process(question))
                    self.entries.append(fact.id)

    def best(self, question: str) -> tuple[str | None, float]:
        """The fact of the closest alternate and its WRatio score (0..100)."""
        found = process.extractOne(
            utils.default_process(question), self.choices, scorer=fuzz.WRatio
        )
        if found is None:
            return None, 0.0
        _, score, index = found
        return self.entries[index], score


# --------------------------------------------------------------------------------- timing


@dataclass
class Timing:
    """Per-call times in seconds, and the wall time of the whole loop."""

    times: list[float]
    wall: float

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)] * 1000

    @property
    def per_second(self) -> float:
        return len(self.times) / self.wall if self.wall else float("nan")

    def head(self, count: int) -> Timing:
        """The first `count` calls (wall time: the sum of their times)."""
        return Timing(self.times[:count], sum(self.times[:count]))


def time_calls(call: Callable[[str, str], object], questions: Sequence[tuple[str, str]]) -> Timing:
    """Call once per question, timing each call; a short warm-up first."""
    for question, lang in questions[:5]:
        call(question, lang)
    gc.collect()
    times = []
    clock = time.perf_counter
    start = clock()
    for question, lang in questions:
        t0 = clock()
        call(question, lang)
        times.append(clock() - t0)
    return Timing(times, clock() - start)


def timed(make: Callable[[], T]) -> tuple[T, float]:
    """The result of make() and how long it took, in seconds."""
    gc.collect()
    t0 = time.perf_counter()
    value = make()
    return value, time.perf_counter() - t0


# ------------------------------------------------------------------------------- accuracy


def accuracy(devset: list[dict], answers: Sequence[str | None]) -> dict[str, Counter[str]]:
    """Per language (and 'all'): in, right, wrong; out, refused (None = not answered)."""
    counts: dict[str, Counter[str]] = {lang: Counter() for lang in (*LANGS, "all")}
    for item, got in zip(devset, answers, strict=True):
        lang, expect = str(item["lang"]), item["expect"]
        for key in (lang, "all"):
            c = counts[key]
            if expect is None:
                c["out"] += 1
                c["refused"] += got is None
            else:
                c["in"] += 1
                c["right"] += got == expect
                c["wrong"] += got is not None and got != expect
    return counts


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def choose_threshold(
    devset: list[dict], baseline: Baseline
) -> tuple[int, dict[int, dict[str, Counter[str]]]]:
    """The WRatio threshold with the most right answers, answering ≤ 10% out of scope."""
    best = [baseline.best(str(item["q"])) for item in devset]
    by_threshold = {
        t: accuracy(devset, [entry if score >= t else None for entry, score in best])
        for t in THRESHOLDS
    }

    def key(threshold: int) -> tuple[bool, int]:
        c = by_threshold[threshold]["all"]
        fair = c["out"] - c["refused"] <= MAX_OUT_ANSWERED * c["out"]
        return fair, c["right"]

    return max(THRESHOLDS, key=key), by_threshold


# -------------------------------------------------------------------------------- startup

# Runs the command as its only child, so RUSAGE_CHILDREN is that one run's peak RSS.
_WRAPPER = """\
import resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(wall, rss, done.returncode, done.stderr.decode(errors="replace")[-300:].replace("\\n", " "))
"""


def startup(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time (s) and median peak RSS (MB) of `runs` fresh runs of the command."""
    walls, rss = [], []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *command],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
        )
        wall, kb, code, *err = done.stdout.split(" ", 3)
        if code != "0":
            raise SystemExit(f"{command} failed ({code}): {' '.join(err)}")
        walls.append(float(wall))
        rss.append(int(kb) / 1024)  # Linux reports kilobytes
    return statistics.median(walls), statistics.median(rss)


# ----------------------------------------------------------------------------------- main


@dataclass
class Row:
    """One knowledge base's figures."""

    name: str
    facts: int
    alternates: int
    questions: int
    build_s: float
    prep_s: float
    ours: Timing
    base: Timing
    dev: Counter[str]
    exact: list[bool]  # per question: is it word for word one of the alternates?


def bench_kb(
    name: str, kb: KnowledgeBase, questions: list[tuple[str, str]], devset: list[dict]
) -> Row:
    """Index building and per-question times of ours and the baseline on one knowledge base."""
    qa, build = timed(lambda: QuestionAnswerer(kb))
    baseline, prep = timed(lambda: Baseline(kb))
    # Once per process and language, the first answer reads the interface catalog and Babel's
    # locale data (5-40 ms); that is start-up (timed with `iuc-bot ask` below), not a
    # question's cost, and a shuffled list would put it at random places in the timing.
    for lang in LANGUAGES:
        Translator(lang).period(date(2018, 10, 15), date(2018, 10, 17))
    ours = time_calls(lambda q, _lang: qa.ask(q, "en"), questions)
    base = time_calls(lambda q, _lang: baseline.best(q), questions)
    answers = [qa.ask(str(item["q"]), str(item["lang"])) for item in devset]
    dev = accuracy(devset, [a.entry if a.answered else None for a in answers])["all"]
    print(
        f"  {name}: {len(kb.facts)} facts, index {build:.2f} s, "
        f"ours {ours.median_ms:.3f} ms, baseline {base.median_ms:.3f} ms",
        file=sys.stderr,
    )
    alternates = {q for f in kb.facts.values() for qs in f.questions.values() for q in qs}
    exact = [q in alternates for q, _ in questions]
    return Row(
        name,
        len(kb.facts),
        len(baseline.choices),
        len(questions),
        build,
        prep,
        ours,
        base,
        dev,
        exact,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument(
        "--sizes", type=int, nargs="*", help="synthetic facts to add (default 1000 10000)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    sizes = args.sizes if args.sizes is not None else ([300] if quick else [1000, 10000])
    # The synthetic bases get a prefix of the same shuffled questions: the baseline scans all
    # alternates per question, which takes seconds per question at 10,000 facts.
    shipped_questions = 200 if quick else None
    synthetic_questions = 60 if quick else 300

    started = time.perf_counter()
    kb, load_s = timed(lambda: load_knowledge(DEFAULT_KNOWLEDGE_DIR))
    devset = load_devset()
    questions = question_set(kb, devset)
    print(f"running ({'quick' if quick else 'full'}) …", file=sys.stderr)

    rows = [bench_kb("shipped", kb, questions[:shipped_questions], devset)]
    first = rows[0]
    rows.append(
        Row(
            f"shipped, first {synthetic_questions} only",
            first.facts,
            first.alternates,
            synthetic_questions,
            first.build_s,
            first.prep_s,
            first.ours.head(synthetic_questions),
            first.base.head(synthetic_questions),
            first.dev,
            first.exact[:synthetic_questions],
        )
    )
    vocab = Vocabulary(kb)
    gen_times = {}
    for size in sizes:
        big, gen = timed(lambda size=size: synthetic_kb(kb, size, vocab))
        gen_times[size] = gen
        rows.append(bench_kb(f"synthetic +{size:,}", big, questions[:synthetic_questions], devset))
        del big
        gc.collect()

    qa = QuestionAnswerer(kb)
    baseline = Baseline(kb)
    answers = [qa.ask(str(item["q"]), str(item["lang"])) for item in devset]
    ours_acc = accuracy(devset, [a.entry if a.answered else None for a in answers])
    threshold, base_accs = choose_threshold(devset, baseline)
    base_acc = base_accs[threshold]

    commands = [
        ("`iuc-bot ask` (one question)", [sys.executable, "-m", "bot", "ask", STARTUP_QUESTION]),
        ('`python -c "pass"`', [sys.executable, "-c", "pass"]),
        ('`python -c "import telegram"`', [sys.executable, "-c", "import telegram"]),
    ]
    runs = 3 if quick else STARTUP_RUNS
    starts = [(label, *startup(cmd, runs)) for label, cmd in commands]

    print(f"# QA benchmark ({'quick' if quick else 'full'})\n")
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; shipped knowledge loaded in "
        f"{load_s * 1000:.0f} ms. Questions: the dev set ({len(devset)}) and every alternate "
        f"question of the shipped knowledge, shuffled with seed {SEED} ({len(questions)} in "
        f"all); synthetic bases (made-up FAQ records with one fact and ~8 alternates per "
        "language each, recombined from the shipped alternates with made-up cities, "
        "organisations and years, beside the shipped records) are asked the first "
        f"{synthetic_questions}, and so is the 'shipped, first {synthetic_questions}' row (the "
        "same calls as the shipped row, cut short) for a like-for-like comparison. Ours: "
        '`QuestionAnswerer.ask(q, "en")`. Baseline: `process.extractOne(default_process(q), '
        "alternates, scorer=fuzz.WRatio)` over every alternate of every fact, all languages, "
        "processed once. ratio = ours ÷ baseline (median time; below 1 means ours is faster).\n"
    )
    print(
        "| knowledge base | facts | alternates | questions | ours median ms | ours p99 ms "
        "| ours q/s | baseline median ms | baseline p99 ms | baseline q/s | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r.name} | {r.facts:,} | {r.alternates:,} | {r.questions:,} "
            f"| {r.ours.median_ms:.3f} | {r.ours.p99_ms:.3f} | {r.ours.per_second:,.0f} "
            f"| {r.base.median_ms:.3f} | {r.base.p99_ms:.3f} | {r.base.per_second:,.0f} "
            f"| {r.ours.median_ms / r.base.median_ms:.2f}× |"
        )
    print(
        "\nBy kind of question: `extractOne` stops early at a score of 100, so a question "
        "that is word for word one of the alternates costs the baseline little when that "
        "alternate comes early in the list (the shipped facts come first); a question people "
        "typed (the dev set) makes it score every alternate.\n"
    )
    print(
        "| knowledge base | questions | count | ours median ms | baseline median ms "
        "| baseline mean ms | ratio (median) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        for label, want in (("exact alternates", True), ("other (typed)", False)):
            ours_t = [t for t, e in zip(r.ours.times, r.exact, strict=True) if e == want]
            base_t = [t for t, e in zip(r.base.times, r.exact, strict=True) if e == want]
            if not ours_t:
                continue
            o, b = statistics.median(ours_t) * 1000, statistics.median(base_t) * 1000
            print(
                f"| {r.name} | {label} | {len(ours_t)} | {o:.3f} | {b:.3f} "
                f"| {statistics.fmean(base_t) * 1000:.3f} | {o / b:.2f}× |"
            )
    print(
        "\nIndex building (once per knowledge base), and our dev-set accuracy when the "
        "synthetic facts stand beside the shipped ones:\n"
    )
    print(
        "| knowledge base | generate s | ours: QuestionAnswerer(kb) s | baseline: process s "
        "| ours dev set right | wrong | out of scope refused |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        size = int(r.name.split("+")[1].replace(",", "")) if "+" in r.name else None
        gen = f"{gen_times[size]:.2f}" if size else "–"
        if "first" not in r.name:
            d = r.dev
            print(
                f"| {r.name} | {gen} | {r.build_s:.3f} | {r.prep_s:.3f} "
                f"| {_pct(d['right'], d['in'])} | {_pct(d['wrong'], d['in'])} "
                f"| {_pct(d['refused'], d['out'])} |"
            )

    print(
        f"\nAccuracy on the dev set ({len(devset)} questions, shipped knowledge). The baseline "
        f"answers when WRatio ≥ threshold; chosen threshold: **{threshold}** (most right "
        f"answers with ≤ {MAX_OUT_ANSWERED:.0%} of out-of-scope questions answered, from "
        f"{THRESHOLDS[0]}..{THRESHOLDS[-1]} step 5, tuned on this same set).\n"
    )
    print(
        "| language | in scope | ours right | ours wrong | baseline right | baseline wrong "
        "| out of scope | ours refused | baseline refused |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for lang in (*LANGS, "all"):
        o, b = ours_acc[lang], base_acc[lang]
        print(
            f"| {lang} | {o['in']} | {_pct(o['right'], o['in'])} | {_pct(o['wrong'], o['in'])} "
            f"| {_pct(b['right'], b['in'])} | {_pct(b['wrong'], b['in'])} | {o['out']} "
            f"| {_pct(o['refused'], o['out'])} | {_pct(b['refused'], b['out'])} |"
        )
    print("\nBaseline by threshold (all languages):\n")
    print("| threshold | right | wrong | out of scope answered |")
    print("|---:|---:|---:|---:|")
    for t in THRESHOLDS:
        c = base_accs[t]["all"]
        mark = " ←" if t == threshold else ""
        print(
            f"| {t}{mark} | {_pct(c['right'], c['in'])} | {_pct(c['wrong'], c['in'])} "
            f"| {_pct(c['out'] - c['refused'], c['out'])} |"
        )

    print(
        f"\nStart-up: median of {runs} fresh processes; peak RSS of each run's process "
        "(`getrusage(RUSAGE_CHILDREN)` in a wrapper that runs only that command).\n"
    )
    print('| command | wall ms | peak RSS MB | vs `python -c "pass"` (×, wall) |')
    print("|---|---:|---:|---:|")
    base_wall = starts[1][1]
    for label, wall, rss in starts:
        print(f"| {label} | {wall * 1000:.0f} | {rss:.1f} | {wall / base_wall:.1f}× |")
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
