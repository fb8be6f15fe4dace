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


def normalize(text: str) -> str:
    """NFKC, case-fold, fold Latin diacritics, punctuation and emoji to spaces, squeeze spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(_fold_char(ch) for ch in text).split())


def kana_fold(text: str) -> str:
    """Katakana to hiragana, character for character (lengths stay equal)."""
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in text)


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


def tokens(text: str) -> list[str]:
    """Tokens of normalized text: Latin words; kanji as bigrams; kana runs whole.

    Japanese has no spaces; character bigrams of kanji runs are the usual remedy and need no
    dictionary. Hiragana runs are mostly particles and verb endings, kept whole so they weigh
    little (they are frequent), katakana runs are loanwords and names, kept whole.
    """
    out: list[str] = []
    for script, run in runs(text):
        if script == "kanji" and len(run) > 2:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def is_japanese(text: str) -> bool:
    """Whether the text has kana or kanji."""
    return any(script_of(ch) in ("kanji", "hira", "kata") for ch in text)


SLOVAK_LETTERS = set("áäčďéíĺľňóôŕšťúýžÁÄČĎÉÍĹĽŇÓÔŔŠŤÚÝŽ")


def has_slovak_letters(text: str) -> bool:
    """Whether the text has letters only Slovak (of our languages) uses."""
    return any(ch in SLOVAK_LETTERS for ch in text)
