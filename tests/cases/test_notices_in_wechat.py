"""The applicant's notices (受理通知书, 不予受理通知书, 补正告知书) per client: a PDF in the browser
and in WeChat on iOS; WeChat on Android shows no PDF, so the applicant's own link goes on to
the signed address and that address answers a page saying how to open it in the phone's
browser. A notice the case's state does not have is 404 on every client."""

import pytest
from django.urls import reverse

from yingshang.cases import links, workflow

ANDROID_WECHAT = (
    "Mozilla/5.0 (Linux; Android 14; V2307A) AppleWebKit/537.36 Chrome/116.0 Mobile "
    "XWEB/1160065 MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64"
)
IOS_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 "
    "MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN"
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


@pytest.fixture
def accepted(submitted, staff):
    return workflow.transition(submitted, "accept", staff["chuangkou"])


@pytest.fixture
def owner(client, portal_users):
    client.force_login(portal_users["qiye"])
    return client


def _mine(case, kind):
    return reverse("cases:my-case-notice", args=[case.number, kind])


def _signed(case, kind):
    return reverse("cases:track-notice", args=[case.number, links.token_for(case), kind])


@pytest.mark.parametrize("agent", [DESKTOP, IOS_WECHAT])
def test_the_notice_is_a_pdf_where_the_browser_shows_one(accepted, owner, agent):
    response = owner.get(_mine(accepted, "acceptance"), HTTP_USER_AGENT=agent)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="{accepted.number}-acceptance.pdf"'
    )
    assert response.content.startswith(b"%PDF")


def test_wechat_on_android_goes_on_to_the_signed_address(accepted, owner):
    response = owner.get(_mine(accepted, "acceptance"), HTTP_USER_AGENT=ANDROID_WECHAT)
    assert response.status_code == 302
    assert response["Location"] == _signed(accepted, "acceptance")


def test_the_signed_address_on_wechat_android_explains_how_to_open_it(accepted, client):
    url = _signed(accepted, "acceptance")
    response = client.get(url, HTTP_USER_AGENT=ANDROID_WECHAT)  # no login needed
    page = response.content.decode()
    assert response.status_code == 200 and "text/html" in response["Content-Type"]
    assert "受理通知书" in page
    assert f"办件 {accepted.number} 的告知书是 PDF 文件" in page
    assert f"://testserver{url}" in page  # the address to copy into the phone's browser
    # the same address in the phone's browser is the PDF itself
    pdf = client.get(url, HTTP_USER_AGENT=DESKTOP)
    assert pdf["Content-Type"] == "application/pdf"


def test_the_signed_page_in_english(accepted, client):
    page = client.get(
        _signed(accepted, "acceptance"),
        HTTP_USER_AGENT=ANDROID_WECHAT,
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "的告知书是 PDF 文件" not in page
    assert accepted.number in page


@pytest.mark.parametrize("agent", [DESKTOP, ANDROID_WECHAT])
def test_a_notice_the_state_does_not_have_is_404(accepted, owner, client, agent):
    # accepted: no 不予受理通知书 and no 补正告知书, nor a kind that does not exist
    for kind in ("rejection", "supplement", "nonsense"):
        assert owner.get(_mine(accepted, kind), HTTP_USER_AGENT=agent).status_code == 404
        assert client.get(_signed(accepted, kind), HTTP_USER_AGENT=agent).status_code == 404


def test_a_rejected_case_has_the_rejection_notice_only(submitted, staff, owner):
    rejected = workflow.transition(submitted, "reject", staff["chuangkou"], reason="材料不全")
    assert owner.get(_mine(rejected, "rejection")).status_code == 200
    assert owner.get(_mine(rejected, "acceptance")).status_code == 404
    page = owner.get(reverse("cases:my-case", args=[rejected.number])).content.decode()
    assert _mine(rejected, "rejection") in page
    assert _mine(rejected, "acceptance") not in page


def test_a_tampered_signed_address_opens_nothing(accepted, client):
    token = links.token_for(accepted)
    tampered = token[:-1] + ("x" if token[-1] != "x" else "y")
    url = reverse("cases:track-notice", args=[accepted.number, tampered, "acceptance"])
    assert client.get(url, HTTP_USER_AGENT=ANDROID_WECHAT).status_code == 404


def test_another_account_gets_no_notice(accepted, client, portal_users):
    client.force_login(portal_users["shimin"])
    assert client.get(_mine(accepted, "acceptance")).status_code == 404
