"""Languages of the pages: Indonesian by default, English by choice.

Message ids are English; the Indonesian catalog (`locale/id/LC_MESSAGES/messages.po`) is the
source of truth and is compiled in memory when first used, so no binary `.mo` file is kept in
the repository and there is no build step. Status labels are not in the catalog: they are
declared once, in both languages, in `domain.choices` and `domain.custody_flow`.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime, timedelta
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ..domain.choices import Label

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGS = ("id", "en")
DEFAULT_LANG = "id"


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog for `lang`; English is the message ids themselves."""
    path = catalog_path(lang)
    if lang not in LANGS or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog)  # fuzzy entries are left out, as msgfmt does
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def pick_lang(value: object) -> str:
    return value if isinstance(value, str) and value in LANGS else DEFAULT_LANG


def label(lbl: Label, lang: str) -> str:
    return lbl.id if lang == "id" else lbl.en


class Formatter:
    """Dates and times in the office's time zone and the reader's language."""

    def __init__(self, lang: str, tz: str) -> None:
        self.lang, self.tz = lang, ZoneInfo(tz)

    def dt(self, value: datetime | None) -> str:
        if value is None:
            return "-"
        local = value.astimezone(self.tz)
        return f"{format_datetime(local, 'd MMM y, HH:mm', tzinfo=self.tz, locale=self.lang)} {local.tzname()}"

    def date(self, value: date | str | None) -> str:
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return "-" if value is None else format_date(value, "d MMMM y", locale=self.lang)

    def ago(self, value: datetime | None, now: datetime) -> str:
        """'3 jam yang lalu' / 'dalam 2 jam': how far a time is from now."""
        if value is None:
            return "-"
        delta: timedelta = value - now
        return format_timedelta(delta, add_direction=True, locale=self.lang, threshold=1.0)
