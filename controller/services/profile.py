"""What a person sets for themselves: how notices reach them by mail."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models import User
from .notify import NOTICE_MAIL


def set_notice_mail(session: Session, user: User, choice: str) -> User:
    """'immediate' (a mail per notice) or 'digest' (one mail a day of the unread ones). Notices
    already waiting keep their way; the new one applies from the next notice on."""
    if choice not in NOTICE_MAIL:
        raise Invalid(f"notice_mail: one of {', '.join(NOTICE_MAIL)}", field="notice_mail")
    row = session.get_one(User, user.id)
    row.notice_mail = choice
    session.flush()
    return row
