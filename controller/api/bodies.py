"""Request bodies that a service validates itself, declared in the OpenAPI document all the same.

Custody submissions, lifecycle cases, asset fields and collection targets are parsed by the
service (its 422 names the field as the web pages need it), so the route takes the raw JSON; the
document still says which fields are accepted, from the very model the service parses with.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter


def body_schema(model: type[BaseModel] | TypeAdapter[Any]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` written in place (an operation has no `$defs`)."""
    schema = model.json_schema() if isinstance(model, TypeAdapter) else model.model_json_schema()
    defs = schema.pop("$defs", {})
    return _inline(schema, defs)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        # A discriminator's mapping names $defs that are gone; each branch's `const` says the same.
        return {key: _inline(value, defs) for key, value in node.items() if key != "discriminator"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def declared(model: type[BaseModel] | TypeAdapter[Any]) -> dict[str, Any]:
    """`openapi_extra=` for a route whose body the service parses with `model`."""
    return {"requestBody": {"content": {"application/json": {"schema": body_schema(model)}}}}
