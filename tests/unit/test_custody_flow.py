"""The custody table checked against the procedure as the SOP states it, written out again here."""

from datetime import UTC, datetime, timedelta

import pytest

from controller.domain.choices import Role
from controller.domain.custody_flow import CUSTODY, IN_CUSTODY, STATE_LABELS, TERMINAL, CustodyState, reservation_lapsed
from controller.domain.workflow import SYSTEM, AlreadySigned, IllegalMove, MissingData, RoleNotAllowed

# action: rows of (roles, sources), independent of the module under test
_BEFORE_RECEIPT = {"submitted", "head_disposed", "assigned", "space_reserved", "waitlisted"}
_RETURNABLE = {"received", "inspected", "handed_over", "placed", "configured", "access_failed", "active"}
SPEC = {
    "submit": [({"unit_contact"}, {None})],
    "head_dispose": [({"head"}, {"submitted"})],
    # either disposition may refuse the letter
    "refuse": [({"head"}, {"submitted"}), ({"division_head"}, {"head_disposed"})],
    # the unit may withdraw until its server is received
    "withdraw": [({"unit_contact"}, _BEFORE_RECEIPT)],
    "division_dispose": [({"division_head"}, {"head_disposed"})],
    "reserve_space": [({"officer"}, {"assigned"})],
    "waitlist": [({"officer"}, {"assigned"})],
    "promote": [({"system"}, {"waitlisted"})],
    "lapse": [({"system"}, {"space_reserved"})],
    "receive": [({"officer"}, {"space_reserved"})],
    "inspect": [({"officer"}, {"received"})],
    "sign_handover": [({"officer", "unit_contact"}, {"inspected"})],
    "place": [({"officer"}, {"handed_over"})],
    "configure": [({"officer"}, {"placed", "access_failed"})],
    "confirm_access": [({"unit_contact"}, {"configured"})],
    # a return from any state the server is here in, not only from active
    "request_return": [({"unit_contact"}, _RETURNABLE)],
    "approve_return": [({"division_head"}, {"return_requested"})],
    "release": [({"officer"}, {"return_approved"})],
}
ROLES = [*Role, SYSTEM]
STATES = [None, *CustodyState]

# enough data for every action, so only state and role decide
ALL_DATA = {
    "letter_number": "005/123/DISKOMINFO", "letter_date": "2026-03-02", "server": {"serial": "SN1"},
    "note": "proses", "officer": "budi", "passed": True,
    "checklist": {"physical": True, "serial_matches": True, "rails": True, "psu": True, "accessories": True},
    "name": "Siti", "nip": "198001012005012001", "position": "Kepala Seksi",
    "management_ip": "10.0.0.5", "access_checks": ["ping", "ssh"], "ok": True,
    "reason": "migrasi ke cloud", "signatures": ["officer", "unit_contact"],
}


def expected_allowed(state, role):
    return {a for a, rows in SPEC.items() for roles, sources in rows if state in sources and role in roles}


def row_for(action, state):
    return next(((roles, sources) for roles, sources in SPEC[action] if state in sources), (set(), set()))


def test_table_has_exactly_the_spec_actions():
    assert {t.action for t in CUSTODY.transitions} == set(SPEC)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_match_the_procedure(state, role):
    assert set(CUSTODY.allowed_actions(state, role)) == expected_allowed(state, role)


def outcome(state, action, role):
    """What actually happens, as a comparable tuple."""
    try:
        return ("moves", CUSTODY.move(state, action, role, ALL_DATA).from_state)
    except IllegalMove as err:
        return ("illegal", set(err.allowed))
    except RoleNotAllowed as err:
        return ("role", set(err.allowed), set(err.actions))


@pytest.mark.parametrize("action", list(SPEC))
def test_every_state_and_role_for_each_action(action):
    for state in STATES:
        roles, sources = row_for(action, state)
        for role in ROLES:
            if state not in sources:
                expected = ("illegal", expected_allowed(state, role))
            elif role not in roles:
                expected = ("role", roles, expected_allowed(state, role))
            else:
                expected = ("moves", state)
            assert outcome(state, action, role) == expected, (state, role)


def test_admin_has_no_workflow_powers():
    assert all(CUSTODY.allowed_actions(s, Role.admin) == [] for s in STATES)


def test_every_state_has_labels_and_declared_sets_are_consistent():
    assert set(STATE_LABELS) == set(CustodyState) == set(CUSTODY.states)
    assert all(label.id and label.en and label.colour for label in STATE_LABELS.values())
    assert CUSTODY.terminal_states == TERMINAL
    assert not IN_CUSTODY & TERMINAL
    assert CUSTODY.initial == "submitted"


def step(state, action, role, signed=(), **data):
    return CUSTODY.move(state, action, role, data, already_signed=signed)


SIGNER = {"name": "Siti", "nip": "198001012005012001", "position": "Kepala Seksi"}


