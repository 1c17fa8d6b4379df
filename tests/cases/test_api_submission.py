"""The lean submission path of the REST API: the fast payload check against the serializer,
rows and audit entry equal to what the ORM and the audit signal write, e-licence reuse, the
cached token authentication and its revocation, and the batch endpoint (all or nothing)."""

import base64

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingshang.cases import api as cases_api
from yingshang.cases import payload, services
from yingshang.cases.models import Case, CaseEvent, CaseMaterial, MaterialSource
from yingshang.platform import audit
from yingshang.platform.api import _token_cache
from yingshang.platform.models import AuditEntry

from .conftest import PDF, RIC, USCC, make_uscc

B64 = base64.b64encode(PDF).decode()


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    _token_cache.clear()
    yield
    _token_cache.clear()


@pytest.fixture
def token(staff):
    return Token.objects.create(user=staff["chuangkou"])


@pytest.fixture
def system(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _payload(it, code=USCC, **extra):
    data = {
        "item": it.implementation_code,
        "applicant_kind": "enterprise",
        "applicant_code": code,
        "applicant_name": "绵阳示例科技有限公司",
        "materials": [
            {"key": s.key, "filename": f"{s.key}.pdf", "content_base64": B64}
            for s in services.material_slots([it.current_version])
        ],
    }
    data.update(extra)
    return data


# --------------------------------------------------------------------------- fast check


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"channel": "wechat"},
        {"division": "510781", "applicant_phone": "", "form_data": {"a": 1, "b": [1, 2]}},
        {"applicant_name": ""},
        {"extra_field": "ignored"},
        {"materials": []},
        {"materials": [{"key": "m1", "filename": "a.pdf", "content_base64": "QQ==", "x": 1}]},
    ],
)
def test_fast_clean_equals_serializer(changes):
    data = {"item": "X1", "applicant_kind": "person", "applicant_code": "510", **changes}
    quick = payload.fast_clean(data)
    ser = cases_api.CaseCreateSerializer(data=data)
    assert ser.is_valid(), ser.errors
    assert quick is not None
    expected = dict(ser.validated_data)
    if "materials" in expected:
        expected["materials"] = [dict(m) for m in expected["materials"]]
    assert quick == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"applicant_code": " 510 "},  # the serializer trims
        {"applicant_code": 510},  # the serializer converts
        {"applicant_code": "x" * 19},
        {"applicant_kind": "alien"},
        {"channel": "fax"},
        {"channel": None},
        {"item": None},
        {"item": ""},
        {"bundle": "b"},  # both item and bundle
        {"applicant_name": "a\x00b"},
        {"applicant_name": "\ud800"},
        {"form_data": []},
        {"materials": {"key": "m1"}},
        {"materials": [{"key": "m1", "filename": "a.pdf"}]},
        {"materials": ["m1"]},
    ],
)
def test_fast_clean_leaves_unusual_payloads_to_the_serializer(changes):
    data = {"item": "X1", "applicant_kind": "person", "applicant_code": "510", **changes}
    assert payload.fast_clean(data) is None
    assert payload.fast_clean(["not", "a", "dict"]) is None


def test_unusual_but_valid_payload_still_accepted(system, catalog):
    p = _payload(catalog["registration"], applicant_code=f"  {USCC.lower()} ")
    r = system.post("/api/cases/", p, format="json")
    assert r.status_code == 201, r.content
    assert Case.objects.get(number=r.json()["number"]).applicant_code == USCC


def test_wrong_types_are_field_errors(system, catalog):
    p = _payload(catalog["registration"], applicant_code=["x"], materials="none")
    r = system.post("/api/cases/", p, format="json")
    assert r.status_code == 400
    assert set(r.json()) >= {"applicant_code", "materials"}
    assert Case.objects.count() == 0


# --------------------------------------------------------------------------- rows and audit


