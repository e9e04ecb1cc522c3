"""Dependencies named once, so every route signature reads like a sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from ..domain.choices import REGISTER_KEEPERS, SPACE_MANAGERS, STAFF_ROLES, Role
from ..errors import Unauthorized
from ..models import User
from ..security import read_token
from ..services.access import require_role
from ..settings import Settings

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _open(request: Request) -> Session:
    state = request.app.state
    factory: sessionmaker[Session] = state.read_sessions if request.method in READ_METHODS else state.sessions
    return factory()


def get_db(request: Request) -> Iterator[Session]:
    """The API's unit of work: committed when the route returns, rolled back when it raises.

    Routes do not commit; the few that must end a transaction early (before talking to a device,
    before hashing a password) say why where they do. The route class (``unit_of_work``) commits
    in the route's own thread as it returns, so no request waits for a pool thread while it holds
    a lock; this teardown's commit then finds nothing left (it ends a read a serialiser began).
    Registered with ``scope="function"``: all of it happens before the answer is sent.
    Each transaction begins and ends inside one function (the user lookup, then the route), so
    a request never holds SQLite's write lock while it waits for another worker thread.
    """
    session = _open(request)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_page_db(request: Request) -> Iterator[Session]:
    """A session per page request; the page commits what it changes, anything else is rolled back."""
    session = _open(request)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
# The web pages' session (controller.web.deps): rollback-only, each page commits its own change.
PageSessionDep = Annotated[Session, Depends(get_page_db)]


def get_current_user(db: SessionDep, settings: SettingsDep,
                     token: Annotated[str | None, Depends(oauth2)]) -> User:
    claims = read_token(token, settings.secret_key) if token else None
    user = db.get(User, claims[0]) if claims is not None else None
    # A logout, password change, role change or deactivation raised the epoch: older tokens end.
    if user is None or claims is None or not user.is_active or user.session_epoch != claims[1]:
        raise Unauthorized("not logged in, or the token has expired" if token else "a bearer token is required")
    db.info["actor"] = user.username
    db.commit()  # end the lookup's transaction here, in this thread (see get_db)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def _roles(*roles: Role, what: str) -> Callable[[User], User]:
    def check(user: CurrentUser) -> User:
        require_role(user, roles, what)
        return user
    return check


AdminUser = Annotated[User, Depends(_roles(Role.admin, what="manage the office set-up"))]
SpaceManager = Annotated[User, Depends(_roles(*sorted(SPACE_MANAGERS), what="manage racks, servers and reservations"))]
StaffUser = Annotated[User, Depends(_roles(*sorted(STAFF_ROLES), what="see the server room"))]
AuditReader = Annotated[User, Depends(_roles(Role.admin, Role.head, Role.division_head, what="read the audit trail"))]
ServerEditor = Annotated[User, Depends(_roles(Role.admin, Role.officer, Role.property_manager, Role.unit_contact,
                                              what="change server records"))]
# The register's data and the monthly inventory: the officer and the property manager (Pengelola Barang).
RegisterKeeper = Annotated[User, Depends(_roles(*sorted(REGISTER_KEEPERS), what="keep the asset register and "
                                                "its inventory"))]


class Paging:
    def __init__(self, offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50) -> None:
        self.offset, self.limit = offset, limit


PagingDep = Annotated[Paging, Depends()]
# Path ids are bounded so a huge number is a 422, not a database overflow.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
