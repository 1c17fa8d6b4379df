"""Moving through a guided application (cases/apply_views.py): what starts a draft and what is
404, a step not reached yet sends the applicant to the furthest one reached, a submitted draft
opens its case, discarding goes back to the item's or the bundle's page and removes the
draft's files, and 我的草稿 lists the applicant's own open drafts only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cases.test_guided_apply import PERSON, _complete, _start, _step, _to_materials
from yingshang.cases import drafts
from yingshang.cases.models import ApplicationDraft, Case, DraftAttachment, DraftStatus
from yingshang.platform import uploads

from .conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(client, portal_users):
    client.force_login(portal_users["shimin"])
    return client


def test_an_unknown_or_withdrawn_item_or_bundle_starts_nothing(applicant, catalog):
    from yingshang.catalog.models import Bundle, ServiceItem

    assert applicant.get(reverse("cases:guided-item", args=["NO-SUCH"])).status_code == 404
    assert applicant.get(reverse("cases:guided-bundle", args=["no-such"])).status_code == 404
    ServiceItem.objects.filter(pk=catalog["seal"].pk).update(is_active=False)
    Bundle.objects.filter(pk=catalog["bundle"].pk).update(is_active=False)
    item_url = reverse("cases:guided-item", args=[catalog["seal"].implementation_code])
    assert applicant.get(item_url).status_code == 404
    bundle_url = reverse("cases:guided-bundle", args=[catalog["bundle"].key])
    assert applicant.get(bundle_url).status_code == 404
    assert not ApplicationDraft.objects.exists()


def test_starting_again_resumes_the_open_draft_unless_asked_for_a_new_one(applicant, catalog):
    first = _start(applicant, item=catalog["registration"])
    assert _start(applicant, item=catalog["registration"]) == first
    fresh = _start(applicant, item=catalog["registration"], new="1")
    assert fresh != first and fresh.step == "applicant"


@pytest.mark.parametrize("ahead", ["details", "materials", "review"])
def test_a_step_not_reached_sends_back_to_the_furthest_reached(applicant, catalog, ahead):
    draft = _start(applicant, item=catalog["registration"])
    response = applicant.get(_step(draft, ahead))
    assert response.status_code == 302 and response["Location"] == _step(draft, "applicant")


def test_steps_already_reached_stay_open(applicant, catalog):
    draft = _to_materials(applicant, _start(applicant, item=catalog["registration"]))
    for reached in ("applicant", "details", "materials"):
        assert applicant.get(_step(draft, reached)).status_code == 200
    assert applicant.get(_step(draft, "review"))["Location"] == _step(draft, "materials")


def test_an_unknown_step_is_404(applicant, catalog):
    draft = _start(applicant, item=catalog["registration"])
    assert applicant.get(_step(draft, "payment")).status_code == 404


def test_a_submitted_draft_opens_its_case(applicant, catalog, django_capture_on_commit_callbacks):
    draft = _complete(
        applicant, _to_materials(applicant, _start(applicant, item=catalog["registration"]))
    )
    with django_capture_on_commit_callbacks(execute=True):
        applicant.post(_step(draft, "review"), {"submit_key": draft.submit_key, "confirm": "on"})
    case = Case.objects.get()
    for step in ("applicant", "review"):
        response = applicant.get(_step(draft, step))
        assert response["Location"] == reverse("cases:my-case", args=[case.number])


def test_a_discarded_draft_is_404_afterwards(applicant, catalog):
    draft = _start(applicant, item=catalog["registration"])
    applicant.post(reverse("cases:draft-discard", args=[draft.token]))
    assert applicant.get(_step(draft, "applicant")).status_code == 404


def test_discarding_an_item_draft_removes_its_files_and_goes_back_to_the_item(applicant, catalog):
    item = catalog["registration"]
    draft = _to_materials(applicant, _start(applicant, item=item))
    slot = drafts.needs_of(draft).slots[0]
    applicant.post(_step(draft, "materials"), {"go": "save", f"material_{slot.key}": upload()})
    names = list(DraftAttachment.objects.filter(draft=draft).values_list("stored_name", flat=True))
    assert names and all(uploads.storage.exists(n) for n in names)
    url = reverse("cases:draft-discard", args=[draft.token])
    assert applicant.get(url).status_code == 405  # a POST only
    response = applicant.post(url)
    assert response["Location"] == reverse(
        "catalog:service-detail", args=[item.implementation_code]
    )
    assert not ApplicationDraft.objects.filter(pk=draft.pk).exists()
    assert not DraftAttachment.objects.filter(stored_name__in=names).exists()


def test_discarding_a_bundle_draft_goes_back_to_the_bundle(applicant, catalog):
    draft = _start(applicant, bundle=catalog["bundle"])
    response = applicant.post(reverse("cases:draft-discard", args=[draft.token]))
    assert response["Location"] == reverse("catalog:bundle-detail", args=[catalog["bundle"].key])


def test_my_drafts_lists_own_open_drafts_newest_first(applicant, catalog, portal_users, client):
    older = _start(applicant, item=catalog["registration"])
    newer = _start(applicant, item=catalog["invoice"])
    expired = _start(applicant, item=catalog["immediate"])
    ApplicationDraft.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    ApplicationDraft.objects.filter(pk=older.pk).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )
    submitted = _start(applicant, item=catalog["seal"])
    ApplicationDraft.objects.filter(pk=submitted.pk).update(status=DraftStatus.SUBMITTED)
    page = applicant.get(reverse("cases:my-drafts")).content.decode()
    shown = [t for t in (newer.token, older.token, expired.token, submitted.token) if t in page]
    assert shown == [newer.token, older.token]
    assert page.index(newer.token) < page.index(older.token)
    # another account sees none of them
    client.force_login(portal_users["qiye"])
    other = client.get(reverse("cases:my-drafts")).content.decode()
    assert newer.token not in other and older.token not in other


def test_staff_have_no_drafts_page(client, staff):
    client.force_login(staff["chuangkou"])
    assert client.get(reverse("cases:my-drafts")).status_code == 403


def test_the_applicant_step_keeps_what_was_typed(applicant, catalog):
    draft = _start(applicant, item=catalog["registration"])
    applicant.post(_step(draft, "applicant"), PERSON)
    page = applicant.get(_step(draft, "applicant")).content.decode()
    assert PERSON["applicant_code"] in page and PERSON["applicant_name"] in page
