"""Telling people: an in-app inbox row per recipient, which is also the e-mail outbox.

Mail is sent by `deliver_pending`, outside the request's transaction, and retried until the mail
server takes it: a mail server that is down loses nothing. A message that can never go (it cannot
be built, or the server refuses it for good) is marked failed with the reason, alone: the rest of
the outbox still goes out.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..domain.choices import Role
from ..models import CustodyRequest, Notification, User
from ..models.base import utcnow
from ..settings import Settings

log = logging.getLogger(__name__)
# A row still not taken after this many tries stops blocking the outbox's first places.
MAX_ATTEMPTS = 20
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def header_text(value: str, limit: int = 200) -> str:
    """One line of plain text for a mail header (and the inbox): breaks become spaces, controls go.

    Serials and names come from units; a CR/LF in them must not start a new header (Bcc:).
    """
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", value)).strip()[:limit]

# kind -> (Indonesian subject, Indonesian body, English body); formatted with the request's facts.
MESSAGES: dict[str, tuple[str, str, str]] = {
    "space_ready": (
        "Ruang tersedia untuk server {serial}",
        "Ruang untuk server {brand} {model} (SN {serial}) sudah disiapkan di rak {rack} U{u_bottom}-U{u_top}. "
        "Silakan serahkan server ke Dinas Kominfo dalam {hold} hari.",
        "Space for your server is reserved in rack {rack} U{u_bottom}-U{u_top}; please bring it in within {hold} days.",
    ),
    "room_full": (
        "Ruang server penuh: permohonan {letter} masuk daftar tunggu",
        "Saat ini tidak ada ruang yang cukup untuk server {brand} {model} (SN {serial}). "
        "Permohonan Anda berada di urutan {position} daftar tunggu.",
        "The server room is full; your request is number {position} on the waiting list.",
    ),
    "reachable": (
        "Server {serial} sudah dapat diakses",
        "Server {brand} {model} (SN {serial}) telah dikonfigurasi dengan alamat {ip}. Hasil pemeriksaan akses: "
        "{checks}. Silakan coba akses dan konfirmasi di Titip.",
        "Your server is configured at {ip} ({checks}); please try it and confirm access in Titip.",
    ),
    "configured_unverified": (
        "Server {serial} sudah dikonfigurasi, akses belum terverifikasi",
        "Server {brand} {model} (SN {serial}) telah dikonfigurasi dengan alamat {ip}, tetapi pemeriksaan akses "
        "oleh Dinas Kominfo belum berhasil: {checks}. Silakan coba akses; bila gagal, laporkan di Titip.",
        "Your server is configured at {ip}, but the office's own access checks did not pass ({checks}); "
        "please try it and report in Titip if it fails.",
    ),
    "refused": (
        "Permohonan penitipan server {serial} ditolak",
        "Permohonan {letter} untuk server {brand} {model} (SN {serial}) tidak dapat diproses: {note}.",
        "Your custody request {letter} was refused at disposition: {note}.",
    ),
    "withdrawn": (
        "Permohonan penitipan server {serial} ditarik",
        "Permohonan {letter} untuk server {brand} {model} (SN {serial}) ditarik oleh unit: {note}. "
        "Ruang yang dipesan (bila ada) dilepas.",
        "The custody request {letter} was withdrawn by the unit ({note}); any reserved space was released.",
    ),
    "access_failed": (
        "Akses ke server {serial} dilaporkan gagal",
        "Contact person melaporkan server {brand} {model} (SN {serial}) tidak dapat diakses: {note}. "
        "Petugas akan mengkonfigurasi ulang.",
        "Access to the server was reported as failing ({note}); the officer will configure it again.",
    ),
    "rejected": (
        "Server {serial} ditolak saat pemeriksaan",
        "Server {brand} {model} (SN {serial}) tidak lolos pemeriksaan fisik: {note}. Ruang yang dipesan dilepas.",
        "The server did not pass inspection ({note}); the reserved space was released.",
    ),
    "return_approved": (
        "Pengembalian server {serial} disetujui",
        "Permohonan pengembalian server {brand} {model} (SN {serial}) telah disetujui Kepala Bidang. "
        "Petugas akan menjadwalkan pengambilan.",
        "The return of your server was approved; the officer will schedule the hand-back.",
    ),
    "lapsed": (
        "Pemesanan ruang untuk server {serial} kedaluwarsa",
        "Server {brand} {model} (SN {serial}) tidak diserahkan dalam {hold} hari, sehingga ruang yang dipesan "
        "dilepas. Silakan ajukan permohonan baru bila server sudah siap.",
        "The reserved space lapsed after {hold} days without the server; please file a new request when ready.",
    ),
    "returned": (
        "Server {serial} telah dikembalikan",
        "Server {brand} {model} (SN {serial}) telah diserahkan kembali. Berita acara pengembalian tersedia di Titip.",
        "Your server was handed back; the return form is available in Titip.",
    ),
}


def _recipients(session: Session, req: CustodyRequest, kind: str) -> list[User]:
    if kind in ("access_failed", "withdrawn") and req.officer:
        officer = session.scalar(select(User).where(User.username == req.officer))
        contacts = _unit_contacts(session, req.unit_id)
        return ([officer] if officer else []) + contacts
    return _unit_contacts(session, req.unit_id)


def _unit_contacts(session: Session, unit_id: int) -> list[User]:
    return list(session.scalars(select(User).where(
        User.unit_id == unit_id, User.role == Role.unit_contact, User.is_active.is_(True))))


def notify(session: Session, settings: Settings, req: CustodyRequest, kind: str, **facts: object) -> int:
    """Queue one notification per recipient; returns how many."""
    subject_t, body_id, body_en = MESSAGES[kind]
    server = req.server
    values = {"serial": server.serial_number, "brand": server.brand, "model": server.model,
              "letter": req.letter_number, "hold": settings.reservation_hold_days, **facts}
    return queue(session, settings, _recipients(session, req, kind), kind, subject_t.format(**values),
                 body_id.format(**values), body_en.format(**values), request_id=req.id)


def queue(session: Session, settings: Settings, users: Iterable[User], kind: str, subject: str, body_id: str,
          body_en: str, request_id: int | None = None) -> int:
    """One inbox row per user, which is also its mail when mail is set up; returns how many."""
    subject = header_text(subject)
    body = f"{body_id}\n\n{body_en}\n\n-- Titip, {settings.office_name}"
    mail = settings.smtp_host is not None
    count = 0
    for user in users:
        session.add(Notification(
            user_id=user.id, request_id=request_id, kind=kind, subject=subject, body=body,
            email_to=user.email if mail else None, email_status=_mail_status(user, mail)))
        count += 1
    return count


# A notice's mail: "pending" goes out with the next round, "digest" waits for the user's daily
# digest, "digested" went out in one; "none" has no mail.
NOTICE_MAIL = ("immediate", "digest")


def _mail_status(user: User, mail: bool) -> str:
    if not (mail and user.email):
        return "none"
    return "digest" if user.notice_mail == "digest" else "pending"


def deliver_pending(sessions: sessionmaker[Session], settings: Settings, limit: int = 100) -> tuple[int, int]:
    """Send queued mail; returns (sent, failed). A failure keeps the row pending for the next try."""
    if settings.smtp_host is None:
        return 0, 0
    with sessions() as session:
        pending = list(session.scalars(select(Notification).where(Notification.email_status == "pending")
                                       .order_by(Notification.id).limit(limit)))
        session.commit()
    sent = failed = 0
    for note in pending:
        outcome: dict[str, object]
        try:
            _send(settings, _build(settings, note))
            outcome = {"email_status": "sent", "sent_at": utcnow(), "last_error": None}
            sent += 1
        except Exception as exc:  # noqa: BLE001 - whatever one row does, the others still go
            error = f"{type(exc).__name__}: {exc}"[:500]
            outcome = {"last_error": error}
            if not _transient(exc) or note.attempts + 1 >= MAX_ATTEMPTS:
                outcome["email_status"] = "failed"
                log.warning("mail: notification %s failed for good: %s", note.id, error)
            failed += 1
        with sessions() as session:
            row = session.get_one(Notification, note.id)
            row.attempts += 1
            for key, value in outcome.items():
                setattr(row, key, value)
            session.commit()
    return sent, failed


def _transient(exc: BaseException) -> bool:
    """Worth another try: the mail server is away or says "later" (4xx); not a bad message (5xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (OSError, smtplib.SMTPException))


