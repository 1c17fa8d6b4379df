"""Events and text commands through /wechat/ (encrypted mode, as a real 安全模式 account)."""

import pytest

from yingshang.channels.models import Follower, RefusalCount

from .conftest import OPENID, content_of, event_xml, text_xml


def ask(phone, content, openid=OPENID):
    r = phone.encrypted(text_xml(content, openid=openid))
    assert r.status_code == 200
    return content_of(phone.reply_of(r))


def test_subscribe_welcomes_and_records_the_follower(phone):
    r = phone.encrypted(event_xml("subscribe"))
    text = content_of(phone.reply_of(r))
    assert "欢迎关注" in text and "查询 办件编号 查询码" in text
    follower = Follower.objects.get(openid=OPENID)
    assert follower.subscribed and follower.subscribed_at is not None


def test_unsubscribe_records_it_and_answers_success(phone):
    phone.encrypted(event_xml("subscribe"))
    r = phone.encrypted(event_xml("unsubscribe"))
    assert r.status_code == 200 and r.content == b"success"
    follower = Follower.objects.get(openid=OPENID)
    assert not follower.subscribed and follower.unsubscribed_at is not None
    phone.encrypted(event_xml("subscribe"))  # following again resumes pushes
    assert Follower.objects.get(openid=OPENID).subscribed


def test_scan_to_subscribe_with_a_case_scene_answers_the_tracking_link(phone):
    r = phone.encrypted(event_xml("subscribe", "qrscene_case:SL-2026-000001"))
    text = content_of(phone.reply_of(r))
    assert "欢迎关注" in text
    assert "/track/?number=SL-2026-000001" in text
    assert Follower.objects.get(openid=OPENID).scene == "case:SL-2026-000001"


def test_scan_when_following_answers_the_tracking_link(phone):
    r = phone.encrypted(event_xml("SCAN", "case:SL-2026-000002"))
    assert "/track/?number=SL-2026-000002" in content_of(phone.reply_of(r))


def test_menu_click(phone):
    r = phone.encrypted(event_xml("CLICK", "MY_CASES"))
    assert "绑定" in content_of(phone.reply_of(r))
    r = phone.encrypted(event_xml("CLICK", "APPEAL"))
    assert "/appeals/new/" in content_of(phone.reply_of(r))


def test_query_answers_status_due_date_and_next_step(phone, submitted):
    from yingshang.cases.models import Case

    case = Case.objects.get(pk=submitted.pk)
    # the phone's last four digits open nothing; the 查询码 does
    assert "未找到" in ask(phone, f"查询 {case.number} {case.applicant_phone[-4:]}")
    code = case.lookup_code
    text = ask(phone, f"查询 {case.number} {code}")
    assert case.number in text
    assert case.get_status_display() in text
    assert "下一步" in text
    if case.due_at:
        assert "承诺办结" in text
    assert f"/track/?number={case.number}&code={code}" in text


def test_unknown_number_and_wrong_code_answer_the_same(phone, submitted):
    wrong_code = ask(phone, f"查询 {submitted.number} 0000")
    unknown = ask(phone, "查询 SL-2099-999999 1234")
    assert wrong_code == unknown
    assert "未找到" in wrong_code and submitted.number not in wrong_code


def test_my_cases_asks_to_bind(phone):
    assert "绑定" in ask(phone, "我的办件")


def test_unknown_and_unbound_openids_asking_for_my_cases_are_counted_and_store_nothing(
    phone, django_capture_on_commit_callbacks
):
    """An openid never seen (no follower row) and a follower without a binding get the binding
    explanation — no case, no follower row written — and each such ask is counted for the
    supervisors (拒绝统计, reason ``unbound``)."""
    unknown = "oUNKNOWN0000000000000000xyz"
    phone.encrypted(event_xml("subscribe"))  # OPENID follows but is not bound
    with django_capture_on_commit_callbacks(execute=True):
        for openid in (unknown, OPENID):
            text = ask(phone, "我的办件", openid=openid)
            assert "绑定" in text and "/wechat/oauth/" in text
    assert not Follower.objects.filter(openid=unknown).exists()
    assert Follower.objects.get(openid=OPENID).user is None
    assert {r.reason: r.count for r in RefusalCount.objects.all()} == {"unbound": 2}


def test_appeal_links_to_the_prefilled_form(phone, client):
    text = ask(phone, "诉求 办电审批太慢")
    link = next(line for line in text.splitlines() if "/appeals/new/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    assert "办电审批太慢" in page.content.decode()


def test_keyword_search_lists_at_most_five_items(phone, catalog):
    text = ask(phone, "企业设立")
    assert "企业设立登记" in text
    assert "/services/000001510700CITYMARKET01/" in text
    many = ask(phone, "绵阳")  # department names match every item
    assert many.count("/services/") <= 5


def test_keyword_search_without_results(phone, catalog):
    assert "没有找到" in ask(phone, "不存在的事项名称xyz")


def test_rate_limit_per_openid(phone, settings, django_capture_on_commit_callbacks):
    settings.WECHAT_COMMANDS_PER_MINUTE = 3
    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask(phone, "营业执照") for _ in range(4)]
        menu = phone.encrypted(event_xml("CLICK", "HELP"))
    assert all("太频繁" not in a for a in answers[:3])
    assert "太频繁" in answers[3] and "太频繁" in content_of(phone.reply_of(menu))
    assert "绑定" in ask(phone, "我的办件", openid="oOtherUserOpenId0000000000001")
    # the commands over the limit are counted for the supervisors
    assert RefusalCount.objects.get(reason="rate").count == 2


def test_other_message_types_get_help(phone):
    xml = text_xml("x").replace(
        "<MsgType><![CDATA[text]]></MsgType>", "<MsgType><![CDATA[image]]></MsgType>"
    )
    r = phone.encrypted(xml)
    assert "查询" in content_of(phone.reply_of(r))


@pytest.mark.parametrize("content", ["查询", "查询 SL-2026-000001"])
def test_incomplete_query_falls_back_to_search(phone, catalog, content):
    text = ask(phone, content)
    assert "未找到办件" not in text
    assert not RefusalCount.objects.exists()


def test_failed_queries_are_limited_per_follower_and_per_number(phone, submitted, settings):
    """查询 counts failed look-ups like the tracking page: 20 per follower (and per number) in
    10 minutes, then the answer names the wait — even for the right code — and it is audited."""
    from yingshang.cases.models import Case
    from yingshang.platform.models import AuditEntry

    settings.WECHAT_COMMANDS_PER_MINUTE = 100  # the per-minute command limit is another matter
    case = Case.objects.get(pk=submitted.pk)
    for i in range(20):
        assert "未找到" in ask(phone, f"查询 SL-2099-{i:06d} ABCDE12345")
    blocked = ask(phone, f"查询 {case.number} {case.lookup_code}")
    assert "尝试次数过多" in blocked and case.number not in blocked
    assert AuditEntry.objects.filter(action="ratelimit.blocked", object_id="cases.track").exists()
    # another follower is not blocked on this number
    other = ask(phone, f"查询 {case.number} {case.lookup_code}", openid="o-another-follower-0001")
    assert case.number in other and case.get_status_display() in other
