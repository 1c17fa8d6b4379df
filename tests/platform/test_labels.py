"""The label registry (platform/labels.py) and the audit log in words: every code the staff
pages show goes through label(kind, value); the audit log says who changed which field from
what to what, in local time, without Python reprs or None."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tests.core.factories import StaffFactory, SupervisorFactory, UserFactory
from yingshang.platform import audit, labels
from yingshang.platform.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "kind,value,zh,en",
    [
        ("cases.status", "supplement_requested", "待补正", "Supplement requested"),
        ("cases.action", "request_supplement", "要求补正", None),
        ("cases.Case.final_sla_state", "on_time", "正常", None),
        ("reforms.Task.state", "not_started", "未开始", None),
        ("notifications.category", "case", "办件进度", None),
        ("notifications.category", "", "其他", None),
        ("audit.action", "update", "修改", None),
        ("channel", "window", "窗口", None),
        ("role", "dept_head", "部门负责人", None),
    ],
)
def test_codes_in_words_in_both_languages(kind, value, zh, en):
    with translation.override("zh-hans"):
        assert labels.label(kind, value) == zh
    with translation.override("en"):
        english = labels.label(kind, value)
        assert english != value and not re.search(r"[\u4e00-\u9fff]", english), english
        if en:
            assert english == en


def test_unknown_codes_come_back_unchanged():
    assert labels.label("cases.status", "no_such_status") == "no_such_status"
    assert labels.label("nothing.at_all", "x_y") == "x_y"
    assert labels.label("cases.Case.status", None) == ""


def test_template_filter_and_tag():
    out = Template(
        '{% load labels %}{{ s|label:"cases.status" }}/{% label "audit.action" "delete" %}'
    ).render(Context({"s": "in_process"}))
    assert out == "办理中/删除"


def test_registered_mappings_win_and_extend():
    labels.register("test.kind", {"a_b": "甲乙"})
    assert labels.label("test.kind", "a_b") == "甲乙"


def test_audit_changes_in_words():
    user = UserFactory(username="audit-words", full_name="张三", is_active=True)
    user.full_name, user.is_active = "张三丰", False
    user.save()
    entry = AuditEntry.objects.filter(
        object_type="core.User", object_id=str(user.pk), action=AuditAction.UPDATE
    ).get()
    rows = {r["field"]: r for r in audit.describe_changes(entry)}
    assert rows["姓名"]["before"] == "张三" and rows["姓名"]["after"] == "张三丰"
    active = [r for r in rows.values() if r["before"] in ("是", "否")]
    assert active and active[0]["before"] == "是" and active[0]["after"] == "否"
    text = audit.changes_text(entry)
    assert "张三 → 张三丰" in text and "{" not in text and "None" not in text


def test_empty_values_choices_and_timestamps_in_words():
    entry = AuditEntry(
        object_type="cases.Case",
        changes={
            "before": {"status": "submitted", "completed_at": None, "department": None},
            "after": {
                "status": "supplement_requested",
                "completed_at": "2026-12-06T02:05:09.123456+00:00",
                "department": None,
            },
        },
    )
    rows = {r["field"]: r for r in audit.describe_changes(entry)}
    assert rows["状态"]["before"] == "已申报" and rows["状态"]["after"] == "待补正"
    assert rows["办结时间"]["before"] == "—"
    assert rows["办结时间"]["after"] == "2026-12-06 10:05"  # Asia/Shanghai, to the minute


def test_audit_page_shows_old_and_new_in_local_time(client, mianyang):
    supervisor = SupervisorFactory()
    target = StaffFactory(username="audit-page", full_name="李四")
    target.full_name = "李四光"
    target.save()
    client.force_login(supervisor)
    page = client.get(reverse("core:audit-list"), {"q": str(target.pk)}).content.decode()
    assert "李四" in page and "李四光" in page
    assert '<del translate="no">李四</del>' in page
    assert '<ins translate="no">李四光</ins>' in page
    assert "{&#x27;" not in page and "None" not in page
    assert "core.User" not in page  # the model's name instead
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", page)  # no microseconds


def test_fields_without_a_verbose_name_and_payload_keys_in_words():
    """A model field without a verbose name of its own (``created at``), an export's payload
    (``items``, ``filters``) and the demo's counts (``service items: created: 423``) are named
    in words — in both languages — not by the stored key."""
    created = AuditEntry(
        object_type="catalog.ServiceItem",
        changes={"after": {"created_at": "2026-12-06T02:05:09+00:00", "name": "X"}},
    )
    export = AuditEntry(object_type="catalog.ServiceItem", changes={"items": 423})
    filtered = AuditEntry(object_type="reforms.Programme", changes={"filters": {"format": "x"}})
    demo = AuditEntry(
        object_type="demo", changes={"after": {"service items": {"created": 423, "unchanged": 2}}}
    )
    with translation.override("zh-hans"):
        assert [r["field"] for r in audit.describe_changes(created)][0] == "创建时间"
        assert audit.changes_text(export) == "事项数: 423"
        assert audit.changes_text(filtered) == "筛选条件: 文件格式: x"
        assert audit.changes_text(demo) == "政务服务事项: 新建: 423;未变: 2"
    with translation.override("en"):
        assert audit.changes_text(export) == "Number of items: 423"
        assert audit.changes_text(demo) == "Government service items: Created: 423;Unchanged: 2"


@pytest.mark.parametrize("accept", ["zh-hans", "en"])
def test_the_language_switch_names_each_language_in_itself(client, mianyang, accept):
    """The switch offers 简体中文 and English on every page, in either language — not
    "英语" on a Chinese page (the settings' names went through Django's catalogue)."""
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    switch = html[html.index('name="language"') : html.index("</select>")]
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', switch)
    assert options == [("zh-hans", "简体中文"), ("en", "English")]


def test_event_actors_the_system_in_words_an_account_as_data():
    out = Template(
        "{% load labels %}{{ a|actor }}|{{ b|actor }}|{{ c|actor }}|{{ d|actor }}"
    ).render(Context({"a": "system", "b": "", "c": "chengban", "d": "<x>"}))
    assert out == (
        '系统|系统|<span translate="no">chengban</span>|<span translate="no">&lt;x&gt;</span>'
    )


def test_appeal_history_names_the_system_once_and_no_account_code():
    """诉求办理记录: a system step shows 系统 (not ``system · 系统``); a staff step the account
    name as data and the role; an anonymous appellant's step the role alone."""
    from django.template.loader import render_to_string

    rows = [
        {"actor_name": "system", "actor_role": "系统"},
        {"actor_name": "chengban", "actor_role": "承办人"},
        {"actor_name": "", "actor_role": "诉求人"},
    ]
    html = render_to_string("appeals/_events.html", {"events": rows})
    cells = [re.findall(r"<td>(.*?)</td>", tr)[2] for tr in html.split("<tr>")[2:]]
    assert cells == ["系统", '<span translate="no">chengban</span> · 承办人', "诉求人"]
