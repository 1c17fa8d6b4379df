import re
import pytest
from tests.test_crawl import small_world, _Page  # noqa
pytestmark = pytest.mark.django_db

def test_dbg(small_world, client):
    from yingshang.core.models import User
    for role in ("leader", "admin"):
        u = User.objects.filter(role=role).first()
        print(role, u.username, u.is_superuser, u.division_id)
        client.force_login(u)
        r = client.get("/staff/monitoring/")
        html = r.content.decode()
        for m in re.finditer("income_per_capita", html):
            print(html[m.start()-300:m.end()+100])
            break
        links = re.findall(r'href="(/staff/monitoring/drill/[^"]+)"', html)
        print(links[:2])
        r2 = client.get(links[1])
        print(r2.status_code)
    from yingshang.monitoring.models import IndicatorValue
    print(IndicatorValue.objects.count())
