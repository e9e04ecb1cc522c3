"""One custody request followed from the letter to the rack (issue 15): each person is told when
the step becomes theirs, in the inbox and by mail through a real mail server that wants STARTTLS
and a login, and nobody is told of a step that is not theirs.

test_turns.py checks the inbox alone for each procedure; test_mail.py the outbox's delivery. Here
the two meet along one request.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.services.notify import deliver_pending
from tests.support import custody as flow
from tests.support.smtp import USER, start_mail_server
from tests.support.world import build_world

ADDRESSES = {"head": "kadis@kominfo.example.go.id", "division_head": "kabid@kominfo.example.go.id",
             "officer": "petugas@kominfo.example.go.id", "contact_a": "cp@diskes.example.go.id",
             "contact_b": "cp@bappeda.example.go.id", "helpdesk": "helpdesk@kominfo.example.go.id"}


@pytest.fixture
def office(settings, tmp_path):
    mail = start_mail_server(tmp_path)
    app = create_app(settings.model_copy(update=mail.settings()))
    world = build_world(app)
    try:
        with TestClient(app) as client:
            for who, address in ADDRESSES.items():
                r = client.patch(f"/api/v1/users/{world.ids[who]}", headers=world.auth("admin"),
                                 json={"email": address})
                assert r.status_code == 200, r.text
            yield app, client, world, mail
    finally:
        mail.stop()
        for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
            engine.dispose()


def test_each_role_is_told_when_the_step_becomes_theirs_in_the_inbox_and_by_mail(office):
    app, client, world, mail = office
    told: dict[str, int] = dict.fromkeys(ADDRESSES, 0)

    def turn(who: str, rid: int) -> str:
        """`who` was told, once more than before, in the inbox and by mail; nobody else was."""
        assert deliver_pending(app.state.sessions, app.state.settings)[1] == 0
        told[who] += 1
        for person, address in ADDRESSES.items():
            mails = [m for m in mail.mails_to(address) if f"#{rid}" in m["Subject"]]
            assert len(mails) == told[person], (person, [m["Subject"] for m in mails])
        inbox = client.get("/api/v1/notifications", headers=world.auth(who)).json()["items"]
        [newest] = [n for n in inbox if n["kind"] == "your_turn" and f"#{rid}" in n["subject"]][:1]
        assert newest["email_status"] == "sent"
        message = mail.mails_to(ADDRESSES[who])[-1]
        subject = str(message["Subject"]).strip()   # a long one is folded onto its own line
        assert subject == newest["subject"] and "menunggu tindakan Anda" in subject
        assert f"/requests/{rid}" in message.get_content()
        return subject

    rid = flow.submit(client, world, serial="TOLD-0001")["id"]
    assert "Permohonan diajukan" in turn("head", rid)                     # the head: a new letter
    flow.act(client, world, rid, "head_dispose", "head", {"note": "Teruskan ke Kabid Aptika"})
    assert "Didisposisi Kepala Dinas" in turn("division_head", rid)
    flow.act(client, world, rid, "division_dispose", "division_head", {"officer": "officer"})
    assert "Didisposisi ke petugas" in turn("officer", rid)
    flow.act(client, world, rid, "reserve_space", "officer")
    flow.act(client, world, rid, "receive", "officer")
    flow.act(client, world, rid, "inspect", "officer", {"passed": True, "checklist": flow.CHECKLIST_OK})
    # The unit is asked to sign the handover form (the officer signs too, but just moved).
    assert "Sudah diperiksa" in turn("contact_a", rid)
    flow.act(client, world, rid, "sign_handover", "officer",
             {"name": "Agus Prasetyo", "nip": flow.NIP_OFFICER, "position": "Pranata Komputer"})
    flow.act(client, world, rid, "sign_handover", "contact_a",
             {"name": "Ayu Kartika", "nip": flow.NIP_CONTACT, "position": "Kepala Seksi Data"})
    turn("officer", rid)                                                 # now the officer places it
    # Every mail went through STARTTLS with the office's login; the other unit heard nothing.
    assert mail.logins and {login for login, _password in mail.logins} == {USER.encode()}
    assert told["contact_b"] == 0 and told["helpdesk"] == 0
