"""The audit trail (platform/audit.py): what a create, update, delete, login, logout and failed
login leave in AuditEntry, with personal fields masked and excluded fields never stored."""

import datetime
import decimal
import uuid

import pytest
from django.contrib.auth import authenticate

from tests.core.factories import StaffFactory, UserFactory, city
from yingshang.core.models import Department, User
from yingshang.platform import audit
from yingshang.platform.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def _entries(obj, action):
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label, object_id=str(obj.pk), action=action
        ).order_by("id")
    )


def test_create_masks_personal_fields_and_drops_excluded_ones():
    user = UserFactory(username="audit-new", phone="13812345678")
    (entry,) = _entries(user, AuditAction.CREATE)
    after = entry.changes["after"]
    assert after["phone"] == "138****5678"
    assert "password" not in after and "last_login" not in after
    assert after["username"] == "audit-new"
    assert "13812345678" not in str(entry.changes)


def test_update_records_only_what_changed_masked():
    user = UserFactory(username="audit-upd", phone="13812345678", full_name="张三")
    user.phone, user.full_name = "13998765432", "张三丰"
    user.save()
    (entry,) = _entries(user, AuditAction.UPDATE)
    assert entry.changes == {
        "before": {"phone": "138****5678", "full_name": "张三"},
        "after": {"phone": "139****5432", "full_name": "张三丰"},
    }


def test_a_save_that_changes_nothing_is_not_an_update():
    user = UserFactory(username="audit-same")
    user.save()
    assert _entries(user, AuditAction.UPDATE) == []


def test_a_password_change_alone_leaves_no_update():
    """The hash is excluded, so changing only it shows no difference to record."""
    user = UserFactory(username="audit-pw")
    user.set_password("another-secret-9")
    user.save()
    assert _entries(user, AuditAction.UPDATE) == []


def test_delete_keeps_the_last_state():
    dept = Department.objects.create(
        division=city(), name="绵阳市审计测试局", short_name="审计", function_key="audit-x"
    )
    pk = dept.pk
    dept.delete()
    (entry,) = AuditEntry.objects.filter(
        object_type="core.Department", object_id=str(pk), action=AuditAction.DELETE
    )
    assert entry.changes["before"]["name"] == "绵阳市审计测试局"
    assert entry.object_repr


def test_unaudited_models_leave_nothing():
    from yingshang.platform.models import ScheduledRun

    before = AuditEntry.objects.count()
    ScheduledRun.objects.create(job="x", slot=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    assert AuditEntry.objects.count() == before
    assert audit.created_entry(ScheduledRun(job="y")) is None


def test_the_context_names_actor_address_and_channel(mianyang):
    actor = StaffFactory(username="audit-actor")
    with audit.audit_context(user=actor, ip="10.0.0.7", channel="api"):
        target = UserFactory(username="audit-target")
        assert audit.current().channel == "api"
    assert audit.current().channel == "system"  # restored
    (entry,) = _entries(target, AuditAction.CREATE)
    assert (entry.actor_id, entry.actor_name, entry.ip, entry.channel) == (
        actor.pk,
        "audit-actor",
        "10.0.0.7",
        "api",
    )
    assert entry.division_path == actor.division.path  # the actor's subtree


def test_without_an_actor_the_channel_is_named_and_the_division_comes_from_the_object():
    with audit.audit_context(channel="import"):
        dept = Department.objects.create(
            division=city(), name="绵阳市无人局", short_name="无人", function_key="audit-y"
        )
    (entry,) = _entries(dept, AuditAction.CREATE)
    assert entry.actor_id is None and entry.actor_name == "import"
    assert entry.division_path == city().path


def test_an_explicit_user_overrides_the_context_and_long_reprs_are_cut():
    actor = StaffFactory(username="audit-explicit")
    with audit.audit_context(user=None, channel="web"):
        audit.record(AuditAction.EXPORT, user=actor, object_type="x", object_repr="长" * 300)
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert entry.actor_id == actor.pk and entry.actor_name == "audit-explicit"
    assert entry.object_repr == "长" * 200


def test_login_logout_and_failed_login(client, rf, mianyang):
    user = UserFactory(username="audit-login")
    client.force_login(user)
    client.logout()
    assert authenticate(rf.post("/login/"), username="audit-login", password="wrong") is None
    logged = AuditEntry.objects.filter(object_type="auth").order_by("id")
    actions = [(e.action, e.object_repr, e.channel) for e in logged]
    assert actions[-3:] == [
        (AuditAction.LOGIN, "audit-login", "web"),
        (AuditAction.LOGOUT, "audit-login", "web"),
        (AuditAction.LOGIN_FAILED, "audit-login", "web"),
    ]
    login = logged.get(action=AuditAction.LOGIN)
    assert login.actor_id == user.pk and login.object_id == str(user.pk)
    failed = logged.get(action=AuditAction.LOGIN_FAILED)
    assert (failed.actor_id, failed.ip) == (None, "127.0.0.1")  # the request's address


def test_a_failed_login_username_is_cut_to_the_column(rf):
    request = rf.post("/login/")
    del request.META["REMOTE_ADDR"]
    authenticate(request, username="x" * 400, password="wrong")
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("id")
    assert entry.object_repr == "x" * 150 and entry.ip is None


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime.date(2026, 1, 2), "2026-01-02"),
        (datetime.time(8, 30), "08:30:00"),
        (decimal.Decimal("1.50"), "1.50"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        ([1, "a"], [1, "a"]),
        (None, None),
        (frozenset(), "frozenset()"),
    ],
)
def test_values_become_json(value, expected):
    assert audit._jsonable(value) == expected


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("phone", "13812345678", "138****5678"),
        ("contact_mobile", "13812345678", "138****5678"),
        ("applicant_code", "510703199001011237", "510703********1237"),
        ("token", "", ""),
        ("token", None, None),
    ],
)
def test_personal_fields_masked_by_their_name(field, value, expected):
    assert audit._mask(field, value) == expected


def test_division_path_of_an_object_follows_its_scope_field():
    dept = Department(division=city())
    assert audit._instance_division_path(dept) == city().path
    assert audit._instance_division_path(User(username="nobody")) == ""  # no division set
    assert audit._instance_division_path(object()) == ""  # not scoped


def test_audit_entries_are_append_only():
    audit.record(AuditAction.EXPORT, object_type="x")
    entry = AuditEntry.objects.latest("id")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="changed")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
