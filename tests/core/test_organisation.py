"""The organisation: division and department services and validation (zh/en), the CSV import
all-or-nothing, staff validation per role, pages and API per role (scoping, 404 out of scope),
the audit list/export (real xlsx, masked, export audited), masking as a property."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import (
    ROLE_FACTORIES,
    ClerkFactory,
    DepartmentFactory,
    HandlerFactory,
    SupervisorFactory,
    UserFactory,
    department,
    ric_for,
)
from tests.helpers import export_file, has_cjk
from yingshang.core import selectors, services
from yingshang.core.models import Department, Division, DivisionLevel, Role, User
from yingshang.platform.exports import xlsx_bytes
from yingshang.platform.masking import mask_id_number, mask_phone, mask_text
from yingshang.platform.models import AuditEntry

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------- divisions


def test_save_division_reports_created_updated_unchanged(mianyang):
    fucheng = Division.objects.get(code="510703")
    code = "510703901000"
    d, how = services.save_division(
        code=code, name="城厢街道", level=DivisionLevel.TOWNSHIP, parent=fucheng
    )
    assert how == "created" and d.path.endswith(f"510703/{code}/")
    assert (
        services.save_division(
            code=code, name="城厢街道", level=DivisionLevel.TOWNSHIP, parent=fucheng
        )[1]
        == "unchanged"
    )
    d2, how = services.save_division(
        code=code,
        name="城厢街道办事处",
        level=DivisionLevel.TOWNSHIP,
        parent=fucheng,
        name_en="Chengxiang",
    )
    assert how == "updated" and d2.pk == d.pk and d2.name_en == "Chengxiang"


@pytest.mark.parametrize(
    "code,level,parent,field",
    [
        ("510781901000", DivisionLevel.TOWNSHIP, "510703", "code"),  # not under its parent
        ("510703001", DivisionLevel.TOWNSHIP, "510703", "code"),  # 9 digits
        ("510703901000", DivisionLevel.TOWNSHIP, "510700", "parent"),  # skips the county
        ("510799", DivisionLevel.COUNTY, None, "parent"),
    ],
)
def test_division_validation_names_the_field(mianyang, code, level, parent, field):
    parent = Division.objects.get(code=parent) if parent else None
    with pytest.raises(ValidationError) as exc:
        services.save_division(code=code, name="x", level=level, parent=parent)
    assert field in exc.value.message_dict
    assert not Division.objects.filter(code=code).exists()


def test_division_errors_in_english(mianyang):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            services.save_division(
                code="5107",
                name="x",
                level=DivisionLevel.COUNTY,
                parent=Division.objects.get(code="510700"),
            )
    assert not has_cjk(exc.value.message_dict["code"][0].replace("5107", ""))


def test_management_area_must_hang_under_the_city(mianyang):
    with pytest.raises(ValidationError) as exc:
        services.save_division(
            code="510700-ABC",
            name="x",
            level=DivisionLevel.COUNTY,
            parent=Division.objects.get(code="510703"),
            is_management_area=True,
        )
    assert set(exc.value.message_dict) == {"code", "parent"}


def test_csv_import_accepts_english_levels_bom_bytes_and_counts(mianyang):
    data = (
        "\ufeffcode,name,level,parent_code,management_area,name_en\n"
        "510703901000,城厢街道,township,510703,,Chengxiang\n"
        "510703901001,城厢社区,village,510703901000,,\n"
        "510700,绵阳市,市,510000,,\n"
    ).encode()
    result = services.import_divisions_csv(data)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 1)
    assert Division.objects.get(code="510703901001").parent.code == "510703901000"
    again = services.import_divisions_csv(data)
    assert (again.created, again.unchanged) == (0, 3)


def test_csv_import_names_every_bad_row_and_writes_nothing(mianyang):
    data = (
        "code,name,level,parent_code\n"
        "510703901000,城厢街道,乡,510703\n"
        ",无代码,乡,510703\n"
        "510703901000,重复,乡,510703\n"
        "510703902000,未知层级,区,510703\n"
        "510703903000,无上级,乡,519999\n"
    )
    with pytest.raises(services.ImportError_) as exc:
        services.import_divisions_csv(data)
    assert sorted(exc.value.row_errors) == [3, 4, 5, 6]
    text = "\n".join(exc.value.messages)
    assert "第3行" in text and "区划代码不能为空" in text
    assert "第4行" in text and "在文件中重复" in text
    assert "第5行" in text and "未知层级“区”" in text
    assert "第6行" in text and "519999 不存在" in text
    assert not Division.objects.filter(code="510703901000").exists()


# ------------------------------------------------------------------------------ departments


def test_save_department_validates_and_reports(mianyang):
    city = Division.objects.get(code="510700")
    with pytest.raises(ValidationError) as exc:
        services.save_department(name="x", division=None)
    assert exc.value.message_dict == {"division": ["部门必须属于一个区划。"]}
    d, how = services.save_department(name="绵阳市测试局", division=city, function_key="t1")
    assert how == "created"
    assert (
        services.save_department(name="绵阳市测试局", division=city, function_key="t1")[1]
        == "unchanged"
    )
    assert (
        services.save_department(name="绵阳市测试局", division=city, function_key="t2")[1]
        == "updated"
    )
    with pytest.raises(ValidationError) as exc:
        services.save_department(name="绵阳市测试局2", division=city, kind="bank")
    assert "kind" in exc.value.message_dict
    assert not Department.objects.filter(name="绵阳市测试局2").exists()


def test_department_changes_are_audited(mianyang):
    d = DepartmentFactory(name="绵阳市审计测试局")
    entries = AuditEntry.objects.filter(object_type="core.Department", object_id=str(d.pk))
    assert entries.get().action == "create"
    assert entries.get().changes["after"]["name"] == "绵阳市审计测试局"


# ------------------------------------------------------------------------------------ staff


def test_staff_validation_per_role(mianyang):
    market = department("510700", "market")
    with pytest.raises(ValidationError) as exc:
        User(username="a", role=Role.CLERK).clean()
    assert exc.value.message_dict == {"division": ["工作人员必须属于一个区划。"]}
    with pytest.raises(ValidationError) as exc:
        User(username="b", role=Role.HANDLER, division=market.division).clean()
    assert exc.value.message_dict == {"department": ["该角色必须属于一个部门。"]}
    with pytest.raises(ValidationError) as exc:
        User(
            username="c",
            role=Role.CLERK,
            division=Division.objects.get(code="510781"),
            department=market,
        ).clean()
    assert exc.value.message_dict == {"department": ["所属部门不在所属区划范围内。"]}
    User(username="d", role=Role.SUPERVISOR, division=market.division).clean()  # no department


@pytest.mark.parametrize("role", list(ROLE_FACTORIES))
def test_every_role_reaches_the_workbench_portal_users_do_not(mianyang, client, role):
    client.force_login(ROLE_FACTORIES[role]())
    assert client.get("/staff/").status_code == 200
    client.force_login(UserFactory())
    assert client.get("/staff/").status_code in (302, 403)


def test_staff_api_masks_phones_and_is_scoped(mianyang, client):
    jy = ClerkFactory(
        department=department("510781", "hall"), phone="13900001111", full_name="江油窗口"
    )
    fc_clerk = ClerkFactory(department=department("510703", "hall"))
    client.force_login(fc_clerk)
    rows = client.get("/api/core/staff/?page_size=500").json()
    body = str(rows)
    assert "江油窗口" not in body
    client.force_login(SupervisorFactory())
    body = str(client.get("/api/core/staff/?page_size=500").json())
    assert "江油窗口" in body and "13900001111" not in body
    assert client.get(f"/api/core/staff/{jy.pk}/").status_code == 200
    client.force_login(fc_clerk)
    assert client.get(f"/api/core/staff/{jy.pk}/").status_code == 404


def test_department_page_out_of_scope_is_404(mianyang, client):
    jy_market = department("510781", "market")
    client.force_login(HandlerFactory(department=department("510703", "market")))
    assert client.get(f"/staff/departments/{jy_market.pk}/").status_code == 404
    client.force_login(HandlerFactory(department=jy_market))
    r = client.get(f"/staff/departments/{jy_market.pk}/")
    assert r.status_code == 200 and jy_market.name in r.content.decode()


def test_department_list_search_and_division_filter(mianyang, staff):
    sup = staff["jianduyuan"]
    names = {d.name for d in selectors.departments_for(sup, search="市场监督")}
    assert "市市场监督管理局" in names and all("市场监督" in n for n in names)
    jy = selectors.departments_for(sup, division_code="510781")
    assert jy and {d.division.code for d in jy} == {"510781"}


# ------------------------------------------------------------------------------------ audit


def test_audit_filters(mianyang, staff):
    sup = staff["jianduyuan"]
    DepartmentFactory(name="绵阳市过滤测试局")
    qs = selectors.audit_entries_for(sup, object_type="department", q="过滤测试")
    assert [e.object_repr for e in qs] == ["绵阳市过滤测试局"]
    assert not selectors.audit_entries_for(sup, action="delete", q="过滤测试").exists()
    assert not selectors.audit_entries_for(staff["chengban"]).exists()  # a handler reads none
    assert selectors.can_read_audit(staff["admin"]) and not selectors.can_read_audit(
        staff["shilingdao"]
    )


def test_audit_export_is_a_real_workbook_masked_and_audited(mianyang, staff, client):
    person_phone = "13811112222"
    user = UserFactory(phone=person_phone, full_name="导出测试")
    user.phone = "13833334444"
    user.save()
    client.force_login(staff["admin"])
    r = export_file(client, "core.audit", "q=导出测试")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and len(rows[0]) == 9
    assert len(rows) >= 3  # header + create + update of the user
    text = str(rows)
    assert "导出测试" in text
    assert person_phone not in text and "13833334444" not in text and "138****4444" in text
    assert AuditEntry.objects.filter(action="export", actor=staff["admin"]).exists()


def test_audit_export_refused_to_handlers(mianyang, staff, client):
    client.force_login(staff["chengban"])
    assert client.post("/staff/exports/new/core.audit/").status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_xlsx_bytes_round_trip():
    data = xlsx_bytes("营商环境" * 10, ["甲", 2], [(1, "二"), (None, 3.5)])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    assert len(ws.title) == 31
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["甲", "2"],
        [1, "二"],
        [None, 3.5],
    ]
    assert ws["A1"].font.bold


# ---------------------------------------------------------------------------------- masking

ids = st.builds(
    lambda code, birth, seq: ric_for(code, birth, seq),
    st.sampled_from(["510703", "510781", "510704", "510722"]),
    st.dates(min_value=datetime.date(1993, 1, 1), max_value=datetime.date(2010, 12, 31)),
    st.integers(0, 999),
)
phones = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
# Numbers are recognised between non-digits (a run of 29 digits is not an ID and a phone).
filler = st.text(alphabet="申请人电话联系身份证号码:, ", min_size=1, max_size=10)


@given(id_number=ids, phone=phones, before=filler, after=filler)
def test_mask_text_never_leaves_a_number_in_clear(id_number, phone, before, after):
    text = f"{before}{id_number}{after}{phone}{before}"
    masked = mask_text(text)
    assert id_number not in masked and phone not in masked
    assert mask_id_number(id_number) in masked and mask_phone(phone) in masked
    assert len(masked) == len(text)
    assert mask_text(masked) == masked  # idempotent


@pytest.mark.parametrize(
    "value,expected", [("", ""), (None, ""), ("1234", "****"), ("12345678", "********")]
)
def test_mask_id_number_short_values(value, expected):
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(
    "value,expected", [("", ""), ("123456", "******"), ("08162345678", "081****5678")]
)
def test_mask_phone_short_and_landline(value, expected):
    assert mask_phone(value) == expected