def test_rows_and_audit_entry_match_the_orm_path(system, catalog, staff):
    r = system.post("/api/cases/", _payload(catalog["registration"]), format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    case = Case.objects.get(number=body["number"])
    assert body["department"] == case.department_id == catalog["registration"].department_id
    assert body["status_label"] == "已申报" and body["status"] == "submitted"
    assert case.intake_department_id == staff["chuangkou"].department_id
    assert case.division_id == catalog["city"].pk and case.channel == "api"
    mats = list(case.materials.order_by("id"))
    assert len(mats) == 2 and {m.source for m in mats} == {MaterialSource.UPLOAD}
    assert all(m.size == len(PDF) and m.content_type == "application/pdf" for m in mats)
    event = case.events.get()
    assert event.action == "submit" and event.actor_id == staff["chuangkou"].pk
    assert event.actor_role == "clerk" and event.data == {"materials": 2, "reused_licences": []}
    assert event.at == case.submitted_at

    entry = AuditEntry.objects.get(object_type="cases.Case", object_id=str(case.pk))
    # what the post_save signal records for this row
    assert entry.changes == {"after": audit.snapshot(case)}
    assert entry.action == "create" and entry.channel == "api"
    assert entry.actor_id == staff["chuangkou"].pk and entry.actor_name == "chuangkou"
    assert entry.division_path == staff["chuangkou"].division.path
    assert entry.object_repr == str(case)
    # personal fields masked; an enterprise's USCC is masked like any ID number
    assert entry.changes["after"]["applicant_code"] != USCC
    assert entry.changes["after"]["applicant_code"] == audit._mask("applicant_code", USCC)

    # the same entry as for a case saved through the ORM (signals) in the same context
    with audit.audit_context(user=staff["chuangkou"], ip="127.0.0.1", channel="api"):
        twin = Case.objects.get(pk=case.pk)
        twin.pk, twin.number = None, case.number + "X"
        twin.save()
    orm = AuditEntry.objects.get(object_type="cases.Case", object_id=str(twin.pk))
    after, orm_after = dict(entry.changes["after"]), dict(orm.changes["after"])
    for key in ("id", "number", "updated_at"):
        after.pop(key), orm_after.pop(key)
    assert after == orm_after
    assert (entry.actor_id, entry.division_path, entry.action) == (
        orm.actor_id,
        orm.division_path,
        orm.action,
    )


def test_api_reuses_elicence_instead_of_upload(system, catalog, enterprise_applicant):
    from yingshang.registry.services import issue_elicence

    issue_elicence(
        enterprise_applicant.enterprise, "yyzz", catalog["registration"].department, "YYZZ-9"
    )
    p = _payload(catalog["invoice"], materials=[])
    r = system.post("/api/cases/", p, format="json")
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()["number"])
    m = case.materials.get()
    assert m.source == MaterialSource.ELICENCE and m.licence.number == "YYZZ-9"
    assert case.events.get().data["reused_licences"] == [
        {"material": "营业执照", "licence": "YYZZ-9"}
    ]
    # an uploaded file wins over the licence, as on the portal
    r = system.post("/api/cases/", _payload(catalog["invoice"]), format="json")
    assert r.status_code == 201
    m = Case.objects.get(number=r.json()["number"]).materials.get()
    assert m.source == MaterialSource.UPLOAD and m.licence_id is None


def test_person_applicant_and_local_item(system, catalog):
    ric = RIC
    p = _payload(
        catalog["local"],
        applicant_kind="person",
        code=ric,
        applicant_name="李四",
        division="510703",
    )
    p["applicant_code"] = ric
    r = system.post("/api/cases/", p, format="json")
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()["number"])
    assert case.person.id_number == ric and case.number.startswith("510703")
    entry = AuditEntry.objects.get(object_type="cases.Case", object_id=str(case.pk))
    assert ric not in str(entry.changes)


# --------------------------------------------------------------------------- token cache


def _submit(client, catalog, n):
    code = make_uscc(f"91510700MA6TKN{n:03d}")
    return client.post("/api/cases/", _payload(catalog["registration"], code=code), format="json")


def test_token_revocation_and_deactivation_take_effect(system, token, catalog, staff):
    assert _submit(system, catalog, 1).status_code == 201
    assert token.key in _token_cache  # submissions use the cache
    token.delete()
    assert _submit(system, catalog, 2).status_code in (401, 403)
    new = Token.objects.create(user=staff["chuangkou"])
    system.credentials(HTTP_AUTHORIZATION=f"Token {new.key}")
    assert _submit(system, catalog, 3).status_code == 201
    user = staff["chuangkou"]
    user.is_active = False
    user.save()
    assert new.key not in _token_cache
    assert _submit(system, catalog, 4).status_code in (401, 403)


def test_token_cache_serves_submissions_only(system, token, catalog):
    """A revocation this process did not see (another server): reads and transitions refuse
    it at once; submissions honour it after the TTL."""
    import yingshang.platform.api as platform_api

    assert _submit(system, catalog, 5).status_code == 201
    Token.objects.filter(pk=token.pk)._raw_delete("default")  # no signal in this process
    assert system.get("/api/cases/").status_code in (401, 403)
    assert _submit(system, catalog, 6).status_code == 201  # within API_TOKEN_CACHE_SECONDS
    _token_cache[token.key] = (*_token_cache[token.key][:2], 0)  # expired
    assert _submit(system, catalog, 7).status_code in (401, 403)
    assert platform_api.token_cache_seconds() == 5


def test_token_cache_can_be_turned_off(settings):
    import yingshang.platform.api as platform_api

    settings.API_TOKEN_CACHE_SECONDS = 0
    assert platform_api.token_cache_seconds() == 0


# --------------------------------------------------------------------------- batch


