"""One error tree (issue 18): the workflow's refusals are TitipErrors that carry their HTTP status
and answer, so the API translates every error in one handler and the web in one helper."""

from __future__ import annotations

from controller.domain.workflow import (
    AlreadySigned,
    IllegalMove,
    InvalidData,
    MissingData,
    RoleNotAllowed,
    WorkflowError,
)
from controller.errors import TitipError


def test_every_workflow_refusal_is_a_titip_error_with_its_status() -> None:
    assert issubclass(WorkflowError, TitipError)
    cases = [(IllegalMove("approve", "submitted", ["reject", "accept"]), 409),
             (RoleNotAllowed("approve", "unit_contact", ["officer"], ["withdraw"]), 403),
             (AlreadySigned("sign", "officer", ["unit_contact"]), 409),
             (MissingData("reject", ["reason", "note"]), 422),
             (InvalidData("inspect", "passed", "must be true or false"), 422)]
    assert [(type(e).__name__, e.status) for e, _ in cases] == [(type(e).__name__, s) for e, s in cases]


def test_the_api_answers_name_the_allowed_moves_and_fields() -> None:
    assert IllegalMove("approve", "submitted", ["reject", "accept"]).body() == {
        "detail": "'approve' is not possible in state 'submitted'", "state": "submitted",
        "allowed_actions": ["accept", "reject"]}
    assert RoleNotAllowed("approve", "unit_contact", ["officer"], ["withdraw"]).body() == {
        "detail": "role 'unit_contact' may not take 'approve'", "allowed_roles": ["officer"],
        "allowed_actions": ["withdraw"]}
    assert AlreadySigned("sign", "officer", ["unit_contact"]).body() == {
        "detail": "'officer' has already signed; waiting for ['unit_contact']", "allowed_actions": []}
    assert MissingData("reject", ["reason", "note"]).body() == {
        "detail": "'reject' needs reason, note", "field": "reason",
        "errors": [{"field": "reason", "message": "required"}, {"field": "note", "message": "required"}]}
    assert InvalidData("inspect", "passed", "must be true or false").body() == {
        "detail": "passed: must be true or false", "field": "passed"}


def test_the_engine_sentence_stays_what_logs_and_pages_show() -> None:
    assert str(IllegalMove("approve", "submitted", ["reject"])) == \
        "'approve' is not possible in state 'submitted'; allowed: ['reject']"
    assert str(MissingData("reject", ["reason"])) == "'reject' needs ['reason']"
