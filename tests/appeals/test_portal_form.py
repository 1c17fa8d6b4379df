"""The portal's appeal form (issue 12, item 6): one section per applicant type under its legend
(the script hides the other), required fields marked, the reply time of every appeal type from
the configured limits, a privacy notice, field errors beside their fields with the input kept;
the five-star rating on a closed appeal."""

import re

import pytest

from yingshang.appeals import services
from yingshang.evaluations.models import Evaluation

from .conftest import make_uscc

pytestmark = pytest.mark.django_db


def _post(client, **over):
    data = {
        "appellant_kind": "enterprise",
        "uscc": make_uscc(31),
        "enterprise_name": "绵阳表单测试有限公司",
        "contact_name": "赵经理",
        "contact_phone": "13900001234",
        "appeal_type": "consult",
        "topic": "startup",
        "text": "请问营业执照经营范围变更需要哪些材料?",
    }
    data.update(over)
    return client.post("/appeals/new/", data)


def test_form_has_sections_required_marks_reply_times_and_privacy(client, mianyang, settings):
    settings.APPEAL_LIMIT_DAYS = {"help": 5}
    body = client.get("/appeals/new/").content.decode()
    # one fieldset per applicant type, each with its legend; the script shows the chosen one
    assert 'data-kind-section="enterprise"' in body and 'data-kind-section="person"' in body
    assert (
        "企业信息（诉求人类型为企业时填写）" in body
        and "个人信息（诉求人类型为个人时填写）" in body
    )
    assert "appeals/appeal_form.js" in body
    # required fields are marked beside their labels
    for field in ("contact_name", "contact_phone", "appeal_type", "topic", "text", "uscc"):
        label = re.search(rf'<label for="id_{field}">(.*?)</label>', body).group(1)
        assert 'class="req"' in label, field
    assert 'class="req"' not in re.search(r'<label for="id_title">(.*?)</label>', body).group(1)
    # the reply time of each type, from the configured limits
    times = dict(re.findall(r'data-reply-type="(\w+)">(.*?)</li>', body))
    assert set(times) == {"consult", "help", "complaint", "suggest", "policy"}
    assert "签收后 5 个工作日内答复" in times["help"]  # the setting, not the default 7
    assert "签收后 3 个工作日内答复" in times["consult"]
    assert "签收后 15 个工作日内答复" in times["complaint"]
    assert 'data-testid="privacy-notice"' in body and "个人信息保护说明" in body


def test_enterprise_errors_beside_fields_and_input_kept(client, mianyang):
    r = _post(client, uscc="", enterprise_name="", contact_phone="12", text="太短")
    body = r.content.decode()
    assert r.status_code == 200
    assert re.search(r'aria-describedby="err_uscc">\s*<span class="errorlist" id="err_uscc">', body)
    assert 'id="err_enterprise_name">请填写企业名称。' in body
    assert 'id="err_contact_phone">联系电话格式不正确。' in body
    assert 'id="err_text">诉求内容过短' in body
    assert 'value="赵经理"' in body  # what was typed stays
    # a person's section is not asked of an enterprise
    assert "err_person_name" not in body


def test_person_needs_only_the_person_section(client, mianyang):
    r = _post(client, appellant_kind="person", uscc="", enterprise_name="", person_name="")
    body = r.content.decode()
    assert 'id="err_person_name">请填写姓名。' in body
    assert "err_uscc" not in body and "err_enterprise_name" not in body
    assert '<option value="person" selected>' in body
    r = _post(client, appellant_kind="person", uscc="", enterprise_name="", person_name="李四")
    assert r.status_code == 302


def test_bad_applicant_type_is_an_error(client, mianyang):
    body = _post(client, appellant_kind="robot").content.decode()
    assert "请选择诉求人类型（企业或个人）。" in body


def test_closed_appeal_is_rated_with_stars(client, mianyang, depts, office, staff, portal_user):
    client.force_login(portal_user)
    assert _post(client).status_code == 302
    from yingshang.appeals.models import Appeal

    a = Appeal.objects.get()
    services.dispatch(a, office, depts["market"])
    services.reply(a, staff["chengban"], "已答复:需提交变更登记申请书。")
    client.post(f"/appeals/{a.number}/confirm/", {"resolved": "yes"})
    body = client.get(f"/appeals/{a.number}/").content.decode()
    assert body.count('type="radio" name="level"') == 5
    assert f'action="/appeals/{a.number}/rate/"' in body
    r = client.post(f"/appeals/{a.number}/rate/", {"level": "5", "comment": "答复清楚"})
    assert r.status_code == 302
    assert Evaluation.objects.get(object_id=str(a.pk)).level == 5
    body = client.get(f"/appeals/{a.number}/").content.decode()
    assert 'data-testid="rated"' in body and "非常满意" in body and "rate-form" not in body