def test_batch_writes_all_in_order(system, catalog):
    codes = [make_uscc(f"91510700MA6BAT{n:03d}") for n in range(3)]
    subs = [_payload(catalog["registration"], code=c) for c in codes]
    subs[0]["applicant_code"], subs[1]["applicant_code"], subs[2]["applicant_code"] = codes
    subs.append(
        {
            "bundle": "qiye-kaiban",
            "applicant_kind": "enterprise",
            "applicant_code": codes[0],
            "materials": [
                {"key": s.key, "filename": "a.pdf", "content_base64": B64}
                for s in services.material_slots(
                    [bi.item.current_version for bi in catalog["bundle"].bundle_items.all()]
                )
            ],
        }
    )
    r = system.post("/api/cases/batch/", {"submissions": subs}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["count"] == 4
    numbers = [c["number"] for c in body["cases"]]
    assert len(set(numbers)) == 4
    cases = [Case.objects.get(number=n) for n in numbers]
    assert [c.applicant_code for c in cases] == codes + [codes[0]]
    assert cases[3].is_bundle_parent and cases[3].children.count() == 3
    for c in cases[:3]:
        assert c.materials.count() == 2 and c.events.get().action == "submit"
        assert AuditEntry.objects.filter(object_type="cases.Case", object_id=str(c.pk)).count() == 1


def test_batch_is_all_or_nothing_with_indexed_errors(system, catalog):
    good = _payload(catalog["registration"])
    bad_code = _payload(catalog["registration"], applicant_code="123")
    bad_code["applicant_code"] = "123"
    unknown = _payload(catalog["registration"], item="NOPE")
    no_material = _payload(catalog["registration"], materials=[])
    bad_b64 = _payload(catalog["registration"])
    bad_b64["materials"][0]["content_base64"] = "!!!"
    subs = [good, bad_code, unknown, no_material, bad_b64, "junk"]
    before = (Case.objects.count(), CaseMaterial.objects.count(), AuditEntry.objects.count())
    r = system.post("/api/cases/batch/", {"submissions": subs}, format="json")
    assert r.status_code == 400
    errors = r.json()
    assert "submissions[1].applicant_code" in errors
    assert errors["submissions[2].item"] == ["事项不存在。"]
    assert any(k.startswith("submissions[3].material_") for k in errors)
    assert "submissions[4].materials[0].content_base64" in errors
    assert "submissions[5].non_field_errors" in errors
    assert not any(k.startswith("submissions[0].") for k in errors)
    after = (Case.objects.count(), CaseMaterial.objects.count(), AuditEntry.objects.count())
    assert after == before and CaseEvent.objects.count() == 0

    r = system.post(
        "/api/cases/batch/",
        {"submissions": [good, unknown]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"submissions[1].item": ["Unknown service item."]}
    assert Case.objects.count() == 0


def test_batch_rolls_back_registrations_and_checks_shape(system, catalog):
    from yingshang.registry.models import Enterprise

    new_code = make_uscc("91510700MA6NEWCA1")
    subs = [
        _payload(catalog["registration"], applicant_name="新企业"),
        _payload(catalog["registration"], item="NOPE"),
    ]
    subs[0]["applicant_code"] = new_code
    r = system.post("/api/cases/batch/", {"submissions": subs}, format="json")
    assert r.status_code == 400
    assert not Enterprise.objects.filter(uscc=new_code).exists()
    for body in ({}, {"submissions": []}, {"submissions": "x"}, []):
        r = system.post("/api/cases/batch/", body, format="json")
        assert r.status_code == 400 and "submissions" in r.json()
    r = system.post(
        "/api/cases/batch/",
        {"submissions": [{}] * (services.BATCH_MAX + 1)},
        format="json",
    )
    assert r.status_code == 400 and "500" in r.json()["submissions"][0]


def test_batch_requires_a_writing_staff_account(catalog, staff):
    assert APIClient().post(
        "/api/cases/batch/", {"submissions": [{}]}, format="json"
    ).status_code in (401, 403)
    leader = APIClient()
    leader.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff['shilingdao']).key}"
    )
    r = leader.post(
        "/api/cases/batch/", {"submissions": [_payload(catalog["registration"])]}, format="json"
    )
    assert r.status_code == 403 and Case.objects.count() == 0


def test_item_lookup_follows_new_versions_and_deactivation(catalog, django_assert_num_queries):
    from yingshang.catalog import services as cat

    item = catalog["registration"]
    got = services.item_for_submission(item.implementation_code)
    assert got.current_version == item.current_version and got.division == item.division
    assert services.item_for_submission("NOPE") is None
    v2 = cat.publish_new_version(item, committed_limit_days=2)
    got = services.item_for_submission(item.implementation_code)
    assert got.current_version_id == v2.pk and got.current_version.committed_limit_days == 2
    with django_assert_num_queries(1):  # the item row with its division; the version cached
        again = services.item_for_submission(item.implementation_code)
        assert again.current_version.item_id == item.pk and again.division.code == "510700"
    cat.deactivate_item(item)
    assert not services.item_for_submission(item.implementation_code).is_active
