"""Form plumbing (platform/forms.py), permissions (platform/policies.py) and scoping
(platform/scoping.py) on their own."""

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, QueryDict

from tests.core.factories import (
    ClerkFactory,
    DeptHeadFactory,
    StaffFactory,
    SupervisorFactory,
    UserFactory,
    city,
)
from yingshang.core.models import Department, Division, User
from yingshang.platform import forms as kit
from yingshang.platform.policies import POLICIES, Policy, Rule, matrix
from yingshang.platform.scoping import can_write, division_lookup, scope_filter


class NameForm(forms.Form):
    name = forms.CharField(max_length=5)
    count = forms.IntegerField(required=False, min_value=0)


class Filters(kit.FilterForm):
    year = forms.IntegerField(required=False, min_value=1990, max_value=2100)
    q = forms.CharField(required=False)


# ---------------------------------------------------------------------------- forms


def test_service_errors_land_beside_their_field_or_form_wide():
    form = NameForm({"name": "ok"})
    assert form.is_valid()
    kit.add_service_errors(form, ValidationError({"name": "重名", "status": "状态不对"}))
    assert form.errors["name"] == ["重名"]
    assert form.non_field_errors() == ["状态不对"]  # the form has no "status" field


def test_a_plain_service_error_is_form_wide():
    form = NameForm({"name": "ok"})
    form.is_valid()
    kit.add_service_errors(form, ValidationError(["一", "二"]))
    assert form.non_field_errors() == ["一", "二"]


def test_submit_runs_the_action_only_for_a_valid_form():
    calls = []
    bad = NameForm({"name": "far too long"})
    assert kit.submit(bad, calls.append) is False
    assert calls == [] and bad.result is None

    good = NameForm({"name": "张三"})
    assert kit.submit(good, lambda data: data["name"] * 2) is True
    assert good.result == "张三张三"


def test_submit_puts_the_services_refusal_on_the_form():
    def refuse(data):
        raise ValidationError({"count": "库存不足"})

    form = NameForm({"name": "a", "count": 3})
    assert kit.submit(form, refuse) is False
    assert kit.error_dict(form) == {"count": ["库存不足"]}


def test_error_dict_names_form_wide_messages_non_field():
    form = NameForm({"name": ""})
    form.is_valid()
    form.add_error(None, "整体错误")
    errors = kit.error_dict(form)
    assert errors["non_field"] == ["整体错误"]
    assert set(errors) == {"name", "non_field"}
    assert all(isinstance(m, str) for ms in errors.values() for m in ms)


def test_first_value_of_a_valid_invalid_or_unbound_form():
    assert kit.first_value(NameForm(), "name", "d") == "d"
    assert kit.first_value(NameForm({"name": "x", "count": "2"}), "count") == 2
    assert kit.first_value(NameForm({"name": "x", "count": "-1"}), "count", 7) == 7
    assert kit.first_value(NameForm({"name": "x", "count": ""}), "count", 7) == 7


def test_multiple_file_field_cleans_to_a_list():
    field = kit.MultipleFileField()
    a = SimpleUploadedFile("a.pdf", b"%PDF-1")
    b = SimpleUploadedFile("b.pdf", b"%PDF-2")
    assert field.clean([a, None, b]) == [a, b]
    assert field.clean(a) == [a]
    assert field.clean(None) == []
    assert field.widget.allow_multiple_selected
    with pytest.raises(ValidationError):
        field.clean([SimpleUploadedFile("empty.pdf", b"")])


def test_filter_form_ignores_bad_filters_and_reports_them():
    form = Filters(QueryDict("year=1800&q=营商&page=2"))
    assert form.filters == {"year": None, "q": "营商"}
    assert "year" in form.errors
    assert form.value("page") == 2
    assert form.value("year", 2026) == 2026


def test_filter_form_is_always_bound():
    form = Filters()
    assert form.is_bound and form.filters == {"year": None, "q": ""}
    assert form.querystring() == ""


@pytest.mark.parametrize(
    "page, number, error",
    [("", 1, False), ("2", 2, False), ("9", 3, True), ("abc", 1, True), ("0", 1, True)],
)
def test_page_of(page, number, error):
    form = Filters(QueryDict(f"page={page}"))
    result = form.page_of(list(range(25)), per_page=10)
    assert result.number == number
    assert ("page" in form.errors) is error


def test_page_beyond_the_last_names_the_number_of_pages():
    form = Filters(QueryDict("page=50"))
    form.page_of(list(range(25)), per_page=10)
    assert "3" in form.errors["page"][0]


def test_querystring_keeps_filters_and_drops_the_page():
    form = Filters(QueryDict("q=a%26b&year=2025&page=4"))
    assert QueryDict(form.querystring()) == QueryDict("q=a%26b&year=2025")
    assert Filters({"q": "x"}).querystring() == ""  # a plain dict cannot be encoded back


