"""拒绝统计 for supervisors: the refusals of the callback (and of the authorisation and the
binding) are counted per reason and day, and the city's supervisors read them on a staff page
and a workbench card — not only superusers in the admin. County staff and others: 404."""

import pytest

from yingshang.channels.models import RefusalCount

from .conftest import event_xml

pytestmark = pytest.mark.django_db


def test_city_supervisors_read_the_refusal_counts(phone, staff, client):
    phone.plain(event_xml("subscribe"), token="wrong")
    phone.plain(event_xml("subscribe"), token="wrong")
    phone.plain("<xml><ToUserName>")
    assert sum(r.count for r in RefusalCount.objects.all()) == 3
    client.force_login(staff["jianduyuan"])  # 监督员, 市政务服务监督管理局
    r = client.get("/staff/channels/refusals/")
    assert r.status_code == 200
    totals = dict(r.context["totals"])
    assert totals["签名错误或缺失"] == 2 and totals["XML 格式错误"] == 1
    assert r.context["total"] == 3
    page = r.content.decode()
    assert "签名错误或缺失" in page and "绑定验证码错误、过期或次数过多" in page
    home = client.get("/staff/")
    [card] = [c for c in home.context["watch_cards"] if c.key == "channels.refusals"]
    assert card.count == 3 and card.url == "/staff/channels/refusals/"
    en = client.get("/staff/channels/refusals/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Wrong or missing signature" in en.content.decode()


@pytest.mark.parametrize("username", ["fucheng_jiandu", "chengban"])
def test_county_staff_and_handlers_do_not_see_them(phone, staff, client, username):
    client.force_login(staff[username])
    assert client.get("/staff/channels/refusals/").status_code == 404
    home = client.get("/staff/")
    assert not [c for c in home.context["watch_cards"] if c.key == "channels.refusals"]


def test_anonymous_and_applicants_get_404(client, db):
    assert client.get("/staff/channels/refusals/").status_code == 404
