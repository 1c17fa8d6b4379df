"""Fixtures of the cases tests: a small catalog (items, materials, licence types, the 企业开办
bundle), the 2025–2027 working-day calendar, and applicants with portal accounts."""

import io
import zipfile

import pytest
from stdnum.cn import ric, uscc


def make_uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def make_ric(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ofd_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("OFD.xml", "<ofd:OFD/>")
        zf.writestr("Doc_0/Document.xml", "<Document/>")
    return buf.getvalue()


def upload(name="a.pdf", content=PDF, ctype="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=ctype)


@pytest.fixture
def calendar(db):
    from yingshang.workdays import services as cs

    for year in (2025, 2026, 2027):
        cs.seed_year_from_library(year, confirm=cs.library_has_arrangement(year))


@pytest.fixture
def catalog(mianyang, calendar):
    """Items: city market registration (营业执照 result), police seal (needs 营业执照), tax
    invoice, an immediate item, a Fucheng local item, a Jiangyou item; bundle 企业开办."""
    from yingshang.catalog import services as cat
    from yingshang.core.models import Department, Division
    from yingshang.registry import services as reg

    city = Division.objects.get(code="510700")
    fucheng = Division.objects.get(code="510703")
    jiangyou = Division.objects.get(code="510781")

    def dept(div, key):
        return Department.objects.get(division=div, function_key=key)

    licence, _ = reg.save_licence_type(code="yyzz", name="营业执照", holder_kind="enterprise")
    seal_lt, _ = reg.save_licence_type(code="gzba", name="公章备案证明", holder_kind="enterprise")

    def item(code, name, department, division=None, **kw):
        mats = kw.pop("materials", [{"name": "申请书", "requirement": "required"}])
        return cat.create_item(
            implementation_code=code,
            basic_code=code[:12],
            name=name,
            category="licensing",
            department=department,
            division=division,
            materials=mats,
            **kw,
        )

    reg_item = item(
        "000001510700CITYMARKET01",
        "企业设立登记",
        dept(city, "market"),
        kind="committed",
        legal_limit_days=15,
        committed_limit_days=3,
        visits_required=0,
        service_scope="city",
        result_licence_type=licence,
        materials=[
            {"name": "公司登记申请书", "requirement": "required"},
            {"name": "住所使用证明", "requirement": "required"},
        ],
    )
    seal = item(
        "000002510700CITYPOLICE01",
        "公章刻制备案",
        dept(city, "police"),
        kind="committed",
        legal_limit_days=5,
        committed_limit_days=1,
        service_scope="city",
        result_licence_type=seal_lt,
        materials=[
            {"name": "营业执照", "requirement": "required", "licence_type": licence},
            {"name": "公司登记申请书", "requirement": "required"},
        ],
    )
    invoice = item(
        "000003510700CITYTAX00001",
        "发票申领",
        dept(city, "tax"),
        kind="committed",
        legal_limit_days=10,
        committed_limit_days=2,
        service_scope="city",
        materials=[{"name": "营业执照", "requirement": "required", "licence_type": licence}],
    )
    immediate = item(
        "000004510700CITYHR000001",
        "就业登记",
        dept(city, "hr"),
        kind="immediate",
        legal_limit_days=0,
        committed_limit_days=0,
        service_scope="province",
    )
    local = item(
        "000005510703FUCHENGMKT01",
        "个体工商户登记(涪城)",
        dept(fucheng, "market"),
        kind="committed",
        legal_limit_days=15,
        committed_limit_days=5,
        visits_required=1,
        service_scope="local",
    )
    jiangyou_item = item(
        "000006510781JIANGYOUMK01",
        "食品经营许可(江油)",
        dept(jiangyou, "market"),
        kind="committed",
        legal_limit_days=20,
        committed_limit_days=10,
        visits_required=1,
        service_scope="local",
    )
    bundle, _ = cat.save_bundle(
        key="qiye-kaiban",
        name="企业开办",
        division=city,
        items=[reg_item, seal, invoice],
    )
    return {
        "registration": reg_item,
        "seal": seal,
        "invoice": invoice,
        "immediate": immediate,
        "local": local,
        "jiangyou": jiangyou_item,
        "bundle": bundle,
        "licence_type": licence,
        "city": city,
        "fucheng": fucheng,
        "jiangyou_div": jiangyou,
    }


@pytest.fixture
def portal_users(db):
    from yingshang.core.models import User

    qiye = User.objects.create_user("qiye_t", password="x" * 12, full_name="企业经办人")
    shimin = User.objects.create_user("shimin_t", password="x" * 12, full_name="市民")
    return {"qiye": qiye, "shimin": shimin}


USCC = make_uscc("91510700MA6ABCDE1")
RIC = make_ric("11010119900101123")


@pytest.fixture
def enterprise_applicant(portal_users, catalog):
    from yingshang.cases.services import resolve_applicant
    from yingshang.registry.public import link_enterprise_user

    first = resolve_applicant(
        kind="enterprise",
        code=USCC,
        name="绵阳示例科技有限公司",
        phone="13812345678",
        user=portal_users["qiye"],
    )
    # the account is the enterprise's verified representative (docs/registry.md): typing the
    # USCC alone would not let it reuse the enterprise's e-licences
    link_enterprise_user(first.enterprise, portal_users["qiye"])
    return resolve_applicant(
        kind="enterprise", code=USCC, phone="13812345678", user=portal_users["qiye"]
    )


@pytest.fixture
def person_applicant(portal_users, catalog):
    from yingshang.cases.services import resolve_applicant

    return resolve_applicant(
        kind="person", code=RIC, name="张三", phone="13900001234", user=portal_users["shimin"]
    )


@pytest.fixture
def submitted(catalog, enterprise_applicant, portal_users):
    """An online case for 企业设立登记 with both uploads."""
    from yingshang.cases.services import material_slots, submit_case

    item = catalog["registration"]
    slots = material_slots([item.current_version])
    return submit_case(
        item=item,
        applicant=enterprise_applicant,
        user=portal_users["qiye"],
        files={s.key: upload(f"{s.key}.pdf") for s in slots},
    )


@pytest.fixture
def founding(catalog):
    """企业开办 of the test catalogue with its outputs: 营业执照 founds the company, 公章备案证明
    comes from 公章刻制备案."""
    from yingshang.catalog import services as cat
    from yingshang.registry.models import LicenceType

    bundle = catalog["bundle"]
    cat.save_bundle_outputs(
        bundle=bundle,
        outputs=[
            {
                "item": catalog["registration"],
                "licence_type": LicenceType.objects.get(code="yyzz"),
                "founds_holder": True,
            },
            {
                "item": catalog["seal"],
                "licence_type": LicenceType.objects.get(code="gzba"),
                "founds_holder": False,
            },
        ],
    )
    return bundle


@pytest.fixture(autouse=True)
def _forget_number_sequences():
    """A test that runs its on-commit callbacks (``django_capture_on_commit_callbacks(
    execute=True)``) records a PostgreSQL number sequence as created although the test's
    transaction, which created it, is rolled back: forget it after each test."""
    yield
    from yingshang.cases import services

    services._known_sequences.clear()


@pytest.fixture
def restaurant(catalog):
    """开办餐馆: 企业设立登记 (营业执照, founds the company) + 食品经营许可 (needs 营业执照)."""
    from yingshang.catalog import services as cat

    reg = catalog["registration"]
    food = cat.create_item(
        implementation_code="000007510700CITYMARKET02",
        basic_code="000007510700",
        name="食品经营许可",
        category="licensing",
        department=reg.department,
        kind="committed",
        legal_limit_days=20,
        committed_limit_days=5,
        service_scope="city",
        materials=[
            {
                "name": "营业执照",
                "requirement": "required",
                "licence_type": catalog["licence_type"],
            },
            {"name": "食品安全管理制度", "requirement": "required"},
        ],
    )
    bundle, _ = cat.save_bundle(
        key="kaiban-canguan", name="开办餐馆", division=catalog["city"], items=[reg, food]
    )
    cat.save_bundle_outputs(
        bundle=bundle,
        outputs=[{"item": reg, "licence_type": catalog["licence_type"], "founds_holder": True}],
    )
    return bundle
