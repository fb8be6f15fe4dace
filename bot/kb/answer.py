"""The question-answering path shared by `iuc-bot ask`, the console and Telegram."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from bot.i18n import Translator, negotiate
from bot.kb.matcher import Matcher
from bot.kb.model import Fact, KnowledgeBase, Participant
from bot.kb.render import question_text, render_fact

MAX_QUESTION = 1000  # characters analysed; a pasted essay gets no better answer than its start

# "unrecorded": the reply tells that the thing asked is not known here, from a fact marked
# `unrecorded` ("the names of the four are not recorded") or, in `iuc-bot ask` without a
# database, a live fact's pointer to /register: the question is not answered.
Reply = Literal["answer", "suggest", "unknown", "unrecorded"]


@dataclass(frozen=True)
class Suggestion:
    """A fact the user may have meant, with the question that names it in their language."""

    entry: str
    question: str
    command: str | None = None  # the bot's command the fact is about (`Fact.command`)


@dataclass(frozen=True)
class Answer:
    """What the bot replies to one question, in plain text."""

    question: str
    outcome: Reply
    lang: str
    text: str
    entry: str | None
    confidence: float
    suggestions: tuple[Suggestion, ...]
    # The records the answer is about (a fact's record, else the things the question named,
    # else the context it was asked in): what a follow-up in the same chat is read with.
    about: tuple[str, ...] = ()
    # What a live answer is made of (`Fact.live`, e.g. "open_visits"): the text above is the
    # fact's own, to be replaced from the database by the layer that has one (bot/live.py).
    live: str | None = None
    # The records an "I don't know" was about, to say it again for another reader (the
    # Telegram handler offers a coordinator in a private chat instead of the unit).
    entities: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        """Whether a fact was given (not suggestions, "I don't know" or "not recorded")."""
        return self.outcome == "answer"


def unrecorded(answer: Answer) -> Answer:
    """The answer as a reply that what is asked is not known here: not answered.

    `confidence` becomes the chance that some fact does answer the question, 1 − the chance
    that this reply fits, so that a question not answered is always below the threshold.
    """
    return replace(answer, outcome="unrecorded", confidence=round(1.0 - answer.confidence, 3))


class QuestionAnswerer:
    """Matches questions against one knowledge base and renders the reply."""

    def __init__(self, kb: KnowledgeBase, today: Callable[[], date] = date.today) -> None:
        self.kb = kb
        self.matcher = Matcher(kb)
        self.today = today
        # Rendered answers of one day per (fact, language): a fact's text depends on nothing
        # but the knowledge base, the language and, through relative dates ("8 years ago"),
        # the date, so it is rendered once a day instead of once a question. Bounded by the
        # number of facts times languages; replaced whole when the date changes.
        self._rendered: tuple[date | None, dict[tuple[str, str], str]] = (None, {})
        self._translators: dict[str, Translator] = {}  # per language: they hold nothing else
        self._facts_about = facts_about(kb)

    def ask(
        self, question: str, asker_lang: str | None = None, context: tuple[str, ...] = ()
    ) -> Answer:
        """Answer in the question's language, or the asker's when that cannot be told.

        `context` is the `about` of the previous answer in the chat, for follow-up questions.
        """
        question = question.strip()
        match = self.matcher.match(question[:MAX_QUESTION], context)
        lang = match.lang or negotiate(asker_lang)
        t = self._translators.get(lang) or self._translators.setdefault(lang, Translator(lang))
        if not question:
            text = t.gettext("Please type a question, for example: {example}").format(
                example=self._example(lang)
            )
            return Answer(question, "unknown", lang, text, None, 0.0, (), context)
        if match.outcome == "answer" and match.entry:
            fact = self.kb.facts[match.entry]
            text = self._render(fact, t)
            answer = Answer(
                question,
                "answer",
                lang,
                text,
                fact.id,
                match.confidence,
                (),
                (fact.record,),
                fact.live,
            )
            return unrecorded(answer) if fact.unrecorded else answer
        if match.outcome == "suggest":
            suggestions = tuple(
                Suggestion(e, question_text(self.kb.facts[e], lang), self.kb.facts[e].command)
                for e in match.suggestions
            )
            text = t.gettext("I am not sure what you mean. Did you mean one of these?")
            return Answer(
                question,
                "suggest",
                lang,
                text,
                None,
                match.confidence,
                suggestions,
                match.entities or context,
            )
        return Answer(
            question,
            "unknown",
            lang,
            self.dont_know(t, match.entities),
            None,
            match.confidence,
            (),
            match.entities or context,
            entities=match.entities,
        )

    def _render(self, fact: Fact, t: Translator) -> str:
        """`render_fact` for today's date, rendered once per fact and language a day."""
        today = self.today()
        day, rendered = self._rendered
        if day != today:
            rendered = {}
            self._rendered = (today, rendered)
        key = (fact.id, t.lang)
        text = rendered.get(key)
        if text is None:
            text = rendered[key] = render_fact(self.kb, fact, t, today)
        return text

    def dont_know(
        self, t: Translator, entities: tuple[str, ...] = (), *, handoff: bool = False
    ) -> str:
        """An honest "I don't know" that is no dead end: what the bot can answer instead (about
        the things asked about, when it knows some) and which unit to ask (its address is not
        in the source, so none is promised), or, with `handoff` (a chat where the asker can
        press "Ask a coordinator"), that a coordinator can answer."""
        names = [self.kb.records[e].name[t.lang] for e in dict.fromkeys(entities)]
        if names:
            head = t.gettext("I have no information on that question about {topics}.").format(
                topics=t.join(names)
            )
        else:
            head = t.gettext("I don't know the answer to that.")
        examples = "\n".join(f"• {q}" for q in self.examples_about(entities, t.lang))
        person = self._person(t, handoff)
        return "\n\n".join(
            [head, t.gettext("I can answer questions like these:") + "\n" + examples, person]
        )

    def _person(self, t: Translator, handoff: bool) -> str:
        """Whom to ask: a coordinator through the bot, or the contact unit."""
        if handoff:
            return t.gettext(
                "If you would like a person to answer, press “Ask a coordinator”: "
                "a programme coordinator will reply to you here."
            )
        contact = self.kb.records[self.kb.contact]
        unit = contact.name[t.lang]
        parent = self.kb.records.get(str(contact.fields.get("part_of")))
        if parent is not None:
            unit = t.pgettext("unit of an organisation", "{unit} of the {organisation}").format(
                unit=unit, organisation=parent.name[t.lang]
            )
        return t.gettext("To ask a person, please turn to the {contact}.").format(contact=unit)

    def examples_about(self, entities: tuple[str, ...], lang: str, count: int = 3) -> list[str]:
        """Questions the bot answers about the things named (their own facts first, then facts
        of what refers to them), topped up with the /help examples."""
        ids = [f for e in dict.fromkeys(entities) for f in self._facts_about.get(e, ())]
        ids.extend(self.kb.examples or tuple(self.kb.facts)[:count])
        return [question_text(self.kb.facts[i], lang) for i in list(dict.fromkeys(ids))[:count]]

    def examples(self, lang: str, count: int = 3) -> list[str]:
        """A few questions the knowledge base answers, to show in /help."""
        ids = self.kb.examples or tuple(self.kb.facts)[:count]
        return [question_text(self.kb.facts[i], lang) for i in ids[:count]]

    def _example(self, lang: str) -> str:
        examples = self.examples(lang, 1)
        return examples[0] if examples else ""


def facts_about(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """Per record: its own first fact, then the first fact of each record that refers to it
    (the 2019 meeting for Tokorozawa, where it took place). Never one that says what is not
    recorded: these are examples of what the bot can answer."""
    about: dict[str, list[str]] = {}
    for record in kb.records.values():
        first = next((f.id for f in record.facts if not f.unrecorded), None)
        if first is None:
            continue
        about.setdefault(record.id, []).insert(0, first)
        for target in dict.fromkeys(_references(record.fields.values())):
            if target != record.id and target in kb.records:
                about.setdefault(target, []).append(first)
    return {k: tuple(dict.fromkeys(v)) for k, v in about.items()}


def _references(values: Iterable[object]) -> Iterator[str]:
    """Record ids a record's fields may hold: plain ids, lists of them, participants."""
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, Participant):
            yield from (v for v in (value.person, value.organisation) if v)
        elif isinstance(value, (list, tuple)):
            yield from _references(value)
