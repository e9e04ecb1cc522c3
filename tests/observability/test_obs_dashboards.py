"""Dashboard lint: unique panel ids, the datasource always through ${datasource}, every metric a
panel reads exists on the controller's /metrics, and each dashboard covers what it is for."""

from __future__ import annotations

import json

from obs_helpers import dashboards, metric_names, panels

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# What each dashboard must show (issue 6), as the metrics its panels must read.
COVERS = {
    "server-room.json": {"titip_rack_units", "titip_rack_power_watts", "titip_rack_power_capacity_watts",
                         "titip_servers", "titip_server_up", "titip_server_condition", "titip_waitlist_length",
                         "titip_custody_overdue"},
    "server-health.json": {"titip_server_up", "titip_server_cpu_usage_ratio", "titip_server_memory_used_ratio",
                           "titip_server_filesystem_used_ratio", "titip_server_temperature_celsius",
                           "titip_access_probe_success"},
    "custody-inventory.json": {"titip_custody_requests", "titip_custody_overdue",
                               "titip_inventory_last_timestamp_seconds", "titip_server_in_custody",
                               "titip_drift_findings_open", "titip_http_requests_total"},
}


def test_three_dashboards_with_unique_uids_and_panel_ids() -> None:
    boards = dashboards()
    assert {p.name for p, _ in boards} == set(COVERS)
    assert len({b["uid"] for _, b in boards}) == len(boards)
    for path, board in boards:
        ids = [p["id"] for p in panels(board)]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for p in panels(board):
            grid = p["gridPos"]
            assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, (path.name, p["title"])


def test_datasource_only_through_the_variable() -> None:
    for path, board in dashboards():
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        for p in panels(board):
            if p["type"] == "row":
                continue
            assert p["datasource"] == DATASOURCE, (path.name, p["title"])
            assert p["targets"], (path.name, p["title"])
            for t in p["targets"]:
                assert t["datasource"] == DATASOURCE and t["expr"].strip(), (path.name, p["title"])
        for v in variables.values():
            if v["type"] == "query":
                assert v["datasource"] == DATASOURCE, (path.name, v["name"])
        # No datasource picked by uid anywhere else (a uid is only valid in one Grafana).
        text = json.dumps(board)
        assert text.count('"uid":') == text.count('"uid": "${datasource}"') + 2, path.name  # board + annotations


def test_every_metric_a_dashboard_reads_is_on_the_metrics_page(room) -> None:
    exposed = {line.split("{")[0].split(" ")[0] for line in room.metrics().splitlines()
               if line and not line.startswith("#")}
    for path, board in dashboards():
        used: set[str] = set()
        for p in panels(board):
            for t in p.get("targets", []):
                used |= metric_names(t["expr"])
        for v in board["templating"]["list"]:
            used |= metric_names(v.get("definition", ""))
        assert used - exposed == set(), f"{path.name} reads metrics /metrics does not have"
        assert COVERS[path.name] <= used, f"{path.name} misses {COVERS[path.name] - used}"