def to_placed():
    """Walk intake to 'placed', collecting effects along the way."""
    effects = []
    m = step(None, "submit", "unit_contact", letter_number="1", letter_date="2026-03-02",
             server={"serial_number": "SN1"})
    assert m.to_state == "submitted"
    for state, action, role, data, target in [
        ("submitted", "head_dispose", "head", {"note": "teruskan"}, "head_disposed"),
        ("head_disposed", "division_dispose", "division_head", {"officer": "budi"}, "assigned"),
        ("assigned", "reserve_space", "officer", {}, "space_reserved"),
        ("space_reserved", "receive", "officer", {}, "received"),
        ("received", "inspect", "officer", {"passed": True, "checklist": ALL_DATA["checklist"]}, "inspected"),
    ]:
        m = step(state, action, role, **data)
        assert m.to_state == target
        effects += m.effects
    first = step("inspected", "sign_handover", "unit_contact", **SIGNER)
    assert first.to_state == "inspected" and first.effects == ()
    m = step("inspected", "sign_handover", "officer", first.signed, **SIGNER)
    assert m.to_state == "handed_over"
    effects += m.effects
    m = step("handed_over", "place", "officer")
    assert m.to_state == "placed"
    return effects + list(m.effects)


def test_happy_path_from_submitted_to_returned():
    effects = to_placed()
    assert effects == ["assign_officer", "reserve_slot", "notify:space_ready", "resume_monitoring",
                       "issue_handover_form", "occupy_slot"]
    m = step("placed", "configure", "officer", management_ip="10.0.0.5", access_checks=["ping"])
    assert (m.to_state, m.effects) == ("configured", ("run_access_checks", "notify:configured"))
    m = step("configured", "confirm_access", "unit_contact", ok=True, note="bisa")
    assert (m.to_state, m.effects) == ("active", ())
    moved = step("active", "request_return", "unit_contact", reason="r", letter_number="2")
    assert moved.to_state == "return_requested"
    m = step("return_requested", "approve_return", "division_head")
    assert (m.to_state, m.effects) == ("return_approved", ("notify:return_approved",))
    m = step("return_approved", "release", "officer", signatures=["officer", "unit_contact"])
    assert m.to_state == "returned"
    assert {"issue_return_form", "free_slot", "promote_waitlist", "retire_monitoring",
            "notify:returned"} <= set(m.effects)
    assert "returned" in TERMINAL and "returned" not in IN_CUSTODY


def test_access_failed_loops_back_to_configure():
    m = step("configured", "confirm_access", "unit_contact", ok=False, note="timeout")
    assert (m.to_state, m.effects) == ("access_failed", ("notify:access_failed",))
    assert CUSTODY.allowed_actions("access_failed", "officer") == ["configure"]
    again = step("access_failed", "configure", "officer", management_ip="10.0.0.6", access_checks=["ssh"])
    assert again.to_state == "configured"
    assert step("configured", "confirm_access", "unit_contact", ok=True).to_state == "active"


def test_confirm_access_needs_an_answer():
    with pytest.raises(MissingData) as err:
        step("configured", "confirm_access", "unit_contact", note="?")
    assert err.value.fields == ("ok",)


def test_failed_inspection_rejects_and_frees_the_slot():
    m = step("received", "inspect", "officer", passed=False, checklist={"serial_matches": False})
    assert m.to_state == "rejected"
    assert m.effects[:2] == ("free_slot", "promote_waitlist")
    assert "rejected" in TERMINAL and "rejected" not in IN_CUSTODY


def test_inspection_false_is_an_answer_not_missing_data():
    with pytest.raises(MissingData) as err:
        step("received", "inspect", "officer", checklist={"physical": True})
    assert err.value.fields == ("passed",)


def test_room_full_waitlist_then_promotion():
    m = step("assigned", "waitlist", "officer")
    assert (m.to_state, "notify:room_full" in m.effects) == ("waitlisted", True)
    p = step("waitlisted", "promote", SYSTEM)
    assert (p.to_state, p.effects) == ("space_reserved", ("reserve_slot", "notify:space_ready"))
    with pytest.raises(RoleNotAllowed):
        step("waitlisted", "promote", "officer")


def test_unused_reservation_lapses_and_frees_its_slot():
    m = step("space_reserved", "lapse", SYSTEM)
    assert m.to_state == "lapsed" and "lapsed" in TERMINAL
    assert {"free_slot", "promote_waitlist", "notify:lapsed"} <= set(m.effects)
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert not reservation_lapsed(t0, t0 + timedelta(days=14))
    assert reservation_lapsed(t0, t0 + timedelta(days=14, seconds=1))


def test_handover_each_side_signs_once():
    first = step("inspected", "sign_handover", "officer", **SIGNER)
    assert first.pending == {"unit_contact"}
    with pytest.raises(AlreadySigned):
        step("inspected", "sign_handover", "officer", first.signed, **SIGNER)
    with pytest.raises(MissingData) as err:
        step("inspected", "sign_handover", "unit_contact", first.signed, name="Siti")
    assert set(err.value.fields) == {"nip", "position"}
    with pytest.raises(RoleNotAllowed):
        step("inspected", "sign_handover", "head", **SIGNER)


def test_in_custody_spans_arrival_to_return():
    assert {"received", "inspected", "handed_over", "placed", "configured",
                          "access_failed", "active", "return_requested", "return_approved"} == IN_CUSTODY
