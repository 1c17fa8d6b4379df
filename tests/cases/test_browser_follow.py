"""On a 390 px phone, in a real browser: the applicant scans the notice's QR code (the signed
status link), sees the progress in words, and rates the service with the stars — no login, no
typing of the case number or the query code."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_qr_link_progress_and_star_rating_on_a_phone(live_server, submitted, staff, browser_page):
    from django.test import RequestFactory

    from yingshang.cases import views, workflow
    from yingshang.evaluations.models import Evaluation

    case = submitted
    for action in ("accept", "start", "review"):
        case = workflow.transition(case, action, staff["chengban"])
    case = workflow.transition(case, "complete", staff["chengban"], outcome="approved")
    # the URL the notice's QR code carries
    url = views.tracking_url(RequestFactory().get("/"), case).split("testserver", 1)[1]

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{url}")
    assert page.locator("[data-testid=case-status]").inner_text() == "已办结"
    steps = page.locator("[data-testid=progress] li")
    assert steps.count() == 5
    states = [steps.nth(i).get_attribute("data-state") for i in range(5)]
    assert states == ["done", "done", "done", "done", "current"]
    assert "已送达" in page.locator("[data-testid=step-delivered]").inner_text()
    assert "送达" in page.locator("[data-testid=next]").inner_text()
    # the progress and the stars fit the phone's width
    for testid in ("progress", "rating"):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (testid, box)

    # one tap on the fourth star, a comment, send
    page.click("label[data-star='4']")
    assert page.locator("[data-testid=star-4]").is_checked()
    page.fill("#rate-form textarea[name=comment]", "手机上就能评价,方便")
    page.click("[data-testid=rate]")
    page.wait_for_load_state()
    assert page.url.endswith(url)  # back on the status page
    assert "满意" in page.locator("[data-testid=rated]").inner_text()
    ev = Evaluation.objects.get(object_id=str(case.pk))
    assert ev.level == 4 and ev.comment == "手机上就能评价,方便" and ev.evaluator is None
