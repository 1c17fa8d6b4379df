import logging
import os
import subprocess
import sys
from io import StringIO

from django.core.management import call_command

from yingshang.core.models import Department, Division, Role, User
from yingshang.platform.masking import mask_id_number, mask_phone, mask_text
from yingshang.platform.models import AuditEntry


def test_demo_rerun_changes_nothing_and_prints_logins(mianyang):
    counts = (Division.objects.count(), Department.objects.count(), User.objects.count())
    audit_before = AuditEntry.objects.count()
    out = StringIO()
    call_command("demo", "--quiet", "--only", "core", stdout=out)
    text = out.getvalue()
    assert (Division.objects.count(), Department.objects.count(), User.objects.count()) == counts
    assert "created" not in text.split("Demo logins")[0].split("演示数据已加载")[1]
    assert AuditEntry.objects.filter(action__in=["create", "update", "delete"]).count() == (
        AuditEntry.objects.filter(
            action__in=["create", "update", "delete"], id__lte=audit_before
        ).count()
    )
    for role in Role:
        assert str(role.label) in text, role
    assert "mianyang2019!" in text


def test_demo_content_matches_domain(mianyang):
    counties = Division.objects.filter(parent__code="510700", is_management_area=False)
    assert set(counties.values_list("code", flat=True)) == {
        "510703",
        "510704",
        "510705",
        "510722",
        "510723",
        "510725",
        "510726",
        "510727",
        "510781",
    }
    assert Division.objects.filter(parent__code="510700", is_management_area=True).count() == 4
    for county in counties:
        townships = county.children.all()
        assert townships.count() >= 2
        assert all(t.children.count() >= 2 for t in townships)
        assert Department.objects.filter(division=county, function_key="market").exists()
    city_names = set(
        Department.objects.filter(division__code="510700").values_list("name", flat=True)
    )
    for required in [
        "市政务服务监督管理局",
        "市政府办公室",
        "市发展改革委",
        "市经济和信息化局",
        "市市场监督管理局",
        "市自然资源和规划局",
        "市住房和城乡建设局",
        "市税务局",
        "市人力资源和社会保障局",
        "市公安局",
        "市司法局",
        "国网绵阳供电公司",
    ]:
        assert required in city_names
    assert len(city_names) >= 25
    assert Department.objects.filter(kind="service_centre").count() >= 18
    assert Department.objects.filter(kind="service_point").count() >= 36
    assert {u.role for u in User.objects.exclude(role="")} == set(Role.values)


def test_masking():
    assert mask_id_number("510703199001011234") == "510703********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_text("身份证510703199001011234,电话13812345678") == (
        "身份证510703********1234,电话138****5678"
    )


def test_log_filter_masks_personal_data(caplog):
    from yingshang.platform.masking import MaskPersonalDataFilter

    logger = logging.getLogger("yingshang.test")
    handler_filter = MaskPersonalDataFilter()
    record = logger.makeRecord(
        "x", logging.WARNING, "f", 1, "申请人 %s", ("51070319900101123X",), None
    )
    handler_filter.filter(record)
    assert record.getMessage() == "申请人 510703********123X"


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "yingshang.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_unreachable_database_prints_one_line():
    result = _cli("migrate", env={"DATABASE_URL": "postgres://nobody:secret@127.0.0.1:1/none"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("yingshang: cannot reach the database")
    assert "secret" not in result.stderr and "Traceback" not in result.stderr


def test_malformed_database_url_prints_one_line():
    result = _cli("check", env={"DATABASE_URL": "nosuch://x"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_help_lists_project_commands():
    result = _cli("help")
    assert result.returncode == 0
    assert "demo" in result.stdout
