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
    assert {t.action for t in MAINTENANCE.transitions} == {"request", "issue_memo", "approve", "reject", "assign",
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
             ("issue_memo", Role.section_head, {"memo_number": "ND/001/2026"}),
             ("approve", Role.division_head, {}),
             ("assign", Role.head, {"letter_number": "800/1", "officer": "agus"}),
             ("record_work", Role.officer, {"work_done": "x", "downtime_start": "a", "downtime_end": "b"}),
             ("report", Role.officer, {"report": "ok"})]
    assert _walk(MAINTENANCE, steps) == "closed"
    assert MAINTENANCE.transition("record_work").effects == ("record_parts",)
    assert MAINTENANCE.transition("issue_memo").effects == ("issue_nota_dinas",)
    with pytest.raises(MissingData) as err:
        MAINTENANCE.move("approved", "assign", Role.division_head, {"officer": "agus"})
    assert err.value.fields == ("letter_number",)


def test_the_division_head_decides_only_on_the_section_heads_memo():
    """SOP 001 Perbaikan 2-3: the Kasi's nota dinas comes between the analysis and the Kabid's decision."""
    with pytest.raises(IllegalMove) as illegal:
        MAINTENANCE.move("requested", "approve", Role.division_head)
    assert illegal.value.allowed == ()
    with pytest.raises(IllegalMove) as illegal:
        MAINTENANCE.move("requested", "reject", Role.division_head, {"reason": "x"})
    assert illegal.value.allowed == ()
    assert MAINTENANCE.allowed_actions("requested", Role.section_head) == ["issue_memo"]
    for role in (Role.officer, Role.division_head, Role.head):
        with pytest.raises(RoleNotAllowed) as refused:
            MAINTENANCE.move("requested", "issue_memo", role, {"memo_number": "ND/1"})
        assert refused.value.allowed == ("section_head",)
    with pytest.raises(MissingData) as missing:
        MAINTENANCE.move("requested", "issue_memo", Role.section_head, {})
    assert missing.value.fields == ("memo_number",)
    assert MAINTENANCE.allowed_actions("memo_sent", Role.division_head) == ["approve", "reject"]
    assert MAINTENANCE.move("memo_sent", "reject", Role.division_head, {"reason": "x"}).to_state == "rejected"


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
    # The review issues its telaahan whichever way it goes.
    for eligible in (True, False):
        assert DISPOSAL.move("requested", "review", Role.section_head, {"eligible": eligible, "findings": "x"}
                             ).effects == ("issue_review",)


def test_terminal_states_close_cases():
    assert not is_open("disposal", "disposed") and not is_open("transfer", "rejected")
    assert is_open("maintenance", "worked")
    assert DISPOSAL.terminal_states == {"disposed", "rejected"}


# --- service times -------------------------------------------------------------------------

def test_every_open_state_has_a_service_time_and_no_closed_one_has():
    from controller.domain.lifecycle_flow import DisposalMethod, service_time

    for kind, flow in FLOWS.items():
        methods = list(DisposalMethod) if kind == "disposal" else [None]
        for state in flow.states:
            for method in methods:
                time = service_time(kind, state, method)
                if state in flow.terminal_states:
                    assert time is None, (kind, state, method)
                elif (kind, state, method) == ("disposal", "awaiting_regent", DisposalMethod.deletion):
                    assert time is None   # a deletion never waits for the regent
                else:
                    assert time is not None and (time.days or time.minutes), (kind, state, method)


def test_service_times_are_the_sops_waktu_column():
    from controller.domain.lifecycle_flow import service_time, timed_states

    def times(kind: str, method: str | None = None) -> list[str | None]:
        return [t.text if (t := service_time(kind, s, method)) else None for s in timed_states(kind)]

    # SOP 001 maintenance: 30 menit (the nota dinas), 30 menit (the approval), 1, 3, 1 hari
    assert times("maintenance") == ["30 menit", "30 menit", "1 hari", "3 hari", "1 hari"]
    # SOP 001 transfer: no time written (the office's day), 10 menit, 10 menit then 3 hari
    assert times("transfer") == ["1 hari", "10 menit", "3 hari + 10 menit"]
    # SOP 000 destruction, steps 2..9 after the request: 5+2, 2, 2+2+2, 2, 2; then SOP 001's report
    assert times("disposal", "pemusnahan") == ["7 hari", "2 hari", "6 hari", "2 hari", "2 hari", "1 hari"]
    assert times("disposal", "penghapusan") == ["30 menit", "30 menit", None, "4 hari", "2 hari", "1 hari"]
    assert times("disposal", "pemindahtanganan") == ["30 menit", "30 menit", "6 hari", "4 hari", "2 hari", "1 hari"]
    assert service_time("disposal", "requested", None) is None   # no method, no table


def test_a_lifecycle_step_is_due_in_working_days_across_a_holiday_weekend():
    """Wed 24 Dec 2025 10:00 WIB: Christmas (Thu), cuti bersama (Fri) and the weekend do not count."""
    from datetime import UTC, datetime

    from controller.domain.lifecycle_flow import due_at
    from controller.domain.service_time import WorkCalendar

    cal, start = WorkCalendar(), datetime(2025, 12, 24, 3, 0, tzinfo=UTC)
    assert due_at("maintenance", "assigned", None, start, cal) == datetime(2025, 12, 31, 3, 0, tzinfo=UTC)  # 3 hari
    assert due_at("disposal", "requested", "pemusnahan", start, cal) == datetime(
        2026, 1, 7, 3, 0, tzinfo=UTC)                                 # New Year's Day does not count either


def test_a_step_of_minutes_is_due_in_minutes_of_office_time():
    """The Kasi's nota dinas (30 menit) asked for at 15:40 WIB on Wednesday 24 Dec 2025 is due at
    08:10 on Monday 29 Dec: 20 minutes that day, then Christmas, cuti bersama and the weekend are
    closed, then 10 minutes from the opening; the Kabid's approval (30 menit) of a memo sent then
    is due at 08:40, an hour of office time after the analysis, not two days."""
    from datetime import UTC, datetime

    from controller.domain.lifecycle_flow import due_at
    from controller.domain.service_time import WorkCalendar

    cal = WorkCalendar()
    memo_due = due_at("maintenance", "requested", None, datetime(2025, 12, 24, 8, 40, tzinfo=UTC), cal)
    assert memo_due == datetime(2025, 12, 29, 1, 10, tzinfo=UTC)
    assert due_at("maintenance", "memo_sent", None, memo_due, cal) == datetime(2025, 12, 29, 1, 40, tzinfo=UTC)
    # Asked for at 09:00 on a plain Tuesday, the memo is due at 09:30 and the approval at 10:00.
    memo_due = due_at("maintenance", "requested", None, datetime(2026, 12, 8, 2, 0, tzinfo=UTC), cal)
    assert memo_due == datetime(2026, 12, 8, 2, 30, tzinfo=UTC)
    assert due_at("maintenance", "memo_sent", None, memo_due, cal) == datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    assert due_at("transfer", "transferred", None, datetime(2026, 12, 8, 2, 0, tzinfo=UTC), cal) is None
