import datetime

import pytest
from django.core.exceptions import ValidationError

from yingshang.core.models import Department, Division
from yingshang.demo.registry import enterprise_uscc, person_id
from yingshang.platform.models import AuditEntry
from yingshang.registry import selectors, services
from yingshang.registry.models import ELicence, Enterprise, Person

USCC = enterprise_uscc("510703", "MA6AB1C01")
USCC_JY = enterprise_uscc("510781", "MA6AB1C03")
RIC = person_id("510703", "19930101", "123")


@pytest.fixture
def types(mianyang):
    yyzz, _ = services.save_licence_type(code="yyzz", name="营业执照", holder_kind="enterprise")
    sfz, _ = services.save_licence_type(code="sfz", name="居民身份证", holder_kind="person")
    return {"yyzz": yyzz, "sfz": sfz}


@pytest.fixture
def enterprises(mianyang):
    fc = services.register_enterprise(
        uscc=USCC,
        name="涪江智造",
        phone="13980610001",
        division=Division.objects.get(code="510703"),
    )
    jy = services.register_enterprise(
        uscc=USCC_JY,
        name="太白酒业",
        phone="13980610003",
        division=Division.objects.get(code="510781"),
    )
    return fc, jy


def market(code):
    return Department.objects.get(division__code=code, function_key="market")


def test_generated_numbers_are_valid():
    from stdnum.cn import ric, uscc

    assert uscc.is_valid(USCC) and uscc.is_valid(USCC_JY)
    assert ric.is_valid(RIC)


@pytest.mark.parametrize("bad", ["91510703MA6AB1C010", "123", "", "9151070OMA6AB1C01X"])
def test_invalid_uscc_refused(mianyang, bad):
    with pytest.raises(ValidationError) as exc:
        services.register_enterprise(uscc=bad, name="x")
    assert ("不能为空" if not bad else "统一社会信用代码") in exc.value.message_dict["uscc"][0]
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    "bad", [RIC[:-1] + ("0" if RIC[-1] != "0" else "1"), "51070319930230123X", "1"]
)
def test_invalid_id_number_refused(mianyang, bad):
    with pytest.raises(ValidationError) as exc:
        services.register_person(id_number=bad, name="张明")
    assert exc.value.message_dict["id_number"] == ["居民身份证号码无效。"]
    assert not Person.objects.exists()


def test_register_is_idempotent_and_updates(enterprises):
    again = services.register_enterprise(uscc=USCC.lower(), name="涪江智造")
    assert again == enterprises[0] and Enterprise.objects.count() == 2
    services.register_enterprise(uscc=USCC, name="涪江智造(新)")
    assert Enterprise.objects.get(uscc=USCC).name == "涪江智造(新)"


def test_issue_and_reuse_elicence(enterprises, types):
    fc, _ = enterprises
    assert selectors.licence_for(fc, "yyzz") is None
    lic = services.issue_elicence(fc, types["yyzz"], market("510703"), "YY-1", "C2026-1", {"a": 1})
    assert selectors.licence_for(fc, "yyzz") == lic
    assert selectors.licence_for(fc, types["yyzz"]) == lic
    assert lic.source_case_number == "C2026-1" and lic.holder == fc
    # idempotent for the same holder, refused for another
    assert services.issue_elicence(fc, "yyzz", market("510703"), "YY-1") == lic
    with pytest.raises(ValidationError) as exc:
        services.issue_elicence(enterprises[1], "yyzz", market("510781"), "YY-1")
    assert "number" in exc.value.message_dict
    # a person cannot hold a 营业执照; unknown type refused
    person = services.register_person(id_number=RIC, name="张明")
    with pytest.raises(ValidationError) as exc:
        services.issue_elicence(person, "yyzz", market("510703"), "YY-2")
    assert "holder" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.issue_elicence(fc, "nope", market("510703"), "N-1")
    assert "licence_type" in exc.value.message_dict
    services.revoke_elicence(lic, "注销")
    assert selectors.licence_for(fc, "yyzz") is None


