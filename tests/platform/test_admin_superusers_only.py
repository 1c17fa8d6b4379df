"""Admin (#16 item 7): the Django admin is for superusers only (docs/security.md, "Admin").
Every registered ModelAdmin, by role: staff — even with ``is_staff`` set, as a supervisor had
when 13 admin lists showed the whole city — are sent to the login page and change nothing;
a superuser gets the pages."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.core.factories import ROLE_FACTORIES
from yingshang.core.models import Role
from yingshang.platform.models import AuditEntry

MODEL_ADMINS = sorted((m._meta.app_label, m._meta.model_name) for m in admin.site._registry)


def _staff(role):
    user = ROLE_FACTORIES[role]()
    user.is_staff = True  # "given admin access": still not enough
    user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_staff_of_every_role_are_kept_out_of_every_admin_page(mianyang, client, role):
    client.force_login(_staff(role))
    assert client.get("/admin/").status_code == 302
    for app_label, model_name in MODEL_ADMINS:
        changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
        r = client.get(changelist)
        assert r.status_code == 302 and "/admin/login/" in r["Location"], changelist
        before = AuditEntry.objects.count()
        add = reverse(f"admin:{app_label}_{model_name}_add")
        r = client.post(add, {"name": "越权", "code": "999999"})
        assert r.status_code == 302 and "/admin/login/" in r["Location"], add
        assert AuditEntry.objects.count() == before


def test_a_superuser_gets_every_admin_list(mianyang, client, staff):
    su = staff["admin"]
    assert su.is_superuser
    client.force_login(su)
    for app_label, model_name in MODEL_ADMINS:
        r = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        assert r.status_code == 200, (app_label, model_name)


def test_the_demo_gives_admin_access_to_superusers_only(mianyang, staff):
    assert {u.username for u in staff.values() if u.is_staff} == {
        u.username for u in staff.values() if u.is_superuser
    }


def test_the_workbench_links_the_admin_for_superusers_only(mianyang, client, staff):
    client.force_login(staff["jianduyuan"])
    assert 'href="/admin/"' not in client.get("/staff/").content.decode()
    client.force_login(staff["admin"])
    assert 'href="/admin/"' in client.get("/staff/").content.decode()
