"""The forms of lifecycle cases (SOP 001): the Kasi's nota dinas on a maintenance plan, the
telaahan of a disposal's review, the surat penugasan and laporan kegiatan of maintenance and
disposal, and the berita acara of a transfer and of a handover for disposal.

Numbers come from the office's register: an act that needs one (the nota dinas, the review,
assigning maintenance, recording a transfer, handing over for disposal) is given the next number of
its kind when the actor names none; a number given by hand (a letter already signed on paper) must
not be one the register has already used. People are printed by name and NIP, each act as what it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..documents import indonesian as idn
from ..documents.letters import Record, Signer
from ..documents.memo import Memo, render_memo
from ..domain.choices import Role
from ..errors import Conflict
from ..models import Document, Server, Unit, User
from ..models.assets import AssetRecord, DisposalCase, LifecycleStep, MaintenanceCase, MaintenancePart, TransferCase
from ..settings import Settings
from . import letters

Case = MaintenanceCase | TransferCase | DisposalCase

# (case kind, action) -> (the payload's number field, the register kind)
NUMBERED = {("maintenance", "issue_memo"): ("memo_number", "nota_dinas"),
            ("disposal", "review"): ("review_number", "disposal_review"),
            ("maintenance", "assign"): ("letter_number", "assignment"),
            ("transfer", "record_transfer"): ("record_number", "transfer"),
            ("disposal", "hand_over"): ("record_number", "disposal")}
_REGISTERED = "register_numbers"   # session.info: number -> (year, seq) given in this transaction
STEMS = {"assignment": "surat_penugasan", "activity_report": "laporan_kegiatan", "transfer": "berita_acara",
         "disposal": "berita_acara", "nota_dinas": "nota_dinas", "disposal_review": "telaahan"}
OFFICER_TITLE = "Pejabat Fungsional/Pelaksana"
SECTION_HEAD_TITLE = "Kepala Seksi"
PROPERTY_MANAGER_TITLE = "Pengelola Barang"


def numbered(session: Session, settings: Settings, kind: str, action: str, data: dict[str, Any] | None,
             now: datetime) -> dict[str, Any] | None:
    """The act's data with its number: the register's next one unless the actor named one."""
    if (kind, action) not in NUMBERED or (data is not None and not isinstance(data, dict)):
        return data  # a body that is not an object is refused by the payload's own validation
    data = data or {}
    field, register = NUMBERED[(kind, action)]
    given = data.get(field)
    if isinstance(given, str) and given.strip():
        if session.scalar(select(Document.id).where(Document.number == given.strip())) is not None:
            raise Conflict(f"{field}: number {given.strip()} is already used in the register", field=field)
        return data
    number, year, seq = letters.take_number(session, settings, register, now)
    while session.scalar(select(Document.id).where(Document.number == number)) is not None:
        # a number given by hand earlier took this one: the register moves past it
        number, year, seq = letters.take_number(session, settings, register, now)
    session.info.setdefault(_REGISTERED, {})[number] = (year, seq)
    return {**data, field: number}


def _issue(session: Session, settings: Settings, register: str, record: Record | Memo, *, kind: str, case: Case,
           now: datetime, actor: str, unit_id: int, number: str | None = None) -> Document:
    if number is not None:
        year, seq = session.info.get(_REGISTERED, {}).get(number, (None, None))
        taken: tuple[str, Any, Any] | None = (number, year, seq)
    else:
        taken = None
    pdf_of = letters.record_pdf(record) if isinstance(record, Record) else _memo_pdf(record)
    return letters.issue(session, settings, register, pdf_of, now=now, actor=actor,
                         unit_id=unit_id, number=taken,  # year/seq None: a number given by hand
                         stem=f"{STEMS[register]}_{kind}_{case.id}")


def documents_of(session: Session, kind: str, case: Case) -> list[Document]:
    """Every form of the case: the berita acara and wipe report it points to, and the letters issued
    for it (their file names carry the case: ``<form>_<kind>_<id>_<number>.pdf``)."""
    ids = [i for i in (getattr(case, "document_id", None), getattr(case, "wipe_document_id", None)) if i]
    named = [Document.filename.startswith(f"{stem}_{kind}_{case.id}_", autoescape=True)
             for stem in ("nota_dinas", "telaahan", "surat_penugasan", "laporan_kegiatan")]
    return list(session.scalars(select(Document).where(or_(Document.id.in_(ids), *named)).order_by(Document.id)))



# A disposal's method as the forms name it.
_METHOD_WORD = {"penghapusan": "penghapusan", "pemusnahan": "pemusnahan", "pemindahtanganan": "pemindahtanganan"}

# --- the people --------------------------------------------------------------------------------

def _title_of(settings: Settings, role: str | None) -> str | None:
    titles: dict[str, str] = {Role.head: settings.head_title, Role.division_head: settings.division_head_title,
                              Role.section_head: SECTION_HEAD_TITLE, Role.property_manager: PROPERTY_MANAGER_TITLE,
                              Role.officer: OFFICER_TITLE}
    return titles.get(role or "")


def _step(session: Session, kind: str, case: Case, action: str) -> LifecycleStep | None:
    return session.scalar(select(LifecycleStep).where(
        LifecycleStep.kind == kind, LifecycleStep.case_id == case.id, LifecycleStep.action == action)
        .order_by(LifecycleStep.id.desc()))


def _acted(session: Session, settings: Settings, role_label: str, step: LifecycleStep | None,
           act: str | None = "app") -> Signer | None:
    if step is None:
        return None
    return letters.signer(session, role_label, _title_of(settings, step.role), step.actor,
                          act=act, at=step.at)  # type: ignore[arg-type]


def _contact(session: Session, unit: Unit, prefer: str | None = None) -> User | None:
    """The unit's contact person who signs for it: the one who asked, else its first active one."""
    users = list(session.scalars(select(User).where(User.unit_id == unit.id, User.role == Role.unit_contact,
                                                    User.is_active).order_by(User.id)))
    return next((u for u in users if u.username == prefer), users[0] if users else None)


