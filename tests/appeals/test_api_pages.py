"""API and pages of the appeals app: portal raise/track/confirm/rate, attachments by content,
staff entry and dispatch suggestion, deadline colours, Q&A public page, OpenAPI schema, English."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from yingshang.appeals import services
from yingshang.appeals.models import Appeal, AppealAttachment, CommitmentStatus, Status
from yingshang.platform import uploads

from .conftest import MONDAY, make_uscc

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _portal_post(client, **over):
    data = {
        "appellant_kind": "enterprise",
        "uscc": make_uscc(7),
        "enterprise_name": "绵阳测试科技有限公司",
        "contact_name": "赵经理",
        "contact_phone": "13900001234",
        "appeal_type": "consult",
        "topic": "startup",
        "title": "营业执照变更",
        "text": "请问营业执照经营范围变更需要哪些材料?",
    }
    data.update(over)
    return client.post("/appeals/new/", data)


def test_portal_anonymous_raise_track_and_attachment(client, mianyang, settings):
    f = SimpleUploadedFile("scan.png", PNG, content_type="image/png")
    r = _portal_post(client, attachments=f)
    assert r.status_code == 302
    a = Appeal.objects.get()
    assert a.applicant_user is None and a.channel == "portal"
    att = AppealAttachment.objects.get()
    assert att.kind == "png" and str(settings.MEDIA_ROOT) in att.file.path
    # the submitter's session may read it, and download the attachment
    assert client.get(f"/appeals/{a.number}/").status_code == 200
    assert client.get(f"/appeals/attachments/{att.pk}/").status_code == 200
    # a stranger may not
    client.session.flush()
    from django.test import Client

    stranger = Client()
    assert stranger.get(f"/appeals/{a.number}/").status_code == 404
    assert stranger.get(f"/appeals/attachments/{att.pk}/").status_code == 404
    r = stranger.post("/appeals/track/", {"number": a.number, "phone_last4": "9999"})
    assert "未找到该诉求" in r.content.decode()
    r = stranger.post("/appeals/track/", {"number": a.number, "phone_last4": "1234"})
    assert r.status_code == 302
    assert stranger.get(f"/appeals/{a.number}/").status_code == 200


def test_portal_bad_input_shows_field_errors_and_writes_nothing(client, mianyang):
    r = _portal_post(client, uscc="915107000000000000", text="", contact_phone="")
    html = r.content.decode()
    assert r.status_code == 200
    assert "统一社会信用代码“915107000000000000”无效" in html
    assert "请填写诉求内容" in html and "请填写联系电话" in html
    assert not Appeal.objects.exists()


def test_attachment_checked_by_content(client, mianyang, settings):
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    r = _portal_post(client, attachments=fake)
    assert "不是 PDF、JPG、PNG 或 OFD 文件" in r.content.decode()
    settings.UPLOAD_MAX_BYTES = 50
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 100, content_type="image/png")
    r = _portal_post(client, attachments=big)
    assert "超过大小上限" in r.content.decode()
    assert not Appeal.objects.exists() and not AppealAttachment.objects.exists()


def test_ofd_is_accepted():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD/>")
    f = SimpleUploadedFile("a.ofd", buf.getvalue())
    assert uploads.check(f, uploads.APPEAL_ATTACHMENT).kind == "ofd"


def test_api_portal_create_track_confirm(client, mianyang, office, depts, staff):
    r = client.post(
        "/api/appeals/portal/",
        {
            "appellant_kind": "enterprise",
            "uscc": make_uscc(8),
            "enterprise_name": "绵阳接口测试有限公司",
            "contact_name": "孙",
            "contact_phone": "13700005678",
            "appeal_type": "complaint",
            "topic": "enforcement",
            "text": "市场监管执法检查过于频繁,一个月检查了五次,影响经营。",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    a = Appeal.objects.get(number=number)
    assert a.channel == "api"
    services.dispatch(a, office, depts["market"])
    services.reply(a, staff["chengban"], "已规范检查频次,实行双随机一公开。")
    r = client.post(
        "/api/appeals/portal/track/",
        {"number": number, "phone_last4": "0000"},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = client.post(
        "/api/appeals/portal/track/",
        {"number": number, "phone_last4": "5678"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "replied"
    r = client.post(
        "/api/appeals/portal/confirm/",
        {"number": number, "phone_last4": "5678", "resolved": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_api_errors_in_english(client, mianyang):
    r = client.post(
        "/api/appeals/portal/",
        {
            "appellant_kind": "enterprise",
            "uscc": "123",
            "appeal_type": "help",
            "topic": "land",
            "text": "",
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    body = r.json()
    assert set(body) >= {"uscc", "text", "contact_phone", "contact_name", "enterprise_name"}
    assert "123" in body["uscc"][0] and "valid" in body["uscc"][0]  # wording: registry catalogue
    assert body["text"] == ["Please describe the problem."]
    assert not Appeal.objects.exists()


def test_staff_api_entry_dispatch_reply_scoping(mianyang, staff, office, depts, login):
    c = login(office)
    r = c.post(
        "/api/appeals/",
        {
            "channel": "hotline",
            "appellant_kind": "person",
            "person_name": "李女士",
            "id_number": "",
            "contact_name": "李女士",
            "contact_phone": "13600001111",
            "appeal_type": "consult",
            "topic": "talent",
            "text": "请问外地人才来绵阳落户需要什么条件?",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = c.post(
        f"/api/appeals/{pk}/dispatch/",
        {"lead_department": depts["market"].pk},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    assert r.json()["contact_phone"] == "136****1111"
    # leader (read-only role) may not write
    r = login(staff["shilingdao"]).post(
        f"/api/appeals/{pk}/escalate/", {}, content_type="application/json"
    )
    assert r.status_code == 403
    r = login(staff["chengban"]).post(
        f"/api/appeals/{pk}/reply/", {"text": "答复"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "replied"
    # Jiangyou handler: the appeal does not exist for them
    r = login(staff["jiangyou_chengban"]).post(
        f"/api/appeals/{pk}/reply/", {"text": "x"}, content_type="application/json"
    )
    assert r.status_code == 404


def test_reply_by_co_handler_refused_in_api(mianyang, staff, office, depts, login, submit):
    a = submit()
    services.dispatch(a, office, depts["power"], [depts["market"]])
    r = login(staff["chengban"]).post(
        f"/api/appeals/{a.pk}/reply/", {"text": "协办意见"}, content_type="application/json"
    )
    assert r.status_code == 400 and "department" in r.json()
    assert Appeal.objects.get(pk=a.pk).status == Status.DISPATCHED


def test_extension_past_max_in_api(mianyang, staff, office, depts, login, submit, settings):
    settings.APPEAL_MAX_EXTENSION_DAYS = 5
    a = submit(topic="startup")
    services.dispatch(a, office, depts["market"])
    r = login(staff["chengban"]).post(
        f"/api/appeals/{a.pk}/extension/",
        {"days": 6, "reason": "复杂"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "5" in r.json()["days"][0]


def test_dispatch_suggestion_after_training(mianyang, office, depts, submit):
    import random

    from yingshang.demo.appeals import make_text

    rng = random.Random(1)
    for i in range(60):
        topic = ["power", "tax", "land"][i % 3]
        key, title, text = make_text(rng, topic, "help", "涪城区", "电子信息")
        a = submit(uscc=make_uscc(100 + i), title=title, text=text, topic=topic)
        services.dispatch(a, office, depts[key])
    m = services.train_dispatch_model()
    assert m["n_total"] == 60 and m["top3"] >= 0.8
    a = submit(
        uscc=make_uscc(999),
        title="变压器增容",
        text="新厂房需要变压器增容和用电报装,供电线路还没有架设。",
    )
    assert a.suggestions[0]["department"] == depts["power"].pk
    assert 0 < a.suggestions[0]["confidence"] <= 1 and len(a.suggestions) == 3


def test_train_command_prints_accuracy(mianyang, office, depts, submit):
    from django.core.management import call_command

    for i in range(12):
        a = submit(
            uscc=make_uscc(200 + i),
            text=["增值税留抵退税什么时候到账", "变压器增容报装太慢"][i % 2] + f"第{i}次",
        )
        services.dispatch(a, office, depts[["tax", "power"][i % 2]])
    out = io.StringIO()
    call_command("appeals", "train", stdout=out)
    assert "top-1" in out.getvalue() and "top-3" in out.getvalue()


def test_queue_deadline_colours(mianyang, office, depts, submit, login, staff):
    from django.utils import timezone

    now = timezone.now()
    red = submit(now=now - datetime.timedelta(days=30), title="逾期的")
    services.dispatch(red, office, depts["market"], now=now - datetime.timedelta(days=30))
    green = submit(uscc=make_uscc(31), now=now, title="新交办的", appeal_type="complaint")
    services.dispatch(green, office, depts["market"], now=now)
    html = login(staff["chengban"]).get("/staff/appeals/?queue=open").content.decode()
    assert f'data-number="{red.number}"' in html and f'data-number="{green.number}"' in html
    red_row = html.split(f'data-number="{red.number}"')[1].split("</tr>")[0]
    green_row = html.split(f'data-number="{green.number}"')[1].split("</tr>")[0]
    assert 'data-colour="red"' in red_row and 'data-colour="green"' in green_row


def test_qa_session_public_page_shows_commitment_states(mianyang, office, depts, client):
    from yingshang.registry.models import Enterprise

    ents = [
        Enterprise.objects.create(uscc=make_uscc(300 + i), name=f"绵阳企业{i}有限公司")
        for i in range(3)
    ]
    s = services.create_session(
        user=office,
        title="政企面对面第一场",
        date=datetime.date(2019, 2, 21),
        theme="融资",
        departments=[depts["financial"]],
        enterprises=ents,
    )
    q1 = services.add_question(
        s,
        user=office,
        question="转贷资金门槛高",
        answering_department=depts["financial"],
        answer="一个月内出台细则",
        enterprise=ents[0],
        commitment={"content": "出台应急转贷实施细则", "deadline": datetime.date(2019, 3, 31)},
    )
    services.add_question(
        s,
        user=office,
        question="能否增加信贷额度",
        answering_department=depts["financial"],
        answer="协调银行",
        commitment={"content": "召开银企对接会", "deadline": datetime.date(2030, 1, 1)},
    )
    with pytest.raises(ValidationError):
        services.add_question(s, user=office, question="", answering_department=depts["financial"])
    c1 = q1.commitments.get()
    c1 = services.commitment_step(c1, None, "overdue", now=MONDAY)
    assert c1.status == CommitmentStatus.OVERDUE
    html = client.get(f"/appeals/sessions/{s.pk}/").content.decode()
    assert "出台应急转贷实施细则" in html and "已逾期" in html and "待落实" in html
    assert "绵阳企业0有限公司" in html
    data = client.get(f"/api/appeals/sessions/{s.pk}/").json()
    states = {c["status"] for q in data["questions"] for c in q["commitments"]}
    assert states == {"overdue", "pending"}
    # the sweep marks the overdue commitment; the long one stays pending
    assert services.sweep_overdue()["commitments_overdue"] == 0


def test_openapi_schema_lists_endpoints(client, mianyang):
    r = client.get("/api/schema/?format=json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in [
        "/api/appeals/",
        "/api/appeals/{id}/dispatch/",
        "/api/appeals/{id}/suggestions/",
        "/api/appeals/portal/",
        "/api/appeals/portal/track/",
        "/api/appeals/sessions/{id}/",
        "/api/appeals/commitments/{id}/step/",
        "/api/evaluations/",
        "/api/evaluations/rectifications/{id}/step/",
        "/api/evaluations/stats/",
    ]:
        assert p in paths, p


def test_api_records_session_and_questions(mianyang, office, depts, staff, login, client):
    from yingshang.registry.models import Enterprise

    Enterprise.objects.create(uscc=make_uscc(400), name="绵阳发布会企业有限公司")
    r = client.post(
        "/api/appeals/sessions/", {"date": "2019-02-21"}, content_type="application/json"
    )
    assert r.status_code == 401  # anonymous: no credentials
    r = login(staff["chengban"]).post(
        "/api/appeals/sessions/",
        {"date": "2019-02-21", "title": "x", "theme": "y"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "user" in r.json()
    c = login(office)
    r = c.post(
        "/api/appeals/sessions/",
        {
            "date": "2019-02-21",
            "title": "第一场",
            "theme": "融资",
            "departments": [depts["financial"].pk],
            "enterprises": [make_uscc(400)],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    assert r.json()["enterprise_count"] == 1
    r = c.post(
        f"/api/appeals/sessions/{sid}/questions/",
        {
            "question": "转贷资金门槛高",
            "answering_department": depts["financial"].pk,
            "answer": "一个月内出台细则",
            "enterprise": make_uscc(400),
            "commitment_content": "出台应急转贷细则",
            "commitment_deadline": "2019-03-31",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["commitments"][0]["status"] == "pending"
    r = c.post(
        f"/api/appeals/sessions/{sid}/questions/",
        {"question": "x", "answering_department": depts["financial"].pk, "commitment_content": "y"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "deadline" in r.json()
    from yingshang.appeals.models import Commitment, QAQuestion

    assert QAQuestion.objects.count() == 1 and Commitment.objects.count() == 1


def test_staff_session_pages(mianyang, office, depts, login, staff):
    c = login(office)
    r = c.post("/staff/appeals/sessions/", {"date": "2019-02-22", "title": "", "theme": ""})
    assert "请填写场次名称和主题" in r.content.decode()
    r = c.post(
        "/staff/appeals/sessions/",
        {
            "date": "2019-02-22",
            "title": "第二场",
            "theme": "融资",
            "departments": [depts["financial"].pk],
        },
    )
    assert r.status_code == 302
    url = r["Location"]
    r = c.post(
        url,
        {
            "question": "贷款难",
            "answering_department": depts["financial"].pk,
            "answer": "专项对接",
            "commitment_content": "两周内组织银企对接",
            "commitment_deadline": "2019-03-08",
        },
    )
    assert r.status_code == 302
    html = c.get(url).content.decode()
    assert "两周内组织银企对接" in html and "待落实" in html
    # department staff cannot record
    r = login(staff["chengban"]).post(
        url, {"question": "x", "answering_department": depts["market"].pk}
    )
    assert "只有企业服务科" in r.content.decode()


def test_portal_page_in_english(client, mianyang):
    html = client.get("/appeals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "Raise an appeal" in html
        and "Enterprise Q&A sessions" in html
        and "Ratings published" in html
    )


def test_logged_in_portal_user_sees_own_appeals(client, mianyang, portal_user, login):
    c = login(portal_user)
    r = _portal_post(c)
    assert r.status_code == 302
    a = Appeal.objects.get()
    assert a.applicant_user == portal_user
    assert a.number in c.get("/appeals/").content.decode()


def test_staff_entry_page(mianyang, staff, login):
    data = {
        "channel": "hotline",
        "appellant_kind": "person",
        "person_name": "王先生",
        "contact_name": "王先生",
        "contact_phone": "13500002222",
        "appeal_type": "complaint",
        "topic": "enforcement",
        "text": "城管执法人员态度粗暴,没收了店门口的招牌。",
    }
    r = login(staff["chengban"]).post("/staff/appeals/new/", data)
    assert r.status_code == 403
    r = login(staff["chuangkou"]).post("/staff/appeals/new/", data)
    assert r.status_code == 302
    a = Appeal.objects.get()
    assert a.channel == "hotline" and a.applicant_user is None
    assert a.events.get().actor == staff["chuangkou"]


def test_staff_pages_extension_and_escalation(mianyang, staff, office, depts, login, submit):
    a = submit(topic="startup")
    c_office = login(office)
    r = c_office.post(f"/staff/appeals/{a.pk}/dispatch/", {"lead_department": depts["market"].pk})
    assert r.status_code == 302
    c = login(staff["chengban"])
    c.post(f"/staff/appeals/{a.pk}/extend/", {"days": "99", "reason": "复杂"})
    html = c.get(f"/staff/appeals/{a.pk}/").content.decode()
    assert "延期超过上限" in html
    c.post(f"/staff/appeals/{a.pk}/extend/", {"days": "3", "reason": "需要现场核查"})
    from yingshang.appeals.models import Extension

    ext = Extension.objects.get()
    c_office = login(office)
    html = c_office.get(f"/staff/appeals/{a.pk}/").content.decode()
    assert "需要现场核查" in html and "延期审批" in html
    c_office.post(
        f"/staff/appeals/{a.pk}/decide-extension/", {"extension": ext.pk, "approve": "yes"}
    )
    a.refresh_from_db()
    assert a.extension_days == 3
    c_office.post(f"/staff/appeals/{a.pk}/escalate/", {"note": ""})
    a.refresh_from_db()
    assert a.status == Status.ESCALATED and a.escalation_reason == "企业服务科提请督办"
    html = login(staff["shilingdao"]).get("/staff/appeals/?queue=escalated").content.decode()
    assert a.number in html


def test_portal_form_prefilled_for_enterprise_account(client, mianyang, portal_user, login):
    from yingshang.registry.models import Enterprise
    from yingshang.registry.public import link_enterprise_user

    e = Enterprise.objects.create(uscc=make_uscc(77), name="绵阳预填有限公司")
    link_enterprise_user(e, portal_user)
    html = login(portal_user).get("/appeals/new/").content.decode()
    assert make_uscc(77) in html and "绵阳预填有限公司" in html and "钱经理" in html
