import datetime
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def city(mianyang):
    from yingshang.core.models import Division

    return Division.objects.get(code="510700")


@pytest.fixture
def dept(mianyang):
    from yingshang.core.models import Department

    def get(name):
        return Department.objects.get(division__code="510700", name=name)

    return get


@pytest.fixture
def programme(city):
    from yingshang.reforms import services

    return services.create_programme(
        title="绵阳市进一步优化营商环境工作方案",
        doc_number="绵府办发〔2019〕1号",
        issue_date=datetime.date(2019, 1, 20),
        division=city,
    )


@pytest.fixture
def imported(programme):
    """Style A document imported (fuzzy names accepted)."""
    from yingshang.reforms import services
    from yingshang.reforms.parsing import parse_file

    result = parse_file(FIXTURES / "style_a_fangan.txt", year=2019)
    services.import_tasks(programme, result, accept_fuzzy=True)
    return programme
