"""The runner's typed payload access: an effect gets the payload model its action parses into, and
a procedure that wires an effect to an action carrying another model fails loudly, by name."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from controller.domain.custody_flow import CUSTODY
from controller.domain.workflow import Move
from controller.models import CustodyRequest
from controller.services import runner
from controller.services.custody_payloads import Payload, Reason, Sign
from controller.services.lifecycle_payloads import Assign
from controller.settings import Settings


def _ctx(body: Payload, action: str = "refuse") -> runner.Ctx[CustodyRequest]:
    return runner.Ctx(session=Session(), settings=Settings(), case=CustodyRequest(id=1), flow=CUSTODY,
                      move=Move(action, "submitted", "refused"), body=body, raw={}, actor="head", role="head",
                      now=datetime(2026, 1, 5, tzinfo=UTC))


def test_an_effect_gets_its_actions_payload_model() -> None:
    reason = Reason(reason="surat tidak lengkap")
    assert _ctx(reason).payload(Reason) is reason
    assert _ctx(reason).payload(Payload) is reason  # a subclass is the model it extends


def test_a_payload_of_another_model_is_refused_naming_both() -> None:
    with pytest.raises(TypeError, match=r"'refuse' carries Reason, not Sign"):
        _ctx(Reason(reason="x")).payload(Sign)


def test_assigning_an_officer_needs_a_payload_that_names_one() -> None:
    assert isinstance(Assign(letter_number="800/1", officer="budi"), runner.NamesOfficer)
    with pytest.raises(TypeError, match=r"'assign' carries Reason, which names no officer"):
        runner.assign_officer(_ctx(Reason(reason="x"), action="assign"))
