"""/grant and /revoke through the real Application: by forward, @username and id; the
person told in their language; menus and /help per role; refusals with their reasons; two
processes on one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html import unescape

import pytest

from bot import roles
from bot.handlers.access import refusal
from bot.handlers.coordinators import role_views as views
from bot.i18n import Translator
from bot.kb.answer import QuestionAnswerer
from bot.localapi import SentMessage
from bot.roles import Person, Role
from bot.visits import service
from tests.bot.harness import Harness, run_bot

COORDINATOR, STAFF, PERSON = 42, 43, 700
EN = Translator("en")


@pytest.fixture
async def bot(database_url: str, qa: QuestionAnswerer) -> AsyncIterator[Harness]:
    async with run_bot(
        database_url,
        qa,
        coordinator_ids=frozenset({COORDINATOR}),
        staff_ids=frozenset({STAFF}),
    ) as harness:
        yield harness


def plain(html: str) -> str:
    return unescape(html)


def chat_menu(bot: Harness, user: int, lang: str | None) -> list[str]:
    return [c for c, _ in bot.api.commands({"type": "chat", "chat_id": user}, language_code=lang)]


async def forward(bot: Harness, user: int, origin: dict) -> list[SentMessage]:
    before = len(bot.api.messages(user))
    update = bot.api.message_update(user, "See you in Tokorozawa!", forward_origin=origin)
    await bot.feed(update)
    return bot.api.messages(user)[before:]


async def press(bot: Harness, message: SentMessage, label: str) -> SentMessage:
    await bot.press(COORDINATOR, message, label)
    return bot.api.find_message(COORDINATOR, message.message_id)


async def grant(bot: Harness, how: str, role: Role) -> SentMessage:
    """/grant with the person named by `how` (a forward when "forward"); presses the role."""
    if how == "forward":
        [ask] = await bot.send(COORDINATOR, "/grant")
        assert ask.plain == plain(views.ask_whom(EN, "grant"))
        [question] = await forward(bot, COORDINATOR, bot.api.forward_origin(PERSON))
    else:
        [question] = await bot.send(COORDINATOR, f"/grant {how}")
    return await press(bot, question, views.role_name(EN, role).capitalize())


@pytest.mark.parametrize("lang", ["en", "sk", "ja"])
async def test_granted_by_forward_revoked_by_username(bot: Harness, lang: str) -> None:
    await bot.send(PERSON, "/start", lang=lang, username="Jana_N", first_name="Jana")
    [refused] = await bot.send(PERSON, "/visits", lang=lang)
    assert refused.plain == refusal(Translator(lang), Role.COORDINATOR)
    told_before = len(bot.api.messages(PERSON))
    done = await grant(bot, "forward", Role.COORDINATOR)
    person = Person(PERSON, "Jana", "jana_n", lang)
    assert done.plain == plain(views.done(EN, person, Role.COORDINATOR, told=True))
    # The person hears it in their language, with their commands; their menu has them.
    [told] = bot.api.messages(PERSON)[told_before:]
    assert told.plain == plain(views.your_role(Translator(lang), Role.COORDINATOR))
    assert "/visits" in told.plain
    assert "/grant" in told.plain
    for code in (None, "en", "sk", "ja"):
        assert {"visits", "grant", "revoke", "help"} <= set(chat_menu(bot, PERSON, code))
    # Effective at once: the next command works.
    [listing] = await bot.send(PERSON, "/visits", lang=lang)
    assert listing.plain != refused.plain
    [help_text] = await bot.send(PERSON, "/help", lang=lang)
    assert "/grant" in help_text.plain
    assert "/revoke" in help_text.plain
    # Taken back, named by @username (any case, with or without "@").
    [question] = await bot.send(COORDINATOR, "/revoke @JANA_n")
    assert plain(views.who(person)) in question.plain
    done = await press(bot, question, EN.pgettext("button", "Take the role back"))
    assert done.plain == plain(views.done(EN, person, Role.DELEGATE, told=True))
    assert bot.api.messages(PERSON)[-1].plain == plain(
        views.your_role(Translator(lang), Role.DELEGATE)
    )
    assert chat_menu(bot, PERSON, lang) == []  # back to everybody's menu
    [refused_again] = await bot.send(PERSON, "/visits", lang=lang)
    assert refused_again.plain == refused.plain
    [help_text] = await bot.send(PERSON, "/help", lang=lang)
    assert "/grant" not in help_text.plain


async def test_staff_by_numeric_id_of_someone_not_seen_yet(bot: Harness) -> None:
    done = await grant(bot, "123456789", Role.STAFF)
    person = Person(123456789, language="en")
    # Telegram would refuse to write to them: here the chat exists, so they are told.
    assert done.plain == plain(views.done(EN, person, Role.STAFF, told=True))
    async with bot.app.bot_data["services"].sessions() as session:
        assert await roles.granted_role(session, 123456789) == Role.STAFF
    # Staff may not use the coordinators' commands.
    [refused] = await bot.send(123456789, "/visits")
    assert refused.plain == refusal(EN, Role.COORDINATOR)


async def test_a_person_who_cannot_be_written_to_is_reported(bot: Harness) -> None:
    await bot.send(PERSON, "/start")
    bot.api.block(PERSON)
    done = await grant(bot, str(PERSON), Role.STAFF)
    assert done.plain.endswith(
        EN.gettext(
            "I could not write to them: they have not started a chat with me yet (or have "
            "blocked me). /help will show them their commands once they do."
        )
    )


async def test_hidden_senders_unknown_usernames_and_nonsense_are_explained(bot: Harness) -> None:
    await bot.send(COORDINATOR, "/grant")
    [hidden] = await forward(bot, COORDINATOR, bot.api.forward_origin(None, hidden_name="Eva K"))
    assert hidden.plain == plain(views.hidden(EN, "Eva K"))
    [unknown] = await bot.send(COORDINATOR, "@nobody_here")
    assert unknown.plain == plain(views.unknown_username(EN, "nobody_here"))
    [nonsense] = await bot.send(COORDINATOR, "the tall one")
    assert nonsense.plain == plain(views.unreadable(EN))
    # Still asking: an id now works.
    [question] = await bot.send(COORDINATOR, str(PERSON))
    assert [label for label, _ in bot.api.buttons(question)] == ["Staff", "Coordinator", "Cancel"]
    # And /cancel ends it: the next text is a question again.
    await bot.send(COORDINATOR, "/grant")
    [cancelled] = await bot.send(COORDINATOR, "/cancel")
    assert cancelled.plain == views.cancelled(EN)
    [answer] = await bot.send(COORDINATOR, "12345")
    assert "Staff" not in [label for label, _ in bot.api.buttons(answer)]


async def test_settings_roles_and_the_last_coordinator_are_not_revoked(
    database_url: str, qa: QuestionAnswerer
) -> None:
    async with run_bot(database_url, qa, staff_ids=frozenset({STAFF})) as bot:
        services = bot.app.bot_data["services"]
        async with services.sessions.begin() as session:
            await roles.grant(
                session,
                COORDINATOR,
                Role.COORDINATOR,
                by=0,
                now=services.clock(),
                configured=roles.Configured(),
            )
        [question] = await bot.send(COORDINATOR, f"/revoke {STAFF}")
        done = await press(bot, question, EN.pgettext("button", "Take the role back"))
        assert "STAFF_IDS" in done.plain
        [question] = await bot.send(COORDINATOR, f"/revoke {COORDINATOR}")
        done = await press(bot, question, EN.pgettext("button", "Take the role back"))
        assert done.plain.endswith(
            EN.gettext(
                "You are the last coordinator: please make someone else coordinator first, or "
                "nobody could give roles any more."
            )
        )
        [listing] = await bot.send(COORDINATOR, "/visits")
        assert listing.plain != refusal(EN, Role.COORDINATOR)


async def test_a_grant_in_one_process_holds_at_once_in_another(
    database_url: str, qa: QuestionAnswerer
) -> None:
    settings = {"coordinator_ids": frozenset({COORDINATOR})}
    async with (
        run_bot(database_url, qa, **settings) as one,
        run_bot(database_url, qa, **settings) as other,
    ):
        [refused] = await other.send(PERSON, "/visits")
        assert refused.plain == refusal(EN, Role.COORDINATOR)
        await grant(one, str(PERSON), Role.COORDINATOR)
        [listing] = await other.send(PERSON, "/visits")
        assert listing.plain != refused.plain
        # Creating a visit: the typed answers reach the form in the other process too.
        await other.press(PERSON, listing, EN.pgettext("visit button", "New visit"))
        [step] = await other.send(PERSON, "Study visit to Bratislava")
        assert (
            EN.gettext("New visit, step {number} of {total}.")
            .format(number=2, total=9)
            .split(",")[0]
            in step.plain
        )
        async with one.app.bot_data["services"].sessions() as session:
            draft = await service.load_draft(session, PERSON, "edit_visit")
        assert draft is not None
        assert draft.data["titles"]["en"] == "Study visit to Bratislava"
        # Revoked in the other process: refused at once in the first.
        [question] = await other.send(COORDINATOR, f"/revoke {PERSON}")
        await other.press(COORDINATOR, question, EN.pgettext("button", "Take the role back"))
        [refused_again] = await one.send(PERSON, "/visits")
        assert refused_again.plain == refused.plain
