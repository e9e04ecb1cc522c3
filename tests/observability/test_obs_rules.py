"""The alert rules pass `promtool check rules`, and their unit tests fire every alert."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from obs_helpers import DASHBOARDS

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
TESTS = sorted((DASHBOARDS / "tests").glob("*_test.yml"))


def promtool(*args: str, cwd: Path = DASHBOARDS) -> subprocess.CompletedProcess[str]:
    if not Path(PROMTOOL).exists():
        pytest.fail("promtool not found: apt-get install prometheus", pytrace=False)
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    result = promtool("test", "rules", *(str(p) for p in TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_test_where_it_fires() -> None:
    alerts = {r["alert"] for g in yaml.safe_load((DASHBOARDS / "alerts.yml").read_text())["groups"]
              for r in g["rules"] if "alert" in r}
    fired = {case["alertname"] for path in TESTS for test in yaml.safe_load(path.read_text())["tests"]
             for case in test.get("alert_rule_test", []) if case.get("exp_alerts")}
    assert alerts == fired
    assert {"TitipServerDown", "TitipAccessProbeFailing", "TitipInventoryStale", "TitipFilesystemAlmostFull",
            "TitipTemperatureHigh", "TitipCustodyStepOverdue", "TitipLifecycleStepOverdue"} <= alerts


def test_the_scrape_snippet_is_a_valid_prometheus_config(tmp_path: Path) -> None:
    jobs = yaml.safe_load((DASHBOARDS / "prometheus" / "titip-scrape.yml").read_text())
    token = tmp_path / "token"
    token.write_text("secret\n")
    for job in jobs:
        job["authorization"]["credentials_file"] = str(token)
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({"rule_files": [str(DASHBOARDS / "alerts.yml")], "scrape_configs": jobs}))
    result = promtool("check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
