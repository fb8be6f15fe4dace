"""Long HTML replies split under Telegram's limit: never inside a tag pair, nothing lost.

The in-process Bot API parses HTML as Telegram does, so a piece cut inside <b>…</b> is refused
there ("can't find end tag") and the person gets an apology instead of the list.
"""

from __future__ import annotations

import re
import string
from collections.abc import AsyncIterator

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from bot.db.models import Registration, Visit
from bot.handlers.replies import MESSAGE_LIMIT, split_message
from bot.kb.answer import QuestionAnswerer
from bot.localapi import parse_html
from bot.localapi.html import EntityParseError
from tests.bot.harness import NOW, Harness, run_bot
from tests.visits.factory import open_visit, register

COORDINATOR = 42
SORRY = "Sorry, something went wrong"


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    """The running bot, with user 42 as its coordinator."""
    async with run_bot(database_url, qa, coordinator_ids=frozenset({COORDINATOR})) as harness:
        yield harness


def styled(html: str) -> list[tuple[str, frozenset[tuple[str, str]]]]:
    """Each character a user reads with its formatting, whitespace left out."""
    plain, entities = parse_html(html)
    # Entity offsets count UTF-16 units: walk the text in those units.
    units = [u for char in plain for u in ((char, "") if ord(char) > 0xFFFF else (char,))]
    marks: dict[int, frozenset[tuple[str, str]]] = {}
    for entity in entities:
        mark = frozenset({(entity["type"], entity.get("url", ""))})
        for i in range(entity["offset"], entity["offset"] + entity["length"]):
            marks[i] = marks.get(i, frozenset()) | mark
    none: frozenset[tuple[str, str]] = frozenset()
    return [(c, marks.get(i, none)) for i, c in enumerate(units) if c and not c.isspace()]


def check_pieces(text: str, pieces: list[str], limit: int) -> None:
    """Every piece fits and parses; together they show what the whole text shows."""
    for piece in pieces:
        assert 0 < len(piece) <= limit, (len(piece), piece)
        try:
            plain, _ = parse_html(piece)
        except EntityParseError as exc:  # pragma: no cover - the failure being tested for
            raise AssertionError(f"{exc}: {piece!r}") from None
        assert plain.strip(), piece
    assert [c for p in pieces for c in styled(p)] == styled(text)


# --- Through the real Application: what the review reproduced (finding M-2). -------------


async def test_registrations_with_long_cities_arrive_whole(bot: Harness) -> None:
    # 18 registrations from 194-character city names fill most of a message; one more city's
    # length moves the 4096 boundary, one character at a time, across the heading
    # "<b>Confirmed, dietary needs:</b>" that follows.
    sessions = bot.app.bot_data["services"].sessions
    visit = await open_visit(sessions, NOW, capacity=30)
    for person in range(18):
        city = f"{person:02d} " + "City " * 38 + "end"
        await register(sessions, visit.id, 100 + person, NOW, city=city, dietary="vegan")
    tuned = await register(sessions, visit.id, 200, NOW, city="T")
    cities_seen = 0
    for length in range(1, 190):
        async with sessions.begin() as session:
            await session.execute(
                update(Registration).where(Registration.id == tuned.id).values(city="T" * length)
            )
        replies = await bot.send(COORDINATOR, f"/registrations {visit.id}")
        assert replies, length
        assert not any(r.plain.startswith(SORRY) for r in replies), length
        text = "\n".join(r.plain for r in replies)
        assert text.count("end: 1 person") == 18
        assert "T" * length + ": 1 person" in text
        assert "vegan: 18 people" in text
        # The headings arrive in bold, whichever piece they land in.
        bold = {
            r.plain[e["offset"] : e["offset"] + e["length"]]
            for r in replies
            for e in r.entities
            if e["type"] == "bold"
        }
        assert "Confirmed, dietary needs:" in bold
        cities_seen += len(replies) > 1
    assert cities_seen  # the list did need more than one message


