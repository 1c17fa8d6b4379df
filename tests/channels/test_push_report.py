"""WeChat's asynchronous delivery report (subscribe_msg_sent_event) is recorded on the push it
is about — and only on a push to the person the report comes from."""

import time

import pytest

from yingshang.channels.models import Follower, PushResult
from yingshang.notifications import services as notify_services
from yingshang.notifications.models import Delivery

from .conftest import OPENID, ORIGINAL_ID

pytestmark = pytest.mark.django_db


def report_xml(entries: list[tuple[str, int, str]], *, openid: str = OPENID) -> str:
    items = "".join(
        f"<List><TemplateId><![CDATA[SUB-TPL-1]]></TemplateId><MsgID>{msgid}</MsgID>"
        f"<ErrorCode>{code}</ErrorCode><ErrorStatus><![CDATA[{status}]]></ErrorStatus></List>"
        for msgid, code, status in entries
    )
    return (
        f"<xml><ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}"
        "</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[subscribe_msg_sent_event]]></Event>"
        f"<SubscribeMsgSentEvent>{items}</SubscribeMsgSentEvent></xml>"
    )


@pytest.fixture
def pushed(fake, templates, django_user_model):
    user = django_user_model.objects.create_user("report_citizen", password="x" * 12)
    Follower.objects.create(openid=OPENID, user=user, subscribed=True)
    n = notify_services.notify(user, "您的办件已受理", category="case", channels=("wechat",))
    delivery = Delivery.objects.get(notification=n)
    notify_services.attempt_delivery(delivery.pk)
    result = PushResult.objects.get(delivery=delivery, errcode=0)
    assert result.msgid and not result.report
    return result


def test_success_report_is_recorded(phone, pushed):
    response = phone.plain(report_xml([(pushed.msgid, 0, "success")]))
    assert (response.status_code, response.content) == (200, b"success")  # no reply text
    pushed.refresh_from_db()
    assert (pushed.report, pushed.report_errcode) == ("success", 0)
    assert pushed.reported_at is not None


def test_user_block_report_in_encrypted_mode(phone, pushed):
    response = phone.encrypted(report_xml([(pushed.msgid, 20004, "failed:user block")]))
    assert response.status_code == 200
    pushed.refresh_from_db()
    assert (pushed.report, pushed.report_errcode) == ("failed:user block", 20004)


def test_several_entries_and_unknown_ids(phone, pushed):
    phone.plain(report_xml([("999", 0, "success"), (pushed.msgid, 20001, "failed:system failed")]))
    pushed.refresh_from_db()
    assert pushed.report == "failed:system failed"
    assert PushResult.objects.exclude(report="").count() == 1


def test_a_report_from_another_openid_touches_nothing(phone, pushed):
    other = "oOTHERopenid0000000000000"
    phone.plain(report_xml([(pushed.msgid, 0, "success")], openid=other))
    pushed.refresh_from_db()
    assert pushed.report == ""


def test_other_unmodelled_events_get_no_reply(phone):
    xml = report_xml([]).replace("subscribe_msg_sent_event", "subscribe_msg_popup_event")
    response = phone.plain(xml)
    assert (response.status_code, response.content) == (200, b"success")
