"""Text normalization and tokenization for English, Slovak and Japanese questions.

Everything the matcher compares goes through `normalize`, so the knowledge base's questions and
the user's question meet in one form: NFKC (full-width to ASCII, half-width kana to full-width),
case folded, Latin diacritics removed (Slovak users often type without them), punctuation and
emoji turned into spaces. Katakana is kept apart from hiragana because the script boundary is
where Japanese words usually change; `kana_fold` gives the variant used to find names written in
either script.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SEPARATOR_CATEGORIES = ("P", "S", "Z", "C")
_KEEP = {"ー", "々", "〆", "ヶ"}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch if ch.isalnum() else " "
    if ch in _KEEP:
        return ch
    category = unicodedata.category(ch)
    if category[0] in _SEPARATOR_CATEGORIES:
        return " "
    if category == "Mn":
        return ""
    if "LATIN" in unicodedata.name(ch, ""):
        # ä -> a, č -> c, ľ -> l: drop the combining marks of Latin letters only; Japanese
        # dakuten must stay (ガ is not カ).
        base = unicodedata.normalize("NFD", ch)
        return "".join(c for c in base if not unicodedata.combining(c)) or ch
    return ch


class _FoldTable(dict):
    """`_fold_char` as a `str.translate` table, filled as characters are first met."""

    LIMIT = 16384  # distinct characters remembered; rarer ones are folded again each time

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < self.LIMIT:
            self[code] = folded
        return folded


_FOLD = _FoldTable()


_ASCII_WORD = re.compile(r"[0-9a-z]+")


def normalize(text: str) -> str:
    """NFKC, case-fold, fold Latin diacritics, punctuation and emoji to spaces, squeeze spaces."""
    if text.isascii():
        # ASCII is its own NFKC form and `_fold_char` keeps only its letters and digits: the
        # result is the words of letters and digits, lower-cased.
        return " ".join(_ASCII_WORD.findall(text.lower()))
    text = unicodedata.normalize("NFKC", text).casefold()
    # One C-level pass instead of a Python call per character; the same `_fold_char` results.
    return " ".join(text.translate(_FOLD).split())


_KANA_FOLD = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}
_KATAKANA_RE = re.compile("[ァ-ヶ]")


def kana_fold(text: str) -> str:
    """Katakana to hiragana, character for character (lengths stay equal)."""
    return text.translate(_KANA_FOLD) if _KATAKANA_RE.search(text) else text


def script_of(ch: str) -> str:
    """'latin' (letters and digits), 'kanji', 'hira', 'kata' or 'other'."""
    if ch.isascii():
        return "latin" if ch.isalnum() else "other"
    code = ord(ch)
    if 0x3041 <= code <= 0x309F:
        return "hira"
    if 0x30A0 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:
        return "kata"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or ch in "々〆ヶ":
        return "kanji"
    if ch.isalnum():
        return "latin"
    return "other"


_RUN_RE = re.compile(r"\S+")


def runs(text: str) -> list[tuple[str, str]]:
    """Split normalized text into (script, run) pieces; 'ー' joins the kana run before it."""
    result: list[tuple[str, str]] = []
    for word in _RUN_RE.findall(text):
        if word.isascii() and word.isalnum():  # the common case: one Latin word, one run
            result.append(("latin", word))
            continue
        current, buf = "", ""
        for ch in word:
            script = script_of(ch)
            if ch == "ー" and current in ("kata", "hira"):
                script = current
            if script != current and buf:
                result.append((current, buf))
                buf = ""
            current = script
            buf += ch
        if buf:
            result.append((current, buf))
    return [(s, r) for s, r in result if s != "other"]


# Loanwords are written several ways (イニシアティブ and イニシアチブ, コーディネーター and
# コーディネータ, ヴァ and バ): katakana tokens are compared in one spelling.
_KATA_VARIANTS = (
    *(("ティ", "チ"), ("ディ", "ジ")),
    *(("ヴァ", "バ"), ("ヴィ", "ビ"), ("ヴェ", "ベ"), ("ヴォ", "ボ"), ("ヴ", "ブ")),  # ヴ last
)


def katakana_spelling(run: str) -> str:
    """One spelling of a katakana word: see `_KATA_VARIANTS`; no final long-vowel mark."""
    for variant, plain in _KATA_VARIANTS:
        if variant in run:
            run = run.replace(variant, plain)
    return run.rstrip("ー") or run


def tokens(text: str) -> list[str]:
    """Tokens of normalized text: Latin words; kanji as bigrams; kana runs whole.

    Japanese has no spaces; character bigrams of kanji runs are the usual remedy and need no
    dictionary. Hiragana runs are mostly particles and verb endings, kept whole so they weigh
    little (they are frequent), katakana runs are loanwords and names, kept whole.
    """
    if text.isascii():
        words = text.split()  # the whitespace `\S+` stops at, ASCII has no other
        if "".join(words).isalnum():  # the common case: Latin words, each one run
            return words
    out: list[str] = []
    for script, run in runs(text):
        if script == "kanji" and len(run) > 2:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        elif script == "kata":
            out.append(katakana_spelling(run))
        else:
            out.append(run)
    return out


# The characters `script_of` calls 'hira', 'kata' or 'kanji' (none of them is ASCII).
_JAPANESE_RE = re.compile(
    "[\u3041-\u309f"  # hiragana
    "\u30a0-\u30ff\u31f0-\u31ff"  # katakana (ヶ among them)
    "\u3400-\u4dbf\u4e00-\u9fff\u3005\u3006]"  # kanji, 々 and 〆
)


def is_japanese(text: str) -> bool:
    """Whether the text has kana or kanji."""
    return _JAPANESE_RE.search(text) is not None


SLOVAK_LETTERS = set("áäčďéíĺľňóôŕšťúýžÁÄČĎÉÍĹĽŇÓÔŔŠŤÚÝŽ")


def has_slovak_letters(text: str) -> bool:
    """Whether the text has letters only Slovak (of our languages) uses."""
    return not SLOVAK_LETTERS.isdisjoint(text)