def _goods(session: Session, server: Server) -> list[tuple[str, str | None]]:
    rec = session.scalar(select(AssetRecord).where(AssetRecord.server_id == server.id))
    return [("Barang", f"Server {server.brand} {server.model}"), ("Nomor seri", server.serial_number),
            ("Kode barang / NUP", f"{rec.asset_code or '-'} / {rec.nup or '-'}" if rec else None)]


def _when(moment: datetime | None, zone: str) -> str:
    return idn.local_datetime(moment, zone)


def _memo_pdf(memo: Memo) -> letters.PdfOf:
    return lambda f: render_memo(f, memo)


def _only_active(session: Session, role: str) -> User | None:
    """The one active user of a role, when there is exactly one (else nobody is named)."""
    users = list(session.scalars(select(User).where(User.role == role, User.is_active).limit(2)))
    return users[0] if len(users) == 1 else None


def _titled(title: str, user: User | None, fallback: str | None = None) -> str:
    name = user.full_name if user else fallback
    return f"{title} ({name})" if name else title


# --- maintenance -------------------------------------------------------------------------------

def _work(case: MaintenanceCase) -> str:
    return "perbaikan" if case.kind == "repair" else "pemeliharaan"


def maintenance_memo(session: Session, settings: Settings, case: MaintenanceCase, number: str | None,
                     actor: str, note: str | None, now: datetime) -> Document:
    """The Kasi's nota dinas to the Kabid on the planned work (SOP 001 Perbaikan 2): it cites the
    asset manager's analysis whole, and the Kabid approves or rejects on it (step 3)."""
    work, server, zone = _work(case), case.server, letters._zone(settings)
    opened = _step(session, "maintenance", case, "request")
    analyst = letters.user_named(session, opened.actor if opened else case.created_by)
    analyst_line = (f"{analyst.full_name}" + (f" (NIP {analyst.nip})" if analyst.nip else "")
                    if analyst else case.created_by)
    kasi = letters.user_named(session, actor)
    paragraphs = [f"Berdasarkan telaahan Pengelola Aset, {analyst_line}, tanggal "
                  f"{_when(opened.at if opened else case.created_at, zone)}, bersama ini kami sampaikan rencana "
                  f"kegiatan {work} server milik {server.unit.name} sebagai berikut:"]
    memo = Memo(
        to=_titled(settings.division_head_title, _only_active(session, Role.division_head)),
        sender=_titled(SECTION_HEAD_TITLE, kasi, actor),
        subject=f"Rencana Kegiatan {work.capitalize()} Server {server.brand} {server.model}",
        attachment=f"1 (satu) berkas Telaahan {work.capitalize()}",
        paragraphs=paragraphs,
        facts=[*_goods(session, server), ("Pengguna barang", server.unit.name),
               ("Kegiatan", work.capitalize()), *([("Catatan Kepala Seksi", note)] if note else [])],
        quoted=case.analysis, quoted_label=f"Telaahan {work.capitalize()} Aset",
        closing=f"Mohon persetujuan {settings.division_head_title} atas rencana kegiatan tersebut. Demikian "
                "disampaikan, atas perhatiannya diucapkan terima kasih.",
        signer=letters.signer(session, f"{SECTION_HEAD_TITLE},", None, actor, act="app", at=now))
    return _issue(session, settings, "nota_dinas", memo, kind="maintenance", case=case, now=now, actor=actor,
                  unit_id=case.unit_id, number=number)


