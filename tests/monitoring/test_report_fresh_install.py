"""The monthly report job on a fresh installation (no organisation yet) skips, it does not fail."""

import datetime
import logging

import pytest

from yingshang.core.models import Division, DivisionLevel
from yingshang.monitoring import reports

pytestmark = pytest.mark.django_db


def test_no_city_division_means_no_report_and_a_warning(caplog, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    Division.objects.filter(level=DivisionLevel.CITY).update(level=DivisionLevel.COUNTY)
    assert not Division.objects.filter(level=DivisionLevel.CITY).exists()
    with caplog.at_level(logging.WARNING, logger="yingshang.monitoring"):
        assert reports.generate(datetime.date(2026, 11, 1)) == []
    assert any("no city division" in r.getMessage() for r in caplog.records)
    assert not any(tmp_path.rglob("*.pdf"))
