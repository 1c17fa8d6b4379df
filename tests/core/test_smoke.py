from django.urls import reverse


def test_demo_creates_mianyang(mianyang):
    from yingshang.core.models import Department, Division

    city = Division.objects.get(code="510700")
    assert city.name == "绵阳市"
    assert Division.objects.filter(parent=city, is_management_area=False).count() == 9
    assert Department.objects.filter(division=city).count() >= 25


def test_staff_pages_require_login(client, db):
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
