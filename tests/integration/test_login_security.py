"""Issue 13, logins and sessions: throttled guessing, sessions that really end, tokens that must expire."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from controller import security
from controller.models import AuditEvent

PASSWORD = "rahasia-123"     # tests/support/world.py
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(client, username: str, password: str, **kw):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password}, **kw)


def _locks(app) -> int:
    with app.state.sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "locked"))


def test_a_hundred_wrong_passwords_hash_a_handful_then_the_right_one_works_after_the_lock(app, client, world):
    app.state.settings.login_lock_after = 3
    app.state.settings.login_lock_seconds = 3
    before = security.password_checks
    codes = [_token(client, "admin", f"tebakan-{i}").status_code for i in range(100)]
    checked = security.password_checks - before
    assert checked <= 5, f"{checked} of 100 tries reached the password hash"
    assert codes[:3] == [401, 401, 401] and codes.count(429) >= 95
    refused = _token(client, "admin", PASSWORD)          # even the right password waits out the lock
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 3
    assert "try again" in refused.json()["detail"]
    assert _locks(app) == 1                               # one audit event for the lock, not 100
    time.sleep(3.2)
    r = _token(client, "admin", PASSWORD)
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
                      ).json()["username"] == "admin"


def test_wrong_passwords_are_delayed_growing_before_any_lock(app, client, world):
    before = security.password_checks
    codes = [_token(client, "officer", "salah-salah").status_code for _ in range(20)]
    assert codes[:3] == [401, 401, 401] and set(codes[3:]) == {429}
    assert security.password_checks - before == 3
    assert _locks(app) == 0
    # Another account from elsewhere is not slowed by it.
    assert _token(client, "head", PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_throttled_too(app, client, world):
    app.state.settings.login_lock_after = 2     # an address: 6 tries, delays from the 9th... locked at 6
    codes = [_token(client, f"user{i}", "salah-salah").status_code for i in range(30)]
    assert codes[:6] == [401] * 6 and set(codes[6:]) == {429}
    assert _locks(app) == 1


def test_the_web_login_is_throttled_with_the_same_state(app, client, world):
    csrf = CSRF.search(client.get("/login").text).group(1)
    for _ in range(3):
        r = client.post("/login", data={"username": "admin", "password": "salah", "csrf_token": csrf})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": csrf})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "Terlalu banyak percobaan masuk" in r.text
    # ...and the API sees the same account as throttled (the state is in the database).
    assert _token(client, "admin", PASSWORD).status_code == 429
