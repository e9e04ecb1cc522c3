"""A stored document downloads whatever its file name, from the API and from the web pages alike."""

from __future__ import annotations

from urllib.parse import quote

from tests.integration.test_web_pages import PDF, Browser
from tests.support import custody as flow

NAME = "surat_permohonan_ü_日本.pdf"


def test_letter_with_a_non_latin1_name_downloads_with_rfc6266_header(app, client, world):
    rid = flow.submit(client, world)["id"]
    h = world.auth("contact_a")
    r = client.post(f"/api/v1/custody-requests/{rid}/letter", headers=h,
                    files={"letter_file": (NAME, PDF, "application/pdf")})
    assert r.status_code == 201, r.text
    doc_id, stored = r.json()["id"], r.json()["filename"]
    assert stored == NAME

    api = client.get(f"/api/v1/documents/{doc_id}", headers=h)
    web = Browser(app, "contact_a").get(f"/documents/{doc_id}")
    for r in (api, web):
        assert r.status_code == 200 and r.content == PDF
        disposition = r.headers["content-disposition"]
        assert disposition == f"inline; filename=\"surat_permohonan_u_.pdf\"; filename*=UTF-8''{quote(NAME)}"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "no-store" in r.headers["cache-control"]
        assert r.headers["x-content-sha256"] == client.get(
            f"/api/v1/custody-requests/{rid}", headers=h).json()["documents"][0]["sha256"]
