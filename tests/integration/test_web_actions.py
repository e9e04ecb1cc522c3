"""The web's one page-action helper on a real SQLite session: success commits, a refusal from either
root of the error tree is rolled back and described in the reader's language, a 404 and a bug
are not turned into a flash."""

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from starlette.requests import Request

from controller.domain.workflow import IllegalMove
from controller.errors import Conflict, NotFound
from controller.web.actions import Refusal, act, change


@pytest.fixture
def db(tmp_path) -> Iterator[Session]:
    engine = create_engine(f"sqlite:///{tmp_path / 'actions.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    with Session(engine) as session:
        yield session
    engine.dispose()


def _request(lang: str) -> Request:
    return Request({"type": "http", "method": "POST", "path": "/", "headers": [], "session": {"lang": lang}})


def _notes(db: Session) -> list[str]:
    return list(db.scalars(text("SELECT body FROM notes")))


def _write(db: Session, body: str) -> None:
    db.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})


def test_a_change_that_succeeds_is_committed_and_gives_its_result(db: Session) -> None:
    def work() -> int:
        _write(db, "kept")
        return 7

    assert change(_request("en"), db, work) == 7
    db.rollback()  # nothing left to undo: it was committed
    assert _notes(db) == ["kept"]


def test_a_refusal_is_rolled_back_and_described_in_the_readers_language(db: Session) -> None:
    def work() -> None:
        _write(db, "half")
        raise Conflict("rack 'R1' would draw 900 W of its 800 W")

    out = change(_request("id"), db, work)
    assert isinstance(out, Refusal) and isinstance(out.error, Conflict)
    assert out.message == "Perubahan bertentangan dengan data yang ada."
    assert out.detail == "Rak R1 akan memakai 900 W dari kapasitas 800 W."
    assert _notes(db) == []


def test_the_engines_refusal_is_a_refusal_too(db: Session) -> None:
    def work() -> None:
        _write(db, "half")
        raise IllegalMove("place", "submitted", ["head_dispose"])

    out = change(_request("en"), db, work)
    assert isinstance(out, Refusal)
    assert out.message == "This step is not possible in the request's current state."
    assert _notes(db) == []


def test_not_found_and_bugs_are_not_flashed(db: Session) -> None:
    def missing() -> None:
        raise NotFound("server 9 not found")

    def bug() -> None:
        raise ZeroDivisionError

    with pytest.raises(NotFound):
        change(_request("en"), db, missing)
    with pytest.raises(ZeroDivisionError):
        change(_request("en"), db, bug)
    # A page may take NotFound as a refusal (the form again) and let a role error through instead.
    assert isinstance(change(_request("en"), db, missing, passes=()), Refusal)


def test_act_says_the_outcome_and_goes_back(db: Session) -> None:
    request = _request("en")
    ok = act(request, db, lambda: _write(db, "x"), "/findings", "Finding accepted.")
    refused = act(request, db, lambda: (_ for _ in ()).throw(Conflict("taken")), "/findings#f1", "never")
    assert (ok.status_code, ok.headers["location"]) == (303, "/findings")
    assert (refused.status_code, refused.headers["location"]) == (303, "/findings#f1")
    assert request.session["flash"] == [["success", "Finding accepted.", None],
                                        ["error", "The change conflicts with the current records.", "taken"]]
