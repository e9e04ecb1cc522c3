"""Every API answer is described in the OpenAPI document, or listed here until it is (issue 18).

The list only shrinks: a route that loses its response model (or its return type) fails here, and
one that gains a model must be taken off the list.
"""

from __future__ import annotations

from typing import Any

import pytest

# Answers with no JSON schema today: plain dicts, and the files (PDF, XLSX) whose bodies are not JSON.
UNDESCRIBED = frozenset("""
DELETE /api/v1/agents/{agent_id}
DELETE /api/v1/targets/{target_id}
GET /api/v1/assets
GET /api/v1/audit/verify
GET /api/v1/custody-requests
GET /api/v1/custody-requests/{request_id}
GET /api/v1/disposals
GET /api/v1/disposals/{disposal_id}
GET /api/v1/documents/{document_id}
GET /api/v1/findings
GET /api/v1/inventory-runs
GET /api/v1/inventory-runs/{period}
GET /api/v1/inventory-runs/{period}/form.pdf
GET /api/v1/inventory-runs/{period}/form.xlsx
GET /api/v1/maintenance-cases
GET /api/v1/maintenance-cases/{maintenance_id}
GET /api/v1/notifications
GET /api/v1/reconciliation/{period}.xlsx
GET /api/v1/servers/{server_id}/asset
GET /api/v1/servers/{server_id}/asset-card.pdf
GET /api/v1/servers/{server_id}/reports
GET /api/v1/tickets/{ticket_id}/attachments/{attachment_id}
GET /api/v1/servers/{server_id}/targets
GET /api/v1/transfers
GET /api/v1/transfers/{transfer_id}
POST /api/v1/agents/enroll
POST /api/v1/agents/reports
POST /api/v1/custody-requests
POST /api/v1/custody-requests/{request_id}/actions/{action}
POST /api/v1/custody-requests/{request_id}/letter
POST /api/v1/disposals
POST /api/v1/disposals/{disposal_id}/actions/{action}
POST /api/v1/disposals/{disposal_id}/wipe-report
POST /api/v1/findings/{finding_id}/accept
POST /api/v1/findings/{finding_id}/reject
POST /api/v1/inventory-runs
POST /api/v1/inventory-runs/{period}/sign
POST /api/v1/maintenance-cases
POST /api/v1/maintenance-cases/{maintenance_id}/actions/{action}
POST /api/v1/notifications/{notification_id}/read
POST /api/v1/servers/{server_id}/enrollment-tokens
POST /api/v1/servers/{server_id}/inventory-request
POST /api/v1/servers/{server_id}/targets
POST /api/v1/targets/{target_id}/collect
POST /api/v1/transfers
POST /api/v1/transfers/{transfer_id}/actions/{action}
PUT /api/v1/inventory-runs/{period}/items/{server_id}/condition
PUT /api/v1/servers/{server_id}/asset
PUT /api/v1/targets/{target_id}/secrets
""".strip().splitlines())

_SHAPED = ("$ref", "properties", "items", "anyOf", "allOf", "oneOf")


def _described(schema: dict[str, Any] | None) -> bool:
    """A schema that says what comes back: a model, a list, a union, or a scalar (not `{}` or a bare object)."""
    if not schema:
        return False
    return any(key in schema for key in _SHAPED) or schema.get("type") in ("string", "integer", "number", "boolean")


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from controller.app import create_app
    from controller.settings import Settings

    # The document is built from the routes alone: the database is never opened.
    path = tmp_path_factory.mktemp("openapi") / "unused.db"
    settings = Settings(database_url=f"sqlite:///{path}", secret_key="test-secret-key-0123456789abcdef",
                        scheduler_enabled=False)
    return create_app(settings).openapi()


def _undescribed(doc: dict[str, Any]) -> set[str]:
    found = set()
    for path, operations in doc["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            for code, answer in operation.get("responses", {}).items():
                if code.startswith("2") and "content" in answer:
                    schema = answer["content"].get("application/json", {}).get("schema")
                    if not _described(schema):
                        found.add(f"{method.upper()} {path}")
    return found


def test_no_api_answer_loses_its_description(openapi: dict[str, Any]) -> None:
    assert sorted(_undescribed(openapi) - UNDESCRIBED) == []


def test_a_newly_described_answer_is_taken_off_the_list(openapi: dict[str, Any]) -> None:
    assert sorted(UNDESCRIBED & set(_paths(openapi)) - _undescribed(openapi)) == []


def _paths(doc: dict[str, Any]) -> list[str]:
    return [f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops]
