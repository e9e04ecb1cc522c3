"""The daily digest (issue 15): a person who chose it on their profile gets no mail per notice
but one mail a day with the notices still unread, through the real mail server (STARTTLS and a
login); notices read in the app meanwhile are left out; a second round the same day sends nothing.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from controller import scheduler
from controller.app import create_app
from controller.services.notify import deliver_pending, send_digests
from tests.integration.test_web_pages import Browser
from tests.support import custody as flow
from tests.support.smtp import start_mail_server
from tests.support.world import build_world

CONTACT, HEAD = "cp@diskes.example.go.id", "kadis@kominfo.example.go.id"


@pytest.fixture
def office(settings, tmp_path):
    mail = start_mail_server(tmp_path)
    app = create_app(settings.model_copy(update={**mail.settings(), "digest_hour": 6}))
    world = build_world(app)
    try:
        with TestClient(app) as client:
            for who, address in (("contact_a", CONTACT), ("head", HEAD)):
                assert client.patch(f"/api/v1/users/{world.ids[who]}", headers=world.auth("admin"),
                                    json={"email": address}).status_code == 200
            yield app, client, world, mail
    finally:
        mail.stop()
        for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
            engine.dispose()


def _inbox(client, world, who: str) -> list[dict]:
    return client.get("/api/v1/notifications", headers=world.auth(who)).json()["items"]


def test_a_daily_digest_of_the_unread_notices_instead_of_a_mail_each(office):
    app, client, world, mail = office
    sessions, settings = app.state.sessions, app.state.settings
    contact = Browser(app, "contact_a")
    page = contact.get("/profile").text
    assert 'value="immediate" checked' in page                       # the default: a mail per notice
    r = contact.post("/profile", {"notice_mail": "digest"})
    assert r.status_code == 303
    assert 'value="digest" checked' in contact.get("/profile").text
    assert "flash-error" in contact.get(contact.post("/profile", {"notice_mail": "weekly"}).headers["location"]).text

    rid = flow.submit(client, world, serial="DIGEST-01")["id"]
    flow.to_assigned(client, world, rid)
    flow.act(client, world, rid, "reserve_space", "officer")           # "space is ready" to the unit
    flow.act(client, world, rid, "receive", "officer")
    flow.act(client, world, rid, "inspect", "officer", {"passed": True, "checklist": flow.CHECKLIST_OK})
    notes = _inbox(client, world, "contact_a")
    assert len(notes) == 2 and {n["email_status"] for n in notes} == {"digest"}
    deliver_pending(sessions, settings)
    assert mail.mails_to(CONTACT) == []                                  # nothing at once for the contact
    assert len(mail.mails_to(HEAD)) == 1                                 # the head still mails at once

    # One is read in the app before the digest: only the other goes.
    read = next(n for n in notes if "Ruang tersedia" in n["subject"])
    client.post(f"/api/v1/notifications/{read['id']}/read", headers=world.auth("contact_a"))
    assert send_digests(sessions, settings) == (1, 0)
    [digest] = mail.mails_to(CONTACT)
    assert "1 pemberitahuan belum dibaca" in digest["Subject"]
    body = digest.get_content()
    assert "Sudah diperiksa" in body and "Ruang tersedia" not in body
    status = {n["id"]: n["email_status"] for n in _inbox(client, world, "contact_a")}
    assert status[read["id"]] == "none" and sorted(status.values()) == ["digested", "none"]
    assert send_digests(sessions, settings) == (0, 0)                   # once a day: nothing left to send
    assert len(mail.mails_to(CONTACT)) == 1

    # Back to a mail per notice: the next one goes at once.
    contact.post("/profile", {"notice_mail": "immediate"})
    second = flow.submit(client, world, serial="DIGEST-02")["id"]
    flow.to_assigned(client, world, second)
    flow.act(client, world, second, "reserve_space", "officer")
    assert deliver_pending(sessions, settings)[1] == 0
    assert ["DIGEST-02" in m["Subject"] for m in mail.mails_to(CONTACT)] == [False, True]
    assert send_digests(sessions, settings) == (0, 0)


def test_the_digest_is_a_scheduled_job_at_the_digest_hour(office):
    app, *_ = office
    sched = scheduler.build(app.state.sessions, app.state.settings)
    job = sched.get_job("send_digests")
    assert job is not None and str(job.trigger.fields[5]) == "6"         # hour field of the cron trigger