def _maintenance_assignment(session: Session, settings: Settings, case: MaintenanceCase, actor: str,
                            now: datetime) -> None:
    officer = letters.user_named(session, case.officer)
    work = _work(case)
    record = Record(
        title="SURAT PENUGASAN", subtitle=f"{work.capitalize()} Server",
        opening="Yang bertanda tangan di bawah ini menugaskan kepada:",
        facts=[("Nama", officer.full_name if officer else case.officer), ("NIP", officer.nip if officer else None),
               ("Jabatan", OFFICER_TITLE),
               ("Untuk", f"melaksanakan {work} server milik {case.server.unit.name} sebagaimana telaahan berikut"),
               *_goods(session, case.server), ("Telaahan", case.analysis)],
        closing="Demikian surat penugasan ini dibuat untuk dilaksanakan dengan penuh tanggung jawab.",
        signers=[letters.signer(session, "Yang menugaskan", _title_of(settings, _role(session, actor)), actor,
                                act="app", at=now)])
    _issue(session, settings, "assignment", record, kind="maintenance", case=case, now=now, actor=actor,
           unit_id=case.unit_id, number=case.letter_number)


def _maintenance_report(session: Session, settings: Settings, case: MaintenanceCase, actor: str,
                        now: datetime) -> None:
    zone = letters._zone(settings)
    parts = "; ".join(f"{p.name} ({p.quantity})" + (f", dilepas {p.serial_removed}" if p.serial_removed else "")
                      + (f", dipasang {p.serial_installed}" if p.serial_installed else "")
                      for p in session.scalars(select(MaintenancePart).where(MaintenancePart.case_id == case.id)))
    work = _work(case)
    record = Record(
        title="LAPORAN KEGIATAN", subtitle=f"{work.capitalize()} Server",
        opening=f"Berdasarkan Surat Penugasan Nomor {case.letter_number or '-'}, telah dilaksanakan {work} "
                "server dengan hasil sebagai berikut:",
        facts=[*_goods(session, case.server), ("Unit kerja", case.server.unit.name),
               ("Waktu henti", f"{_when(case.downtime_start, zone)} s.d. {_when(case.downtime_end, zone)}"),
               ("Pekerjaan yang dilakukan", case.work_done), ("Suku cadang", parts or None),
               ("Laporan", case.report),
               ("Kondisi setelah kegiatan", idn.condition_label(case.condition_after or case.server.condition))],
        closing="Demikian laporan kegiatan ini dibuat dengan sebenarnya.",
        signers=[letters.signer(session, "Pelaksana", OFFICER_TITLE, actor, act="recorded", at=now)],
        acknowledger=_acted(session, settings, "Mengetahui,", _step(session, "maintenance", case, "assign"),
                            act=None))
    _issue(session, settings, "activity_report", record, kind="maintenance", case=case, now=now, actor=actor,
           unit_id=case.unit_id)


# --- transfer ----------------------------------------------------------------------------------