def _build(settings: Settings, note: Notification) -> EmailMessage:
    """The message; raises (ValueError, ...) when the row cannot make one, e.g. an address with CR/LF."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = note.email_to
    msg["Subject"] = header_text(note.subject)
    msg.set_content(note.body)
    return msg


def _send(settings: Settings, msg: EmailMessage) -> None:
    """One message over SMTP: TLS from the start or by STARTTLS (the certificate checked against the
    system's CAs, or `smtp_ca_file`), and a login when a user name is set."""
    import ssl

    tls = ssl.create_default_context(cafile=settings.smtp_ca_file) if settings.smtp_security != "none" else None
    if settings.smtp_security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host or "", settings.smtp_port, timeout=10, context=tls)
    else:
        smtp = smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=10)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=tls)
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(msg)


def send_digests(sessions: sessionmaker[Session], settings: Settings) -> tuple[int, int]:
    """One mail per user who chose the daily digest, with their notices still unread; returns
    (mails sent, failed). Run once a day (scheduler: ``digest_hour``).

    Each user's rows are claimed (``digest`` -> ``digested``) before their mail goes, so a second
    controller running the same job finds nothing to send; a mail the server did not take puts
    its rows back for the next day. Notices read in the app meanwhile need no mail.
    """
    if settings.smtp_host is None:
        return 0, 0
    sent = failed = 0
    with sessions() as session:
        users = list(session.scalars(select(User).join(Notification, Notification.user_id == User.id)
                                     .where(Notification.email_status == "digest").distinct().order_by(User.id)))
        session.commit()
    for user in users:
        with sessions() as session:
            rows = list(session.scalars(select(Notification).where(
                Notification.user_id == user.id, Notification.email_status == "digest").order_by(Notification.id)))
            unread = [n for n in rows if n.read_at is None]
            ids = [n.id for n in unread]
            msg = _digest(settings, user, unread) if unread else None
            _claim(session, [n.id for n in rows if n.read_at is not None], "none")
            if _claim(session, ids, "digested") != len(ids):
                session.rollback()      # another controller's round took them first
                continue
            session.commit()
        if msg is None:
            continue
        outcome: dict[str, object]
        try:
            _send(settings, msg)
            sent += 1
            outcome = {"sent_at": utcnow(), "last_error": None}
        except Exception as exc:  # noqa: BLE001 - the others' digests still go
            failed += 1
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("mail: the digest for %s failed: %s", user.username, error)
            outcome = {"email_status": "digest", "last_error": error}
        with sessions() as session:
            for row in session.scalars(select(Notification).where(Notification.id.in_(ids))):
                row.attempts += 1
                for key, value in outcome.items():
                    setattr(row, key, value)
            session.commit()
    return sent, failed


def _claim(session: Session, ids: list[int], status: str) -> int:
    """Move rows still waiting for the digest to `status`; how many this round took."""
    if not ids:
        return 0
    done = session.execute(update(Notification).where(Notification.id.in_(ids), Notification.email_status == "digest")
                           .values(email_status=status))
    return int(getattr(done, "rowcount", 0) or 0)


def _digest(settings: Settings, user: User, notes: list[Notification]) -> EmailMessage:
    """The day's unread notices in one message, newest last, each with its subject and Indonesian text."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = user.email
    msg["Subject"] = header_text(f"Titip: {len(notes)} pemberitahuan belum dibaca (ringkasan harian)")
    lines = [f"Yth. {user.full_name},", "",
             f"Ada {len(notes)} pemberitahuan di Titip yang belum Anda baca:", ""]
    for n, note in enumerate(notes, start=1):
        first = note.body.split("\n\n", 1)[0]     # the Indonesian paragraph
        lines += [f"{n}. {header_text(note.subject)}", f"   {first}", ""]
    lines += [f"You have {len(notes)} unread notices in Titip (daily digest); open Titip to read them.", "",
              f"-- Titip, {settings.office_name}"]
    msg.set_content("\n".join(lines))
    return msg
