"""Pages of the appeals app at their edges: a portal appeal opens only for its owner or after
the 查询码 (404 for anyone else, for an unknown number and for a number in another case), the
new-appeal form prefilled from a link, an unknown staff action is 404, staff entry refused to a
handler, the commitments list with a bad status filter, a commitment action out of scope."""

import pytest

from tests.appeals.factories import AppealFactory, CommitmentFactory
from yingshang.appeals.models import Commitment, CommitmentStatus

pytestmark = pytest.mark.django_db


def test_a_portal_appeal_opens_for_its_owner_only(client, login, mianyang, portal_user):
    from yingshang.core.models import User

    appeal = AppealFactory(applicant_user=portal_user)
    url = f"/appeals/{appeal.number}/"
    assert client.get(url).status_code in (302, 404)  # anonymous: no code entered
    other = User.objects.create_user("qiye09", password="x-unused-pass-3")
    assert login(other).get(url).status_code in (302, 404)
    r = login(portal_user).get(url)
    assert r.status_code == 200
    assert appeal.title in r.content.decode()


def test_unknown_and_miscased_numbers_are_404(client, login, mianyang, portal_user):
    appeal = AppealFactory(applicant_user=portal_user)
    api = login(portal_user)
    assert api.get("/appeals/SQ00000000000000/").status_code == 404
    assert api.get(f"/appeals/{appeal.number.lower()}/").status_code == 404


def test_the_track_page_then_opens_the_appeal_for_the_session(client, submit):
    appeal = submit()  # anonymous: a 查询码 from its seed
    url = f"/appeals/{appeal.number}/"
    r = client.post("/appeals/track/", {"number": appeal.number, "code": appeal.lookup_code})
    assert r.status_code == 302
    assert client.get(url).status_code == 200
    wrong = submit()
    r = client.post("/appeals/track/", {"number": wrong.number, "code": appeal.lookup_code})
    assert r.status_code == 200  # refused on the page
    assert client.get(f"/appeals/{wrong.number}/").status_code in (302, 404)


def test_the_new_appeal_form_takes_its_text_from_a_link(client, mianyang):
    r = client.get("/appeals/new/", {"text": "营业执照办理进度咨询"})
    assert r.status_code == 200
    assert "营业执照办理进度咨询" in r.content.decode()


def test_an_unknown_staff_action_is_404_and_changes_nothing(login, office, mianyang):
    appeal = AppealFactory()
    r = login(office).post(f"/staff/appeals/{appeal.pk}/no-such-action/", {"note": "x"})
    assert r.status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == "submitted" and appeal.signed_at is None


def test_a_staff_action_needs_post(login, office, mianyang):
    appeal = AppealFactory()
    assert login(office).get(f"/staff/appeals/{appeal.pk}/sign/").status_code == 405


def test_a_handler_may_not_enter_a_hotline_appeal(login, staff, mianyang, appeal_data):
    from yingshang.appeals.models import Appeal

    r = login(staff["chengban"]).post("/staff/appeals/new/", appeal_data(channel="hotline"))
    assert r.status_code == 403
    assert not Appeal.objects.exists()


def test_commitments_list_ignores_a_bad_status(login, office, mianyang):
    CommitmentFactory(content="园区变压器增容")
    CommitmentFactory(content="已销号的承诺", status=CommitmentStatus.VERIFIED)
    api = login(office)
    r = api.get("/staff/appeals/commitments/", {"status": "verified"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "已销号的承诺" in page and "园区变压器增容" not in page
    r = api.get("/staff/appeals/commitments/", {"status": "nonsense", "page": "x"})
    assert r.status_code in (200, 400)
    if r.status_code == 200:
        assert "园区变压器增容" in r.content.decode()


def test_a_commitment_action_out_of_scope_is_404(login, staff, mianyang):
    from tests.core.factories import department

    c = CommitmentFactory(owner_department=department("510781", "market"))
    api = login(staff["fucheng_chengban"])
    r = api.post(f"/staff/appeals/commitments/{c.pk}/", {"action": "report", "note": "进展"})
    assert r.status_code == 404
    assert Commitment.objects.get(pk=c.pk).status == CommitmentStatus.PENDING
