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


# --- sessions and tokens end on the server (obs. 4) ----------------------------------------------

def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _web_login(client, username: str) -> None:
    csrf = CSRF.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def test_a_session_cookie_replayed_after_logout_opens_nothing(app, world):
    from fastapi.testclient import TestClient

    with TestClient(app) as browser:
        _web_login(browser, "officer")
        assert browser.get("/queue", follow_redirects=False).status_code == 200
        stolen = dict(browser.cookies)
        csrf = CSRF.search(browser.get("/queue").text).group(1)
        assert browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    with TestClient(app, cookies=stolen) as replay:
        r = replay.get("/queue", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("change", [{"password": "kata-sandi-baru-yang-panjang"}, {"role": "helpdesk"},
                                    {"is_active": False}, "deactivate"])
def test_a_password_role_or_active_change_ends_every_token_and_session(app, client, world, change):
    from fastapi.testclient import TestClient

    token = _token(client, "officer", PASSWORD).json()["access_token"]
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    with TestClient(app) as browser:
        _web_login(browser, "officer")
        uid = world.ids["officer"]
        if change == "deactivate":
            r = client.delete(f"/api/v1/users/{uid}", headers=world.auth("admin"))
        else:
            r = client.patch(f"/api/v1/users/{uid}", json=change, headers=world.auth("admin"))
        assert r.status_code == 200, r.text
        assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 401
        assert browser.get("/queue", follow_redirects=False).status_code == 303
    if change == {"password": "kata-sandi-baru-yang-panjang"}:
        fresh = _token(client, "officer", change["password"]).json()["access_token"]
        assert client.get("/api/v1/auth/me", headers=_bearer(fresh)).status_code == 200


def test_a_change_of_name_only_ends_nothing(app, client, world):
    token = _token(client, "officer", PASSWORD).json()["access_token"]
    r = client.patch(f"/api/v1/users/{world.ids['officer']}", json={"full_name": "Petugas Baru"},
                     headers=world.auth("admin"))
    assert r.status_code == 200
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200


@pytest.mark.parametrize("claims", [
    {"sub": "1", "typ": "user"},                                   # no exp: a token must end
    {"sub": "1" * 40, "typ": "user", "exp": 4102444800},           # an id no database holds
    {"sub": "abc", "typ": "user", "exp": 4102444800},
    {"sub": "-1", "typ": "user", "exp": 4102444800},
    {"sub": 1, "typ": "user", "exp": 4102444800},
    {"sub": "1", "typ": "user", "exp": 4102444800, "ep": "x"},
    {"sub": "1", "typ": "user", "exp": 4102444800, "ep": 5},       # an epoch this user is not at
])
def test_malformed_or_endless_tokens_are_401_never_500(app, client, world, claims):
    import jwt

    token = jwt.encode(claims, app.state.settings.secret_key, algorithm="HS256")
    r = client.get("/api/v1/auth/me", headers=_bearer(token))
    assert r.status_code == 401, r.text


def test_an_admin_resetting_the_password_lifts_the_accounts_lock(app, client, world):
    app.state.settings.login_lock_after = 3
    for _ in range(3):
        assert _token(client, "officer", "salah-salah").status_code == 401
    assert _token(client, "officer", PASSWORD).status_code == 429
    r = client.patch(f"/api/v1/users/{world.ids['officer']}", json={"password": "kata-sandi-baru-yang-panjang"},
                     headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    # The address's own streak (3 of its 9 free tries) does not stand in the way.
    assert _token(client, "officer", "kata-sandi-baru-yang-panjang").status_code == 200


def test_the_nightly_retention_forgets_throttle_rows_nobody_tried_for_a_day(app, client, world):
    from datetime import timedelta

    from controller.models import LoginThrottle
    from controller.models.base import utcnow
    from controller.services import retention

    assert _token(client, "nobody-here", "salah-salah").status_code == 401
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LoginThrottle)) == 2     # the account, the address
    retention.prune(app.state.sessions, app.state.settings, utcnow() + timedelta(hours=23))
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LoginThrottle)) == 2
    retention.prune(app.state.sessions, app.state.settings, utcnow() + timedelta(hours=25))
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LoginThrottle)) == 0
