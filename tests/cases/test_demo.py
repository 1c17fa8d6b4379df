"""Volume demo: deterministic, idempotent, plausible shares."""

from yingshang.cases.models import Case, CaseEvent, CaseVisit, DemoBatch


def test_volume_demo_plausible_and_idempotent(catalog):
    from yingshang.cases import demo
    from yingshang.core.demo import Tally

    opts = {"cases": 3000, "seed": 7, "quiet": True}
    demo.load_volume(opts, Tally(), None)
    assert Case.objects.count() == 3000
    numbers = set(Case.objects.values_list("number", flat=True))
    assert len(numbers) == 3000 and all(len(n) == 23 for n in numbers)
    total = 3000
    rejected = Case.objects.filter(status="rejected").count()
    assert 0.02 * total < rejected < 0.07 * total
    finished = Case.objects.filter(final_sla_state__in=["on_time", "overdue"])
    overdue = finished.filter(final_sla_state="overdue").count()
    assert 0.03 <= overdue / finished.count() <= 0.08
    supp = CaseEvent.objects.filter(action="request_supplement").values("case").distinct().count()
    assert 0.06 * total < supp < 0.13 * total
    assert CaseEvent.objects.filter(action="suspend").exists()
    assert CaseVisit.objects.count() == sum(Case.objects.values_list("visits", flat=True))
    assert set(Case.objects.values_list("channel", flat=True)) == {
        "online",
        "window",
        "api",
        "wechat",
    }
    # due dates respect the limit: every accepted case's due is after acceptance
    for c in Case.objects.exclude(accepted_at=None)[:200]:
        assert c.due_at >= c.accepted_at
    # rerun: nothing changes
    before = (Case.objects.count(), CaseEvent.objects.count())
    demo.load_volume(opts, Tally(), None)
    assert (Case.objects.count(), CaseEvent.objects.count()) == before
    assert DemoBatch.objects.count() == 1


def test_volume_demo_is_deterministic(catalog):
    from yingshang.cases import demo

    a = list(demo.generate(500, 11))[0]
    b = list(demo.generate(500, 11))[0]
    assert demo.case_numbers(a) == demo.case_numbers(b)
    assert (a["status"] == b["status"]).all() and (a["due"] == b["due"]).all()
