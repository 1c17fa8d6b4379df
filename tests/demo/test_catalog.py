from django.db.models import Count

from yingshang.catalog.models import Bundle, Material, ServiceItem, ServiceItemVersion


def _run(orders):
    from yingshang.demo import framework as demo

    tally = demo.Tally()
    for step in demo.steps():
        if step.order in orders:
            step.run({"seed": 2019, "quiet": True}, tally, None)
    return tally


def test_demo_catalog_and_registry(mianyang):
    from stdnum.cn import ric, uscc

    from yingshang.registry import selectors
    from yingshang.registry.models import Enterprise, Person

    _run({200, 210})
    items = ServiceItem.objects.all()
    assert items.count() >= 150
    assert items.filter(division__code="510700").count() >= 50
    assert items.filter(division__level=3).count() >= 100
    versions = ServiceItemVersion.objects.all()
    shorter = versions.filter(committed_limit_days__lt=models_F("legal_limit_days")).count()
    assert shorter / versions.count() > 0.7
    assert versions.filter(kind="immediate").exists()
    assert set(versions.values_list("visits_required", flat=True)) >= {0, 1}
    per_version = versions.annotate(n=Count("materials")).values_list("n", flat=True)
    assert min(per_version) >= 1 and max(per_version) <= 6
    assert Material.objects.filter(licence_type__code="yyzz").count() > 50
    assert Bundle.objects.count() >= 3
    kaiban = Bundle.objects.get(key="qiye-kaiban")
    assert list(kaiban.bundle_items.values_list("item__name", flat=True)) == [
        "企业设立登记",
        "公章刻制备案",
        "新办纳税人发票申领",
        "企业社会保险登记",
        "住房公积金单位开户登记",
        "企业基本存款账户开户",
    ]
    assert all(uscc.is_valid(e.uscc) for e in Enterprise.objects.all())
    assert all(ric.is_valid(p.id_number) for p in Person.objects.all())
    qiye = Enterprise.objects.get(
        representations__user__username="qiye", representations__status="verified"
    )
    assert selectors.licence_for(qiye, "yyzz") is not None
    assert Person.objects.get(user__username="shimin").name == "张明"

    # idempotent: a rerun writes nothing
    counts = (items.count(), versions.count(), Material.objects.count())
    tally = _run({200, 210})
    assert tally.counts["service items"]["created"] == 0
    assert tally.counts["service items"]["updated"] == 0
    assert (items.count(), versions.count(), Material.objects.count()) == counts


def models_F(name):
    from django.db.models import F

    return F(name)
