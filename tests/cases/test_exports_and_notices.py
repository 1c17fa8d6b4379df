"""The staff queue's Excel export (a real workbook: scoped, ID numbers masked, the export
audited) and the notices as PDF (real PDF bytes, 404 without the event or out of scope)."""

import io
import re
import zlib

import openpyxl
import pytest

from tests.cases.factories import CaseEventFactory, CaseFactory
from tests.catalog.factories import ItemWithVersionFactory
from tests.core.factories import HandlerFactory, department, ric_for
from tests.helpers import export_file
from yingshang.platform.models import AuditEntry

pytestmark = pytest.mark.django_db

RIC = ric_for("510703", "19950505", 7)


@pytest.fixture
def cases(mianyang):
    city = CaseFactory(
        applicant_kind="person", applicant_name="王芳", applicant_code=RIC, number="SQ-CITY-1"
    )
    enterprise = CaseFactory(number="SQ-CITY-2", item=city.item)
    jiangyou = CaseFactory(
        number="SQ-JY-1", item=ItemWithVersionFactory(department=department("510781", "market"))
    )
    return {"city": city, "enterprise": enterprise, "jiangyou": jiangyou}


def inflated_streams(pdf: bytes):
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            continue


def workbook_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    wb = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return list(wb.active.iter_rows(values_only=True))


def test_export_is_scoped_masked_and_audited(cases, staff, login):
    client = login(staff["jianduyuan"])
    rows = workbook_rows(export_file(client, "cases.queue"))
    assert rows[0][:4] == ("办件编号", "事项", "申请人", "证件号码")
    by_number = {r[0]: r for r in rows[1:]}
    assert {"SQ-CITY-1", "SQ-CITY-2", "SQ-JY-1"} <= set(by_number)
    person = by_number["SQ-CITY-1"]
    assert person[2] == "王芳" and person[3] == RIC[:6] + "********" + RIC[-4:]
    assert RIC not in str(rows)
    # an enterprise's USCC is public and stays whole
    assert by_number["SQ-CITY-2"][3] == cases["enterprise"].applicant_code
    entry = AuditEntry.objects.filter(action="export", object_type="cases.Case").get()
    assert entry.actor == staff["jianduyuan"]


def test_export_of_a_county_handler_has_only_their_cases(cases, login):
    handler = HandlerFactory(department=department("510781", "market"))
    rows = workbook_rows(export_file(login(handler), "cases.queue"))
    assert [r[0] for r in rows[1:]] == ["SQ-JY-1"]


def test_export_follows_the_filters(cases, staff, login):
    client = login(staff["jianduyuan"])
    code = cases["jiangyou"].item.implementation_code
    rows = workbook_rows(export_file(client, "cases.queue", f"item={code}"))
    assert [r[0] for r in rows[1:]] == ["SQ-JY-1"]
    rows = workbook_rows(export_file(client, "cases.queue", "status=completed"))
    assert rows[1:] == []


def test_export_refused_to_portal_users(cases, client):
    from tests.core.factories import UserFactory

    client.force_login(UserFactory())
    r = client.post("/staff/exports/new/cases.queue/")
    assert r.status_code in (302, 403)
    assert not AuditEntry.objects.filter(action="export").exists()


def test_acceptance_notice_is_a_real_pdf(cases, staff, login):
    case = cases["city"]
    CaseEventFactory(case=case, action="accept", from_state="submitted", to_state="accepted")
    r = login(staff["jianduyuan"]).get(f"/staff/cases/{case.number}/notice/acceptance.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == f'inline; filename="{case.number}-acceptance.pdf"'
    pdf = r.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    objects = pdf + b"".join(inflated_streams(pdf))  # WeasyPrint packs objects in streams
    assert b"/Type /Catalog" in objects and b"/Type /Page" in objects
    assert b"/Subtype /Image" in objects or b"/Subtype/Image" in objects or b"/XObject" in objects
    assert len(pdf) > 2000  # a page with text, fonts and the QR code


def test_notice_without_its_event_or_of_unknown_kind_is_404(cases, staff, login):
    client = login(staff["jianduyuan"])
    number = cases["city"].number
    assert client.get(f"/staff/cases/{number}/notice/rejection.pdf").status_code == 404
    assert client.get(f"/staff/cases/{number}/notice/invoice.pdf").status_code == 404


def test_notice_out_of_scope_is_404(cases, login):
    case = cases["city"]
    CaseEventFactory(case=case, action="accept", from_state="submitted", to_state="accepted")
    handler = HandlerFactory(department=department("510781", "market"))
    r = login(handler).get(f"/staff/cases/{case.number}/notice/acceptance.pdf")
    assert r.status_code == 404
