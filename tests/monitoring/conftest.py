"""A small hand-made dataset for the live-data tests of monitoring.

Days (Asia/Shanghai): D1 = Mon 2026-10-12, D2 = Tue 2026-10-13.

City market bureau, item A (承诺件, committed 5 / legal 20, 2 materials, 1 exempt):
  A1  submitted D1-3, completed D1 10:00, on time, online, 0 visits, 2 working days
  A2  submitted D1-5, completed D1 15:00, overdue (due D1-1), window, 2 visits, 8 days, 补正
  A3  submitted D1 09:00, open (in_process), due D1 12:00 → overdue by due day D1
Jiangyou market bureau, item B (即办件, legal 1 / committed 0, 通办: local, depth 2):
  B1  submitted D2, completed D2 11:00, on time, online, 1 visit, 0 days
Bundle 企业开办 (qiye-kaiban): parent P submitted D1-2 09:00 online, completed D2 09:00 (3 days),
  one child (item A, fee 100), resubmit once online, 1 visit on the child → 2 + 1 = 3
  interactions.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
D1 = datetime.date(2026, 10, 12)
D2 = datetime.date(2026, 10, 13)


def at(day, hour=10, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SH)


def days(n):
    return datetime.timedelta(days=n)


@pytest.fixture
def dataset(mianyang, settings):
    from tests.cases.factories import CaseFactory
    from tests.catalog.factories import ServiceItemFactory, ServiceItemVersionFactory
    from yingshang.cases.models import CaseEvent, CaseVisit
    from yingshang.catalog.models import Bundle, BundleItem, Material
    from yingshang.core.models import Department, Division

    settings.MONITORING_INCOME_PER_CAPITA = 50000
    city = Division.objects.get(code="510700")
    jiangyou = Division.objects.get(code="510781")
    market = Department.objects.get(division=city, function_key="market")
    jy_market = Department.objects.get(division=jiangyou, function_key="market")

    def item(code, name, dept, **v):
        it = ServiceItemFactory(
            basic_code=code,
            implementation_code=code + dept.division.code,
            name=name,
            department=dept,
        )
        ver = ServiceItemVersionFactory(
            item=it, version=1, valid_from=at(datetime.date(2026, 1, 1), 0), legal_basis="", **v
        )
        it.current_version = ver
        it.save()
        return it, ver

    item_a, ver_a = item(
        "A0001",
        "甲事项",
        market,
        kind="committed",
        legal_limit_days=20,
        committed_limit_days=5,
        online_depth=5,
        service_scope="city",
        fee_amount=Decimal("100"),
    )
    Material.objects.create(version=ver_a, name="营业执照", order=1)
    from yingshang.registry.models import LicenceType

    lt = LicenceType.objects.create(code="T01", name="身份证", holder_kind="person")
    Material.objects.create(version=ver_a, name="身份证", order=2, licence_type=lt)
    item_b, ver_b = item(
        "B0001",
        "乙事项",
        jy_market,
        kind="immediate",
        legal_limit_days=1,
        committed_limit_days=0,
        online_depth=2,
        service_scope="local",
    )
    bundle = Bundle.objects.create(key="qiye-kaiban", name="企业开办", division=city)
    BundleItem.objects.create(bundle=bundle, item=item_a, order=1)

    n = [0]

    def case(it, ver, dept, *, submitted, **kw):
        """A case with its submit event (CaseFactory writes it)."""
        n[0] += 1
        kw.setdefault("status", "completed")
        return CaseFactory(
            number=f"T{n[0]:04d}",
            item=it,
            version=ver,
            applicant_name="某公司",
            applicant_phone="",
            department=dept,
            submitted_at=submitted,
            **kw,
        )

    a1 = case(
        item_a,
        ver_a,
        market,
        submitted=at(D1 - days(3)),
        accepted_at=at(D1 - days(3)),
        completed_at=at(D1, 10),
        final_sla_state="on_time",
        working_days_used=2,
        due_at=at(D1 + days(2), 23),
        limit_days=5,
    )
    a2 = case(
        item_a,
        ver_a,
        market,
        submitted=at(D1 - days(5)),
        accepted_at=at(D1 - days(5)),
        completed_at=at(D1, 15),
        final_sla_state="overdue",
        working_days_used=8,
        channel="window",
        visits=2,
        due_at=at(D1 - days(1), 23),
        limit_days=5,
    )
    CaseEvent.objects.create(
        case=a2,
        at=at(D1 - days(4)),
        action="request_supplement",
        from_state="accepted",
        to_state="supplement_requested",
    )
    CaseEvent.objects.create(
        case=a2,
        at=at(D1 - days(3)),
        action="resubmit",
        from_state="supplement_requested",
        to_state="accepted",
    )
    a3 = case(
        item_a,
        ver_a,
        market,
        submitted=at(D1, 9),
        accepted_at=at(D1, 9),
        status="in_process",
        due_at=at(D1, 12),
        limit_days=5,
    )
    b1 = case(
        item_b,
        ver_b,
        jy_market,
        submitted=at(D2, 9),
        accepted_at=at(D2, 9),
        completed_at=at(D2, 11),
        final_sla_state="on_time",
        working_days_used=0,
        visits=1,
        due_at=at(D2, 23),
    )
    parent = case(
        None, None, market, submitted=at(D1 - days(2), 9), bundle=bundle, completed_at=at(D2, 9)
    )
    child = case(
        item_a,
        ver_a,
        market,
        submitted=at(D1 - days(2), 9),
        bundle=bundle,
        parent=parent,
        completed_at=at(D2, 9),
        final_sla_state="on_time",
        working_days_used=1,
        visits=1,
        accepted_at=at(D1 - days(2), 9),
    )
    CaseEvent.objects.create(
        case=parent, at=at(D1 - days(1)), action="resubmit", to_state="accepted", channel="online"
    )
    CaseVisit.objects.create(case=child, at=at(D2, 8), kind="pickup")
    return {
        "city": city,
        "jiangyou": jiangyou,
        "market": market,
        "jy_market": jy_market,
        "item_a": item_a,
        "item_b": item_b,
        "a1": a1,
        "a2": a2,
        "a3": a3,
        "b1": b1,
        "parent": parent,
        "child": child,
        "bundle": bundle,
    }
