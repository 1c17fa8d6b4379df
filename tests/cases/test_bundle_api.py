"""Bundles (一件事一次办), 免提交 reuse of e-licences, and the REST API."""

import base64

import pytest
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingshang.cases import services, workflow
from yingshang.cases.models import Case, MaterialSource, Status

from .conftest import PDF, USCC, upload


def _bundle_case(catalog, applicant, user):
    slots = services.material_slots(
        [bi.item.current_version for bi in catalog["bundle"].bundle_items.all()]
    )
    reuse = services.reusable_licences(slots, applicant.holder)
    files = {s.key: upload() for s in slots if s.key not in reuse}
    return services.submit_bundle(
        bundle=catalog["bundle"], applicant=applicant, user=user, files=files
    ), slots


def _handler_for(case, staff):
    User = type(staff["chengban"])
    return User.objects.get_or_create(
        username=f"h_{case.department_id}",
        defaults={
            "role": "handler",
            "division": case.department.division,
            "department": case.department,
        },
    )[0]


def test_bundle_splits_deduplicates_and_rolls_up(
    catalog, enterprise_applicant, portal_users, staff
):
    parent, slots = _bundle_case(catalog, enterprise_applicant, portal_users["qiye"])
    # 公司登记申请书 (two items) and 营业执照 (two items) are asked once each
    names = sorted(s.name for s in slots)
    assert names == ["住所使用证明", "公司登记申请书", "营业执照"]
    children = list(parent.children.order_by("id"))
    assert len(children) == 3
    assert {c.department.function_key for c in children} == {"market", "police", "tax"}
    assert parent.is_bundle_parent and parent.status == Status.SUBMITTED
    # 营业执照 not held yet → uploaded
    assert parent.materials.filter(source=MaterialSource.UPLOAD).count() == 3

    handlers = {c.pk: _handler_for(c, staff) for c in children}
    for c in children:
        workflow.transition(c, "accept", handlers[c.pk])
    parent.refresh_from_db()
    assert parent.status == Status.IN_PROCESS
    assert parent.due_at == max(Case.objects.get(pk=c.pk).due_at for c in children)

    # a supplement on one sub-case shows on the parent; the applicant resubmits once
    seal = next(c for c in children if c.department.function_key == "police")
    slot = next(s for s in slots if s.name == "公司登记申请书")
    workflow.transition(
        seal,
        "request_supplement",
        handlers[seal.pk],
        missing=[{"key": slot.key, "name": slot.name}],
    )
    parent.refresh_from_db()
    assert parent.status == Status.SUPPLEMENT
    with pytest.raises(ValidationError):
        services.resubmit(parent, portal_users["qiye"], files={})
    services.resubmit(parent, portal_users["qiye"], files={slot.key: upload()})
    parent.refresh_from_db()
    assert parent.status == Status.IN_PROCESS
    assert Case.objects.get(pk=seal.pk).status == Status.ACCEPTED

    # staff cannot act on the parent directly
    with pytest.raises(ValidationError):
        workflow.transition(parent, "accept", staff["admin"])

    for c in children:
        workflow.transition(c, "complete", handlers[c.pk], outcome="approved")
    parent.refresh_from_db()
    assert parent.status == Status.COMPLETED and parent.outcome == "approved"
    # the registration issued a 营业执照 e-licence to the enterprise
    from yingshang.registry.selectors import licence_for

    lic = licence_for(enterprise_applicant.enterprise, "yyzz")
    assert lic is not None and lic.source_case_number.startswith("510700")


def test_second_application_reuses_elicence(catalog, enterprise_applicant, portal_users, staff):
    from yingshang.registry.services import issue_elicence

    issue_elicence(
        enterprise_applicant.enterprise, "yyzz", catalog["registration"].department, "YYZZ-1"
    )
    item = catalog["invoice"]
    case = services.submit_case(
        item=item, applicant=enterprise_applicant, user=portal_users["qiye"], files={}
    )
    m = case.materials.get()
    assert m.source == MaterialSource.ELICENCE and m.licence.number == "YYZZ-1"
    ev = case.events.get(action="submit")
    assert ev.data["reused_licences"][0]["licence"] == "YYZZ-1"


def test_missing_required_material_without_licence(catalog, enterprise_applicant):
    with pytest.raises(ValidationError) as exc:
        services.submit_case(item=catalog["invoice"], applicant=enterprise_applicant, files={})
    assert any("营业执照" in m for msgs in exc.value.message_dict.values() for m in msgs)
    assert Case.objects.count() == 0


# --------------------------------------------------------------------------- API


