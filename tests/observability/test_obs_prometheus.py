"""Debian's Prometheus scrapes a live controller; every dashboard panel's query has data.

The room is the demo data plus what people and an agent add through the API (see
obs_helpers.populate); the dashboards' template variables are filled with real values.
"""

from __future__ import annotations

import re

from obs_helpers import dashboards, fill, panels


def test_prometheus_scrapes_the_controller_with_its_token(prometheus, room) -> None:
    [up] = prometheus.query('up{job="titip"}')
    assert up["value"][1] == "1"
    [took] = prometheus.query("titip_metrics_collect_seconds")
    assert 0 < float(took["value"][1]) < 5


def test_every_panel_of_every_dashboard_has_data(prometheus, room) -> None:
    empty, checked = [], 0
    for path, board in dashboards():
        for panel in panels(board):
            for target in panel.get("targets", []):
                expr = fill(target["expr"], room.values)
                checked += 1
                if not prometheus.query(expr):
                    empty.append(f"{path.name} / {panel['title']}: {expr}")
    assert checked >= 40
    assert not empty, "panels without data:\n" + "\n".join(empty)


def test_template_variables_offer_the_values_the_panels_were_checked_with(prometheus, room) -> None:
    for path, board in dashboards():
        for var in board["templating"]["list"]:
            if var["type"] != "query":
                continue
            metric, selector, label = re.fullmatch(r"label_values\((\w+)(\{.*\})?, (\w+)\)", var["definition"]).groups()
            found = {r["metric"][label] for r in prometheus.query(
                fill(f"count by ({label}) ({metric}{selector or ''})", room.values))}
            assert room.values[var["name"]] in found, (path.name, var["name"], found)


def test_the_alert_rules_load_and_evaluate(prometheus) -> None:
    import httpx

    groups = httpx.get(f"{prometheus.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    rules = {r["name"]: r for g in groups for r in g["rules"]}
    assert {"TitipServerDown", "TitipAccessProbeFailing", "TitipInventoryStale", "TitipFilesystemAlmostFull",
            "TitipTemperatureHigh", "TitipCustodyStepOverdue"} <= set(rules)
    prometheus.wait_for('ALERTS{alertname="TitipAccessProbeFailing"}')  # the closed port: pending at once
    for name, rule in rules.items():
        assert rule["health"] in ("ok", "unknown"), (name, rule.get("lastError"))


def _nothing_open(expr: str) -> str:
    """The expression as it reads a room where nothing is open: every Titip series selected
    away by a label no series has (the same PromQL, the same Prometheus, zero matches)."""
    def empty(found: re.Match[str]) -> str:
        inner = found.group(3)
        return found.group(1) + '{titip_test="nothing"' + (", " + inner if inner else "") + "}"
    return re.sub(r"\b(titip_[a-z0-9_]+)(\{([^}]*)\})?", empty, expr)


def test_count_panels_show_zero_not_no_data_when_nothing_is_open(prometheus, room) -> None:
    """A stat panel that counts (no ratio, not one chosen server's reading) shows 0 on an empty
    room: "Open findings 0", not Grafana's "No data" (issue 15)."""
    blank, checked = [], 0
    for path, board in dashboards():
        for panel in panels(board):
            if panel["type"] != "stat":
                continue
            for target in panel["targets"]:
                expr = fill(target["expr"], room.values)
                if "/" in expr or not expr.startswith(("sum(", "count(")):
                    continue  # a ratio of nothing, or a chosen server's gauge, has no value to show
                checked += 1
                found = prometheus.query(_nothing_open(expr))
                if [float(r["value"][1]) for r in found] != [0.0]:
                    blank.append(f"{path.name} / {panel['title']}: {expr} -> {found}")
    assert checked >= 12
    assert not blank, "count panels without a 0:\n" + "\n".join(blank)
