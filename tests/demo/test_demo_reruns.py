"""What a rerun of the demo guarantees beyond "nothing new": it puts changed demo data back and
says so. The registry step restores a demo enterprise's or person's master data (reported as
updated, not unchanged) and re-verifies the demo enterprise account's revoked link; the accounts
step restores a changed phone and skips accounts whose users do not exist; the calendar step
prints a confirmed year's conflict with the library only when not quiet; the command's closing
report lists each demo portal account with its phone. Also what the registry step issues: every
demo holder's documents come from its own county's bureau and are offered for reuse (免提交),
and the demo enterprise account's authorisation names its verified enterprise. Loaded once per
module: catalogue and registry only (steps 200, 210)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from tests.demo.conftest import loaded_once, run_steps
from yingshang.core.models import User
from yingshang.demo import core as demo_core
from yingshang.demo import registry as demo_registry
from yingshang.demo.framework import Tally
from yingshang.registry import services as registry_services
from yingshang.registry.models import Enterprise, Person, RepresentationStatus
from yingshang.workdays import services as calendar_services
from yingshang.workdays.models import CalendarDay, DayKind

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def registry_demo(django_db_setup, django_db_blocker):
    with loaded_once(django_db_blocker, {200, 210}) as tally:
        yield tally


def _first_enterprise():
    body, *_r, div, _address, _est = demo_registry.ENTERPRISES[0]
    return Enterprise.objects.get(uscc=demo_registry.enterprise_uscc(div, body))


def _first_person():
    birth, seq, *_r, div = demo_registry.PERSONS[0]
    return Person.objects.get(id_number=demo_registry.person_id(div, birth, seq))


# ------------------------------------------------------------------------------- registry


def test_registry_rerun_puts_changed_master_data_back_and_says_so(registry_demo):
    enterprise, person = _first_enterprise(), _first_person()
    Enterprise.objects.filter(pk=enterprise.pk).update(phone="13000000000", name="改过的名称")
    Person.objects.filter(pk=person.pk).update(phone="13000000001", user=None)
    tally = run_steps({210})
    assert tally.counts["enterprises"] == {
        "created": 0, "updated": 1, "unchanged": len(demo_registry.ENTERPRISES) - 1,
    }  # fmt: skip
    assert tally.counts["persons"] == {
        "created": 0, "updated": 1, "unchanged": len(demo_registry.PERSONS) - 1,
    }  # fmt: skip
    enterprise.refresh_from_db()
    person.refresh_from_db()
    _body, name, _rep, phone, *_r = demo_registry.ENTERPRISES[0]
    assert (enterprise.name, enterprise.phone) == (name, phone)
    assert person.phone == demo_registry.PERSONS[0][3] and person.user.username == "shimin"
    again = run_steps({210})
    assert again.counts["enterprises"]["updated"] == again.counts["persons"]["updated"] == 0


def test_registry_rerun_re_verifies_the_demo_accounts_revoked_link(registry_demo):
    enterprise = _first_enterprise()
    qiye = User.objects.get(username="qiye")
    rep = enterprise.representations.get(user=qiye)
    registry_services.revoke_representation(rep, user=qiye, note="测试撤销")
    assert not enterprise.representations.filter(
        user=qiye, status=RepresentationStatus.VERIFIED
    ).exists()
    run_steps({210})
    rep.refresh_from_db()
    assert rep.status == RepresentationStatus.VERIFIED
    actions = list(rep.events.order_by("pk").values_list("action", "actor_name"))
    assert [a for a, _n in actions[-3:]] == ["revoke", "reapply", "approve"]
    assert all(name in ("", "system") for _a, name in actions[-2:])  # by the system, not qiye


def test_every_demo_holders_documents_come_from_its_own_bureau_and_are_reusable(registry_demo):
    from yingshang.registry import selectors
    from yingshang.registry.models import ELicence

    for body, _name, _rep, _phone, div, _address, _est in demo_registry.ENTERPRISES:
        enterprise = Enterprise.objects.get(uscc=demo_registry.enterprise_uscc(div, body))
        licence = selectors.licence_for(enterprise, "yyzz")
        assert licence is not None and licence.number == enterprise.uscc
        # the county's market bureau; the city's for an enterprise registered at city level
        assert (licence.issuer.function_key, licence.issuer.division.code) == ("market", div)
        assert licence.valid_until is None and licence.status == ELicence.Status.VALID
    for birth, seq, _name, _phone, div in demo_registry.PERSONS:
        person = Person.objects.get(id_number=demo_registry.person_id(div, birth, seq))
        issued = {code: selectors.licence_for(person, code) for code in ("sfz", "hkb", "yyzz")}
        assert issued["yyzz"] is None  # an enterprise licence is never a person's
        assert issued["sfz"].number == f"SFZ{person.id_number}"
        assert issued["hkb"].number == f"HKB{person.id_number}"
        for licence in (issued["sfz"], issued["hkb"]):
            assert (licence.issuer.function_key, licence.issuer.division.code) == ("police", div)
    # 6 persons × 2 documents + one 营业执照 per enterprise, nothing else
    assert ELicence.objects.count() == 2 * len(demo_registry.PERSONS) + len(
        demo_registry.ENTERPRISES
    )


# ------------------------------------------------------------------------------- accounts


@pytest.mark.parametrize("verified", [True, False])
def test_the_enterprise_accounts_authorisation_names_its_verified_enterprise(
    registry_demo, verified
):
    from yingshang.accounts.models import Account, EnterpriseAuthorisation

    enterprise = _first_enterprise()
    qiye = User.objects.get(username="qiye")
    if not verified:  # the link was revoked before the accounts step first ran
        rep = enterprise.representations.get(user=qiye)
        registry_services.revoke_representation(rep, user=qiye)
    run_steps({810})
    account = Account.objects.get(user=qiye)
    records = EnterpriseAuthorisation.objects.filter(account=account)
    if not verified:
        assert not records.exists()  # nothing is authorised without a verified link
        return
    record = records.get()
    assert (record.uscc, record.role) == (enterprise.uscc, "legal")
    assert record.authorised_by == enterprise.legal_representative == "杨涪江"
    assert record.representation_id == enterprise.representations.get(user=qiye).pk
    run_steps({810})
    assert records.count() == 1  # a rerun adds no second record


def test_accounts_step_restores_a_changed_phone(registry_demo):
    from yingshang.accounts.models import Account

    first = run_steps({810})
    assert first.counts["applicant accounts"]["created"] == 2
    Account.objects.filter(user__username="shimin").update(phone="19900000099")
    User.objects.filter(username="shimin").update(phone="19900000099")
    tally = run_steps({810})
    assert tally.counts["applicant accounts"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert Account.objects.get(user__username="shimin").phone == "19900000001"
    assert User.objects.get(username="shimin").phone == "19900000001"


def test_accounts_step_without_the_registry_users_creates_nothing(registry_demo):
    from yingshang.accounts.models import Account

    # as on a database where the registry step never ran (``--only accounts``)
    for user in User.objects.filter(username__in=["shimin", "qiye"]):
        User.objects.filter(pk=user.pk).update(username=f"{user.username}-elsewhere")
    tally = run_steps({810})
    assert tally.counts["applicant accounts"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert not Account.objects.exists()


def test_the_command_lists_each_portal_account_with_its_phone(registry_demo):
    out = StringIO()
    call_command("demo", "--quiet", "--only", "accounts", stdout=out)
    portal = out.getvalue().split("Portal logins")[1]
    lines = {m.group(1): m.group(0) for m in re.finditer(r"^\s+(qiye|shimin)\s.*$", portal, re.M)}
    assert lines["shimin"].endswith("· 19900000001")
    assert lines["qiye"].endswith("· 19900000002")
    assert "applicant accounts" in out.getvalue().split("Demo logins")[0]


# ------------------------------------------------------------------------------- calendar


@pytest.mark.parametrize("quiet", [True, False])
def test_calendar_step_reports_a_confirmed_years_conflict_unless_quiet(registry_demo, quiet):
    calendar_services.set_day(2026, "2026-03-02", DayKind.HOLIDAY, "地方性调整")
    out = StringIO()
    tally = Tally()
    demo_core.demo_seed_calendar({"quiet": quiet}, tally, out)
    years = list(demo_core.demo_years())
    assert tally.counts["calendar years"]["unchanged"] == len(years)
    assert tally.counts["calendar days"]["created"] == tally.counts["calendar days"]["updated"] == 0
    assert CalendarDay.objects.filter(date="2026-03-02").exists()  # a confirmed year is kept
    printed = out.getvalue()
    if quiet:
        assert printed == ""
    else:
        assert "2026 年已确认，且与节假日库不一致，未作改动" in printed
        assert printed.count("已确认") == 1  # only the year that differs
