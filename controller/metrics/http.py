"""Request counts and latency of the controller itself, labelled by route template.

A pure ASGI middleware (no BaseHTTPMiddleware: it would buffer streamed responses). The route
label is the matched route's template (`/api/v1/racks/{rack_id}`), read from the scope after
routing, never the raw path, so ids in URLs do not make new series.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.routing import Mount

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestMetrics:
    """The counter and histogram, registered once per app on the app's own registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter("titip_http_requests", "HTTP requests handled, by route template and status",
                                ("method", "route", "code"), registry=registry)
        self.duration = Histogram("titip_http_request_duration_seconds", "Time to answer, by route template",
                                  ("method", "route"), buckets=BUCKETS, registry=registry)
        # Enrolments and reports refused (unknown, revoked or replayed credentials): only the first
        # of a burst is on the audit trail, this counts them all.
        self.refusals = Counter("titip_agent_refusals", "Agent enrolments and reports refused, by reason",
                                ("reason",), registry=registry)

    def observe(self, method: str, route: str, code: int, seconds: float) -> None:
        self.requests.labels(method, route, str(code)).inc()
        self.duration.labels(method, route).observe(seconds)


def route_of(scope: dict[str, Any]) -> str:
    """The template of the route that answered, with its router's prefix.

    Depending on the FastAPI version a route included with a prefix knows its full path or
    only its own part; the prefix is then the literal text its pattern does not cover.
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template is None:
        if "endpoint" in scope:   # a mounted app (static files) that sets no route
            mount = scope.get("root_path", "")[len(scope.get("app_root_path", "")):]
            return f"{mount}/{{path}}" if mount else "unmatched"
        return "unmatched"
    if isinstance(route, Mount):
        return f"{template}/{{path}}"
    regex, path = getattr(route, "path_regex", None), scope.get("path", "")
    if regex is None or regex.match(path):
        return template
    for i in range(1, len(path)):
        if path[i] == "/" and regex.match(path[i:]):
            return path[:i] + template
    return template


class MetricsMiddleware:
    def __init__(self, app: Any, metrics: RequestMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500   # what the client gets if the app raises before answering

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.observe(method, route_of(scope), status, time.perf_counter() - started)
