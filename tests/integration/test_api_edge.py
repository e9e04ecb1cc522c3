"""The API edge (issue 18): records of an unknown schema version refused by name, and the one
transaction pattern (the session dependency commits; an error rolls everything back)."""

from __future__ import annotations

from sqlalchemy import func, select

from controller.api.deps import SessionDep
from controller.errors import Conflict
from tests.support.world import enrol_agent

INVENTORY = {"source": "agent", "hostname": "srv-a", "collected_at": "2026-11-24T01:00:00Z"}


def _stored(app) -> int:
    from controller.models import AgentReport

    with app.state.sessions() as s:
        return s.scalar(select(func.count()).select_from(AgentReport)) or 0


def test_a_record_of_an_unknown_schema_version_is_refused_naming_it(app, client, world):
    agent = enrol_agent(client, world)
    newer = {"report_id": "schema-v99-0001", "kind": "inventory", "payload": {**INVENTORY, "schema_version": 99}}
    r = client.post("/api/v1/agents/reports", headers=agent, json=newer)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "payload.schema_version" and "schema_version 99" in r.json()["detail"]
    # In a batch, the whole batch is refused and the field says which report.
    ok = {"report_id": "schema-v1-00001", "kind": "inventory", "payload": {**INVENTORY, "schema_version": 1}}
    r = client.post("/api/v1/agents/reports", headers=agent, json={"reports": [ok, newer]})
    assert r.status_code == 422 and r.json()["field"] == "reports.1.payload.schema_version", r.text
    # A heartbeat takes the quick path, and is refused the same way.
    beat = {"report_id": "schema-v99-0002", "kind": "heartbeat",
            "payload": {**INVENTORY, "uptime_seconds": 5, "schema_version": 99}}
    r = client.post("/api/v1/agents/reports", headers=agent, json=beat)
    assert r.status_code == 422 and r.json()["field"] == "payload.schema_version", r.text
    assert _stored(app) == 0
    # The version this controller reads (or none: the current one) goes in.
    r = client.post("/api/v1/agents/reports", headers=agent, json=ok)
    assert r.status_code == 200 and r.json() == {"stored": True, "inventory_requested": False}, r.text
    assert _stored(app) == 1


def test_the_session_dependency_commits_on_success_and_rolls_back_on_error(app, client):
    """A route writes and returns: the row is there when the answer arrives. A route writes and
    then raises: nothing of it stays, although the route never called commit or rollback."""
    from controller.models import Unit

    def write(code: str, db: SessionDep, fail: bool = False) -> dict[str, str]:
        db.add(Unit(code=code, name=f"unit {code}"))
        db.flush()
        if fail:
            raise Conflict("refused after writing", field="code")
        return {"code": code}

    app.add_api_route("/api/v1/test-only/units/{code}", write, methods=["POST"])

    def stored(code: str) -> bool:
        with app.state.sessions() as s:
            return s.scalar(select(Unit).where(Unit.code == code)) is not None

    assert client.post("/api/v1/test-only/units/EDGE1").status_code == 200
    assert stored("EDGE1")
    r = client.post("/api/v1/test-only/units/EDGE2?fail=true")
    assert r.status_code == 409 and r.json() == {"detail": "refused after writing", "field": "code"}
    assert not stored("EDGE2")


def test_an_illegal_move_answers_409_with_the_allowed_moves(client, world):
    body = {"letter_number": "005/2/X/2026", "letter_date": "2026-11-20",
            "server": {"brand": "Dell", "model": "R740", "serial_number": "SN-EDGE-2", "height_u": 2,
                       "power_w": 750, "purpose": "SIMPUS"}}
    req = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"), json=body).json()
    r = client.post(f"/api/v1/custody-requests/{req['id']}/actions/dispose", headers=world.auth("officer"), json={})
    assert r.status_code == 409, r.text
    assert r.json()["state"] == req["state"] and isinstance(r.json()["allowed_actions"], list)
    r = client.post(f"/api/v1/custody-requests/{req['id']}/actions/nonsense", headers=world.auth("officer"), json={})
    assert r.status_code == 409 and "nonsense" in r.json()["detail"]
