"""Walk a state machine edge by edge: from every state, every action either succeeds (the
allowed edges, landing on the table's target and appending one event) or is refused with the
machine's own error. Each attempt runs in a savepoint that is rolled back."""

from django.core.exceptions import ValidationError
from django.db import transaction

from yingshang.platform.transitions import SAME


class _Undo(Exception):
    pass


def expected_target(machine, edge, obj):
    if edge.target is SAME:
        return machine.state_of(obj)
    if isinstance(edge.target, dict):
        return edge.target[machine.state_of(obj)]
    if callable(edge.target):
        return None  # computed: the caller's ``computed`` says what
    return edge.target


def walk(machine, make, call, *, computed=None, events=None):
    """``make(state)`` → an object in ``state``; ``call(edge, obj)`` performs the action;
    ``computed(edge, obj)`` gives a computed target; ``events(obj)`` the object's event rows.
    Returns (allowed, refused) counts so the caller can assert the whole table was walked."""
    allowed = refused = 0
    for state in machine.states.values:
        for edge in machine.edges:
            try:
                with transaction.atomic():
                    obj = make(state)
                    assert machine.state_of(obj) == state
                    before = events(obj).count() if events else None
                    if state in edge.sources:
                        target = expected_target(machine, edge, obj)
                        if target is None:
                            target = computed(edge, obj)
                        result = call(edge, obj)
                        result.refresh_from_db()
                        assert machine.state_of(result) == target, (state, edge.action)
                        if events:
                            added = events(obj).count() - before
                            assert added >= 1, (state, edge.action)
                            last = events(obj).order_by("-id").first()
                            assert last.action == (edge.event_action or edge.action)
                        allowed += 1
                    else:
                        expected = machine.refuse(type(obj).objects.get(pk=obj.pk), edge)
                        try:
                            call(edge, obj)
                        except ValidationError as exc:
                            assert exc.message_dict == expected.message_dict, (state, edge.action)
                        else:
                            raise AssertionError(f"{state} --{edge.action}--> was allowed")
                        refused += 1
                    raise _Undo
            except _Undo:
                pass
    total = len(machine.states.values) * len(machine.edges)
    assert allowed + refused == total
    assert allowed == sum(len(e.sources) for e in machine.edges)
    return allowed, refused
