"""A server's condition stated by the office, with the reason kept on the audit trail.

The row's own audit event records the values; this one says why (as a correction does), so the
server's history and the asset card read "Kondisi diubah: baik → rusak ringan" with its reason.
Who may: the roles the API lets change server records, less the unit's contact person (the
office states the condition, services.servers refuses it to a contact).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit
from ..domain.choices import Condition, Role
from ..errors import Forbidden, Invalid
from ..models import Server, User
from .servers import get_server, update_server

MAY_SET = (Role.admin, Role.officer)


def set_condition(session: Session, user: User, server_id: int, condition: Condition, reason: str) -> Server:
    if user.role not in MAY_SET:
        raise Forbidden("only the office sets a server's condition", field="condition",
                        allowed_roles=[str(r) for r in MAY_SET])
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= 500:
        raise Invalid("reason: say why the condition changes (1 to 500 characters)", field="reason")
    server = get_server(session, user, server_id)   # another unit's server is a 404
    before = server.condition
    if before == condition:
        raise Invalid(f"condition: the server is already {condition}", field="condition")
    update_server(session, user, server_id, {"condition": str(condition)})
    audit.append(session, "condition", "server", server.id, {"condition": before},
                 {"condition": str(condition), "reason": reason})
    return server
