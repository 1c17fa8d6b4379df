import pytest


@pytest.fixture
def licences(mianyang):
    from yingshang.registry import services

    out = {}
    for code, name, kind in [
        ("yyzz", "营业执照", "enterprise"),
        ("gzba", "公章刻制备案证明", "enterprise"),
        ("spjy", "食品经营许可证", "enterprise"),
        ("sfz", "居民身份证", "person"),
    ]:
        out[code], _ = services.save_licence_type(code=code, name=name, holder_kind=kind)
    return out


def dept(division_code, function_key):
    from yingshang.core.models import Department

    return Department.objects.get(division__code=division_code, function_key=function_key)


@pytest.fixture
def items(licences):
    """Four items: city market (设立登记), city police (公章), Jiangyou market (食品经营许可),
    city tax (即办件, 个人)."""
    from yingshang.catalog import services

    made = {}
    made["setup"] = services.create_item(
        implementation_code="T-SETUP-510700",
        basic_code="010060010000",
        name="企业设立登记",
        category="licensing",
        department=dept("510700", "market"),
        theme="enterprise",
        life_events="开办企业",
        kind="committed",
        legal_limit_days=15,
        committed_limit_days=1,
        visits_required=0,
        online_depth=5,
        service_scope="province",
        legal_basis="《中华人民共和国市场主体登记管理条例》",
        guide="市政务服务中心市场监管窗口",
        result_licence_type=licences["yyzz"],
        materials=[
            {"name": "公司登记申请书"},
            {"name": "公司章程", "form": "copy"},
            {"name": "委托书", "requirement": "conditional", "condition": "委托他人办理的"},
        ],
    )
    made["seal"] = services.create_item(
        implementation_code="T-SEAL-510700",
        basic_code="060110010000",
        name="公章刻制备案",
        category="filing",
        department=dept("510700", "police"),
        theme="enterprise",
        life_events="开办企业",
        kind="immediate",
        legal_limit_days=1,
        committed_limit_days=0,
        materials=[{"name": "营业执照", "licence_type": licences["yyzz"]}, {"name": "身份证"}],
    )
    made["food"] = services.create_item(
        implementation_code="T-FOOD-510781",
        basic_code="010060050000",
        name="食品经营许可",
        category="licensing",
        department=dept("510781", "market"),
        theme="enterprise",
        life_events="开办餐馆、经营许可",
        kind="committed",
        legal_limit_days=20,
        committed_limit_days=5,
        visits_required=1,
        online_depth=4,
        service_scope="city",
        fee_text="不收费",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        guide="江油市政务服务中心",
        result_licence_type=licences["spjy"],
        materials=[
            {"name": "食品经营许可申请书"},
            {"name": "营业执照", "licence_type": licences["yyzz"]},
        ],
    )
    made["tax"] = services.create_item(
        implementation_code="T-TAX-510700",
        basic_code="080090040000",
        name="个人所得税完税证明开具",
        category="public_service",
        department=dept("510700", "tax"),
        theme="person",
        life_events="纳税缴费",
        kind="immediate",
        legal_limit_days=1,
        committed_limit_days=0,
        fee_text="工本费",
        fee_amount=10,
        materials=[{"name": "居民身份证", "licence_type": licences["sfz"]}],
    )
    return made


@pytest.fixture
def bundle(items, mianyang):
    from yingshang.catalog import services
    from yingshang.core.models import Division

    b, _ = services.save_bundle(
        key="qiye-kaiban",
        name="企业开办",
        division=Division.objects.get(code="510700"),
        items=[items["setup"], items["seal"]],
        description="一次申请",
    )
    return b
