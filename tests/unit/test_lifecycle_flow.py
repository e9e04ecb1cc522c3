"""The lifecycle procedures are rows of tables run by the very Workflow class custody uses."""

import pytest

from controller.domain.choices import Role
from controller.domain.custody_flow import CUSTODY
from controller.domain.lifecycle_flow import DISPOSAL, FLOWS, LABELS, MAINTENANCE, NEEDS_REGENT, TRANSFER, is_open
from controller.domain.workflow import IllegalMove, MissingData, RoleNotAllowed, Transition, Workflow


def test_every_flow_is_a_table_for_the_custody_engine():
    for flow in (*FLOWS.values(), CUSTODY):
        assert type(flow) is Workflow
        assert all(isinstance(t, Transition) for t in flow.transitions)
    assert {t.action for t in MAINTENANCE.transitions} == {"request", "approve", "reject", "assign",
                                                           "record_work", "report"}


def test_every_state_has_indonesian_and_english_labels():
    for kind, flow in FLOWS.items():
        assert set(LABELS[kind]) == set(flow.states)
        assert all(label.id and label.en and label.colour for label in LABELS[kind].values())


def _walk(flow: Workflow, steps) -> str | None:
    state = None
    for action, role, data in steps:
        state = flow.move(state, action, role, data).to_state
    return state


def test_maintenance_follows_sop_001():
    steps = [("request", Role.officer, {"kind": "repair", "analysis": "disk"}),
             ("approve", Role.division_head, {}),
             ("assign", Role.head, {"letter_number": "800/1", "officer": "agus"}),
             ("record_work", Role.officer, {"work_done": "x", "downtime_start": "a", "downtime_end": "b"}),
             ("report", Role.officer, {"report": "ok"})]
    assert _walk(MAINTENANCE, steps) == "closed"
    assert MAINTENANCE.transition("record_work").effects == ("record_parts",)
    with pytest.raises(MissingData) as err:
        MAINTENANCE.move("approved", "assign", Role.division_head, {"officer": "agus"})
    assert err.value.fields == ("letter_number",)


def test_transfer_needs_the_division_head_then_the_head():
    assert TRANSFER.allowed_actions(None, Role.unit_contact) == ["request"]
    state = TRANSFER.move(None, "request", Role.unit_contact, {"to_unit": "B", "reason": "r"}).to_state
    with pytest.raises(RoleNotAllowed) as err:
        TRANSFER.move(state, "approve", Role.head)
    assert err.value.allowed == ("division_head",)
    state = TRANSFER.move(state, "approve", Role.division_head).to_state
    with pytest.raises(RoleNotAllowed) as err:
        TRANSFER.move(state, "approve", Role.division_head)
    assert err.value.allowed == ("head",)
    state = TRANSFER.move(state, "approve", Role.head).to_state
    move = TRANSFER.move(state, "record_transfer", Role.officer, {"record_number": "BA/1"})
    assert move.to_state == "transferred" and "change_unit" in move.effects


def test_destruction_waits_for_the_regent_deletion_does_not():
    assert DISPOSAL.move("reviewed", "approve", Role.head, {NEEDS_REGENT: True}).to_state == "awaiting_regent"
    assert DISPOSAL.move("reviewed", "approve", Role.head, {NEEDS_REGENT: False}).to_state == "approved"
    with pytest.raises(IllegalMove) as err:
        DISPOSAL.move("awaiting_regent", "record_wipe", Role.officer, {})
    assert err.value.allowed == ()
    move = DISPOSAL.move("awaiting_regent", "record_regent_approval", Role.head,
                         {"approver_name": "Bupati", "decree_number": "188/1"})
    assert move.to_state == "approved"
    assert DISPOSAL.move("wiped", "hand_over", Role.officer, {"recipient_name": "x", "record_number": "y"}
                         ).effects == ("release_slot", "issue_disposal_record")
    assert DISPOSAL.move("requested", "review", Role.officer, {"eligible": False, "findings": "x"}
                         ).to_state == "rejected"


def test_terminal_states_close_cases():
    assert not is_open("disposal", "disposed") and not is_open("transfer", "rejected")
    assert is_open("maintenance", "worked")
    assert DISPOSAL.terminal_states == {"disposed", "rejected"}


# --- service times -------------------------------------------------------------------------

def test_every_open_state_has_a_service_time_and_no_closed_one_has():
    from controller.domain.lifecycle_flow import DisposalMethod, service_days

    for kind, flow in FLOWS.items():
        methods = list(DisposalMethod) if kind == "disposal" else [None]
        for state in flow.states:
            for method in methods:
                days = service_days(kind, state, method)
                if state in flow.terminal_states:
                    assert days is None, (kind, state, method)
                elif (kind, state, method) == ("disposal", "awaiting_regent", DisposalMethod.deletion):
                    assert days is None   # a deletion never waits for the regent
                else:
                    assert isinstance(days, int) and days >= 1, (kind, state, method)


def test_service_times_are_the_sops_waktu_column():
    from controller.domain.lifecycle_flow import service_days, timed_states

    # SOP 001 maintenance: 30+30 min (each counts a day), 1 hari, 3 hari, 1 hari
    assert [service_days("maintenance", s) for s in timed_states("maintenance")] == [2, 1, 3, 1]
    # SOP 001 transfer: no time (a day), 10 min, 10 min + 3 hari
    assert [service_days("transfer", s) for s in timed_states("transfer")] == [1, 1, 4]
    # SOP 000 destruction, steps 2..9 after the request: 5+2, 2, 2+2+2, 2, 2; then SOP 001's report
    assert [service_days("disposal", s, "pemusnahan") for s in timed_states("disposal")] == [7, 2, 6, 2, 2, 1]
    assert [service_days("disposal", s, "penghapusan") for s in timed_states("disposal")] == [1, 1, None, 4, 2, 1]
    assert service_days("disposal", "requested", None) is None   # no method, no table


def test_a_lifecycle_step_is_due_in_working_days_across_a_holiday_weekend():
    """Wed 24 Dec 2025 10:00 WIB: Christmas (Thu), cuti bersama (Fri) and the weekend do not count."""
    from datetime import UTC, datetime

    from controller.domain.lifecycle_flow import service_days
    from controller.domain.service_time import WorkCalendar, due_at, is_overdue

    cal, start = WorkCalendar(), datetime(2025, 12, 24, 3, 0, tzinfo=UTC)
    due = due_at(start, cal, service_days("maintenance", "requested"))
    assert due == datetime(2025, 12, 30, 3, 0, tzinfo=UTC)          # Tue 10:00 WIB, not Fri 26
    assert not is_overdue(start, due, cal, 2) and is_overdue(start, due.replace(second=1), cal, 2)
    assert due_at(start, cal, service_days("disposal", "requested", "pemusnahan")) == datetime(
        2026, 1, 7, 3, 0, tzinfo=UTC)                                 # New Year's Day does not count either
