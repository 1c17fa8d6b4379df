"""导入对标数据 from the benchmarks page (issue 13: no command line given to supervisors): the
shipped DB2020 file imported by a supervisor with a period, all or nothing with every error of
the file beside the field, refused for roles the policy does not name."""

from importlib.resources import files

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yingshang.monitoring.models import BenchmarkValue

pytestmark = pytest.mark.django_db

DATA = (files("yingshang.monitoring") / "data" / "db2020_china.csv").read_bytes()
URL = "/staff/monitoring/benchmarks/upload/"


def _csv(content=DATA, name="db2020.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_page_offers_the_import_to_the_supervisor_only(client, staff):
    client.force_login(staff["jianduyuan"])
    page = client.get("/staff/monitoring/benchmarks/").content.decode()
    assert 'data-testid="benchmark-upload"' in page
    assert "load-benchmarks" not in page  # no command line given as an instruction
    client.force_login(staff["chengban"])
    assert (
        'data-testid="benchmark-upload"'
        not in client.get("/staff/monitoring/benchmarks/").content.decode()
    )


def test_a_supervisor_imports_the_shipped_file(client, staff):
    client.force_login(staff["jianduyuan"])
    r = client.post(URL, {"file": _csv(), "period": "2020", "source": "World Bank DB2020"})
    assert r.status_code == 302 and r["Location"].endswith("?period=2020")
    rows = BenchmarkValue.objects.filter(period="2020")
    assert rows.count() == 8  # the shipped file: 4 topic scores × Beijing and Shanghai
    assert set(rows.values_list("source", flat=True)) == {"World Bank DB2020"}
    page = client.get(r["Location"]).content.decode()
    assert "China/Beijing" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"period": "20"}, "period", "四位年份"),
        ({"period": "2020", "file": "bad"}, "file", "UTF-8"),
        ({"period": "2020", "file": "broken"}, "file", ""),
        ({"period": "2020", "file": "big"}, "file", "1 MB"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_stores_nothing(
    client, staff, data, field, message
):
    client.force_login(staff["jianduyuan"])
    content = {
        "bad": "entity,indicator\n北京,sb.time\n".encode("gbk"),
        "broken": b"entity,indicator,value\nChina/Beijing,sb.no_such_key,abc\n",
        "big": b"x" * (1024 * 1024 + 1),
    }.get(data.get("file"), DATA)
    post = {**data, "file": _csv(content)}
    r = client.post(URL, post)
    assert r.status_code == 400
    errors = r.context["upload_form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not BenchmarkValue.objects.exists()


def test_roles_outside_the_policy_are_refused(client, staff):
    for name in ("chengban", "chuangkou", "shilingdao"):
        client.force_login(staff[name])
        r = client.post(URL, {"file": _csv(), "period": "2020"})
        assert r.status_code == 403, name
    assert not BenchmarkValue.objects.exists()


def test_english_errors(client, staff):
    client.force_login(staff["jianduyuan"])
    r = client.post(URL, {"file": _csv(), "period": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert "four-digit year" in " ".join(r.context["upload_form"].errors["period"])
