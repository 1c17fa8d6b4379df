"""Portal (apply, my cases, tracking, uploads) and workbench (queue, actions, intake, notices,
trips) through the pages; scoping through page, API and export."""

import io
import re

import pytest
from django.urls import reverse

from tests.helpers import export_file
from yingshang.cases import workflow
from yingshang.cases.models import Case, CaseMaterial, MaterialSource, Status
from yingshang.cases.services import material_slots
from yingshang.platform.query import CappedPaginator

from .conftest import PDF, PNG, RIC, USCC, ofd_bytes, upload


def _apply_data(item, **extra):
    data = {
        "applicant_kind": "enterprise",
        "applicant_code": USCC,
        "applicant_name": "绵阳示例科技有限公司",
        "applicant_phone": "13812345678",
        "division": item.division_id,
    }
    data.update(extra)
    return data


def _files_for(item, content=PDF, name="a.pdf"):
    return {
        f"material_{s.key}": upload(name, content) for s in material_slots([item.current_version])
    }


def test_apply_online_creates_case(client, catalog, portal_users):
    client.force_login(portal_users["qiye"])
    item = catalog["registration"]
    url = reverse("cases:apply", args=[item.implementation_code])
    # the page is the guided form (files kept across errors, one case per submission); the
    # one-page form's POST still works for old clients
    page = client.get(url)
    assert page.status_code == 302
    assert page["Location"] == reverse("cases:guided-item", args=[item.implementation_code])
    guided = client.get(url, follow=True)
    assert re.search(r"/apply/drafts/[^/]+/applicant/$", guided.redirect_chain[-1][0])
    assert item.name in guided.content.decode()
    r = client.post(url, {**_apply_data(item), **_files_for(item)})
    assert r.status_code == 302
    case = Case.objects.get(user=portal_users["qiye"])
    assert r["Location"] == reverse("cases:my-case", args=[case.number])
    assert case.channel == "online" and case.status == Status.SUBMITTED
    mats = list(case.materials.all())
    assert len(mats) == 2 and all(m.stored_name for m in mats)
    # stored outside the web root with a random name, served only to the owner
    assert all(
        re.fullmatch(r"cases/[0-9a-f]{2}/[0-9a-f]{32}\.pdf", m.stored_name.name) for m in mats
    )
    r = client.get(reverse("cases:material-file", args=[mats[0].pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    page = client.get(reverse("cases:my-cases")).content.decode()
    assert case.number in page


@pytest.mark.parametrize(
    "content,name,field_msg",
    [
        (b"MZ\x90\x00 not a pdf", "evil.pdf", "类型不支持"),
        (b"", "empty.pdf", "为空"),
    ],
)
def test_apply_rejects_bad_files_and_writes_nothing(
    client, catalog, portal_users, content, name, field_msg
):
    client.force_login(portal_users["qiye"])
    item = catalog["registration"]
    r = client.post(
        reverse("cases:apply", args=[item.implementation_code]),
        {**_apply_data(item), **_files_for(item, content, name)},
    )
    assert r.status_code == 200
    assert field_msg in r.content.decode()
    assert Case.objects.count() == 0 and CaseMaterial.objects.count() == 0


def test_apply_oversize_missing_material_invalid_uscc(client, catalog, portal_users, settings):
    client.force_login(portal_users["qiye"])
    item = catalog["registration"]
    url = reverse("cases:apply", args=[item.implementation_code])
    settings.UPLOAD_MAX_BYTES = 100
    r = client.post(url, {**_apply_data(item), **_files_for(item, PDF + b"x" * 200)})
    assert "超过大小上限" in r.content.decode()
    settings.UPLOAD_MAX_BYTES = 10_000
    files = _files_for(item)
    files.pop(next(iter(files)))
    r = client.post(url, {**_apply_data(item), **files})
    assert "缺少必要材料" in r.content.decode()
    r = client.post(
        url, {**_apply_data(item, applicant_code="91510700MA6ABCDE10"), **_files_for(item)}
    )
    assert "统一社会信用代码无效" in r.content.decode()
    r = client.post(
        url,
        {
            **_apply_data(item, applicant_kind="person", applicant_code="510703199001011230"),
            **_files_for(item),
        },
    )
    assert "居民身份证号码无效" in r.content.decode()
    assert Case.objects.count() == 0


def test_png_and_ofd_accepted(client, catalog, portal_users):
    client.force_login(portal_users["qiye"])
    item = catalog["registration"]
    slots = material_slots([item.current_version])
    files = {
        f"material_{slots[0].key}": upload("a.png", PNG),
        f"material_{slots[1].key}": upload("b.ofd", ofd_bytes()),
    }
    r = client.post(
        reverse("cases:apply", args=[item.implementation_code]), {**_apply_data(item), **files}
    )
    assert r.status_code == 302
    types = set(CaseMaterial.objects.values_list("content_type", flat=True))
    assert types == {"image/png", "application/ofd"}


def test_unknown_item_404_and_local_item_wrong_division(client, catalog, portal_users):
    client.force_login(portal_users["qiye"])
    assert client.get(reverse("cases:apply", args=["NOPE"])).status_code == 404
    item = catalog["local"]
    r = client.post(
        reverse("cases:apply", args=[item.implementation_code]),
        {**_apply_data(item, division=catalog["jiangyou_div"].pk), **_files_for(item)},
    )
    assert "事项不在所选区划办理" in r.content.decode()
    assert Case.objects.count() == 0


def test_track_without_login(client, submitted):
    url = reverse("cases:track")
    code = submitted.lookup_code
    r = client.get(url, {"number": submitted.number, "code": code})
    body = r.content.decode()
    assert submitted.number in body and "已申报" in body
    # typed loosely: lower case, without the hyphen
    r = client.get(url, {"number": submitted.number, "code": code.replace("-", "").lower()})
    assert "已申报" in r.content.decode()
    # the last digits of the ID number or phone open nothing any more
    for digits in (USCC[-4:], "5678", "0000"):
        r = client.get(url, {"number": submitted.number, "code": digits})
        assert "未找到办件" in r.content.decode() and "已申报" not in r.content.decode()


def test_material_file_permissions(client, submitted, portal_users, staff):
    m = submitted.materials.first()
    url = reverse("cases:material-file", args=[m.pk])
    client.force_login(portal_users["shimin"])
    assert client.get(url).status_code == 404
    client.force_login(staff["jiangyou_chengban"])
    assert client.get(url).status_code == 404
    client.force_login(staff["chengban"])
    assert client.get(url).status_code == 200


def test_workbench_queue_actions_and_notices(client, submitted, staff):
    client.force_login(staff["chengban"])
    r = client.get(reverse("cases:queue"))
    assert submitted.number in r.content.decode()
    url = reverse("cases:action", args=[submitted.number])
    r = client.post(url, {"action": "complete", "outcome": "approved"}, follow=True)
    assert "不能执行" in r.content.decode()
    slot = material_slots([submitted.version])[1]
    client.post(url, {"action": "request_supplement", "missing_key": [slot.key], "lock_version": 0})
    submitted.refresh_from_db()
    assert submitted.status == Status.SUPPLEMENT
    assert submitted.missing_materials == [{"key": slot.key, "name": slot.name}]
    pdf = client.get(reverse("cases:notice", args=[submitted.number, "supplement"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        client.get(reverse("cases:notice", args=[submitted.number, "acceptance"])).status_code
        == 404
    )
    # stale lock_version → refused
    r = client.post(url, {"action": "reject", "reason": "x", "lock_version": 0}, follow=True)
    assert "已被他人处理" in r.content.decode()


def test_acceptance_notice_pdf_has_number(client, submitted, staff):
    workflow.transition(submitted, "accept", staff["chengban"])
    client.force_login(staff["chengban"])
    pdf = client.get(reverse("cases:notice", args=[submitted.number, "acceptance"]))
    assert pdf["Content-Type"] == "application/pdf" and len(pdf.content) > 2000


def test_window_intake_any_hall_routes_to_department(client, catalog, staff):
    """A Jiangyou clerk takes in a city item (全域通办): routed to the city market bureau."""
    clerk = staff["jiangyou_chuangkou"]
    client.force_login(clerk)
    item = catalog["registration"]
    slots = material_slots([item.current_version])
    r = client.post(
        reverse("cases:intake"),
        {
            **_apply_data(item, division=clerk.division_id),
            "item": item.implementation_code,
            f"material_{slots[0].key}": upload(),
            "paper": [slots[1].key],
        },
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.channel == "window" and case.department == item.department
    assert case.division == clerk.division and case.visits == 1
    assert case.materials.filter(source=MaterialSource.PAPER).count() == 1
    # the local Fucheng item cannot be taken in at a Jiangyou window
    r = client.post(
        reverse("cases:intake"),
        {
            **_apply_data(catalog["local"], division=clerk.division_id),
            "item": catalog["local"].implementation_code,
        },
    )
    assert "事项不在所选区划办理" in r.content.decode()


def test_trips_flag_and_summary(client, submitted, staff):
    """来回跑 counts only beyond the promised visits (the first never counts) of a completed
    case: an open case may still end within them."""
    from yingshang.cases.services import record_visit

    record_visit(submitted, "original_check", actor=staff["chengban"])
    submitted.refresh_from_db()
    assert submitted.visits == 1 and not submitted.multiple_trips  # the applicant's first visit
    record_visit(submitted, "supplement", actor=staff["chengban"])
    submitted.refresh_from_db()
    assert submitted.visits == 2 and not submitted.multiple_trips  # still open
    case = workflow.transition(submitted, "accept", staff["chengban"])
    case = workflow.transition(case, "complete", staff["chengban"], outcome="approved")
    case.refresh_from_db()
    assert case.multiple_trips  # completed after two visits, promised none
    client.force_login(staff["chengban"])
    r = client.get(reverse("cases:trips"))
    assert "企业设立登记" in r.content.decode()


def test_scoping_page_api_export(client, catalog, staff):
    """A Jiangyou clerk cannot read or change a Fucheng case: page, API, export."""
    from yingshang.cases.services import resolve_applicant, submit_case

    item = catalog["local"]
    applicant = resolve_applicant(kind="person", code=RIC, name="李四")
    case = submit_case(
        item=item,
        applicant=applicant,
        division=catalog["fucheng"],
        files={s.key: upload() for s in material_slots([item.current_version])},
    )
    client.force_login(staff["jiangyou_chuangkou"])
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 404
    r = client.post(reverse("cases:action", args=[case.number]), {"action": "accept"})
    assert r.status_code == 404
    assert client.get(f"/api/cases/{case.number}/").status_code == 404
    assert client.post(f"/api/cases/{case.number}/accept/", {}).status_code == 404
    assert client.get("/api/cases/").json()["count"] == 0
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(export_file(client, "cases.queue").content))
    assert wb.active.max_row == 1  # header only
    client.force_login(staff["fucheng_chengban"])
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 200
    wb = load_workbook(io.BytesIO(export_file(client, "cases.queue").content))
    assert wb.active.max_row == 2
    assert RIC not in str([c.value for c in wb.active[2]])  # masked


def test_search_and_capped_queue(client, submitted, staff, monkeypatch):
    from yingshang.cases import selectors

    clerk = staff["chuangkou"]
    assert list(selectors.cases_for(clerk, q=submitted.number)) == [submitted]
    assert list(selectors.cases_for(clerk, q=submitted.number[:12])) == [submitted]
    assert list(selectors.cases_for(clerk, q=USCC)) == [submitted]
    assert list(selectors.cases_for(clerk, q="示例科技")) == [submitted]
    assert list(selectors.cases_for(clerk, q="企业设立")) == [submitted]  # item name
    assert list(selectors.cases_for(clerk, q="不存在的名字")) == []
    monkeypatch.setattr(CappedPaginator, "cap", 0)
    client.force_login(staff["chengban"])
    body = client.get(reverse("cases:queue")).content.decode()
    assert "超过 0 条" in body and submitted.number in body


def test_staff_cannot_use_portal_apply(client, catalog, staff):
    client.force_login(staff["chuangkou"])
    item = catalog["registration"]
    url = reverse("cases:apply", args=[item.implementation_code])
    assert client.get(url, follow=True).status_code == 403


def test_county_window_sees_what_it_took_in(catalog, staff):
    """A Jiangyou clerk's intake of a city item stays visible to the clerk (applied in Jiangyou)
    and to the city market handler (handling department), not to Fucheng's handler."""
    from yingshang.cases.services import resolve_applicant, submit_case

    item = catalog["registration"]
    case = submit_case(
        item=item,
        applicant=resolve_applicant(kind="enterprise", code=USCC, name="某公司"),
        division=catalog["jiangyou_div"],
        channel="window",
        actor=staff["jiangyou_chuangkou"],
        files={s.key: upload() for s in material_slots([item.current_version])},
    )
    assert Case.objects.visible_to(staff["jiangyou_chuangkou"]).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(staff["chengban"]).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(staff["fucheng_chengban"]).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(staff["jiangyou_chengban"]).filter(pk=case.pk).exists()


def test_refused_step_is_shown_beside_its_form_not_flashed(client, submitted, staff):
    """issue #11 item 8: the case page shows a refused step's messages inside the form that was
    sent (data-field names the field), once, after the redirect."""
    client.force_login(staff["chengban"])
    url = reverse("cases:action", args=[submitted.number])
    r = client.post(url, {"action": "reject", "reason": "", "lock_version": 0}, follow=True)
    html = r.content.decode()
    form = html[html.index('data-testid="form-reject"') :]
    form = form[: form.index("</form>")]
    assert 'class="errorlist" data-field="reason"' in form
    again = client.get(reverse("cases:detail", args=[submitted.number])).content.decode()
    assert 'data-field="reason"' not in again  # shown once
    r = client.post(
        reverse("cases:visit", args=[submitted.number]), {"kind": "nonsense"}, follow=True
    )
    assert 'data-field="kind"' in r.content.decode()


def test_unverified_account_sees_no_enterprise_licence_on_its_case(client, catalog, portal_users):
    """A portal account that typed an enterprise's USCC sees its own case, but not the
    enterprise's e-licences (docs/registry.md)."""
    from yingshang.registry.public import enterprise_by_uscc, issue_elicence

    stranger = portal_users["shimin"]
    client.force_login(stranger)
    item = catalog["registration"]
    r = client.post(
        reverse("cases:apply", args=[item.implementation_code]),
        {**_apply_data(item), **_files_for(item)},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    case = Case.objects.get(user=stranger)
    issue_elicence(enterprise_by_uscc(USCC), "yyzz", item.department, "YYZZ-SECRET")
    html = client.get(reverse("cases:my-case", args=[case.number])).content.decode()
    assert "YYZZ-SECRET" not in html


def test_one_page_bundle_form_opens_the_guided_form(client, catalog, portal_users):
    """A bundle that founds no company went to the one-page form (which lost its files on an
    error): every bundle's page is now the guided form."""
    client.force_login(portal_users["qiye"])
    bundle = catalog["bundle"]
    r = client.get(reverse("cases:apply-bundle", args=[bundle.key]))
    assert r.status_code == 302
    assert r["Location"] == reverse("cases:guided-bundle", args=[bundle.key])
    page = client.get(r["Location"], follow=True)
    assert page.status_code == 200 and bundle.name in page.content.decode()
    assert re.search(r"/apply/drafts/[^/]+/applicant/$", page.redirect_chain[-1][0])
