from datetime import UTC, datetime, timedelta

from controller.domain.condition import Facts, propose

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
HEALTHY = {"temperatures": [{"sensor": "cpu", "celsius": 48.0, "high_celsius": 80.0}],
           "fans": [{"sensor": "fan1", "rpm": 5200}],
           "filesystems": [{"mountpoint": "/", "used_percent": 41.0}], "nics": [{"name": "eno1", "errors_in": 0}]}


def test_healthy_reached_server_is_baik():
    assert propose(Facts(reached=True, now=NOW, condition=HEALTHY)) == ("baik", [])


def test_gone_for_a_week_is_rusak_berat_with_one_reason():
    cond, why = propose(Facts(reached=False, now=NOW, last_seen_at=NOW - timedelta(days=9)))
    assert cond == "rusak_berat" and len(why) == 1 and "7 hari" in why[0]


def test_missed_this_month_but_seen_recently_is_rusak_ringan():
    cond, _ = propose(Facts(reached=False, now=NOW, last_seen_at=NOW - timedelta(days=1)))
    assert cond == "rusak_ringan"


def test_hot_full_and_stopped_fan_collect_every_reason_and_take_the_worst():
    bad = {**HEALTHY, "temperatures": [{"sensor": "cpu", "celsius": 78.0, "high_celsius": 80.0}],
           "filesystems": [{"mountpoint": "/var", "used_percent": 95.0}], "fans": [{"sensor": "fan2", "rpm": 0}]}
    cond, why = propose(Facts(reached=True, now=NOW, condition=bad, open_drift=2))
    assert cond == "rusak_berat"
    assert any("kipas" in w for w in why) and any("/var" in w for w in why) and any("78" in w for w in why)
    assert any("2 temuan" in w for w in why)


def test_sensor_critical_mark_below_default_counts():
    hot = {"temperatures": [{"sensor": "inlet", "celsius": 46.0, "critical_celsius": 45.0}]}
    assert propose(Facts(reached=True, now=NOW, condition=hot))[0] == "rusak_berat"
