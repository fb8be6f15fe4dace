"""The question-answering path shared by `iuc-bot ask`, the console and Telegram."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.i18n import Translator, negotiate
from bot.kb.matcher import Matcher, Outcome
from bot.kb.model import Fact, KnowledgeBase
from bot.kb.render import question_text, render_fact

MAX_QUESTION = 1000  # characters analysed; a pasted essay gets no better answer than its start


@dataclass(frozen=True)
class Suggestion:
    """A fact the user may have meant, with the question that names it in their language."""

    entry: str
    question: str


@dataclass(frozen=True)
class Answer:
    """What the bot replies to one question, in plain text."""

    question: str
    outcome: Outcome
    lang: str
    text: str
    entry: str | None
    confidence: float
    suggestions: tuple[Suggestion, ...]

    @property
    def answered(self) -> bool:
        """Whether a fact was given (not only suggestions or "I don't know")."""
        return self.outcome == "answer"


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

    def ask(self, question: str, asker_lang: str | None = None) -> Answer:
        """Answer in the question's language, or the asker's when that cannot be told."""
        question = question.strip()
        match = self.matcher.match(question[:MAX_QUESTION])
        lang = match.lang or negotiate(asker_lang)
        t = self._translators.get(lang) or self._translators.setdefault(lang, Translator(lang))
        if not question:
            text = t.gettext("Please type a question, for example: {example}").format(
                example=self._example(lang)
            )
            return Answer(question, "unknown", lang, text, None, 0.0, ())
        if match.outcome == "answer" and match.entry:
            fact = self.kb.facts[match.entry]
            text = self._render(fact, t)
            return Answer(question, "answer", lang, text, fact.id, match.confidence, ())
        if match.outcome == "suggest":
            suggestions = tuple(
                Suggestion(e, question_text(self.kb.facts[e], lang)) for e in match.suggestions
            )
            text = t.gettext("I am not sure what you mean. Did you mean one of these?")
            return Answer(question, "suggest", lang, text, None, match.confidence, suggestions)
        return Answer(
            question,
            "unknown",
            lang,
            self.dont_know(t, match.entities),
            None,
            match.confidence,
            (),
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

    def dont_know(self, t: Translator, entities: tuple[str, ...] = ()) -> str:
        """An honest "I don't know", naming what was asked about and whom to ask."""
        contact = self.kb.records[self.kb.contact].name[t.lang]
        names = [self.kb.records[e].name[t.lang] for e in dict.fromkeys(entities)]
        if names:
            return t.gettext(
                "I have no information on that about {topics} in my knowledge base. "
                "Please ask the {contact}."
            ).format(topics=t.join(names), contact=contact)
        return t.gettext("I don't know the answer to that. Please ask the {contact}.").format(
            contact=contact
        )

    def examples(self, lang: str, count: int = 3) -> list[str]:
        """A few questions the knowledge base answers, to show in /help."""
        ids = self.kb.examples or tuple(self.kb.facts)[:count]
        return [question_text(self.kb.facts[i], lang) for i in ids[:count]]

    def _example(self, lang: str) -> str:
        examples = self.examples(lang, 1)
        return examples[0] if examples else ""
