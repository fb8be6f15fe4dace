"""What the author of a broadcast reads while it goes out and when it is done."""

from __future__ import annotations

from html import escape

from bot.broadcast.models import Broadcast
from bot.broadcast.store import Counts
from bot.i18n import Translator


def progress_text(t: Translator, broadcast: Broadcast, counts: Counts) -> str:
    """The progress message, edited as delivery goes on."""
    return "\n".join(
        [
            t.gettext("Sending broadcast #{id}: {done} of {total} handled.").format(
                id=broadcast.id, done=t.number(counts.done), total=t.number(counts.total)
            ),
            *count_lines(t, counts),
        ]
    )


def report_text(
    t: Translator, broadcast: Broadcast, counts: Counts, blocked: list[tuple[int, str | None]]
) -> str:
    """The final report: delivered, blocked (and who), failed, unknown, cancelled."""
    lines = [
        t.gettext("Broadcast #{id} is finished.").format(id=broadcast.id),
        *count_lines(t, counts),
    ]
    if blocked:
        # Names are what people typed into Telegram: escaped. Ids for those without one.
        who = [escape(name, quote=False) if name else str(uid) for uid, name in blocked]
        if counts.blocked > len(blocked):
            who.append("…")
        lines.append(t.gettext("Who blocked the bot: {names}").format(names=t.join(who)))
    if counts.unknown:
        lines.append(
            t.gettext(
                "Unknown: {count} (the bot stopped while sending them; they are not sent "
                "again, so that nobody gets the message twice)"
            ).format(count=t.number(counts.unknown))
        )
    return "\n".join(lines)


def count_lines(t: Translator, counts: Counts) -> list[str]:
    """Delivered, blocked, failed (and cancelled, if any): one line each."""
    lines = [
        t.gettext("Delivered: {count}").format(count=t.number(counts.delivered)),
        t.gettext("Blocked the bot: {count}").format(count=t.number(counts.blocked)),
        t.gettext("Failed: {count}").format(count=t.number(counts.failed)),
    ]
    if counts.cancelled:
        lines.append(t.gettext("Cancelled: {count}").format(count=t.number(counts.cancelled)))
    return lines
