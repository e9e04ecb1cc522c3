"""Prometheus metrics of the controller: `GET /metrics` and request counting.

`install(app)` gives the app its own registry (so several apps in one process, as in tests,
never share series) holding the scrape-time database collector (`collector.py`) and the HTTP
request metrics (`http.py`). A scrape must send `metrics_token` as a bearer token; without a
token the page is closed unless `metrics_open` is set: it holds no secrets, but it does map the
room (serial numbers, hostnames, unit codes).
"""

from __future__ import annotations

import gc
import hmac
import os
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, disable_created_metrics

from .collector import TitipCollector
from .exposition import CONTENT_TYPE, render
from .http import MetricsMiddleware, RequestMetrics

__all__ = ["install", "TitipCollector", "render"]


def install(app: FastAPI) -> None:
    settings = app.state.settings
    disable_created_metrics()   # the *_created series double every counter and say nothing here
    registry = CollectorRegistry(auto_describe=False)
    collector = TitipCollector(app.state.read_sessions, settings)
    registry.register(collector)
    app.state.metrics_registry, app.state.metrics_collector = registry, collector
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # `titip serve --workers N`: a scrape reaches one worker, but the request counts must be
        # the controller's; each worker writes them to files there and any worker sums them.
        from prometheus_client.multiprocess import MultiProcessCollector

        requests = RequestMetrics(CollectorRegistry())
        MultiProcessCollector(registry)
    else:
        requests = RequestMetrics(registry)
    app.add_middleware(MetricsMiddleware, metrics=requests)
    app.state.request_metrics = requests

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        token = settings.metrics_token
        if token:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return Response("a bearer token is required for /metrics\n", status_code=401,
                                media_type="text/plain", headers={"WWW-Authenticate": "Bearer"})
        elif not settings.metrics_open:
            return Response("/metrics is closed: set TITIP_METRICS_TOKEN (and give it to Prometheus), "
                            "or TITIP_METRICS_OPEN=true to let anyone who reaches this port read it\n",
                            status_code=401, media_type="text/plain", headers={"WWW-Authenticate": "Bearer"})
        with _gc_paused():
            body = render(registry.collect())
        return Response(body, media_type=CONTENT_TYPE)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A scrape of 10,000 servers allocates tens of thousands of objects next to caches that
    hold as many: the cyclic collector would walk them all several times over (up to +50%
    scrape time, measured). A scrape makes no reference cycles, so it can wait until the page
    is written (a few hundred ms)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
