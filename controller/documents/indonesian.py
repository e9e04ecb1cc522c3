"""Indonesian wording for dates, numbers and labels on printed forms.

Written out by hand rather than through ``locale``: servers rarely have ``id_ID`` generated,
and a form must read the same wherever it is rendered. A BAST traditionally spells its date
out in words ("Pada hari ini Selasa tanggal dua puluh empat ...") so it cannot be altered by
changing a digit; ``spell_number`` exists for that.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from controller.domain.choices import CONDITION_LABELS, Condition

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # date.weekday() order
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
# Indonesia has no daylight saving time, so a fixed offset per zone is exact.
TIMEZONES = {"WIB": 7, "WITA": 8, "WIT": 9}

BLANK = "-"

_ONES = (
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
    "sepuluh", "sebelas",
)
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (1000, "ribu"))


def spell_number(n: int) -> str:
    """Indonesian words for a non-negative integer: 2026 -> "dua ribu dua puluh enam"."""
    if n < 0:
        raise ValueError("only non-negative numbers are spelled")
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_ONES[tens]} puluh" + (f" {_ONES[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{_ONES[hundreds]} ratus"
        return head + (f" {spell_number(rest)}" if rest else "")
    for size, word in _SCALES:
        if n >= size:
            count, rest = divmod(n, size)
            head = "seribu" if size == 1000 and count == 1 else f"{spell_number(count)} {word}"
            return head + (f" {spell_number(rest)}" if rest else "")
    raise AssertionError("unreachable")  # pragma: no cover


def long_date(d: date | None) -> str:
    """ "Selasa, 24 November 2026"; a dash when unknown."""
    if d is None:
        return BLANK
    return f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}"


def short_date(d: date | None) -> str:
    """ "24 November 2026", as after a place name or a letter number."""
    if d is None:
        return BLANK
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def date_in_words(d: date) -> str:
    """The opening clause of a BAST, starting after "Pada hari ini"."""
    return (
        f"{DAYS[d.weekday()]} tanggal {spell_number(d.day)} bulan {MONTHS[d.month - 1]} "
        f"tahun {spell_number(d.year)}"
    )


def local_datetime(moment: datetime | None, zone: str = "WIB") -> str:
    """ "Selasa, 24 November 2026 pukul 10.15 WIB" (Indonesian writes times with a dot)."""
    if moment is None:
        return BLANK
    label = zone if zone in TIMEZONES else "WIB"
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone(timedelta(hours=TIMEZONES[label])))
    return f"{long_date(moment.date())} pukul {moment:%H.%M} {label}"


def condition_label(value: str | None) -> str:
    """ "rusak_ringan" -> "Rusak Ringan"; unknown values are tidied rather than refused."""
    if not value:
        return BLANK
    try:
        return CONDITION_LABELS[Condition(value)].id
    except ValueError:
        return str(value).replace("_", " ").strip().title() or BLANK


def yes_no(value: bool | None) -> str:
    """Checklist answers as the form prints them."""
    if value is None:
        return BLANK
    return "Ya" if value else "Tidak"


# The officer's inspection (SOP 002 intake step 8), as the form names each check.
CHECKLIST_LABELS = {
    "physical": "Kondisi fisik baik, tidak ada kerusakan",
    "serial_matches": "Nomor seri sesuai dengan surat permohonan",
    "rails": "Rel pemasangan (rail kit) tersedia",
    "psu": "Catu daya (power supply) berfungsi",
    "accessories": "Kelengkapan aksesori sesuai",
}


def checklist_label(key: str | None) -> str:
    """A checklist key in Indonesian; a label that is already text is printed as given."""
    if not key:
        return BLANK
    return CHECKLIST_LABELS.get(key, str(key).replace("_", " ").strip().capitalize())
