"""What the coordinator sees while composing: the composer, the audience menus, the summary."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.broadcast.audience import ROLE_KEYS, Audience, AudienceKind
from bot.broadcast.draft import Composition
from bot.db.models import Visit
from bot.handlers.replies import callback
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator

# Buttons listing visits: the newest this many (a Telegram keyboard has room for ~100).
MAX_VISIT_BUTTONS = 30
# The statuses a coordinator can address, "active" (every active one) first.
STATUS_CHOICES = ("active", "confirmed", "offered", "waitlisted", "withdrawn")


def _button(label: str, *data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback("bc", *data))


def _cancel_row(t: Translator, back: bool = True) -> list[InlineKeyboardButton]:
    row = [_button("◀ " + t.pgettext("broadcast button", "Back"), "back")] if back else []
    return [*row, _button(t.pgettext("broadcast button", "Cancel"), "cancel")]


def language_list(t: Translator, langs: list[str]) -> str:
    """Languages by their own names: English, Slovenčina and 日本語."""
    return t.join([LANGUAGE_NAMES[lang] for lang in langs])


def composer_html(t: Translator, draft: Composition, visit: Visit | None) -> str:
    """The state of the broadcast and what to send next."""
    written = [lang for lang in LANGUAGES if lang in draft.texts]
    lines = ["<b>" + t.gettext("New broadcast") + "</b>"]
    if written:
        lines.append(t.gettext("Written: {languages}").format(languages=language_list(t, written)))
    if draft.missing():
        lines.append(
            t.gettext("Missing: {languages}").format(languages=language_list(t, draft.missing()))
        )
    if draft.media_type == "photo":
        lines.append(t.gettext("Attachment: a photo"))
    elif draft.media_type == "document":
        lines.append(t.gettext("Attachment: a document"))
    if visit is not None:
        lines.append(
            t.gettext("Button: registration for “{title}”").format(
                title=escape(visit.title(t.lang), quote=False)
            )
        )
    lines.append("")
    lines.append(
        t.gettext(
            "Send the text in {language}. Bold, italics and links are kept. You may "
            "also send one photo or document; its caption is taken as the text."
        ).format(language="<b>" + LANGUAGE_NAMES[draft.writing] + "</b>")
    )
    return "\n".join(lines)


def composer_keyboard(t: Translator, draft: Composition) -> InlineKeyboardMarkup:
    """Which language to write, the button, the attachment, and on to the audience."""
    languages = []
    for lang in LANGUAGES:
        mark = "✏️ " if lang == draft.writing else ("✓ " if lang in draft.texts else "")
        languages.append(_button(mark + LANGUAGE_NAMES[lang], "w", lang))
    rows = [languages]
    if draft.visit_id is None:
        rows.append([_button(t.pgettext("broadcast button", "Add a registration button"), "btn")])
    else:
        rows.append([_button(t.pgettext("broadcast button", "Remove the button"), "nobtn")])
    if draft.media_id is not None:
        rows.append([_button(t.pgettext("broadcast button", "Remove the attachment"), "rm")])
    rows.append(
        [_button(t.pgettext("broadcast button", "Next ▶"), "next"), *_cancel_row(t, back=False)]
    )
    return InlineKeyboardMarkup(rows)


def visits_keyboard(t: Translator, visits: list[Visit], action: str) -> InlineKeyboardMarkup:
    """A button per visit, by title (the newest first), then Back and Cancel."""
    rows = [
        [_button(visit.title(t.lang)[:60], action, visit.id)]
        for visit in sorted(visits, key=lambda v: v.start_date, reverse=True)[:MAX_VISIT_BUTTONS]
    ]
    return InlineKeyboardMarkup([*rows, _cancel_row(t)])


def fallback_html(t: Translator, draft: Composition) -> str:
    """Asks which written language the recipients of the missing ones get."""
    return t.gettext(
        "There is no text in {missing}. Which text should people who read it receive? "
        "Or go back and write it."
    ).format(missing=language_list(t, draft.missing()))


def fallback_keyboard(t: Translator, draft: Composition) -> InlineKeyboardMarkup:
    """A button per written language, then Back and Cancel."""
    rows = [
        [_button(LANGUAGE_NAMES[lang], "fb", lang)] for lang in LANGUAGES if lang in draft.texts
    ]
    return InlineKeyboardMarkup([*rows, _cancel_row(t)])


def role_label(t: Translator, role: str) -> str:
    """A role as an audience: the people who hold it."""
    labels = {
        "delegate": t.pgettext("audience", "Delegates"),
        "staff": t.pgettext("audience", "Staff"),
        "coordinator": t.pgettext("audience", "Coordinators"),
    }
    return labels.get(role, role)


def audience_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """The kinds of audience."""
    rows = [
        [_button(t.pgettext("audience", "All subscribers"), "a", AudienceKind.SUBSCRIBERS)],
        [_button(t.pgettext("audience", "Registrants of a visit"), "a", AudienceKind.REGISTRANTS)],
        [
            _button(
                t.pgettext("audience", "Waiting list of a visit"), "a", AudienceKind.WAITING_LIST
            )
        ],
        [_button(t.pgettext("audience", "Readers of one language"), "a", AudienceKind.LANGUAGE)],
    ]
    rows.append([_button(t.pgettext("audience", "People with one role"), "a", "role")])
    return InlineKeyboardMarkup([*rows, _cancel_row(t)])


def status_label(t: Translator, status: str) -> str:
    """A registration status as a coordinator addresses it."""
    labels = {
        "active": t.pgettext("audience", "Everybody registered"),
        "confirmed": t.pgettext("audience", "Confirmed"),
        "offered": t.pgettext("audience", "Offered a place"),
        "waitlisted": t.pgettext("audience", "On the waiting list"),
        "withdrawn": t.pgettext("audience", "Withdrawn"),
    }
    return labels[status]


def status_keyboard(t: Translator, visit_id: int) -> InlineKeyboardMarkup:
    """Which registrants of the visit: every active one, or one status."""
    rows = [[_button(status_label(t, s), "as", visit_id, s)] for s in STATUS_CHOICES]
    return InlineKeyboardMarkup([*rows, _cancel_row(t)])


def languages_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """A button per interface language."""
    rows = [[_button(LANGUAGE_NAMES[lang], "al", lang)] for lang in LANGUAGES]
    return InlineKeyboardMarkup([*rows, _cancel_row(t)])


def roles_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """A button per role."""
    rows = [[_button(role_label(t, role), "ar", role)] for role in ROLE_KEYS]
    return InlineKeyboardMarkup([*rows, _cancel_row(t)])


def audience_html(t: Translator, audience: Audience, visit: Visit | None) -> str:
    """The audience in words, HTML."""
    title = escape(visit.title(t.lang), quote=False) if visit is not None else ""
    kind = audience.kind
    if kind == AudienceKind.REGISTRANTS:
        text = t.gettext("The registrants of “{title}”: {status}").format(
            title=title, status=status_label(t, audience.status or "active")
        )
    elif kind == AudienceKind.WAITING_LIST:
        text = t.gettext("The waiting list of “{title}”").format(title=title)
    elif kind == AudienceKind.LANGUAGE:
        text = t.gettext("Subscribers who read {language}").format(
            language=LANGUAGE_NAMES[audience.lang or ""]
        )
    elif kind == AudienceKind.ROLE:
        text = t.gettext("Subscribers with the role: {role}").format(
            role=role_label(t, audience.role or "")
        )
    else:
        text = t.gettext("All subscribers")
    return text


def preview_header(t: Translator, lang: str, count: int, draft: Composition) -> str:
    """The line above one language's preview: who gets it, and in which language it is."""
    text = t.ngettext(
        "Preview for {n} recipient who reads {language}:",
        "Preview for {n} recipients who read {language}:",
        count,
    ).format(n=t.number(count), language=LANGUAGE_NAMES[lang])
    if lang not in draft.texts and draft.fallback is not None:
        text += "\n" + t.gettext("(they get the text in {language})").format(
            language=LANGUAGE_NAMES[draft.fallback]
        )
    return "<i>" + text + "</i>"


def confirm_html(t: Translator, audience_text: str, counts: dict[str, int]) -> str:
    """The summary above the Send button."""
    total = sum(counts.values())
    per_language = ", ".join(
        f"{LANGUAGE_NAMES[lang]}: {t.number(counts.get(lang, 0))}" for lang in LANGUAGES
    )
    return "\n".join(
        [
            "<b>" + audience_text + "</b>",
            t.ngettext(
                "{n} recipient ({languages}).", "{n} recipients ({languages}).", total
            ).format(n=t.number(total), languages=per_language),
            t.gettext("Send the broadcast now?"),
        ]
    )


def confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """Send, back to the audience, or cancel."""
    return InlineKeyboardMarkup(
        [[_button("📣 " + t.pgettext("broadcast button", "Send"), "send")], _cancel_row(t)]
    )
