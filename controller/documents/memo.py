"""The nota dinas: an internal memo from one official to another, as plain data.

Unlike the forms of facts (``documents.letters.Record``), a nota dinas is headed by whom it goes to
and from, its date, nature, attachment and subject, and speaks in paragraphs; it shares the
letterhead, numbered footer, seal note and public check of every issued form (``_letter.html``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from controller.documents.letters import Frame, Signer, _context
from controller.documents.pdf import html_to_pdf, render_template


@dataclass(frozen=True)
class Memo:
    to: str                                   # Kepada Yth.: the addressee's title and name
    sender: str                               # Dari: the sender's title and name
    subject: str                              # Hal
    paragraphs: list[str]
    signer: Signer
    facts: list[tuple[str, str | None]] = field(default_factory=list)   # what the memo is about
    quoted: str | None = None                 # a text it cites whole (the analysis)
    quoted_label: str | None = None
    nature: str = "Biasa"                     # Sifat
    attachment: str = "-"                     # Lampiran
    closing: str | None = None


def render_html(frame: Frame, memo: Memo) -> str:
    return render_template("nota_dinas.html", memo=memo, **_context(frame, "NOTA DINAS"))


def render_memo(frame: Frame, memo: Memo) -> bytes:
    return html_to_pdf(render_html(frame, memo))
