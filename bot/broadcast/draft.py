"""The coordinator's broadcast in the making: texts per language, attachment, button, audience.

Kept as a draft row (bot/visits/drafts.py) after every step, so a restart loses nothing.
Texts are Telegram HTML, made from the coordinator's own message entities.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from bot.broadcast.audience import Audience, AudienceError
from bot.i18n import LANGUAGES

KIND = "broadcast"
# Three languages of up to 4096 characters each, as HTML: formatting tags can triple a text.
MAX_DRAFT_BYTES = 256_000
TEXT_LIMIT = 4096  # Telegram's limit on a message's text
CAPTION_LIMIT = 1024  # ... and on a photo's or document's caption
_TAG = re.compile(r"<[^<>]*>")


class Step(StrEnum):
    """Where the conversation stands; the step decides what typed input means."""

    COMPOSE = "compose"  # texts and an attachment are taken
    FALLBACK = "fallback"  # which written language the missing ones get
    AUDIENCE = "audience"  # who receives it
    CONFIRM = "confirm"  # previews sent, waiting for "Send"


class Media(StrEnum):
    """The one attachment a broadcast may carry."""

    PHOTO = "photo"
    DOCUMENT = "document"


def plain_length(text_html: str) -> int:
    """How many characters a person reads of the HTML (what Telegram's limits count)."""
    return len(html.unescape(_TAG.sub("", text_html)))


@dataclass
class Composition:
    """A broadcast being written; to_data/from_data make it the draft's JSON."""

    writing: str  # the language the next text is for
    texts: dict[str, str] = field(default_factory=dict)  # language → HTML
    media_type: str | None = None
    media_id: str | None = None  # Telegram's file_id: sent again as is, never downloaded
    visit_id: int | None = None  # a "Register" button linking to this visit
    fallback: str | None = None  # the written language missing languages get
    audience: dict[str, Any] | None = None

    @classmethod
    def new(cls, lang: str) -> Composition:
        """An empty broadcast; the coordinator writes their own language first."""
        return cls(writing=lang if lang in LANGUAGES else LANGUAGES[0])

    def to_data(self) -> dict[str, Any]:
        """The draft's JSON."""
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Composition:
        """The composition a draft holds."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def missing(self) -> list[str]:
        """The languages without a text, in the interface's order."""
        return [lang for lang in LANGUAGES if lang not in self.texts]

    def write(self, text_html: str) -> None:
        """Takes the text for the language being written; moves on to the first missing one."""
        self.texts[self.writing] = text_html
        missing = self.missing()
        if missing:
            self.writing = missing[0]
        # A fallback chosen before may no longer be needed, or no longer written: ask again.
        self.fallback = None

    def attach(self, media_type: Media, media_id: str) -> None:
        """Sets the one attachment, replacing any earlier one."""
        self.media_type, self.media_id = media_type.value, media_id

    def detach(self) -> None:
        """Removes the attachment."""
        self.media_type = self.media_id = None

    @property
    def limit(self) -> int:
        """The longest text that fits: a caption's limit once there is an attachment."""
        return CAPTION_LIMIT if self.media_id else TEXT_LIMIT

    def too_long(self) -> dict[str, int]:
        """The languages whose text does not fit, with their lengths."""
        found = {lang: plain_length(text) for lang, text in self.texts.items()}
        return {lang: n for lang, n in found.items() if n > self.limit}

    def text_for(self, lang: str) -> str | None:
        """What recipients reading lang get: their text, else the fallback's (None: unset)."""
        chosen = self.texts.get(lang)
        if chosen is None and self.fallback is not None:
            chosen = self.texts.get(self.fallback)
        return chosen

    def needs_fallback(self) -> bool:
        """Whether a language is missing and no written language was chosen for it."""
        return bool(self.missing()) and self.fallback not in self.texts

    def chosen_audience(self) -> Audience | None:
        """The audience chosen, or None (also for one a stale draft holds wrongly)."""
        if self.audience is None:
            return None
        try:
            return Audience.from_data(self.audience)
        except AudienceError:
            return None
