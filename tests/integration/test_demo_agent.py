"""`make demo` enrols its local agent afresh each time: the agent of the previous demo is revoked,
the new one reports (a kept credential once left the demo agent reporting to a dead port)."""

from __future__ import annotations

import uuid

from controller.demo import agent_token, seed


def test_each_demo_start_replaces_the_local_agent(app, client) -> None:
    settings = app.state.settings
    for _ in seed(settings):
        pass

    def enrol() -> dict[str, str]:
        r = client.post("/api/v1/agents/enroll", json={"token": agent_token(settings, "DL-R740-7781")})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['credential']}"}

    def beat(agent: dict[str, str]) -> int:
        return client.post("/api/v1/agents/reports", headers=agent, json={
            "report_id": uuid.uuid4().hex, "kind": "heartbeat",
            "payload": {"source": "agent", "hostname": "demo"}}).status_code

    first = enrol()
    assert beat(first) == 200
    second = enrol()
    assert beat(second) == 200
    assert beat(first) == 401          # revoked: one live demo agent per server
