"""One "is the agent alive" rule, with one threshold from settings, for the API, pages and metrics."""

from datetime import UTC, datetime, timedelta

from controller.domain.liveness import agent_alive
from controller.settings import Settings
from controller.web.views import ServerHealth

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def test_the_threshold_is_inclusive_and_never_reported_is_unknown():
    assert agent_alive(NOW - timedelta(seconds=300), NOW, 300) is True
    assert agent_alive(NOW - timedelta(seconds=301), NOW, 300) is False
    assert agent_alive(None, NOW, 300) is None


def test_the_web_pages_use_the_settings_threshold_not_their_own():
    stale = Settings().heartbeat_stale_seconds
    six_minutes = ServerHealth("baik", last_seen_at=NOW - timedelta(minutes=6), stale_seconds=stale)
    assert stale == 300 and six_minutes.agent_alive(NOW) is False and six_minutes.up(NOW) is False
