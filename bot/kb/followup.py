"""Follow-ups in a chat: "and when was that?" is read with what the previous answer was about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kb.text import normalize

if TYPE_CHECKING:
    from bot.kb.matcher import Match, Matcher

# Words that point back at what was just said ("and when was that?", "a kto tam bol?",
# "それはいつ？"): a question with one is read with the previous answer's records. "and"
# and the Slovak "a" count only first: "a" is also the English article.
BACK_WORDS = frozenset(
    {
        *("that", "there", "it", "its", "this", "they", "them", "then", "those"),
        *("tam", "to", "toho", "tom", "ten", "tej", "tie", "ju", "jej", "ho", "jeho", "ich"),
        *("vtedy", "tento", "tato", "tuto"),
    }
)
BACK_FIRST = frozenset(["and", "so", "a", "aj", "tak"])
BACK_JAPANESE = ("それ", "そこ", "その", "そちら", "あれ", "あの", "あそこ", "彼", "この", "これ")


def follow_up(matcher: Matcher, question: str, context: tuple[str, ...]) -> Match:
    """A question read with the records of the previous answer, when it is a follow-up.

    Only a question that names no record of its own, and says something ("ok" does not), is
    read with the context. That reading is taken when it answers and either the question
    points back ("tam", "それ", "and when?") or it is more confident than the question
    alone: a question that stands on its own ("who pays for the travel?") keeps its answer.
    """
    alone = matcher._match(question)
    if alone.entities:  # it names records of its own
        return alone
    read = matcher._match(question, tuple(f"#{record}" for record in context))
    if read.outcome != "answer":
        return alone
    words = normalize(question).split()
    points_back = (
        words[0] in BACK_FIRST
        or not BACK_WORDS.isdisjoint(words)
        or any(word in question for word in BACK_JAPANESE)
    )
    if points_back or alone.outcome != "answer" or read.confidence > alone.confidence:
        return read
    return alone
