"""Every API answer is described in the OpenAPI document, or listed here until it is (issue 18).

The list only shrinks: a route that loses its response model (or its return type) fails here, and
one that gains a model must be taken off the list.
"""

from __future__ import annotations

from typing import Any

import pytest

# Answers with no schema (plain dicts, or files without their media type declared): none since
# issue 18. Keep it empty: give a new answer its model (answers/), or its file type (file_answer).
UNDESCRIBED: frozenset[str] = frozenset()

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
                if code.startswith("2") and "content" in answer and not _content_described(answer["content"]):
                    found.add(f"{method.upper()} {path}")
    return found


def _content_described(content: dict[str, Any]) -> bool:
    """Every media type says what it holds: JSON by its schema, a file (PDF, XLSX) as a binary string."""
    if not content:
        return False
    for media, entry in content.items():
        schema = entry.get("schema")
        if media == "application/json" or media.endswith("+json"):
            if not _described(schema):
                return False
        elif not (schema and schema.get("type") == "string" and schema.get("format") in ("binary", "byte")):
            return False
    return True


def test_no_api_answer_loses_its_description(openapi: dict[str, Any]) -> None:
    assert sorted(_undescribed(openapi) - UNDESCRIBED) == []


def test_a_newly_described_answer_is_taken_off_the_list(openapi: dict[str, Any]) -> None:
    assert sorted(UNDESCRIBED & set(_paths(openapi)) - _undescribed(openapi)) == []


def _paths(doc: dict[str, Any]) -> list[str]:
    return [f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops]


def test_answers_built_from_a_table_carry_every_column() -> None:
    """A case's answer is its row's columns and more (routes.assets.case_view): a column added to
    the table without its field in the model would be dropped from the API without a word."""
    from controller.api.answers.assets import AssetRecordOut
    from controller.api.answers.lifecycle import DisposalOut, MaintenanceOut, TransferOut
    from controller.models.assets import AssetRecord, DisposalCase, MaintenanceCase, TransferCase

    # A maintenance case's own `kind` (repair or maintenance) is overwritten by the case kind.
    for table, model in ((MaintenanceCase, MaintenanceOut), (TransferCase, TransferOut),
                         (DisposalCase, DisposalOut), (AssetRecord, AssetRecordOut)):
        missing = {c.key for c in table.__mapper__.column_attrs} - set(model.model_fields)
        assert not missing, f"{model.__name__} lacks {sorted(missing)}"
