"""The collector's pure parts, without a database: overdue counting, heartbeat reading, probe
labels, route templates."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from controller.domain.custody_flow import CustodyState
from controller.domain.vitals import MAX_SENSORS, of_json as vitals, pack, unpack
from controller.metrics.custody_time import overdue_by_state
from controller.metrics.http import route_of
from controller.metrics.probes import Probe, probe_label
from controller.services.custody import TIMED, calendar, due
from controller.settings import Settings


def test_overdue_by_bisection_equals_due_for_every_request() -> None:
    """The cutoff search relies on due() never moving earlier for a later start: compare it with
    due() itself over starts spread across weekends, nights and Indonesian holidays."""
    settings = Settings(database_url="sqlite://")
    rnd = random.Random(6)
    now = datetime(2026, 4, 6, 9, 30, tzinfo=UTC)   # a Monday after Easter and Eid al-Fitr season
    states = sorted(TIMED)
    requests = [SimpleNamespace(state=rnd.choice(states),
                                state_since=now - timedelta(minutes=rnd.randrange(0, 60 * 24 * 12)))
                for _ in range(400)]
    expected = {s.value: 0 for s in CustodyState if s in TIMED}
    for req in requests:
        if now > due(settings, req):
            expected[req.state] += 1
    got = overdue_by_state([(r.state, r.state_since.timestamp()) for r in requests], calendar(settings), now, TIMED)
    assert got == expected
    assert 0 < sum(got.values()) < len(requests)
    assert overdue_by_state([], calendar(settings), now, TIMED) == dict.fromkeys(expected, 0)


def test_vitals_read_the_record_shape_and_survive_anything_else() -> None:
    beat = {"cpu": {"percent": 12.5, "load_1": 0.25}, "memory": {"used_percent": 50, "total_bytes": 1024},
            "filesystems": [{"mountpoint": "/", "size_bytes": 200, "used_bytes": 50},
                            {"mountpoint": "/", "size_bytes": 1, "used_bytes": 1},            # bind mount again
                            {"mountpoint": "/data", "used_percent": float("nan")}],
            "temperatures": [{"sensor": "coretemp", "celsius": 50.04, "high_celsius": 90},
                             {"sensor": "coretemp", "celsius": 71.0, "high_celsius": 84},
                             {"sensor": "acpitz", "celsius": True}]
            + [{"sensor": f"chip{i}", "celsius": 30} for i in range(40)]}
    v = vitals(json.dumps(beat))
    assert (v.cpu_ratio, v.load1, v.memory_ratio, v.memory_bytes) == (0.125, 0.25, 0.5, 1024)
    assert v.filesystems == (("/", 0.25, 200), ("/data", None, None))
    assert v.temperatures[0] == ("coretemp", 71.0, 84)
    assert len(v.temperatures) == MAX_SENSORS and all(t[0] != "acpitz" for t in v.temperatures)
    for junk in (None, "", "not json", "[1, 2]", '{"cpu": 5, "filesystems": "x", "temperatures": [1]}'):
        assert vitals(junk).cpu_ratio is None
    assert unpack(pack(v)) == v        # what ingest stores is what the scrape renders
    for junk in ("", "[1, 2]", "null", '[1, 2, 3, 4, "x", []]'):
        assert unpack(junk) == type(v)()


def test_probe_labels_are_kind_and_port() -> None:
    labels = probe_label([Probe("ssh", "10.1.2.3:22", True, 5.0), Probe("tcp", "[fe80::1]:8443", True, None),
                          Probe("https", "https://app.example.go.id/login?next=/x", True, 100.0),
                          Probe("https", "https://app.example.go.id:443/health", False, 300.0),
                          Probe("http", "http://10.1.2.3:8080/", True, 1.0),
                          Probe("gopher", "10.1.2.3", False, None), Probe("tcp", "10.1.2.3:http", False, None)])
    assert labels == {"ssh:22": (True, 0.005), "tcp:8443": (True, None), "https:443": (False, 0.3),
                      "http:8080": (True, 0.001), "other:unknown": (False, None), "tcp:unknown": (False, None)}


def test_route_of_gives_the_template_with_its_prefix() -> None:
    from starlette.routing import Mount, Route

    route = Route("/racks/{rack_id}", lambda r: None)
    assert route_of({"route": route, "path": "/api/v1/racks/17"}) == "/api/v1/racks/{rack_id}"
    assert route_of({"route": Route("/api/v1/racks/{rack_id}", lambda r: None),
                     "path": "/api/v1/racks/17"}) == "/api/v1/racks/{rack_id}"
    assert route_of({"route": Mount("/static", app=lambda *a: None), "path": "/static/x.css"}) == "/static/{path}"
    assert route_of({"endpoint": object(), "root_path": "/static", "app_root_path": "", "path": "/static/a"}) \
        == "/static/{path}"
    assert route_of({"path": "/wp-login.php"}) == "unmatched"
