"""Property-based run over the whole OpenAPI: no input may produce a server error.

The schema is read from an app object (no database needed to describe the API); the generated
requests go to the test's own app, on SQLite and on PostgreSQL, as an admin and as a contact.
"""

from __future__ import annotations

import tempfile

import schemathesis
from hypothesis import HealthCheck, settings

from controller.app import create_app
from controller.settings import Settings

# Never connected to: only its OpenAPI document is read.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(database_url=f"sqlite:///{tempfile.gettempdir()}/titip-schema.db")))


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_5xx_anywhere(case, client, world):
    for who in ("admin", "contact_a"):
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=world.auth(who))
        kwargs.pop("cookies", None)
        response = client.request(**{k: v for k, v in kwargs.items() if k in (
            "method", "url", "headers", "params", "json", "data", "content", "files")})
        assert response.status_code < 500, (
            f"{case.method} {case.path} as {who}: {response.status_code} {response.text[:300]}")