# ---------------------------------------------------------------------------- policies


def _is_staff(user):
    return bool(user.role)


def _own(user, obj):
    return obj.department_id == user.department_id


_own.q = lambda user: __import__("django.db.models", fromlist=["Q"]).Q(
    department_id=user.department_id
)


@pytest.fixture
def policy():
    p = Policy(
        "kit-test",
        {
            "read": Rule(),
            "edit": Rule(who=_is_staff, on=_own, field="department", message="不是本部门"),
            "delete": Rule(who=_is_staff, message="没有权限"),
        },
    )
    yield p
    POLICIES.pop("kit-test")


@pytest.mark.django_db
def test_policy_who_then_on(policy, mianyang):
    staff = ClerkFactory()
    other = DeptHeadFactory()
    portal = UserFactory()
    obj = User(department=staff.department)
    assert policy.can(portal, "read")
    assert not policy.can(portal, "edit")
    assert policy.can(staff, "edit")  # no object: only who
    assert policy.can(staff, "edit", obj)
    assert policy.can(other, "edit") and not policy.can(other, "edit", obj)


@pytest.mark.django_db
def test_policy_check_raises_a_field_error_or_permission_denied(policy, mianyang):
    staff = ClerkFactory()
    foreign = User(department=Department.objects.exclude(pk=staff.department_id).first())
    with pytest.raises(ValidationError) as exc:
        policy.check(staff, "edit", foreign)
    assert exc.value.message_dict == {"department": ["不是本部门"]}
    with pytest.raises(PermissionDenied, match="没有权限"):
        policy.check(UserFactory(), "delete")
    policy.check(staff, "delete")  # allowed: no exception
    with pytest.raises(KeyError):
        policy.can(staff, "fly")


@pytest.mark.django_db
def test_policy_filter_applies_the_object_rule_as_a_query(policy, mianyang):
    staff = ClerkFactory()
    users = User.objects.all()
    assert policy.filter(users, UserFactory(), "edit").count() == 0
    mine = policy.filter(users, staff, "edit")
    assert mine.count() == users.filter(department=staff.department).count() > 0
    assert policy.filter(users, staff, "delete").count() == users.count()  # no q: all rows


@pytest.mark.django_db
def test_the_permission_matrix_marks_who_may(policy, mianyang):
    rows = {action: cells for action, _label, cells in matrix(policy)}
    assert rows["read"] == ["✓"] * len(rows["read"])
    assert rows["edit"][0] == "—"  # the portal user (first probe)
    assert rows["edit"][-1] == "—"  # a superuser without a role: who() says no
    assert set(rows["edit"][1:-1]) == {"✓"}


# ---------------------------------------------------------------------------- scoping


@pytest.mark.parametrize(
    "field, lookup",
    [
        ("path", "path__startswith"),
        ("division_path", "division_path__startswith"),
        ("division", "division__path__startswith"),
        ("department__division", "department__division__path__startswith"),
    ],
)
def test_division_lookup(field, lookup):
    assert division_lookup(field) == lookup


@pytest.mark.django_db
def test_scope_filter_by_kind_of_user(mianyang):
    county = Division.objects.get(code="510781")  # 江油市
    county_staff = SupervisorFactory(division=county, department=None)
    head = DeptHeadFactory()
    inactive = StaffFactory(is_active=False)
    root = UserFactory(is_superuser=True)
    divisions = Division.objects.all()

    assert scope_filter(Division, root) is None
    for nobody in (None, AnonymousUser(), inactive, UserFactory()):
        assert not divisions.filter(scope_filter(Division, nobody)).exists()
    seen = divisions.filter(scope_filter(Division, county_staff))
    assert set(seen) == set(divisions.filter(path__startswith=county.path))
    assert city() not in seen
    # a department-bound role sees only its department's staff
    visible = User.objects.visible_to(head)
    assert set(visible.values_list("department_id", flat=True)) == {head.department_id}


@pytest.mark.django_db
def test_get_visible_or_404(mianyang):
    county = Division.objects.get(code="510781")
    county_staff = SupervisorFactory(division=county, department=None)
    assert Division.objects.get_visible_or_404(county_staff, pk=county.pk) == county
    for lookup in ({"pk": city().pk}, {"pk": "abc"}, {"pk": 10**9}):
        with pytest.raises(Http404):
            Division.objects.get_visible_or_404(county_staff, **lookup)


@pytest.mark.django_db
def test_can_write(mianyang):
    assert can_write(UserFactory(is_superuser=True))
    assert can_write(ClerkFactory())
    assert not can_write(StaffFactory(role="leader"))
    assert not can_write(UserFactory())
    assert not can_write(AnonymousUser())
