"""The needs-planning, procurement and issue tables, and service times counted in office minutes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from controller.domain.choices import Role
from controller.domain.issue_flow import ISSUE, ISSUE_DUE, ISSUE_STEPS
from controller.domain.planning_flow import (
    NEEDS,
    NEEDS_DUE,
    NEEDS_STEPS,
    PROCUREMENT,
    PROCUREMENT_DUE,
    PROCUREMENT_STEPS,
)
from controller.domain.service_time import WorkCalendar, add_working_span
from controller.domain.sop_steps import SopTime
from controller.domain.workflow import IllegalMove, RoleNotAllowed

CAL = WorkCalendar()
JKT = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(("flow", "steps", "due"), [(NEEDS, NEEDS_STEPS, NEEDS_DUE),
                                                    (PROCUREMENT, PROCUREMENT_STEPS, PROCUREMENT_DUE),
                                                    (ISSUE, ISSUE_STEPS, ISSUE_DUE)])
def test_every_move_names_its_sop_step_and_only_open_states_have_a_time(flow, steps, due):
    assert {t.action for t in flow.transitions} == set(steps)
    assert not set(due) & flow.terminal_states
    assert set(due) <= set(flow.states)


def test_ten_minutes_begun_before_closing_are_due_next_morning():
    start = datetime(2026, 11, 20, 15, 55, tzinfo=JKT)   # a Friday
    due = add_working_span(start, SopTime(minutes=10).span(CAL.day_length), CAL)
    assert due == datetime(2026, 11, 23, 8, 5, tzinfo=JKT)


def test_minutes_are_minutes_not_a_working_day():
    start = datetime(2026, 11, 18, 9, 0, tzinfo=JKT)
    assert add_working_span(start, SopTime(minutes=15).span(CAL.day_length), CAL) == start + timedelta(minutes=15)
    assert add_working_span(start, SopTime(days=3).span(CAL.day_length), CAL).date() == date(2026, 11, 23)


def test_the_head_decides_in_three_rows_and_the_unit_cannot():
    assert NEEDS.allowed_actions("assessed", "head") == ["approve", "return_for_revision", "reject"]
    with pytest.raises(RoleNotAllowed):
        NEEDS.move("assessed", "approve", "unit_contact", {"decision_number": "x", "items": [1]})
    with pytest.raises(IllegalMove) as err:
        NEEDS.move("submitted", "approve", "head", {})
    assert err.value.allowed == ("disposition",)


def test_the_division_heads_review_forwards_or_returns():
    assert NEEDS.move("dispositioned", "review", "division_head", {"forward": True, "findings": "ok"}).to_state \
        == "reviewed"
    assert NEEDS.move("dispositioned", "review", "division_head", {"forward": False, "findings": "kurang"}).to_state \
        == "revision"


SIGN = {"name": "Budi", "nip": "197001011995031001", "position": "Kepala Seksi"}


@pytest.mark.parametrize("first,second", [
    (("sign_as_giver", Role.section_head), ("sign_as_recipient", Role.unit_contact)),
    (("sign_as_recipient", Role.unit_contact), ("sign_as_giver", Role.property_manager))])
def test_the_bast_is_signed_by_both_sides_in_either_order(first, second):
    half = ISSUE.move("issued", first[0], first[1], SIGN)
    assert half.effects == () and half.to_state in ("giver_signed", "recipient_signed")
    done = ISSUE.move(half.to_state, second[0], second[1], SIGN)
    assert done.to_state == "signed" and done.effects == ("hand_to_user", "issue_bast")


def test_a_side_signs_once_and_only_its_own_roles_sign_for_it():
    # The office signed: neither issuer may sign for it again, nor for the user.
    for role in (Role.section_head, Role.property_manager):
        with pytest.raises(IllegalMove) as again:
            ISSUE.move("giver_signed", "sign_as_giver", role, SIGN)
        assert again.value.allowed == ()
        with pytest.raises(RoleNotAllowed) as other_side:
            ISSUE.move("giver_signed", "sign_as_recipient", role, SIGN)
        assert other_side.value.allowed == (Role.unit_contact,)
    with pytest.raises(IllegalMove):
        ISSUE.move("recipient_signed", "sign_as_recipient", Role.unit_contact, SIGN)
    with pytest.raises(RoleNotAllowed):
        ISSUE.move("issued", "sign_as_giver", Role.officer, SIGN)
    # The installation is reported only on a signed BAST.
    with pytest.raises(IllegalMove) as early:
        ISSUE.move("giver_signed", "report_installation", Role.unit_contact, {"installed_on": "x", "report": "y"})
    assert early.value.allowed == ("sign_as_recipient",)


def test_every_wait_before_the_report_has_the_handover_s_ten_minutes():
    assert {s: t.text for s, t in ISSUE_DUE.items()} == {
        "issued": "10 menit", "giver_signed": "10 menit", "recipient_signed": "10 menit", "signed": "3 hari",
        "installed": "10 menit"}
