"""A clerk of 江油市 cannot read or change a record of 涪城区 — through pages, API, exports, admin."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.helpers import export_file
from yingshang.core.models import Department, Division, Role, User
from yingshang.platform import audit
from yingshang.platform.models import AuditAction


@pytest.fixture
def fucheng_market(mianyang):
    return Department.objects.get(division__code="510703", function_key="market")


@pytest.fixture
def jiangyou_market(mianyang):
    return Department.objects.get(division__code="510781", function_key="market")


def test_jiangyou_clerk_sees_only_jiangyou(staff, fucheng_market, jiangyou_market):
    clerk = staff["jiangyou_chuangkou"]
    visible = Department.objects.visible_to(clerk)
    assert jiangyou_market in visible
    assert fucheng_market not in visible
    assert not visible.exclude(division__path__startswith=clerk.division.path).exists()
    assert set(Division.objects.visible_to(clerk).values_list("code", flat=True)) >= {"510781"}
    assert not Division.objects.visible_to(clerk).filter(code__in=["510700", "510703"]).exists()


def test_out_of_scope_page_is_404_like_missing(login, staff, fucheng_market, jiangyou_market):
    client = login(staff["jiangyou_chuangkou"])
    ok = client.get(reverse("core:department-detail", args=[jiangyou_market.pk]))
    assert ok.status_code == 200 and jiangyou_market.name in ok.content.decode()
    out = client.get(reverse("core:department-detail", args=[fucheng_market.pk]))
    missing = client.get(reverse("core:department-detail", args=[999999]))
    assert out.status_code == missing.status_code == 404


def test_out_of_scope_api_is_404(login, staff, fucheng_market, jiangyou_market):
    client = login(staff["jiangyou_chuangkou"])
    assert client.get(f"/api/core/departments/{jiangyou_market.pk}/").status_code == 200
    assert client.get(f"/api/core/departments/{fucheng_market.pk}/").status_code == 404
    assert client.get("/api/core/divisions/510703/").status_code == 404
    assert client.get("/api/core/divisions/510781/").status_code == 200
    listed = client.get("/api/core/departments/?page_size=1000").json()
    names = {d["name"] for d in listed["results"]}
    assert jiangyou_market.name in names and fucheng_market.name not in names
    # No way to change a department through the API (read-only), in scope or not.
    response = client.patch(
        f"/api/core/departments/{fucheng_market.pk}/",
        {"name": "x"},
        content_type="application/json",
    )
    assert response.status_code in (404, 405)
    fucheng_market.refresh_from_db()
    assert fucheng_market.name == "涪城区市场监督管理局"


def test_department_role_limited_to_own_department(staff, jiangyou_market):
    handler = staff["jiangyou_chengban"]
    visible = list(Department.objects.visible_to(handler))
    assert visible == [jiangyou_market]


def test_city_supervisor_sees_whole_city(staff, fucheng_market, jiangyou_market):
    visible = Department.objects.visible_to(staff["jianduyuan"])
    assert fucheng_market in visible and jiangyou_market in visible


def test_portal_user_sees_nothing(mianyang):
    citizen = User.objects.create_user("citizen", password="x" * 12)
    assert not Department.objects.visible_to(citizen).exists()


def test_audit_export_is_scoped(login, staff, mianyang):
    """A 涪城区 supervisor's export holds no entry made by a 江油市 actor."""
    with audit.audit_context(user=staff["jiangyou_chengban"], channel="web"):
        audit.record(AuditAction.UPDATE, object_type="x.Y", object_id="1", object_repr="江油的记录")
    with audit.audit_context(user=staff["fucheng_chengban"], channel="web"):
        audit.record(AuditAction.UPDATE, object_type="x.Y", object_id="2", object_repr="涪城的记录")
    client = login(staff["fucheng_jiandu"])
    response = export_file(client, "core.audit")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    reprs = {row[7] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "涪城的记录" in reprs and "江油的记录" not in reprs
    page = client.get(reverse("core:audit-list")).content.decode()
    assert "涪城的记录" in page and "江油的记录" not in page


def test_the_admin_is_for_superusers_only(client, mianyang, fucheng_market, jiangyou_market):
    """A county system administrator with ``is_staff`` and the department permissions gets
    no admin page at all (docs/security.md, "Admin"): the login page, nothing listed."""
    jiangyou = Division.objects.get(code="510781")
    admin_user = User.objects.create_user(
        "jy_admin", password="x" * 12, role=Role.ADMIN, division=jiangyou, is_staff=True
    )
    from django.contrib.auth.models import Permission

    admin_user.user_permissions.set(Permission.objects.filter(codename__endswith="_department"))
    client.force_login(admin_user)
    listing = client.get("/admin/core/department/?q=市场监督管理局")
    assert listing.status_code == 302 and "/admin/login/" in listing["Location"]
    change = client.get(f"/admin/core/department/{fucheng_market.pk}/change/")
    own = client.get(f"/admin/core/department/{jiangyou_market.pk}/change/")
    assert change.status_code == own.status_code == 302
