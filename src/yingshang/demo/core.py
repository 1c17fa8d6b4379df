"""Demo of the organisation and the calendar: the Mianyang divisions, departments, demo staff
and the working-day calendar 2019 … next year."""

import datetime

from django.db import transaction

from yingshang.core.models import Department, DepartmentKind, Division, DivisionLevel, Role, User
from yingshang.core.services import save_department, save_division
from yingshang.demo.data import mianyang as data
from yingshang.workdays.services import library_has_arrangement, seed_year_from_library

from .framework import Tally, demo_step, extra_logins


@demo_step(10, "divisions and departments")
@transaction.atomic
def load_core(options, tally: Tally, out):
    province, s = save_division(
        code=data.PROVINCE[0],
        name=data.PROVINCE[1],
        level=DivisionLevel.PROVINCE,
        parent=None,
        name_en=data.PROVINCE[2],
    )
    tally.add("divisions", s)
    city, s = save_division(
        code=data.CITY[0],
        name=data.CITY[1],
        level=DivisionLevel.CITY,
        parent=province,
        name_en=data.CITY[2],
    )
    tally.add("divisions", s)
    for code, name, name_en in data.MANAGEMENT_AREAS:
        _, s = save_division(
            code=code,
            name=name,
            level=DivisionLevel.COUNTY,
            parent=city,
            is_management_area=True,
            name_en=name_en,
        )
        tally.add("divisions", s)

    def dept(name, division, kind=DepartmentKind.GOVERNMENT, key="", name_en=""):
        _, s = save_department(
            name=name, division=division, kind=kind, function_key=key, name_en=name_en
        )
        tally.add("departments", s)

    for key, name, _suffix, kind, name_en in data.CITY_DEPARTMENTS:
        dept(name, city, kind, key, name_en)
    dept("市" + data.HALL_NAME, city, DepartmentKind.HALL, "hall", "City Government Service Centre")

    for code, name, name_en, townships in data.COUNTIES:
        county, s = save_division(
            code=code, name=name, level=DivisionLevel.COUNTY, parent=city, name_en=name_en
        )
        tally.add("divisions", s)
        for key, _name, suffix, kind, dept_en in data.CITY_DEPARTMENTS:
            if suffix:
                dept(name + suffix, county, kind, key, f"{name_en} {dept_en}")
        dept(
            name + data.HALL_NAME,
            county,
            DepartmentKind.HALL,
            "hall",
            f"{name_en} Government Service Centre",
        )
        for i, (suffix, tname, villages) in enumerate(townships):
            township, s = save_division(
                code=f"{code}{suffix}000", name=tname, level=DivisionLevel.TOWNSHIP, parent=county
            )
            tally.add("divisions", s)
            dept(tname + "便民服务中心", township, DepartmentKind.SERVICE_CENTRE, "service_centre")
            for j, vname in enumerate(villages):
                vcode = f"{code}{suffix}{(1 if j == 0 else 200) + i:03d}"
                village, s = save_division(
                    code=vcode, name=vname, level=DivisionLevel.VILLAGE, parent=township
                )
                tally.add("divisions", s)
                dept(vname + "便民服务站", village, DepartmentKind.SERVICE_POINT, "service_point")


@demo_step(20, "demo staff")
@transaction.atomic
def load_staff(options, tally: Tally, out):
    for username, full_name, role, div_code, dept_key in data.DEMO_STAFF:
        division = Division.objects.get(code=div_code)
        department = None
        if dept_key:
            department = Department.objects.get(division=division, function_key=dept_key)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            status = "created"
        else:
            status = "unchanged"
        values = {
            "full_name": full_name,
            "role": role,
            "division": division,
            "department": department,
            # the Django admin is for superusers only (docs/security.md)
            "is_staff": role == Role.ADMIN,
            "is_superuser": role == Role.ADMIN,
        }
        if any(getattr(user, k) != v for k, v in values.items()) and status != "created":
            status = "updated"
        for k, v in values.items():
            setattr(user, k, v)
        if status == "created":
            user.set_password(data.DEMO_PASSWORD)
        if status != "unchanged":
            user.save()
        tally.add("staff", status)
    load_groups(tally)


def load_groups(tally: Tally) -> None:
    """The maintainer groups (data.DEMO_GROUPS): each holds one permission; members are set
    exactly as listed (a rerun changes nothing)."""
    from django.contrib.auth.models import Group, Permission

    for name, perm, members in data.DEMO_GROUPS:
        app_label, codename = perm.split(".")
        group, created = Group.objects.get_or_create(name=name)
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        changed = created or not group.permissions.filter(pk=permission.pk).exists()
        group.permissions.set([permission])
        wanted = set(User.objects.filter(username__in=members).values_list("pk", flat=True))
        if set(group.user_set.values_list("pk", flat=True)) != wanted:
            group.user_set.set(wanted)
            changed = True
        tally.add("groups", "created" if created else ("updated" if changed else "unchanged"))


def demo_years(today: datetime.date | None = None) -> range:
    today = today or datetime.date.today()
    return range(2019, today.year + 2)


@demo_step(30, "working-day calendar")
def demo_seed_calendar(options, tally, out):
    """Demo step: seed 2019..next year from the library; years whose State Council arrangement
    the library carries are confirmed, later ones stay provisional. Idempotent."""
    for year in demo_years():
        result = seed_year_from_library(year, confirm=library_has_arrangement(year))
        status = result.status if result.status != "conflict" else "unchanged"
        tally.add("calendar years", status)
        tally.add("calendar days", "created", result.created)
        tally.add("calendar days", "updated", result.updated)
        if result.deleted:  # days entered by hand in a provisional year, not in the library
            tally.add("calendar days", "deleted", result.deleted)
        if result.message and out is not None and not options.get("quiet"):
            out.write(result.message)


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, password, role label, where) for the command's closing table."""
    rows = []
    for username in [row[0] for row in data.DEMO_STAFF] + extra_logins():
        user = (
            User.objects.filter(username=username).select_related("division", "department").first()
        )
        if user is None:
            continue
        where = user.department.name if user.department else user.division.name
        role = " · ".join(
            [str(user.get_role_display()), *user.groups.values_list("name", flat=True)]
        )
        rows.append((username, data.DEMO_PASSWORD, role, where))
    return rows
