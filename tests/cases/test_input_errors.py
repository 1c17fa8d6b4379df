"""Bad input to the cases services gives a field-level error, in Chinese and in English, and
writes nothing: the submission (``services.submit``, the one entry point of the portal, the
window, the API and the batch), the data each workflow step needs, the new company's details
at 办结 of a founding case (企业开办), and the supplement (补正) the applicant hands in."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.cases.conftest import USCC, make_ric, make_uscc, upload
from yingshang.cases import services, workflow
from yingshang.cases.models import Case, Status
from yingshang.platform.models import AuditEntry
from yingshang.registry.models import Enterprise, Person

NEW_USCC = make_uscc("91510700MA6ABCDE2")
NEW_RIC = make_ric("51070319920202002")


def _counts():
    return (
        Case.objects.count(),
        Enterprise.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.count(),
    )


def _refusal(call, language="zh-hans"):
    with translation.override(language), pytest.raises(ValidationError) as err:
        call()
    return err.value.message_dict


# field, Chinese, English, submission changes (a valid registration submission otherwise)
SUBMISSIONS = [
    (
        "applicant_name",
        "新企业须填写名称。",
        "A new enterprise needs a name.",
        {"applicant_code": NEW_USCC, "applicant_name": ""},
    ),
    (
        "applicant_code",
        "统一社会信用代码无效。",
        "The unified social credit code is not valid.",
        {"applicant_code": NEW_USCC[:-1] + ("0" if NEW_USCC[-1] != "0" else "1")},
    ),
    (
        "applicant_name",
        "请填写申请人姓名。",
        "Enter the applicant's name.",
        {"applicant_kind": "person", "applicant_code": NEW_RIC, "applicant_name": " "},
    ),
    (
        "applicant_kind",
        "申请人类型应为法人或自然人。",
        "Applicant type must be legal person or natural person.",
        {"applicant_kind": "organisation"},
    ),
    ("channel", "未知渠道。", "Unknown channel.", {"channel": "fax"}),
    ("division", "未知的区划代码。", "Unknown division code.", {"division": "999999"}),
    ("item", "事项不存在。", "Unknown service item.", {"item": "NO-SUCH-ITEM"}),
    ("bundle", "一件事不存在。", "Unknown bundle.", {"item": None, "bundle": "no-such-bundle"}),
    (
        "item",
        "请指定事项（item）或一件事（bundle）之一。",
        "Give exactly one of item or bundle.",
        {"item": None},
    ),
]


@pytest.fixture
def submission(catalog):
    item = catalog["registration"]
    return {
        "item": item.implementation_code,
        "applicant_kind": "enterprise",
        "applicant_code": USCC,
        "applicant_name": "绵阳示例科技有限公司",
        "applicant_phone": "13812345678",
        "files": {s.key: upload() for s in services.material_slots([item.current_version])},
    }


@pytest.mark.parametrize(("field", "zh", "en", "changes"), SUBMISSIONS)
def test_a_bad_submission_names_its_field_and_writes_nothing(submission, field, zh, en, changes):
    before = _counts()
    data = {**submission, **changes}
    # files are read once: a fresh set per language
    assert _refusal(lambda: services.submit(**data))[field] == [zh]
    data["files"] = {k: upload() for k in submission["files"]}
    assert _refusal(lambda: services.submit(**data), "en")[field] == [en]
    assert _counts() == before


def test_an_unknown_enterprise_is_not_registered_when_registration_is_off(catalog):
    before = _counts()
    messages = _refusal(
        lambda: services.resolve_applicant(
            kind="enterprise", code=NEW_USCC, name="新公司", register=False
        )
    )
    assert messages == {"applicant_code": ["登记库中没有该企业。"]}
    assert _counts() == before


def test_a_deactivated_item_or_bundle_is_refused(catalog, submission):
    from yingshang.catalog.models import Bundle, ServiceItem

    ServiceItem.objects.filter(pk=catalog["registration"].pk).update(is_active=False)
    assert _refusal(lambda: services.submit(**submission)) == {"item": ["事项不存在或已停用。"]}
    assert _refusal(lambda: services.submit(**submission), "en") == {
        "item": ["The service item does not exist or is inactive."]
    }
    Bundle.objects.filter(pk=catalog["bundle"].pk).update(is_active=False)
    bundle = Bundle.objects.get(pk=catalog["bundle"].pk)
    applicant = services.resolve_applicant(
        kind="enterprise", code=USCC, name="绵阳示例科技有限公司"
    )
    assert _refusal(lambda: services.submit_bundle(bundle=bundle, applicant=applicant)) == {
        "bundle": ["一件事不存在或已停用。"]
    }
    assert not Case.objects.exists()


def test_a_bundle_names_the_part_that_cannot_be_applied_for_here(catalog, staff):
    """A bundle with a local item of another county, applied for in Fucheng: the error names
    the item; nothing is written for the other parts."""
    from yingshang.catalog import services as cat

    bundle, _ = cat.save_bundle(
        key="mixed-bundle",
        name="混合一件事",
        division=catalog["city"],
        items=[catalog["registration"], catalog["jiangyou"]],
    )
    applicant = services.resolve_applicant(
        kind="enterprise", code=USCC, name="绵阳示例科技有限公司"
    )
    messages = _refusal(
        lambda: services.submit_bundle(
            bundle=bundle, applicant=applicant, division=catalog["fucheng"]
        )
    )
    assert messages == {"division": ["食品经营许可(江油):事项不在所选区划办理。"]}
    assert not Case.objects.exists()


# --------------------------------------------------------------------------- workflow data


def _accepted(submitted, staff):
    return workflow.transition(submitted, "accept", staff["chengban"])


STEP_ERRORS = [
    # action, data, field, Chinese, English
    ("complete", {"outcome": "maybe"}, "outcome", "请选择办理结果：准予或不予。", None),
    ("complete", {"outcome": "denied"}, "reason", "不予许可必须说明理由。", None),
    (
        "suspend",
        {"suspend_reason": "holiday"},
        "suspend_reason",
        "请选择挂起事由（听证、专家评审、公告、现场勘验）。",
        "Choose a suspension reason (hearing, expert review, public notice, inspection).",
    ),
    ("request_supplement", {"missing": ["  ", ""]}, "missing", "请列明需要补正的材料。", None),
]


@pytest.mark.parametrize(("action", "data", "field", "zh", "en"), STEP_ERRORS)
def test_each_step_names_the_data_it_lacks(submitted, staff, action, data, field, zh, en):
    case = _accepted(submitted, staff)
    events = case.events.count()
    messages = _refusal(lambda: workflow.transition(case, action, staff["chengban"], **data))
    assert messages[field] == [zh]
    if en:
        english = _refusal(
            lambda: workflow.transition(case, action, staff["chengban"], **data), "en"
        )
        assert english[field] == [en]
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.events.count() == events


def test_delivery_by_an_unknown_method_is_refused(submitted, staff):
    case = _accepted(submitted, staff)
    case = workflow.transition(case, "complete", staff["chengban"], outcome="approved")
    messages = _refusal(
        lambda: workflow.transition(case, "deliver", staff["chengban"], method="fax")
    )
    assert messages == {"method": ["送达方式应为邮寄、自取或电子送达。"]}
    english = _refusal(
        lambda: workflow.transition(case, "deliver", staff["chengban"], method="fax"), "en"
    )
    assert english == {"method": ["Delivery must be by post, pickup or electronic."]}
    case = workflow.transition(case, "deliver", staff["chengban"])  # the default: by post
    assert case.status == Status.DELIVERED
    assert case.events.get(action="deliver").data["method"] == "delivery"


@pytest.fixture
def approval_case(catalog, enterprise_applicant, portal_users, staff):
    from tests.cases.factories import approval_item

    item = approval_item(catalog)
    case = services.submit_case(
        item=item,
        applicant=enterprise_applicant,
        user=portal_users["qiye"],
        files={s.key: upload() for s in services.material_slots([item.current_version])},
    )
    return workflow.transition(case, "accept", staff["chengban"])


def test_the_two_step_decision_needs_an_opinion_at_each_step(approval_case, staff):
    handler, head = staff["chengban"], staff["kezhang"]
    assert _refusal(
        lambda: workflow.transition(approval_case, "submit_approval", handler, outcome="approved")
    ) == {"reason": ["请填写审核意见。"]}
    assert _refusal(
        lambda: workflow.transition(approval_case, "submit_approval", handler, outcome="approved"),
        "en",
    ) == {"reason": ["Please give your review opinion."]}
    case = workflow.transition(
        approval_case, "submit_approval", handler, outcome="approved", note="材料齐全,拟准予"
    )
    assert case.status == Status.PENDING_APPROVAL
    for action in ("approve", "return_for_review"):
        assert _refusal(lambda a=action: workflow.transition(case, a, head)) == {
            "reason": ["请填写审批意见。"]
        }
        assert _refusal(lambda a=action: workflow.transition(case, a, head, note="  "), "en") == {
            "reason": ["Please give your approval opinion."]
        }
    case.refresh_from_db()
    assert case.status == Status.PENDING_APPROVAL


# --------------------------------------------------------------------------- 企业开办


def _founding_case(form_data):
    from tests.cases.factories import CaseFactory

    return CaseFactory.build(form_data=form_data, parent=None)


@pytest.mark.parametrize(
    ("data", "field", "zh", "en"),
    [
        (
            {"new_enterprise_uscc": ""},
            "new_enterprise_uscc",
            "请填写新设企业的统一社会信用代码。",
            "Enter the unified social credit code of the new company.",
        ),
        (
            {"new_enterprise_uscc": "91510700MA6ABCDE2Y"},
            "new_enterprise_uscc",
            "统一社会信用代码无效：应为 18 位，请核对校验位。",
            "Invalid unified social credit code: it has 18 characters; check the last "
            "(check) character.",
        ),
        (
            {"new_enterprise_uscc": NEW_USCC, "new_enterprise_name": "名" * 101},
            "new_enterprise_name",
            "企业名称不能超过 100 个字。",
            "A company name has at most 100 characters.",
        ),
    ],
)
def test_the_new_companys_details_at_completion(catalog, data, field, zh, en):
    case = _founding_case({"new_enterprise": {"company_name": "绵阳新设科技有限公司"}})
    assert _refusal(lambda: services.new_enterprise_details(case, data))[field] == [zh]
    assert _refusal(lambda: services.new_enterprise_details(case, data), "en")[field] == [en]


def test_a_registered_code_cannot_found_a_new_company(enterprise_applicant):
    case = _founding_case({"new_enterprise": {"company_name": "绵阳新设科技有限公司"}})
    messages = _refusal(
        lambda: services.new_enterprise_details(case, {"new_enterprise_uscc": USCC.lower()})
    )
    assert messages == {
        "new_enterprise_uscc": ["该统一社会信用代码已在登记库中，不能用于新设企业。"]
    }


def test_without_a_name_in_the_application_the_handler_must_give_one(catalog):
    case = _founding_case({})
    messages = _refusal(
        lambda: services.new_enterprise_details(case, {"new_enterprise_uscc": NEW_USCC})
    )
    assert messages == {"new_enterprise_name": ["请填写新设企业的名称。"]}
    details = services.new_enterprise_details(
        case, {"new_enterprise_uscc": f" {NEW_USCC.lower()} ", "new_enterprise_name": " 新名 "}
    )
    assert details["uscc"] == NEW_USCC and details["name"] == "新名"


def test_the_applications_details_prefill_the_new_company(catalog):
    case = _founding_case(
        {
            "new_enterprise": {
                "company_name": " 绵阳新设科技有限公司 ",
                "legal_representative": "王五",
                "address": "涪城区示例路 1 号",
            }
        }
    )
    details = services.new_enterprise_details(case, {"new_enterprise_uscc": NEW_USCC})
    assert details == {
        "name": "绵阳新设科技有限公司",
        "legal_representative": "王五",
        "address": "涪城区示例路 1 号",
        "uscc": NEW_USCC,
    }


# --------------------------------------------------------------------------- 补正


def test_a_supplement_without_files_is_refused_and_the_case_keeps_waiting(
    submitted, staff, portal_users
):
    workflow.transition(
        submitted, "request_supplement", staff["chuangkou"], missing=["法定代表人签字页"]
    )
    messages = _refusal(lambda: services.resubmit(submitted, portal_users["qiye"], files={}))
    assert messages == {"material_extra0": ["缺少补正材料“法定代表人签字页”。"]}
    english = _refusal(lambda: services.resubmit(submitted, portal_users["qiye"], files={}), "en")
    assert english == {"material_extra0": ["Supplementary material “法定代表人签字页” is missing."]}
    submitted.refresh_from_db()
    assert submitted.status == Status.SUPPLEMENT
    case = services.resubmit(submitted, portal_users["qiye"], files={"extra0": upload()})
    assert case.status == Status.SUBMITTED
    assert case.events.filter(action="resubmit").get().data["materials"] == ["法定代表人签字页"]


def test_a_supplement_for_a_case_that_waits_for_none_is_refused(submitted, portal_users):
    messages = _refusal(lambda: services.resubmit(submitted, portal_users["qiye"], files={}))
    assert "action" in messages
    assert "已申报" in messages["action"][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"item": "NO-SUCH-ITEM"}, "item"), ({"materials": []}, None)],
)
def test_a_refused_api_submission_registers_no_new_enterprise(catalog, staff, changes, field):
    """Regression: the applicant used to be registered before the item and the materials were
    checked, so a refused submission left a new enterprise (and its audit entry) behind."""
    import base64

    from rest_framework.test import APIClient

    from tests.cases.conftest import PDF

    item = catalog["registration"]
    payload = {
        "item": item.implementation_code,
        "applicant_kind": "enterprise",
        "applicant_code": NEW_USCC,
        "applicant_name": "绵阳新设科技有限公司",
        "materials": [
            {"key": s.key, "filename": "a.pdf", "content_base64": base64.b64encode(PDF).decode()}
            for s in services.material_slots([item.current_version])
        ],
        **changes,
    }
    client = APIClient()
    client.force_authenticate(staff["chuangkou"])
    before = _counts()
    response = client.post("/api/cases/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    if field:
        assert field in response.json()["errors"]
    assert _counts() == before
    assert not Enterprise.objects.filter(uscc=NEW_USCC).exists()
