"""Coordinators' /stats: the bot's use at a glance (bot/stats.py counts), in their language."""

from __future__ import annotations

import asyncio
import contextlib
import re
from html import escape

from telegram import Update

from bot import stats
from bot.db.activity import FLUSH_TIMEOUT_S
from bot.handlers.access import requires
from bot.handlers.context import IUCContext
from bot.handlers.coordinators.broadcasts.reports import count_lines
from bot.handlers.coordinators.reports import status_line
from bot.handlers.coordinators.visits.views import places_text, status_label
from bot.handlers.replies import split_message
from bot.handlers.visit_notices import visit_title
from bot.i18n import LANGUAGES, Translator
from bot.roles import Role
from bot.visits.rules import RegistrationStatus

# A question is shown on one line of at most this many characters, so that the top ten, the
# visits and the broadcasts usually fit one message (4096 characters); ten visits with titles
# of the longest allowed do not, and split_message cuts between sections then.
QUESTION_CHARS = 120
_SPACES = re.compile(r"\s+")


def _heading(text: str) -> str:
    return f"<b>{escape(text, quote=False)}</b>"


def _language_name(t: Translator, lang: str) -> str:
    names = {
        "en": t.pgettext("language name", "English"),
        "sk": t.pgettext("language name", "Slovak"),
        "ja": t.pgettext("language name", "Japanese"),
    }
    name = names[lang]
    return name[:1].upper() + name[1:]  # it starts a line (sk writes "angličtina")


def users_html(t: Translator, users: dict[str, int]) -> str:
    """People by language, and in all."""
    total = sum(users.values())
    lines = [
        _heading(t.gettext("Users by language")),
        *(
            "• "
            + t.ngettext("{name}: {count} person", "{name}: {count} people", users[lang]).format(
                name=_language_name(t, lang), count=t.number(users[lang])
            )
            for lang in LANGUAGES
        ),
        t.ngettext("{count} user in all", "{count} users in all", total).format(
            count=t.number(total)
        ),
    ]
    return "\n".join(lines)


def answers_html(t: Translator, heading: str, answers: stats.Answers, empty: str) -> str:
    """How many questions, and the share answered, given suggestions, not answered (or
    `empty` when there were none)."""
    lines = [_heading(heading)]
    n = answers.total
    if not n:
        lines.append(empty)
        return "\n".join(lines)
    lines.append(t.ngettext("{count} question", "{count} questions", n).format(count=t.number(n)))
    for text, part in (
        (t.gettext("answered: {count} ({share})"), answers.answered),
        (t.gettext("suggestions offered: {count} ({share})"), answers.suggested),
        # Translators: nothing was found, or the asker said none of the suggestions fit.
        (t.gettext("not answered: {count} ({share})"), answers.unanswered),
    ):
        lines.append("• " + text.format(count=t.number(part), share=t.percent(part, n)))
    return "\n".join(lines)


def _one_line(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    if len(text) > QUESTION_CHARS:
        text = text[: QUESTION_CHARS - 1].rstrip() + "…"
    return escape(text, quote=False)  # after the cut: an entity is never cut in two


def unanswered_html(t: Translator, days: int, asked: list[stats.Asked]) -> str:
    """The questions the bot could not answer, most asked first (escaped: users wrote them)."""
    lines = [
        _heading(
            t.ngettext(
                "Most asked questions I could not answer, last {days} day",
                "Most asked questions I could not answer, last {days} days",
                days,
            ).format(days=days)
        )
    ]
    for number, question in enumerate(asked, 1):
        # Translators: a question as the user typed it, quoted as your language quotes.
        quoted = t.pgettext("quoted question", "“{text}”").format(text=_one_line(question.text))
        times = t.ngettext("{count} time", "{count} times", question.count).format(
            count=t.number(question.count)
        )
        lines.append(f"{number}. {quoted} – {times}")
    if not asked:
        lines.append("• " + t.pgettext("counted list", "none"))
    return "\n".join(lines)


def visits_html(t: Translator, visits: list[stats.VisitPlaces], more: int) -> str:
    """Each coming visit: its places, confirmed registrations, waiting list, open offers."""
    lines = [_heading(t.gettext("Registrations for current and coming visits"))]
    for places in visits:
        visit = places.visit
        title = visit_title(visit, t.lang)  # escaped
        counts = [
            status_line(t, RegistrationStatus.CONFIRMED, places.confirmed),
            status_line(t, RegistrationStatus.WAITLISTED, places.waitlisted),
        ]
        if places.offered:
            counts.append(status_line(t, RegistrationStatus.OFFERED, places.offered))
        counts.append(places_text(t, visit.held, visit.capacity))
        line = t.gettext("#{id} {title} ({dates}, {status})").format(
            id=visit.id,
            title=title,
            dates=t.period(visit.start_date, visit.end_date),
            status=status_label(t, visit.status),
        )
        lines.append("• " + line)
        lines.append("  " + " · ".join(counts))
    if more:
        lines.append(
            t.ngettext("…and {count} more visit", "…and {count} more visits", more).format(
                count=t.number(more)
            )
        )
    if not visits:
        lines.append(t.gettext("No current or coming visits."))
    return "\n".join(lines)


def broadcasts_html(t: Translator, deliveries: list[stats.Delivery]) -> str:
    """The latest broadcasts: delivered, blocked, failed, and what is still to be sent."""
    lines = [_heading(t.gettext("Latest broadcasts"))]
    for delivery in deliveries:
        broadcast, counts = delivery.broadcast, delivery.counts
        started = broadcast.started_at or broadcast.created_at
        parts = count_lines(t, counts)
        if counts.remaining:
            parts.append(
                t.gettext("Still to send: {count}").format(count=t.number(counts.remaining))
            )
        lines.append(
            "• " + t.gettext("#{id}, {date}").format(id=broadcast.id, date=t.date(started.date()))
        )
        lines.append("  " + " · ".join(parts))
    if not deliveries:
        lines.append(t.gettext("No broadcasts were sent yet."))
    return "\n".join(lines)


def overview_html(t: Translator, overview: stats.Overview) -> str:
    """The whole of /stats, in sections."""
    days = overview.period_days
    return "\n\n".join(
        [
            _heading(t.gettext("Statistics")),
            users_html(t, overview.users),
            answers_html(
                t,
                t.ngettext(
                    "Questions, last {days} day", "Questions, last {days} days", days
                ).format(days=days),
                overview.recent,
                t.gettext("No questions were asked in this period."),
            ),
            answers_html(
                t,
                t.gettext("Questions since the start"),
                overview.all_time,
                t.gettext("No questions have been asked yet."),
            ),
            unanswered_html(t, days, overview.unanswered),
            visits_html(t, overview.visits, overview.more_visits),
            broadcasts_html(t, overview.broadcasts),
        ]
    )


@requires(Role.COORDINATOR)
async def stats_command(update: Update, context: IUCContext, t: Translator) -> None:
    """/stats: users, questions, unanswered questions, visits' places, latest broadcasts."""
    services = context.services
    assert services.sessions is not None
    # The latest questions may still be queued (bot/db/activity.py); a moment old will do
    # should the database be slow.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(FLUSH_TIMEOUT_S):
            await services.activity.flush()
    async with services.sessions() as session:
        overview = await stats.overview(
            session,
            services.clock(),
            retention_days=services.settings.retention_days,
            default_lang=services.settings.default_locale,
        )
    # Usually one message; long titles make two, cut between sections.
    for piece in split_message(overview_html(t, overview)):
        await update.effective_message.reply_html(piece)
