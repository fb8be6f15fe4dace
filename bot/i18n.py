"""Interface languages: gettext catalogs read straight from locales/*.po, and Babel formatting.

The .po files are compiled in memory when first needed, so a fresh clone runs without a
compile step. English source text is the msgid; Slovak has three plural forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date, format_timedelta
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "sk", "ja")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"
# Babel locale per interface language: the programme is European, so English dates read
# "15 October 2018" (en_GB), not "October 15, 2018".
BABEL_LOCALES = {"en": "en_GB", "sk": "sk", "ja": "ja"}
LANGUAGE_NAMES = {"en": "English", "sk": "Slovenčina", "ja": "日本語"}


def negotiate(*candidates: str | None) -> str:
    """The first candidate (e.g. 'sk', 'en-US', 'ja_JP') we support, else English."""
    for candidate in candidates:
        if candidate:
            primary = candidate.replace("_", "-").split("-")[0].lower()
            if primary in LANGUAGES:
                return primary
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def _translations(lang: str, locale_dir: Path) -> NullTranslations:
    po = locale_dir / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


@dataclass(frozen=True)
class Translator:
    """Interface text and formatting in one language."""

    lang: str
    locale_dir: Path = LOCALE_DIR

    @property
    def _t(self) -> NullTranslations:
        return _translations(self.lang, self.locale_dir)

    @property
    def babel_locale(self) -> str:
        """The Babel locale used for dates, numbers and lists."""
        return BABEL_LOCALES.get(self.lang, self.lang)

    def gettext(self, message: str) -> str:
        """Translate an interface string."""
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a string with a count, in the language's plural form."""
        return self._t.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """Translate a short string whose meaning depends on context (e.g. a button label)."""
        return self._t.pgettext(context, message)

    def date(self, value: date) -> str:
        """A date in words: 15 October 2018 / 15. októbra 2018 / 2018年10月15日."""
        if type(value) is date:  # a datetime's day depends on its time zone: not cached
            return _long_date(value, self.babel_locale)
        return format_date(value, "long", locale=self.babel_locale)

    def period(self, start: date, end: date | None) -> str:
        """A span of days: 15–17 October 2018 / 15. – 17. októbra 2018 / 2018年10月15日～17日."""
        if end is None or end == start:
            return self.date(start)
        fields = {
            "start": self.date(start),
            "end": self.date(end),
            "start_day": str(start.day),
            "end_day": str(end.day),
        }
        if (start.year, start.month) == (end.year, end.month):
            # Translators: days within one month, e.g. "15–17 October 2018".
            # Any of {start}, {end}, {start_day}, {end_day} may be used,
            # not literal on purpose: ja writes {start}～{end_day}日.
            pattern = self.pgettext("date range in one month", "{start_day}–{end}")
        else:
            # Translators: any of {start}, {end}, {start_day}, {end_day}
            # may be used, in any order.
            pattern = self.pgettext("date range", "{start} – {end}")
        return pattern.format(**fields)

    def relative(self, value: date, today: date) -> str:
        """How long ago or ahead: 8 years ago / pred 8 rokmi / 8 年前."""
        if value == today:
            return self.gettext("today")
        return format_timedelta(
            value - today, add_direction=True, threshold=1.1, locale=self.babel_locale
        )

    def number(self, value: float) -> str:
        """A number with the language's separators."""
        return format_decimal(value, locale=self.babel_locale)

    def percent(self, part: int, whole: int) -> str:
        """A share in whole percent, halves rounded up (1 of 8: 13%): 67% / 67 % / 67%."""
        whole_percent = (200 * part + whole) // (2 * whole) if whole else 0
        return format_percent(whole_percent / 100, locale=self.babel_locale)

    def join(self, items: list[str]) -> str:
        """A list in words: A, B and C / A, B a C / A、B、C."""
        return format_list(items, locale=self.babel_locale) if items else ""


@lru_cache(maxsize=4096)
def _long_date(value: date, locale: str) -> str:
    # Babel builds a long date from its locale data anew at every call, and a conversation
    # writes the same few dates again and again (a visit's days, in every question about them).
    return format_date(value, "long", locale=locale)


def translator(lang: str) -> Translator:
    """The translator of a supported language (English for anything else)."""
    return Translator(negotiate(lang))
