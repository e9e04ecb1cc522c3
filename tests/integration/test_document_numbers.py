"""The register of document numbers: configured patterns, one gapless office-wide sequence per
kind and year, held by the database."""

from __future__ import annotations

import io
import re
import threading

import pytest

from tests.support import custody as flow


def _sessions(db_url):
    from controller import audit
    from controller.db import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    factory = make_sessionmaker(engine)
    audit.install(factory)
    return engine, factory


def test_fifty_concurrent_issues_get_1_to_50_and_a_new_year_restarts(db_url):
    from sqlalchemy import select

    from controller.db import unit_of_work
    from controller.models import Document
    from controller.services import numbering, papers

    engine, factory = _sessions(db_url)
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def issue(i: int) -> None:
        try:
            start.wait(30)
            with unit_of_work(factory, actor=f"officer{i}") as s:
                seq = numbering.next_seq(s, "handover", 2026)
                papers.store(s, kind="handover", unit_id=None, request_id=None, filename=f"{i}.pdf",
                             content_type="application/pdf", content=b"%PDF-1.7 " + str(i).encode(),
                             actor=f"officer{i}", number=f"BA/{seq:03d}/2026", year=2026, seq=seq)
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with factory() as s:
        seqs = sorted(s.scalars(select(Document.seq).where(Document.kind == "handover", Document.year == 2026)))
        numbers = set(s.scalars(select(Document.number).where(Document.kind == "handover")))
    assert seqs == list(range(1, 51)) and len(numbers) == 50

    with unit_of_work(factory, actor="t") as s:
        assert numbering.next_seq(s, "handover", 2027) == 1       # a new year starts again
        assert numbering.next_seq(s, "return", 2026) == 1         # each kind has its own sequence
    with pytest.raises(RuntimeError), unit_of_work(factory, actor="t") as s:
        assert numbering.next_seq(s, "handover", 2026) == 51
        raise RuntimeError("the form failed to render")           # rolled back: 51 is given back
    with unit_of_work(factory, actor="t") as s:
        assert numbering.next_seq(s, "handover", 2026) == 51
    engine.dispose()


@pytest.fixture
def settings(db_url):
    from controller.settings import Settings

    return Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef", scheduler_enabled=False,
                    document_number_patterns={"handover": "{klasifikasi}/{nomor}/{kode_opd}/{tahun}"},
                    document_classifications={"handover": "027"}, office_code="406.020")


def test_the_handover_form_carries_the_configured_number(client, world):
    from pypdf import PdfReader

    first = flow.to_handed_over(client, world, flow.submit(client, world)["id"])
    second = flow.to_handed_over(client, world, flow.submit(client, world)["id"])
    numbers = [next(d for d in r["documents"] if d["kind"] == "handover")["number"] for r in (first, second)]
    year = numbers[0][-4:]
    # The kind's sequence of the year, in the office's format.
    assert numbers == [f"027/001/406.020/{year}", f"027/002/406.020/{year}"]
    doc = next(d for d in first["documents"] if d["kind"] == "handover")
    content = client.get(doc["url"], headers=world.auth("contact_a")).content
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert f"Nomor: 027/001/406.020/{year}" in re.sub(r"\s+", " ", text)
    assert 'data-verify="match"' in client.get(f"/verify/{numbers[0]}").text


def test_a_pattern_without_the_sequence_is_refused_at_start():
    from pydantic import ValidationError

    from controller.settings import Settings

    with pytest.raises(ValidationError, match=r"needs \{nomor\} and \{tahun\}"):
        Settings(document_number_patterns={"handover": "{klasifikasi}/{kode_opd}/{tahun}"})
    with pytest.raises(ValidationError, match="unknown field"):
        Settings(document_number_patterns={"handover": "{nomer}/{tahun}"})


def test_0017_starts_the_register_above_the_numbers_already_given(app, client, world, db_url):
    """Numbers given per unit before 0017 are never given again by the office-wide register."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from controller.db import unit_of_work
    from controller.migrate import alembic_config, upgrade
    from controller.services import numbering

    done = flow.to_handed_over(client, world, flow.submit(client, world)["id"])
    year = int(next(d for d in done["documents"] if d["kind"] == "handover")["number"][-4:])
    for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
        engine.dispose()
    command.downgrade(alembic_config(db_url), "0016")
    engine = create_engine(db_url)
    with engine.begin() as conn:  # another unit's seventh form of the year, numbered the old way
        conn.execute(text("INSERT INTO documents (kind, unit_id, filename, content_type, size, sha256, content, "
                          "created_by, created_at, number, year, seq) VALUES ('handover', :u, 'x.pdf', "
                          "'application/pdf', 1, :h, :c, 'old', CURRENT_TIMESTAMP, :n, :y, 7)"),
                     {"u": world.ids["unit_b"], "h": "0" * 64, "c": b"x", "n": f"BAST/007/BAPPEDA/{year}", "y": year})
    engine.dispose()
    upgrade(db_url)
    _engine, factory = _sessions(db_url)
    with unit_of_work(factory, actor="t") as s:
        assert numbering.next_seq(s, "handover", year) == 8
        assert numbering.next_seq(s, "return", year) == 1
    _engine.dispose()
