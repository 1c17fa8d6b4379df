"""Efficiency supervision (效能监督): a record counts against the staff member responsible for it
— the last staff actor — not against everyone who ever acted on it."""

import pytest
from django.contrib.contenttypes.models import ContentType

from yingshang.monitoring import supervision

from .conftest import D1, D2, at, days

pytestmark = pytest.mark.django_db


def _act(case, user, when, action="note"):
    from yingshang.cases.models import CaseEvent

    CaseEvent.objects.create(
        case=case,
        at=when,
        action=action,
        from_state=case.status,
        to_state=case.status,
        actor=user,
        actor_name=user.username,
        actor_role=user.role,
        channel="window",
    )


def _staff_counts(table, user):
    row = next((r for r in table["staff"] if r["user"] == user), None)
    if row is None:
        return {}
    return dict(zip([str(c) for c in table["columns"]], row["counts"], strict=True))


def test_open_cases_count_against_the_last_staff_actor_only(dataset, staff):
    a3 = dataset["a3"]  # open, past due since D1 12:00
    kezhang, chengban = staff["kezhang"], staff["chengban"]
    _act(a3, kezhang, at(D1, 9, 30), action="accept")
    _act(a3, chengban, at(D1, 10), action="process")
    now = at(D2 + days(10), 10)  # > 5 working days without an event: idle as well
    t = supervision.table(staff["admin"], D1, now=now)
    assert _staff_counts(t, chengban)["超期办件"] == 1
    assert _staff_counts(t, chengban)["停滞办件"] == 1
    assert _staff_counts(t, kezhang).get("超期办件", 0) == 0
    # the department figure is unchanged by the attribution
    row = next(r for r in t["departments"] if r["department"] == dataset["market"])
    assert dict(zip([str(c) for c in t["columns"]], row["counts"], strict=True))["超期办件"] == 1


def test_bad_rating_counts_against_whoever_acted_last_before_it(dataset, staff):
    from yingshang.cases.models import Case
    from yingshang.evaluations.models import Evaluation

    a1 = dataset["a1"]
    kezhang, chengban = staff["kezhang"], staff["chengban"]
    _act(a1, kezhang, at(D1, 9), action="complete")
    _act(a1, chengban, at(D1, 13), action="note")  # after the rating: not responsible for it
    Evaluation.objects.create(
        content_type=ContentType.objects.get_for_model(Case),
        object_id=str(a1.pk),
        subject_label=a1.title,
        department=a1.department,
        division=a1.division,
        channel="online",
        level=1,
        created_at=at(D1, 12),
    )
    t = supervision.table(staff["admin"], D1, now=at(D1, 18))
    assert _staff_counts(t, kezhang)["差评"] == 1
    assert _staff_counts(t, chengban).get("差评", 0) == 0


def test_column_labels_follow_the_language(dataset, staff):
    from django.utils import translation

    with translation.override("en"):
        t = supervision.table(staff["admin"], D1, now=at(D1, 18))
        assert "Overdue cases" in [str(c) for c in t["columns"]]
