"""城市参数 (CityFigure): statistics and assessed indices entered in the admin feed the live
Doing-Business scores; file < admin figures < settings; bad values refused per field."""

import pytest
from django.core.exceptions import ValidationError

from yingshang.monitoring.definitions import load_definitions
from yingshang.monitoring.models import CityFigure

pytestmark = pytest.mark.django_db


def test_latest_year_of_each_figure_is_used(settings):
    settings.MONITORING_INCOME_PER_CAPITA = None
    CityFigure.objects.create(key="income_per_capita", year=2024, value=38_000, source="统计公报")
    CityFigure.objects.create(key="income_per_capita", year=2025, value=41_000, source="统计公报")
    CityFigure.objects.create(key="cp.quality_index", year=2025, value=13.5, source="评估")
    defs = load_definitions(figures=True)
    assert defs.income_per_capita == 41_000
    assert defs.indices["cp.quality_index"] == 13.5
    assert "ge.reliability_index" not in defs.indices


def test_settings_override_admin_figures(settings):
    CityFigure.objects.create(key="warehouse_value", year=2025, value=1_000_000, source="x")
    settings.MONITORING_WAREHOUSE_VALUE = 2_500_000
    assert load_definitions(figures=True).warehouse_value == 2_500_000
    settings.MONITORING_WAREHOUSE_VALUE = None
    assert load_definitions(figures=True).warehouse_value == 1_000_000


def test_figures_only_when_asked_for(settings):
    settings.MONITORING_INCOME_PER_CAPITA = None
    CityFigure.objects.create(key="income_per_capita", year=2025, value=41_000, source="x")
    assert load_definitions().income_per_capita is None  # system checks, pure scoring
    assert load_definitions(figures=True).income_per_capita == 41_000


@pytest.mark.parametrize(
    "key,value,year,field,message",
    [
        ("cp.quality_index", 16, 2025, "value", "超出范围 0–15"),
        ("ge.reliability_index", -1, 2025, "value", "超出范围 0–8"),
        ("income_per_capita", 0, 2025, "value", "必须是正数"),
        ("property_value", 2_000_000, 1900, "year", "1990–2100"),
    ],
)
def test_bad_figures_are_refused_per_field(key, value, year, field, message):
    figure = CityFigure(key=key, year=year, value=value, source="x")
    with pytest.raises(ValidationError) as exc:
        figure.full_clean()
    assert message in " ".join(exc.value.message_dict[field])


def test_admin_add_form_shows_field_error_and_saves_nothing(staff, login):
    client = login(staff["admin"])
    r = client.post(
        "/admin/monitoring/cityfigure/add/",
        {"key": "rp.quality_index", "year": 2025, "value": 31, "source": "评估"},
    )
    assert r.status_code == 200 and "超出范围 0–30" in r.content.decode()
    assert not CityFigure.objects.exists()
    r = client.post(
        "/admin/monitoring/cityfigure/add/",
        {"key": "rp.quality_index", "year": 2025, "value": 23.5, "source": "评估"},
    )
    assert r.status_code == 302 and CityFigure.objects.get().value == 23.5
    from yingshang.platform.models import AuditEntry

    assert AuditEntry.objects.filter(object_type="monitoring.CityFigure").exists()


def test_each_period_is_scored_with_the_figures_of_its_year(dataset, settings):
    """2026 periods use the 2025 figure (the nearest earlier year), not one entered for 2027."""
    from yingshang.monitoring import compute
    from yingshang.monitoring.models import IndicatorValue

    from .conftest import D1, D2, days

    settings.MONITORING_INCOME_PER_CAPITA = None
    CityFigure.objects.create(key="income_per_capita", year=2024, value=30_000, source="x")
    CityFigure.objects.create(key="income_per_capita", year=2025, value=45_000, source="x")
    CityFigure.objects.create(key="income_per_capita", year=2027, value=90_000, source="x")
    compute.recompute(D1 - days(5), D2)
    cost = IndicatorValue.objects.get(
        indicator="sb.cost",
        dimension="city",
        period_kind="year",
        period_start=D1.replace(month=1, day=1),
    )
    assert cost.value == pytest.approx(100 / 45_000 * 100)
    assert load_definitions(figures=True, year=2024).income_per_capita == 30_000
    assert load_definitions(figures=True, year=2023).income_per_capita is None
    assert load_definitions(figures=True).income_per_capita == 90_000  # the latest
