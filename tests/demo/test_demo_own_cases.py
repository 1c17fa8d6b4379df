"""The demo applicants' own cases (demo/accounts.py, step 820): logged in as ``shimin`` a
visitor of the demo sees 我的待办 filled — a case waiting for their 补正, a result ready to
collect, a service to rate — and ``qiye`` a finished case; made through the services and the
case machine; a rerun changes nothing."""

import re

import pytest

from tests.demo.conftest import run_steps
from yingshang.cases.models import Case, Status
from yingshang.core.models import User


@pytest.mark.django_db
def test_demo_applicants_have_cases_to_follow(client, mianyang):
    tally = run_steps({200, 210, 810, 820})
    assert tally.counts["own cases"]["created"] == 3
    shimin = User.objects.get(username="shimin")
    waiting = Case.objects.get(user=shimin, status=Status.SUPPLEMENT)
    assert [m["name"] for m in waiting.missing_materials] == ["食品安全管理制度"]
    done = Case.objects.get(user=shimin, status=Status.COMPLETED)
    assert done.outcome == "approved" and done.events.filter(action="complete").exists()
    assert Case.objects.filter(user__username="qiye", status=Status.COMPLETED).count() == 1

    client.force_login(shimin)
    home = client.get("/").content.decode()
    todos = re.search(r"我的待办.*?</section>", home, re.S).group(0)
    assert waiting.number in todos and done.number in todos
    assert "需要补正" in todos and "可以领取" in todos and "请评价" in todos
    page = client.get(f"/my/cases/{waiting.number}/").content.decode()
    assert 'data-testid="resubmit-form"' in page and "食品安全管理制度" in page

    again = run_steps({820})
    assert again.counts["own cases"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert Case.objects.filter(user__in=[shimin, User.objects.get(username="qiye")]).count() == 3


@pytest.mark.django_db
def test_the_demo_person_has_one_phone_in_the_registry_and_his_account(mianyang):
    """The guided form prefills the applicant's phone from the registry (with its source shown):
    for the demo person 张明 it is the phone of his account ``shimin``, not a second number."""
    from yingshang.registry.models import Person

    run_steps({200, 210, 810})
    shimin = User.objects.get(username="shimin")
    person = Person.objects.get(user=shimin)
    assert person.name == "张明"
    assert person.phone == shimin.phone
