import pytest
from django.core.exceptions import ValidationError

from yingshang.core import services
from yingshang.core.models import Department, Division, DivisionLevel


@pytest.fixture
def city(mianyang):
    return Division.objects.get(code="510700")


@pytest.mark.parametrize(
    "code, level, parent_code, field, fragment",
    [
        ("51078", DivisionLevel.COUNTY, "510700", "code", "格式错误"),  # wrong length
        ("5107811", DivisionLevel.COUNTY, "510700", "code", "格式错误"),
        ("520781", DivisionLevel.COUNTY, "510700", "code", "与上级区划"),  # parent mismatch
        ("510781009000", DivisionLevel.TOWNSHIP, "510703", "code", "应以 510703 开头"),
        ("510781009000", DivisionLevel.TOWNSHIP, "510700", "parent", "层级不符"),
        ("510799", DivisionLevel.COUNTY, None, "parent", "必须有上级区划"),
        ("510703009001", DivisionLevel.TOWNSHIP, "510703", "code", "后3位为0"),
    ],
)
def test_invalid_division_codes_are_refused(city, code, level, parent_code, field, fragment):
    parent = Division.objects.get(code=parent_code) if parent_code else None
    with pytest.raises(ValidationError) as exc:
        services.save_division(code=code, name="测试", level=level, parent=parent)
    assert field in exc.value.message_dict
    assert fragment in " ".join(exc.value.message_dict[field])
    assert not Division.objects.filter(code=code).exists()


def test_management_area_code_and_parent(city):
    with pytest.raises(ValidationError) as exc:
        services.save_division(
            code="510703-XYZ",
            name="错",
            level=DivisionLevel.COUNTY,
            parent=city,
            is_management_area=True,
        )
    assert "code" in exc.value.message_dict
    zone = Division.objects.get(code="510700-GXQ")
    assert zone.is_management_area and zone.parent == city
    assert zone.path == "510000/510700/510700-GXQ/"


def test_department_without_division_is_refused(mianyang):
    with pytest.raises(ValidationError) as exc:
        services.save_department(name="无区划部门", division=None)
    assert "division" in exc.value.message_dict
    assert not Department.objects.filter(name="无区划部门").exists()


def test_subtree_is_a_prefix_query(mianyang):
    jiangyou = Division.objects.get(code="510781")
    codes = set(Division.objects.subtree(jiangyou).values_list("code", flat=True))
    assert (
        "510781" in codes and len([c for c in codes if len(c) == 12]) == 6
    )  # 2 towns + 4 villages
    assert all(c.startswith("510781") for c in codes)


CSV_OK = """code,name,level,parent_code
510781002000,新测试街道,乡,510781
510781002001,新测试社区,村,510781002000
"""


def test_csv_import_creates_divisions(mianyang):
    result = services.import_divisions_csv(CSV_OK.encode("utf-8-sig"))
    assert result.created == 2
    village = Division.objects.get(code="510781002001")
    assert village.parent.code == "510781002000" and village.level == DivisionLevel.VILLAGE
    again = services.import_divisions_csv(CSV_OK)
    assert again.created == 0 and again.unchanged == 2


def test_csv_import_is_all_or_nothing_and_names_rows(mianyang):
    broken = CSV_OK + "51078100300,坏代码,乡,510781\n510781004000,无上级,乡,999999\n"
    with pytest.raises(services.ImportError_) as exc:
        services.import_divisions_csv(broken)
    assert set(exc.value.row_errors) == {4, 5}
    text = " ".join(exc.value.messages)
    assert "第4行" in text and "第5行" in text and "999999" in text
    assert not Division.objects.filter(code__in=["510781002000", "510781002001"]).exists()


def test_csv_import_missing_columns(mianyang):
    with pytest.raises(services.ImportError_) as exc:
        services.import_divisions_csv("code,name\n1,2\n")
    assert "level" in exc.value.messages[0] and "parent_code" in exc.value.messages[0]


def test_csv_import_in_admin(client, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff["admin"])
    bad = SimpleUploadedFile("d.csv", (CSV_OK + "x,坏,县,510700\n").encode())
    page = client.post("/admin/core/division/import/", {"file": bad}).content.decode()
    assert "第4行" in page and not Division.objects.filter(code="510781002000").exists()
    good = SimpleUploadedFile("d.csv", CSV_OK.encode())
    response = client.post("/admin/core/division/import/", {"file": good})
    assert response.status_code == 302
    assert Division.objects.filter(code="510781002001").exists()