def test_expired_licence_not_offered(enterprises, types):
    fc, _ = enterprises
    services.issue_elicence(
        fc,
        "yyzz",
        market("510703"),
        "OLD",
        issued_on=datetime.date(2000, 1, 1),
        valid_until=datetime.date(2001, 1, 1),
    )
    assert selectors.licence_for(fc, "yyzz") is None
    with pytest.raises(ValidationError):
        services.issue_elicence(
            fc,
            "yyzz",
            market("510703"),
            "BAD",
            issued_on=datetime.date(2020, 1, 1),
            valid_until=datetime.date(2019, 1, 1),
        )


def test_personal_data_masked_in_audit(mianyang):
    person = services.register_person(id_number=RIC, name="张明", phone="13890010001")
    entry = AuditEntry.objects.filter(object_type="registry.Person", object_id=str(person.pk)).get()
    after = entry.changes["after"]
    assert after["id_number"] == RIC[:6] + "********" + RIC[-4:]
    assert after["phone"] == "138****0001"
    assert RIC not in str(entry.changes)
    assert person.masked_id != RIC and str(person).count("*") == 8


def test_enterprise_api_scoped_and_masked(enterprises, staff, login, client):
    assert client.get("/api/registry/enterprises/").status_code in (401, 403)
    city = login(staff["jianduyuan"]).get("/api/registry/enterprises/").json()
    assert city["count"] == 2
    body = str(city)
    assert "13980610001" not in body and "139****0001" in body
    fucheng = login(staff["fucheng_jiandu"])
    data = fucheng.get("/api/registry/enterprises/").json()
    assert [e["uscc"] for e in data["results"]] == [USCC]
    assert fucheng.get(f"/api/registry/enterprises/{USCC_JY}/").status_code == 404


def test_enterprise_api_create_validates_uscc(mianyang, staff, login):
    client = login(staff["kezhang"])  # the demo's registry maintainer
    bad = client.post(
        "/api/registry/enterprises/",
        {"uscc": "91510703MA6AB1C010", "name": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "uscc" in bad.json()
    assert not Enterprise.objects.exists()
    ok = client.post(
        "/api/registry/enterprises/",
        {"uscc": USCC, "name": "涪江智造", "division_code": "510703", "phone": "13900001111"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert ok.json()["masked_phone"] == "139****1111" and "phone" not in ok.json()


def test_licence_api_scoped(enterprises, types, staff, login):
    fc, jy = enterprises
    services.issue_elicence(fc, "yyzz", market("510703"), "F-1")
    services.issue_elicence(jy, "yyzz", market("510781"), "J-1")
    city = login(staff["jianduyuan"]).get("/api/registry/licences/").json()
    assert sorted(r["number"] for r in city["results"]) == ["F-1", "J-1"]
    handler = login(staff["jiangyou_chengban"]).get("/api/registry/licences/").json()
    assert [r["number"] for r in handler["results"]] == ["J-1"]
    assert ELicence.objects.count() == 2


def _ric(body17: str) -> str:
    from stdnum.cn import ric

    return body17 + ric.calc_check_digit(body17 + "?")  # the last character is ignored


@pytest.mark.parametrize(
    "number, valid",
    [
        (_ric("51070319950307123"), True),  # 涪城区, born after it was created
        # 涪城区 exists since 1992, the number was given later: stdnum refuses it, we do not
        (_ric("51070319850307123"), True),
        (_ric("51070419700101123"), True),  # 游仙区 (1992-), born 1970
        (_ric("51072219900307123"), True),  # 三台县
        (_ric("51070319850307123")[:-1] + "0", False),  # check digit wrong
        (_ric("51079919900307123"), False),  # no such county
        (_ric("51282819900307123"), False),  # a county abolished in 1985, born 1990
        (_ric("51070319851307123"), False),  # month 13
        ("51070319850307123", False),  # 17 characters
        ("", False),
    ],
)
def test_id_numbers_of_counties_created_after_birth(number, valid):
    from stdnum.cn import ric

    from yingshang.registry.models import is_valid_ric

    assert is_valid_ric(number) is valid
    if number.startswith("5107031985") and valid:
        assert not ric.is_valid(number)  # what this fixes
