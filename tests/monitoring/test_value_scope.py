"""Who sees which stored values (IndicatorValue.visible_to), per demo role: the city's staff
everything of the city, a county's staff their county, department-bound roles their department
and its items only; the dashboard and the drill-down follow the same rule."""

import pytest

from tests.core.factories import department
from yingshang.core.models import Division
from yingshang.monitoring.dashboard import visible_values

from .factories import IndicatorValueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def values(mianyang):
    city, jy, fc = (Division.objects.get(code=c) for c in ("510700", "510781", "510703"))
    market, tax = department("510700", "market"), department("510700", "tax")
    jy_market = department("510781", "market")

    def make(name, dimension, member, path, dept=None):
        return name, IndicatorValueFactory(
            dimension=dimension, dimension_id=member, division_path=path, department=dept
        )

    return dict(
        [
            make("city", "city", city.pk, city.path),
            make("jiangyou", "division", jy.pk, jy.path),
            make("fucheng", "division", fc.pk, fc.path),
            make("market", "department", market.pk, city.path, market),
            make("tax", "department", tax.pk, city.path, tax),
            make("market-item", "item", 900001, city.path, market),
            make("jy-market", "department", jy_market.pk, jy.path, jy_market),
            make("jy-item", "item", 900002, jy.path, jy_market),
        ]
    )


EVERYTHING = {"city", "jiangyou", "fucheng", "market", "tax", "market-item", "jy-market", "jy-item"}


@pytest.mark.parametrize(
    "username,expected",
    [
        ("admin", EVERYTHING),
        ("jianduyuan", EVERYTHING),  # the city's supervisor
        ("shilingdao", EVERYTHING),  # the city's leader
        ("kezhang", {"market", "market-item"}),  # head of the city's market bureau
        ("chengban", {"market", "market-item"}),
        ("jiangyou_chengban", {"jy-market", "jy-item"}),
        ("fucheng_jiandu", {"fucheng"}),  # a county supervisor: his county, not the city
        ("fucheng_chengban", set()),  # Fucheng's market bureau has no value here
    ],
)
def test_visible_values_per_role(values, staff, username, expected):
    got = {
        name
        for name, v in values.items()
        if visible_values(staff[username]).filter(pk=v.pk).exists()
    }
    assert got == expected


def test_portal_users_and_anonymous_see_nothing(values, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    citizen = django_user_model.objects.create_user("citizen-scope", password="x")
    assert not visible_values(citizen).exists()
    assert not visible_values(AnonymousUser()).exists()


def test_the_api_lists_exactly_the_visible_values(values, staff, login):
    client = login(staff["kezhang"])
    data = client.get("/api/monitoring/values/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {r["id"] for r in rows} == {values["market"].pk, values["market-item"].pk}
    assert client.get(f"/api/monitoring/values/{values['tax'].pk}/").status_code == 404
