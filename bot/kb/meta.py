"""The two special files of knowledge/: meta.yaml (sources, contact, examples) and lexicon.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.kb.schema import Checker
from bot.kb.yamlsrc import Node, Problem, line_of, load_yaml


def read_meta(
    directory: Path, languages: tuple[str, ...], problems: list[Problem]
) -> dict[str, Any]:
    """Sources (with their text), the fallback contact and the /help examples."""
    path = directory / "meta.yaml"
    checker = Checker("meta.yaml", languages, problems)
    if not path.exists():
        checker.problem(0, "The file meta.yaml (sources and contact) is missing.")
        return {"texts": {}}
    data = load_yaml(path, "meta.yaml", problems)
    meta = data.get("meta") if isinstance(data, Node) else None
    if not isinstance(meta, Node):
        checker.problem(1, "meta.yaml must hold a mapping 'meta' with 'sources' and 'contact'.")
        return {"texts": {}}
    for key in meta:
        if key not in ("sources", "contact", "examples"):
            checker.problem(line_of(meta, key), f"Unknown key '{key}' in meta.")
    texts: dict[str, str] = {}
    sources = meta.get("sources")
    if not isinstance(sources, Node) or not sources:
        checker.problem(line_of(meta, "sources"), "meta.sources must map source ids to files.")
    else:
        for doc, rel in sources.items():
            file = directory / str(rel)
            if not file.is_file():
                checker.problem(line_of(sources, doc), f"The source file '{rel}' does not exist.")
            else:
                texts[str(doc)] = " ".join(file.read_text(encoding="utf-8").split())
    examples = meta.get("examples") or []
    if not isinstance(examples, list):
        checker.problem(line_of(meta, "examples"), "meta.examples must be a list of fact ids.")
        examples = []
    return {
        "texts": texts,
        "contact": meta.get("contact"),
        "examples": [(str(e), line_of(examples, i)) for i, e in enumerate(examples)],
    }


def read_lexicon(
    directory: Path, languages: tuple[str, ...], problems: list[Problem]
) -> tuple[dict[str, dict[str, tuple[str, ...]]], dict[str, frozenset[str]]]:
    """Concept words and stopwords per language (both optional)."""
    path = directory / "lexicon.yaml"
    if not path.exists():
        return {}, {}
    checker = Checker("lexicon.yaml", languages, problems)
    data = load_yaml(path, "lexicon.yaml", problems)
    if not isinstance(data, Node):
        return {}, {}
    for key in data:
        if key not in ("lexicon", "stopwords"):
            checker.problem(line_of(data, key), f"Unknown key '{key}' in lexicon.yaml.")
    lexicon = {}
    raw_lexicon = data.get("lexicon")
    if isinstance(raw_lexicon, Node):
        for concept, words in raw_lexicon.items():
            value = checker.value("localized_list", words, line_of(raw_lexicon, concept), concept)
            if value is not None:
                lexicon[str(concept)] = value
    raw_stop = data.get("stopwords")
    stopwords = checker.value("localized_list", raw_stop, line_of(data, "stopwords"), "stopwords")
    return lexicon, {k: frozenset(v) for k, v in (stopwords or {}).items()}