@pytest.fixture
def api_system(staff):
    """A departmental system account with a token (a city clerk)."""
    token = Token.objects.create(user=staff["chuangkou"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _payload(it, **extra):
    from yingshang.cases.services import material_slots

    data = {
        "item": it.implementation_code,
        "applicant_kind": "enterprise",
        "applicant_code": USCC,
        "applicant_name": "绵阳示例科技有限公司",
        "materials": [
            {"key": s.key, "filename": "a.pdf", "content_base64": base64.b64encode(PDF).decode()}
            for s in material_slots([it.current_version])
        ],
    }
    data.update(extra)
    return data


def test_api_submit_list_filter_transition(api_system, catalog, staff):
    r = api_system.post("/api/cases/", _payload(catalog["registration"]), format="json")
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    case = Case.objects.get(number=number)
    assert case.channel == "api" and case.materials.count() == 2
    r = api_system.get(
        "/api/cases/", {"status": "submitted", "item": catalog["registration"].implementation_code}
    )
    assert r.json()["count"] == 1 and r.json()["results"][0]["number"] == number
    assert api_system.get("/api/cases/", {"status": "accepted"}).json()["count"] == 0
    assert api_system.get("/api/cases/", {"q": number[:12]}).json()["count"] == 1
    r = api_system.post(f"/api/cases/{number}/accept/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert api_system.get("/api/cases/", {"sla_state": "on_time"}).json()["count"] == 1
    r = api_system.post(f"/api/cases/{number}/accept/", {}, format="json")
    assert r.status_code == 400 and "已受理" in r.json()["action"][0]
    detail = api_system.get(f"/api/cases/{number}/").json()
    assert [e["action"] for e in detail["events"]] == ["submit", "accept"]
    assert len(detail["materials"]) == 2


def test_api_bad_payloads_field_level_zh_en(api_system, catalog):
    r = api_system.post("/api/cases/", {"applicant_kind": "alien"}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert "applicant_code" in body and "applicant_kind" in body
    r = api_system.post(
        "/api/cases/", _payload(catalog["registration"], item="NOPE"), format="json"
    )
    assert r.status_code == 400 and r.json()["item"] == ["事项不存在。"]
    r = api_system.post(
        "/api/cases/",
        _payload(catalog["registration"], item="NOPE"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and r.json()["item"] == ["Unknown service item."]
    r = api_system.post(
        "/api/cases/", _payload(catalog["registration"], applicant_code="123"), format="json"
    )
    assert r.status_code == 400 and "applicant_code" in r.json()
    p = _payload(catalog["registration"])
    p["materials"][0]["content_base64"] = "!!!"
    r = api_system.post("/api/cases/", p, format="json")
    assert r.status_code == 400 and "materials[0].content_base64" in r.json()
    p = _payload(catalog["registration"])
    p["materials"][0]["content_base64"] = base64.b64encode(b"GIF89a....").decode()
    r = api_system.post("/api/cases/", p, format="json")
    assert r.status_code == 400 and any(k.startswith("material_") for k in r.json())
    r = api_system.post("/api/cases/", _payload(catalog["local"], division="510781"), format="json")
    assert r.status_code == 400 and r.json()["division"] == ["事项不在所选区划办理。"]
    r = api_system.post("/api/cases/", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert Case.objects.count() == 0


def test_api_requires_auth_and_schema(client, catalog, staff):
    assert APIClient().get("/api/cases/").status_code in (401, 403)
    client.force_login(staff["admin"])
    schema = client.get("/api/schema/").content.decode()
    assert "/api/cases/{number}/accept/" in schema and "/api/cases/" in schema


def test_failed_write_leaves_no_case_and_no_stored_file(
    catalog, enterprise_applicant, monkeypatch, django_capture_on_commit_callbacks
):
    """Nothing half-written: when the inserts fail, the files stored for them are removed."""
    from pathlib import Path

    from django.conf import settings
    from django.db import IntegrityError

    item = catalog["registration"]
    files = {s.key: upload(f"{s.key}.pdf") for s in services.material_slots([item.current_version])}
    prepared = services.prepare_case(item=item, applicant=enterprise_applicant, files=files)

    def broken(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(services, "_insert_submissions", broken)
    with pytest.raises(IntegrityError):
        services.write_cases([prepared])
    assert Case.objects.count() == 0
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []
    # and the same submission goes through once the database accepts it: the files are
    # staged, then moved into place when the transaction commits
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.write_cases([prepared])[0]
    assert case.materials.filter(source="upload").count() == len(files)
    assert all(Path(m.stored_name.path).exists() for m in case.materials.all())
    assert not [p for p in (Path(settings.MEDIA_ROOT) / ".incoming").rglob("*") if p.is_file()]
