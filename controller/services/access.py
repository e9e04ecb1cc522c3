"""Who may see what: the unit scoping shared by every use case."""

from __future__ import annotations

from collections.abc import Iterable

from ..domain.choices import Role
from ..errors import Forbidden, NotFound
from ..models import User


def require_role(user: User, roles: Iterable[str], what: str) -> None:
    allowed = sorted(str(r) for r in roles)
    if user.role not in allowed:
        raise Forbidden(f"role '{user.role}' may not {what}; allowed roles: {', '.join(allowed)}",
                        allowed_roles=allowed)


def unit_scope(user: User) -> int | None:
    """The only unit a contact person may see; None for office staff (all units)."""
    return user.unit_id if user.role == Role.unit_contact else None


def check_unit(user: User, unit_id: int | None, entity: str, ident: object) -> None:
    """Another unit's object does not exist for a contact person: 404, not 403, so ids leak nothing."""
    scope = unit_scope(user)
    if scope is not None and unit_id != scope:
        raise NotFound(f"{entity} {ident} not found")