async def test_visits_with_long_titles_arrive_whole(bot: Harness) -> None:
    # 14 visits with long titles, then one whose title length moves the boundary across
    # "<b>Earlier meetings (knowledge base)</b>".
    sessions = bot.app.bot_data["services"].sessions
    for n in range(14):
        title = f"Visit {n:02d} " + "long title " * 17 + "tail"
        await open_visit(sessions, NOW, titles={"en": title})
    tuned = await open_visit(sessions, NOW, titles={"en": "T"})
    split = 0
    for length in range(1, 200, 2):
        async with sessions.begin() as session:
            await session.execute(
                update(Visit).where(Visit.id == tuned.id).values(titles={"en": "T" * length})
            )
        replies = await bot.send(COORDINATOR, "/visits")
        assert not any(r.plain.startswith(SORRY) for r in replies), length
        text = "\n".join(r.plain for r in replies)
        assert text.count("tail — open for registration") == 14
        assert "Earlier meetings (knowledge base)" in text
        # The buttons come with the last piece.
        assert bot.api.buttons(replies[-1])
        assert all(not bot.api.buttons(r) for r in replies[:-1])
        split += len(replies) > 1
    assert split


# --- The function itself. ----------------------------------------------------------------


def test_a_heading_at_the_boundary_is_not_cut_in_two() -> None:
    # The review's unit case: the last space before 4096 was inside the heading.
    text = "x" * 4080 + "\n\n<b>Earlier meetings (knowledge base)</b>\n• one\n• two"
    pieces = split_message(text)
    assert pieces == ["x" * 4080, "<b>Earlier meetings (knowledge base)</b>\n• one\n• two"]


def test_paragraphs_then_lines_then_words() -> None:
    para = "\n".join([" ".join(["line"] * 10)] * 3)  # 3 lines of 49 characters: 149
    # Two whole paragraphs fit in 320 (2 x 149 + 2): none is cut into lines.
    assert split_message("\n\n".join([para] * 4), limit=320) == [f"{para}\n\n{para}"] * 2
    # A paragraph longer than the limit is cut between its lines, not inside one.
    assert [p.count("line") for p in split_message(para, limit=120)] == [20, 10]
    # A line longer than the limit is cut between words.
    assert split_message("word " * 30, limit=52) == ["word " * 9 + "word"] * 3


def test_a_long_tagged_line_is_closed_and_reopened() -> None:
    text = (
        "<b>"
        + "bold words " * 100
        + '</b> and <a href="https://example.com/?a=1&amp;b=2">'
        + ("link text " * 50)
        + "</a>"
    )
    pieces = split_message(text, limit=300)
    assert len(pieces) > 4
    check_pieces(text, pieces, 300)
    assert pieces[0].endswith("</b>")
    assert pieces[1].startswith("<b>")


def test_a_word_longer_than_the_limit_inside_a_tag() -> None:
    text = "<i>" + "a" * 1000 + "&amp;" + "b" * 100 + "</i>"
    pieces = split_message(text, limit=200)
    check_pieces(text, pieces, 200)


# Texts like the bot's replies: paragraphs of lines, lines of words, some of them bold,
# italic, links, escaped characters, emoji and Japanese; lines longer than the limit too.
# Drawn as one flat list of words and breaks: nested lists took Hypothesis seconds to draw.
words = st.one_of(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=12),
    st.sampled_from(["&amp;", "&lt;b&gt;", "&#12354;", "所沢市", "🤝🇸🇰", "Ján", "x" * 150]),
)
tags = st.sampled_from(["b", "i", "u", "s", "code", 'a href="https://iuc.example/?q=1&amp;r=2"'])


@st.composite
def spans(draw: st.DrawFn) -> str:
    """A few words inside a tag, maybe inside another."""
    text = " ".join(draw(st.lists(words, min_size=1, max_size=6)))
    for _ in range(draw(st.integers(1, 2))):
        tag = draw(tags)
        text = f"<{tag}>{text}</{tag.split()[0]}>"
    return text


tokens = st.one_of(words, words, spans(), st.sampled_from(["\n", "\n", "\n\n"]))
documents = st.lists(tokens, min_size=30, max_size=500).map(
    lambda ts: re.sub(r" ?(\n+) ?", r"\1", " ".join(ts))
)


@settings(max_examples=200, deadline=None)
@given(text=documents, limit=st.sampled_from([160, 300, 1000]))
@example(
    text="x" * 4080 + "\n\n<b>Earlier meetings (knowledge base)</b>\n• one", limit=MESSAGE_LIMIT
)
def test_every_piece_fits_parses_and_together_they_are_the_text(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    event(f"{min(len(pieces), 4)} pieces")
    check_pieces(text, pieces, limit)
    # Where every line fits, lines are kept whole: the pieces joined are the text itself
    # (only the whitespace at the cuts is gone, and no tag had to be closed and reopened).
    if all(len(line) <= limit for line in text.split("\n")):
        assert "".join("".join(pieces).split()) == "".join(text.split())
