"""The generic engine, on a small made-up ticket table (not custody), so it stays generic."""

import pytest

from controller.domain.workflow import (
    SYSTEM,
    AlreadySigned,
    IllegalMove,
    InvalidData,
    InvalidWorkflow,
    MissingData,
    Outcome,
    RoleNotAllowed,
    Transition,
    Workflow,
)

f = frozenset

TICKET = Workflow(
    "ticket",
    ("open", "assigned", "solved", "closed", "out_of_scope"),
    (
        Transition("file", f({None}), f({"user"}), "open", required=("title",)),
        Transition("triage", f({"open"}), f({"helpdesk"}),
                   Outcome("in_scope", "assigned", "out_of_scope", effects_if_false=("notify:out",)),
                   effects=("log",)),
        Transition("solve", f({"assigned"}), f({"tech", "helpdesk"}), "solved", required=("fix",)),
        Transition("reopen", f({"solved"}), f({"user"}), "assigned"),
        Transition("close", f({"solved"}), f({"head", "user"}), "closed",
                   quorum=f({"head", "user"}), required=("name",), effects=("issue_form",)),
        Transition("expire", f({"assigned"}), f({SYSTEM}), "closed", manual=False),
    ),
    initial="open",
)


def test_allowed_actions_follow_state_and_role_in_table_order():
    assert TICKET.allowed_actions(None, "user") == ["file"]
    assert TICKET.allowed_actions("assigned", "helpdesk") == ["solve"]
    assert TICKET.allowed_actions("solved", "user") == ["reopen", "close"]
    assert TICKET.allowed_actions("assigned", SYSTEM) == ["expire"]
    assert TICKET.allowed_actions("closed", "user") == []


def test_plain_move_returns_target_and_effects():
    move = TICKET.move("assigned", "solve", "tech", {"fix": "rebooted"})
    assert (move.action, move.from_state, move.to_state, move.effects) == ("solve", "assigned", "solved", ())
    assert move.complete


def test_create_from_no_state():
    assert TICKET.move(None, "file", "user", {"title": "x"}).to_state == "open"


def test_unknown_action_is_illegal_and_lists_what_the_role_may_do():
    with pytest.raises(IllegalMove) as err:
        TICKET.move("solved", "fly", "user")
    assert err.value.allowed == ("reopen", "close")
    assert (err.value.action, err.value.state) == ("fly", "solved")


def test_action_from_wrong_state_is_illegal():
    with pytest.raises(IllegalMove) as err:
        TICKET.move("open", "solve", "tech", {"fix": "x"})
    assert err.value.allowed == ()


def test_wrong_role_is_refused_with_the_roles_that_may():
    with pytest.raises(RoleNotAllowed) as err:
        TICKET.move("assigned", "solve", "user", {"fix": "x"})
    assert err.value.allowed == ("helpdesk", "tech")
    assert err.value.actions == ()


def test_people_cannot_take_automatic_moves():
    with pytest.raises(RoleNotAllowed):
        TICKET.move("assigned", "expire", "helpdesk")
    assert TICKET.move("assigned", "expire", SYSTEM).to_state == "closed"


@pytest.mark.parametrize("value", [None, "", "   ", [], {}])
def test_empty_required_field_is_missing(value):
    with pytest.raises(MissingData) as err:
        TICKET.move("assigned", "solve", "tech", {"fix": value})
    assert err.value.fields == ("fix",)


def test_missing_data_checked_after_role():
    with pytest.raises(RoleNotAllowed):
        TICKET.move("assigned", "solve", "user", {})


def test_outcome_chooses_branch_and_its_effects():
    yes = TICKET.move("open", "triage", "helpdesk", {"in_scope": True})
    no = TICKET.move("open", "triage", "helpdesk", {"in_scope": False})
    assert (yes.to_state, yes.effects) == ("assigned", ("log",))
    assert (no.to_state, no.effects) == ("out_of_scope", ("log", "notify:out"))


def test_outcome_field_is_required_and_must_be_boolean():
    with pytest.raises(MissingData) as err:
        TICKET.move("open", "triage", "helpdesk", {})
    assert err.value.fields == ("in_scope",)
    with pytest.raises(InvalidData):
        TICKET.move("open", "triage", "helpdesk", {"in_scope": "yes"})


def test_quorum_waits_for_every_party_then_moves_once():
    first = TICKET.move("solved", "close", "user", {"name": "A"})
    assert (first.to_state, first.effects, first.complete) == ("solved", (), False)
    assert first.signed == {"user"} and first.pending == {"head"}
    with pytest.raises(AlreadySigned) as err:
        TICKET.move("solved", "close", "user", {"name": "A"}, already_signed=first.signed)
    assert err.value.pending == ("head",)
    last = TICKET.move("solved", "close", "head", {"name": "B"}, already_signed=first.signed)
    assert (last.to_state, last.effects, last.complete) == ("closed", ("issue_form",), True)
    assert last.signed == {"user", "head"}


def test_quorum_rejects_outsiders_and_needs_data_per_signature():
    with pytest.raises(RoleNotAllowed):
        TICKET.move("solved", "close", "tech", {"name": "C"})
    with pytest.raises(MissingData):
        TICKET.move("solved", "close", "head", {}, already_signed={"user"})


def test_transition_lookup():
    assert TICKET.transition("solve").target == "solved"
    assert TICKET.transition("solve", "assigned").roles == {"tech", "helpdesk"}
    with pytest.raises(IllegalMove):
        TICKET.transition("fly")
    with pytest.raises(IllegalMove):
        TICKET.transition("solve", "open")


def test_terminal_states_are_those_nothing_leaves():
    assert TICKET.terminal_states == {"closed", "out_of_scope"}


GOOD = dict(name="t", states=("a", "b"), initial="a")


@pytest.mark.parametrize(
    ("transitions", "problem"),
    [
        ((Transition("go", f({"a"}), f({"r"}), "nowhere"),), "undeclared state 'nowhere'"),
        ((Transition("go", f({"x"}), f({"r"}), "b"),), "undeclared state 'x'"),
        ((Transition("go", f({"a"}), f({"r"}), Outcome("ok", "b", "zz")),), "undeclared state 'zz'"),
        ((Transition("go", f({"a"}), f({"r"}), "b"), Transition("go", f({"a", "b"}), f({"s"}), "a")),
         "declared twice from state 'a'"),
        ((Transition("go", f({"a"}), f(), "b"),), "no role"),
        ((Transition("go", f({"a"}), f({"r", "s"}), "b", quorum=f({"r"})),), "quorum"),
        ((Transition("go", f({"a"}), f({"r"}), "b", manual=False),), "automatic"),
        ((Transition("go", f({"b"}), f({"r"}), "a"),), "unreachable states ['b']"),
    ],
)
def test_bad_tables_are_refused(transitions, problem):
    with pytest.raises(InvalidWorkflow) as err:
        Workflow(transitions=transitions, **GOOD)
    assert problem in str(err.value)


def test_bad_initial_and_duplicate_states_are_refused():
    with pytest.raises(InvalidWorkflow, match="initial"):
        Workflow("t", ("a",), (), initial="b")
    with pytest.raises(InvalidWorkflow, match="duplicate"):
        Workflow("t", ("a", "a"), (), initial="a")


def test_a_good_small_table_builds():
    wf = Workflow(transitions=(Transition("go", f({"a"}), f({"r"}), "b"),), **GOOD)
    assert wf.terminal_states == {"b"}