def transfer_record(session: Session, settings: Settings, case: TransferCase, actor: str, now: datetime) -> Document:
    """The berita acara alih status penggunaan (between units; pemindahtanganan out of the local
    government is a disposal method): both units' contact persons by name and NIP (to sign on
    paper), the officer who recorded it, the head who approved it."""
    giver, taker = session.get_one(Unit, case.unit_id), session.get_one(Unit, case.to_unit_id)
    first, second = _contact(session, giver, case.created_by), _contact(session, taker)
    record = Record(
        title="BERITA ACARA ALIH STATUS PENGGUNAAN BARANG",
        opening=f"Pada hari ini {idn.date_in_words(letters.frame(session, settings, None, now).date)}, "
                f"bertempat di {settings.office_city}, telah dilaksanakan alih status penggunaan barang dari "
                f"{giver.name} kepada {taker.name} dengan rincian sebagai berikut:",
        facts=[*_goods(session, case.server), ("Dari unit kerja", f"{giver.name} ({giver.code})"),
               ("Kepada unit kerja", f"{taker.name} ({taker.code})"), ("Alasan", case.reason),
               ("Nomor surat permohonan", case.letter_number)],
        closing="Sejak berita acara ini ditandatangani, tanggung jawab atas barang tersebut beralih kepada "
                "PIHAK KEDUA. Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya.",
        signers=[Signer("PIHAK PERTAMA, Yang menyerahkan", giver.name, first.full_name if first else None,
                        first.nip if first else None),
                 Signer("PIHAK KEDUA, Yang menerima", taker.name, second.full_name if second else None,
                        second.nip if second else None),
                 letters.signer(session, "Petugas pencatat", OFFICER_TITLE, actor, act="recorded", at=now)],
        acknowledger=_acted(session, settings, "Mengetahui,", _step(session, "transfer", case, "approve")))
    return _issue(session, settings, "transfer", record, kind="transfer", case=case, now=now, actor=actor,
                  unit_id=case.to_unit_id, number=case.record_number)


# --- disposal ----------------------------------------------------------------------------------

def _disposal_facts(session: Session, case: DisposalCase, zone: str) -> list[tuple[str, str | None]]:
    method = _METHOD_WORD.get(case.method, "penghapusan").capitalize()
    return [*_goods(session, case.server), ("Pengguna barang", case.server.unit.name), ("Cara", method),
            ("Alasan", case.reason), ("Hasil telaah", case.findings),
            ("Keputusan Bupati", f"{case.decree_number} ({case.regent_name})" if case.decree_number else None),
            ("Pencadangan data", case.backup),
            ("Penghapusan data", f"{case.wipe_method}, oleh {case.wiped_by}, {_when(case.wiped_at, zone)}"
             if case.wipe_method else None),
            ("SHA-256 laporan penghapusan data", case.wipe_sha256)]


def disposal_review(session: Session, settings: Settings, case: DisposalCase, number: str | None, actor: str,
                    role: str, now: datetime) -> Document:
    """The telaahan of a disposal request (SOP 001 Penghapusan 2, "Dokumen Telaahan Penghapusan
    Aset"; SOP 000 Pemusnahan 2-3, "Hasil Telaah"): the reviewer's findings and conclusion, on which
    the head decides; issued whether the request is eligible or not."""
    method, server, zone = _METHOD_WORD.get(case.method, "penghapusan"), case.server, letters._zone(settings)
    regent = case.method in ("pemusnahan", "pemindahtanganan")
    if case.eligible:
        conclusion = f"Memenuhi persyaratan {method}."
        advice = (f"Diajukan kepada {settings.head_title} untuk persetujuan"
                  + (" dan diteruskan kepada Bupati untuk keputusan." if regent else "."))
    else:
        conclusion, advice = f"Tidak memenuhi persyaratan {method}.", "Permohonan tidak dapat diproses lebih lanjut."
    record = Record(
        title=f"TELAAHAN {method.upper()} BARANG MILIK DAERAH", subtitle="Analisis dan Pengecekan Persyaratan",
        opening=f"Atas permohonan {method} barang berikut oleh {server.unit.name}, diajukan "
                f"{_when(case.created_at, zone)}, telah dilakukan analisis dan pengecekan persyaratan dengan "
                "hasil sebagai berikut:",
        facts=[*_goods(session, server), ("Pengguna barang", server.unit.name), ("Cara", method.capitalize()),
               ("Alasan permohonan", case.reason), ("Hasil telaah", case.findings), ("Kesimpulan", conclusion),
               ("Saran", advice)],
        closing="Demikian telaahan ini dibuat untuk dipergunakan sebagai bahan pertimbangan.",
        signers=[letters.signer(session, "Yang menelaah,", _title_of(settings, role), actor, act="recorded",
                                at=now)])
    return _issue(session, settings, "disposal_review", record, kind="disposal", case=case, now=now, actor=actor,
                  unit_id=case.unit_id, number=number)


