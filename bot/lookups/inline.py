"""What `@bot query` offers in any chat: matching dates, contacts and facts, ready to send.

Each result is a title and a line to pick it by, and the message it sends (HTML, escaped).
An empty query offers the upcoming dates: that is what people share most. The facts come
from the same matcher as questions (an answer, else its suggestions), rendered in the
reader's language; the bot's own facts (greetings, its commands) are left out: they make no
sense in somebody else's chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.kb.model import Fact
from bot.kb.render import question_text, render_fact
from bot.lookups import dates as dates_domain
from bot.lookups.contacts import ContactBook, card_html, summary
from bot.lookups.dates import DateEntry
from bot.lookups.render import entry_html, entry_summary

MAX_RESULTS = 50  # Telegram's limit per answer
MAX_EACH = 8  # per kind, so that dates do not push the contacts and facts out
MAX_DESCRIPTION = 120


@dataclass(frozen=True)
class Result:
    """One inline result: a unique id (≤ 64 bytes), what the list shows, what it sends."""

    id: str
    title: str
    description: str
    html: str


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def lookup(
    t: Translator,
    qa: QuestionAnswerer,
    book: ContactBook,
    entries: list[DateEntry],
    query: str,
    *,
    staff: bool,
    now: datetime,
) -> list[Result]:
    """The results for one inline query, dates first, then contacts, then facts."""
    kb = qa.kb
    query = query.strip()
    upcoming, earlier = dates_domain.arrange(entries, now)
    if query:
        place_names = {
            r.id: [*r.name.values(), *(a for al in r.aliases.values() for a in al)]
            for r in kb.records.values()
            if r.collection == "places"
        }
        found = dates_domain.search(upcoming + earlier, place_names, query)
    else:
        found = upcoming or earlier  # nothing ahead: the latest ones are still worth sharing
    results = [
        Result(
            f"d{n}",
            entry.title(t.lang),
            _short(entry_summary(t, kb, entry, staff=staff)),
            entry_html(t, kb, entry, staff=staff),
        )
        for n, entry in enumerate(found[:MAX_EACH])
    ]
    if not query:
        return results
    for record in book.find(query, MAX_EACH):
        results.append(
            Result(
                f"c{book.number(record)}",
                record.name[t.lang],
                _short(summary(t, kb, record)),
                card_html(t, kb, record),
            )
        )
    for n, fact in enumerate(_facts(qa, query, t.lang)):
        text = render_fact(kb, fact, t, now.date())
        results.append(
            Result(
                f"f{n}",
                question_text(fact, t.lang),
                _short(text),
                f"<b>{escape(question_text(fact, t.lang), quote=False)}</b>\n"
                + escape(text, quote=False),
            )
        )
    return results[:MAX_RESULTS]


def _facts(qa: QuestionAnswerer, query: str, lang: str) -> list[Fact]:
    """The fact the query is answered by, else the ones suggested; none of the bot's own."""
    answer = qa.ask(query, lang)
    ids = [answer.entry] if answer.entry else [s.entry for s in answer.suggestions]
    facts = [qa.kb.facts[i] for i in ids if i in qa.kb.facts]
    return [f for f in facts[:MAX_EACH] if qa.kb.records[f.record].collection != "assistant"]
