import pytest
from django.contrib.auth.hashers import get_hasher
from django.urls import reverse

from yingshang.core.models import Department, Division
from yingshang.core.services import save_department
from yingshang.platform import audit
from yingshang.platform.models import AuditAction, AuditEntry

PASSWORD = "mianyang2019!"


def test_create_update_delete_are_audited_with_before_after(staff):
    actor = staff["admin"]
    division = Division.objects.get(code="510781")
    with audit.audit_context(user=actor, ip="10.1.2.3", channel="web"):
        dept, status = save_department(name="江油市测试局", division=division, function_key="t1")
        assert status == "created"
        dept.short_name = "测试局"
        dept.save()
        pk = dept.pk
        dept.delete()
    entries = list(
        AuditEntry.objects.filter(object_type="core.Department", object_id=str(pk)).order_by("id")
    )
    assert [e.action for e in entries] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.DELETE,
    ]
    created, updated, deleted = entries
    assert created.actor == actor and created.ip == "10.1.2.3" and created.channel == "web"
    assert created.changes["after"]["name"] == "江油市测试局"
    assert updated.changes == {"before": {"short_name": ""}, "after": {"short_name": "测试局"}}
    assert deleted.changes["before"]["function_key"] == "t1"
    assert created.division_path == actor.division.path


def test_saving_without_change_writes_no_entry(mianyang):
    dept = Department.objects.first()
    before = AuditEntry.objects.count()
    dept.save()
    assert AuditEntry.objects.count() == before


def test_personal_fields_masked_and_password_never_stored(staff):
    user = staff["chengban"]
    user.phone = "13812345678"
    user.set_password("another-Secret-99")
    user.save()
    entry = AuditEntry.objects.filter(object_type="core.User", object_id=str(user.pk)).latest("id")
    assert entry.changes["after"]["phone"] == "138****5678"
    assert "password" not in entry.changes["after"] and "password" not in entry.changes["before"]


def test_audit_entries_cannot_be_changed_or_deleted(mianyang):
    entry = AuditEntry.objects.first()
    entry.object_repr = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(object_repr="x")


def test_admin_offers_no_audit_edit(client, staff):
    client.force_login(staff["admin"])
    entry = AuditEntry.objects.first()
    assert client.get("/admin/platform/auditentry/add/").status_code == 403
    response = client.post(f"/admin/platform/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_api_read_only_and_for_supervisors(client, staff):
    client.force_login(staff["chuangkou"])
    assert client.get("/api/core/audit/").json()["count"] == 0
    client.force_login(staff["jianduyuan"])
    data = client.get("/api/core/audit/").json()
    assert data["count"] > 0
    first = data["results"][0]["id"]
    assert client.delete(f"/api/core/audit/{first}/").status_code == 405


def test_login_logout_and_failure_are_audited(client, staff):
    url = reverse("core:login")
    client.post(url, {"username": "chengban", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("id")
    assert failed.object_repr == "chengban" and failed.ip == "10.9.9.9"
    response = client.post(url, {"username": "chengban", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("core:workbench")
    login = AuditEntry.objects.filter(action=AuditAction.LOGIN).latest("id")
    assert login.actor == staff["chengban"]
    client.post(reverse("core:logout"))
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=staff["chengban"]).exists()


def test_lockout_after_repeated_failures(client, staff, settings):
    url = reverse("core:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "kezhang", "password": "wrong"})
    response = client.post(url, {"username": "kezhang", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_not_reachable_anonymously(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_production_hasher_is_argon2():
    from django.conf import settings as dj_settings

    # The test suite swaps in a fast hasher; the real settings module must put argon2 first.
    from yingshang import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert get_hasher("argon2").algorithm == "argon2"
    assert (
        dj_settings.SESSION_COOKIE_AGE <= 8 * 3600 and dj_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    )


def test_session_expires(client, staff, settings):
    client.force_login(staff["chengban"])
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 302


def test_failed_logins_limited_per_username_across_addresses(client, staff):
    """Axes locks a username at one address after 5 failures; a botnet spreading guesses over
    addresses meets the second limit: 20 failures per username, then 429 (audited), even with
    the right password."""
    url = reverse("core:login")
    for i in range(20):
        r = client.post(
            url, {"username": "kezhang", "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{i + 1}"
        )
        assert r.status_code == 200
    r = client.post(
        url, {"username": "kezhang", "password": PASSWORD}, REMOTE_ADDR="198.51.100.250"
    )
    assert r.status_code == 429 and int(r["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="ratelimit.blocked", object_id="login").exists()
    # another account from a fresh address still logs in
    r = client.post(url, {"username": "chengban", "password": PASSWORD}, REMOTE_ADDR="192.0.2.3")
    assert r.status_code == 302


def test_failed_logins_limited_per_address_across_usernames(client, staff):
    url = reverse("core:login")
    for i in range(20):
        client.post(url, {"username": f"nobody{i}", "password": "wrong"}, REMOTE_ADDR="203.0.113.8")
    r = client.post(url, {"username": "chengban", "password": PASSWORD}, REMOTE_ADDR="203.0.113.8")
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session


def test_axes_lockout_is_audited(client, staff, settings):
    url = reverse("core:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "kezhang", "password": "wrong"})
    entry = AuditEntry.objects.filter(action="ratelimit.blocked", object_id="login.axes").get()
    assert entry.changes["target"] == "kezhang"
