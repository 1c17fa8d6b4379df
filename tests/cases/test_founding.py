"""企业开办 founds the company: 办结 准予 of the 设立登记 sub-case takes the new company's
统一社会信用代码, the registry creates the enterprise, the 营业执照 goes to the company, the
applicant's account becomes its verified representative and the bundle's other sub-cases name
the company — one transaction through the case machine (cases/machines.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingshang.cases import services, workflow
from yingshang.cases.models import Case, Status
from yingshang.platform.models import AuditEntry
from yingshang.registry.models import ELicence, Enterprise, Representation, RepresentationStatus

from .conftest import RIC, USCC, make_uscc, upload

pytestmark = pytest.mark.django_db

NEW_USCC = make_uscc("91510700MA7FNDK20")
NEW = {
    "company_name": "绵阳新开科技有限公司",
    "company_type": "llc",
    "registered_capital": "100",
    "address": "绵阳市涪城区示例路 1 号",
    "legal_representative": "张三",
    "business_scope": "软件开发",
}


@pytest.fixture
def bundle_case(founding, person_applicant, portal_users):
    versions = [bi.item.current_version for bi in founding.bundle_items.all()]
    slots = services.bundle_material_slots(founding, versions)
    return services.submit_bundle(
        bundle=founding,
        applicant=person_applicant,
        user=portal_users["shimin"],
        files={s.key: upload() for s in slots},
        form_data={"guided": True, "new_enterprise": NEW},
    )


def _handler(case, username="h_market"):
    from yingshang.core.models import User

    return User.objects.get_or_create(
        username=username,
        defaults={
            "role": "handler",
            "division": case.department.division,
            "department": case.department,
        },
    )[0]


def _registration(parent, catalog):
    return parent.children.get(item=catalog["registration"])


def _accepted(parent, catalog):
    case = _registration(parent, catalog)
    handler = _handler(case)
    workflow.transition(case, "accept", handler)
    return Case.objects.get(pk=case.pk), handler


def _complete(case, handler, **data):
    return workflow.transition(
        case,
        "complete",
        handler,
        outcome="approved",
        reason="经审查，申请符合法定条件，准予许可。",
        confirm=True,
        interactive=True,
        **data,
    )


def test_completion_founds_the_company(
    bundle_case, catalog, portal_users, django_capture_on_commit_callbacks
):
    case, handler = _accepted(bundle_case, catalog)
    assert workflow.founding_output(case) is not None
    assert services.new_enterprise_prefill(case)["name"] == NEW["company_name"]
    with django_capture_on_commit_callbacks(execute=True):
        _complete(case, handler, new_enterprise_uscc=NEW_USCC.lower())
    company = Enterprise.objects.get(uscc=NEW_USCC)
    assert company.name == NEW["company_name"]
    assert company.legal_representative == "张三" and company.address == NEW["address"]
    assert company.division == bundle_case.division and company.established_on is not None
    # the 营业执照 goes to the company, not to the person who applied
    licence = ELicence.objects.get(licence_type__code="yyzz")
    assert licence.enterprise == company and licence.person is None
    # the applicant's account is the company's verified representative
    rep = Representation.objects.get(enterprise=company)
    assert rep.user == portal_users["shimin"] and rep.status == RepresentationStatus.VERIFIED
    assert rep.events.filter(action="approve").exists()
    # the bundle and all its sub-cases name the company
    for c in Case.objects.filter(pk=bundle_case.pk) | bundle_case.children.all():
        assert c.applicant_kind == "enterprise" and c.enterprise == company, c.number
        assert c.applicant_code == NEW_USCC and c.applicant_name == NEW["company_name"]
        assert c.person is not None and c.person.id_number == RIC  # who applied stays known
    seal = bundle_case.children.get(item=catalog["seal"])
    assert seal.status == Status.SUBMITTED and seal.lock_version == 1
    done = Case.objects.get(pk=case.pk)
    assert done.status == Status.COMPLETED
    event = done.events.get(action="complete")
    assert event.data["new_enterprise_uscc"] == NEW_USCC
    assert done.events.filter(action="found_enterprise").exists()
    assert bundle_case.events.filter(action="found_enterprise").exists()
    # audited: the enterprise's creation and the cases' change of applicant
    assert AuditEntry.objects.filter(object_type="registry.Enterprise", action="create").exists()
    assert AuditEntry.objects.filter(
        object_type="cases.Case", object_id=str(seal.pk), action="update"
    ).exists()
    # the portal: 我的企业 lists the company, its bundle page the licence
    from yingshang.registry.public import holders_for_user, licences_of

    assert company in holders_for_user(portal_users["shimin"])
    assert licence in licences_of(company)


def test_seal_reuses_the_new_licence_after_founding(bundle_case, catalog):
    """The later sub-cases name the company: its 营业执照 is what they reuse."""
    case, handler = _accepted(bundle_case, catalog)
    _complete(case, handler, new_enterprise_uscc=NEW_USCC)
    seal = bundle_case.children.get(item=catalog["seal"])
    holder = seal.enterprise or seal.person
    slots = services.material_slots([seal.version])
    reuse = services.reusable_licences(slots, holder)
    assert [lic.licence_type.code for lic in reuse.values()] == ["yyzz"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "请填写新设企业的统一社会信用代码。"),
        (NEW_USCC[:-1] + ("0" if NEW_USCC[-1] != "0" else "1"), "统一社会信用代码无效"),
        (USCC, "已在登记库中"),
    ],
    ids=["missing", "bad-checksum", "duplicate"],
)
def test_bad_or_taken_uscc_is_a_field_error_and_nothing_is_written(
    bundle_case, catalog, enterprise_applicant, value, message
):
    case, handler = _accepted(bundle_case, catalog)
    before = (Enterprise.objects.count(), Representation.objects.count(), ELicence.objects.count())
    with pytest.raises(ValidationError) as exc:
        _complete(case, handler, new_enterprise_uscc=value)
    assert message in exc.value.message_dict["new_enterprise_uscc"][0]
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.enterprise is None
    assert (
        Enterprise.objects.count(),
        Representation.objects.count(),
        ELicence.objects.count(),
    ) == before


def test_english_error(bundle_case, catalog):
    from django.utils import translation

    case, handler = _accepted(bundle_case, catalog)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _complete(case, handler, new_enterprise_uscc="12345")
    msg = exc.value.message_dict["new_enterprise_uscc"][0]
    assert "credit code" in msg.lower() and "统一" not in msg


def test_out_of_scope_handler_gets_404(bundle_case, catalog, mianyang):
    from yingshang.core.models import Department, Division, User

    case, _handler_ = _accepted(bundle_case, catalog)
    jiangyou = Division.objects.get(code="510781")
    other = User.objects.create_user(
        "h_jiangyou",
        password="x" * 12,
        role="handler",
        division=jiangyou,
        department=Department.objects.get(division=jiangyou, function_key="market"),
    )
    with pytest.raises(Http404):
        _complete(case, other, new_enterprise_uscc=NEW_USCC)
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()


def test_a_failure_after_founding_rolls_everything_back(bundle_case, catalog, monkeypatch):
    """The licence issue fails after the company was created: nothing of the step is left."""
    case, handler = _accepted(bundle_case, catalog)

    def boom(*args, **kwargs):
        raise ValidationError({"number": "boom"})

    monkeypatch.setattr(services, "issue_result_licence", boom)
    events = case.events.count()
    with pytest.raises(ValidationError):
        _complete(case, handler, new_enterprise_uscc=NEW_USCC)
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()
    assert not Representation.objects.exists()
    assert not Case.objects.filter(applicant_kind="enterprise").exists()
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.events.count() == events


def test_denial_founds_nothing(bundle_case, catalog):
    case, handler = _accepted(bundle_case, catalog)
    workflow.transition(
        case,
        "complete",
        handler,
        outcome="denied",
        reason="名称不符合规定。",
        confirm=True,
        interactive=True,
    )
    assert (
        not Enterprise.objects.exists()
        or not Enterprise.objects.filter(name=NEW["company_name"]).exists()
    )
    assert Case.objects.get(pk=case.pk).applicant_kind == "person"


def test_workbench_form_prefills_and_shows_errors(client, bundle_case, catalog):
    case, handler = _accepted(bundle_case, catalog)
    client.force_login(handler)
    url = reverse("cases:detail", args=[case.number])
    page = client.get(url).content.decode()
    assert 'data-testid="new-enterprise-uscc-complete"' in page
    assert f'value="{NEW["company_name"]}"' in page
    data = {
        "action": "complete",
        "outcome": "approved",
        "reason": "准予",
        "confirm": "1",
        "new_enterprise_uscc": NEW_USCC[:-1] + ("0" if NEW_USCC[-1] != "0" else "1"),
        "new_enterprise_name": NEW["company_name"],
    }
    client.post(reverse("cases:action", args=[case.number]), data)
    page = client.get(url).content.decode()
    assert 'data-field="new_enterprise_uscc"' in page and "统一社会信用代码无效" in page
    client.post(
        reverse("cases:action", args=[case.number]), {**data, "new_enterprise_uscc": NEW_USCC}
    )
    assert Enterprise.objects.get(uscc=NEW_USCC).name == NEW["company_name"]


def test_api_decision_takes_the_uscc(bundle_case, catalog):
    case, handler = _accepted(bundle_case, catalog)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=handler).key}")
    url = f"/api/cases/{case.number}/complete/"
    body = {"outcome": "approved", "note": "准予", "confirm": True}
    r = api.post(url, {**body, "new_enterprise_uscc": "X" * 19}, format="json")
    assert r.status_code == 400 and "new_enterprise_uscc" in str(r.json())
    r = api.post(
        url,
        {**body, "new_enterprise_uscc": USCC[:-1] + "Z"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and "new_enterprise_uscc" in str(r.json())
    r = api.post(url, {**body, "new_enterprise_uscc": NEW_USCC}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "completed"
    assert Enterprise.objects.get(uscc=NEW_USCC).name == NEW["company_name"]


def test_schema_documents_the_field(client, staff):
    import yaml

    client.force_login(staff["admin"])
    schema = yaml.safe_load(client.get("/api/schema/").content)
    field = schema["components"]["schemas"]["TransitionRequest"]["properties"][
        "new_enterprise_uscc"
    ]
    assert field["maxLength"] == 18 and "统一社会信用代码" in field["description"]
