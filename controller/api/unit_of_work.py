"""The API's routes commit in the thread that did the work.

The session dependency (`deps.get_db`) would commit in its teardown, which FastAPI runs as
another trip through the thread pool. A request holding SQLite's write lock or a PostgreSQL row
lock (`SELECT ... FOR UPDATE`) would then wait for a free thread while holding it; with more
concurrent writers than pool threads, every thread waits for that lock and nobody gives the
holder a thread to commit in (fifty officers reserving at once: 503s and timeouts). So every
API route is wrapped: when it returns, its sessions are committed right there, in its own thread
(or on the event loop for an `async` route, as the route itself ran); the dependency's teardown
then only closes. A route that raises commits nothing (the teardown rolls back).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


def _commit(kwargs: dict[str, Any]) -> None:
    for value in kwargs.values():
        if isinstance(value, Session):
            value.commit()


def committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint`, committing its sessions when it returns (same signature, for FastAPI)."""
    if inspect.iscoroutinefunction(endpoint):
        @functools.wraps(endpoint)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            result = await endpoint(*args, **kwargs)
            _commit(kwargs)
            return result
        return run_async

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        _commit(kwargs)
        return result
    return run


class UnitOfWorkRoute(APIRoute):
    """An API route whose work is committed where it was done (see the module's docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, committing(endpoint), **kwargs)