def disposal_record(session: Session, settings: Settings, case: DisposalCase, actor: str, now: datetime) -> Document:
    method = _METHOD_WORD.get(case.method, "penghapusan").upper()
    record = Record(
        title=f"BERITA ACARA SERAH TERIMA BARANG UNTUK {method}",
        opening=f"Pada hari ini {idn.date_in_words(letters.frame(session, settings, None, now).date)}, "
                f"bertempat di {settings.office_city}, telah diserahterimakan barang berikut untuk "
                f"{method.lower()}:",
        facts=_disposal_facts(session, case, letters._zone(settings)),
        closing="Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya.",
        signers=[letters.signer(session, "PIHAK PERTAMA, Yang menyerahkan", OFFICER_TITLE, actor, act="recorded",
                                at=now),
                 Signer("PIHAK KEDUA, Yang menerima", "Pengelola Barang", case.recipient_name)],
        acknowledger=_acted(session, settings, "Mengetahui,", _step(session, "disposal", case, "approve")))
    return _issue(session, settings, "disposal", record, kind="disposal", case=case, now=now, actor=actor,
                  unit_id=case.unit_id, number=case.record_number)


def _disposal_assignment(session: Session, settings: Settings, case: DisposalCase, actor: str,
                         now: datetime) -> None:
    review = _step(session, "disposal", case, "review")
    officer = letters.user_named(session, review.actor if review else None)
    method = _METHOD_WORD.get(case.method, "penghapusan")
    record = Record(
        title="SURAT PENUGASAN", subtitle=f"{method.capitalize()} Barang Milik Daerah",
        opening="Yang bertanda tangan di bawah ini menugaskan kepada:",
        facts=[("Nama", officer.full_name if officer else None), ("NIP", officer.nip if officer else None),
               ("Jabatan", _title_of(settings, officer.role) if officer else None),
               ("Untuk", f"melaksanakan {method} barang berikut, termasuk pencadangan dan penghapusan data, "
                         "lalu menyerahkannya kepada pengelola barang"),
               *_goods(session, case.server), ("Pengguna barang", case.server.unit.name), ("Alasan", case.reason)],
        closing="Demikian surat penugasan ini dibuat untuk dilaksanakan dengan penuh tanggung jawab.",
        signers=[letters.signer(session, "Yang menugaskan", settings.head_title, actor, act="app", at=now)])
    _issue(session, settings, "assignment", record, kind="disposal", case=case, now=now, actor=actor,
           unit_id=case.unit_id)


def _disposal_report(session: Session, settings: Settings, case: DisposalCase, actor: str, now: datetime) -> None:
    method = _METHOD_WORD.get(case.method, "penghapusan")
    record = Record(
        title="LAPORAN KEGIATAN", subtitle=f"{method.capitalize()} Barang Milik Daerah",
        opening=f"Telah dilaksanakan {method} barang berikut, dengan berita acara serah terima Nomor "
                f"{case.record_number or '-'}:",
        facts=[*_disposal_facts(session, case, letters._zone(settings)),
               ("Penerima (pengelola barang)", case.recipient_name),
               ("Dikeluarkan dari daftar barang", _when(now, letters._zone(settings)))],
        closing="Demikian laporan kegiatan ini dibuat dengan sebenarnya.",
        signers=[letters.signer(session, "Pelaksana", OFFICER_TITLE, actor, act="recorded", at=now)],
        acknowledger=_acted(session, settings, "Mengetahui,", _step(session, "disposal", case, "approve"), act=None))
    _issue(session, settings, "activity_report", record, kind="disposal", case=case, now=now, actor=actor,
           unit_id=case.unit_id)


def _role(session: Session, username: str) -> str | None:
    user = letters.user_named(session, username)
    return user.role if user else None


_AFTER: dict[tuple[str, str], Callable[..., None]] = {
    ("maintenance", "assign"): _maintenance_assignment, ("maintenance", "report"): _maintenance_report,
    ("disposal", "approve"): _disposal_assignment, ("disposal", "dispose"): _disposal_report}


def after_move(session: Session, settings: Settings, kind: str, case: Case, action: str, actor: str,
               moved: bool, now: datetime) -> None:
    """The letter a completed act issues, if it issues one (see _AFTER)."""
    issue = _AFTER.get((kind, action))
    if issue is not None and moved:
        if kind == "disposal" and action == "approve" and case.state not in ("approved", "awaiting_regent"):
            return
        issue(session, settings, case, actor, now)
