from django.urls import reverse

from yingshang.catalog import services


def _names(response):
    return [i.name for i in response.context["page"].object_list]


def test_home_shows_search_bundles_life_events_and_hooks(client, bundle):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="q"' in html
    assert reverse("catalog:bundle-detail", args=["qiye-kaiban"]) in html
    assert "开办企业" in html and "开办餐馆" in html
    assert 'href="/track/"' in html


def test_search_filters(client, items):
    url = reverse("catalog:service-search")
    assert sorted(_names(client.get(url))) == sorted(i.name for i in items.values())
    assert _names(client.get(url, {"q": "食品"})) == ["食品经营许可"]
    assert _names(client.get(url, {"q": "江油市市场"})) == ["食品经营许可"]
    assert _names(client.get(url, {"division": "510781"})) == ["食品经营许可"]
    dept = items["seal"].department_id
    assert _names(client.get(url, {"department": dept})) == ["公章刻制备案"]
    assert _names(client.get(url, {"department": "abc"})) == []
    assert _names(client.get(url, {"theme": "person"})) == ["个人所得税完税证明开具"]
    assert "个人所得税完税证明开具" not in _names(client.get(url, {"theme": "enterprise"}))
    assert _names(client.get(url, {"event": "开办餐馆"})) == ["食品经营许可"]
    assert _names(client.get(url, {"category": "filing"})) == ["公章刻制备案"]
    assert _names(client.get(url, {"q": "食品", "division": "510700"})) == []


def test_search_paginates(client, items, monkeypatch):
    from yingshang.catalog import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    url = reverse("catalog:service-search")
    first = client.get(url, {"theme": "enterprise"})
    assert first.context["page"].paginator.num_pages == 1
    page2 = client.get(url, {"page": 2})
    assert len(page2.context["page"].object_list) == 1
    assert len(first.context["page"].object_list) == 3
    again = client.get(url, {"theme": "enterprise", "page": "2"})
    assert again.context["querystring"] == "theme=enterprise"  # page links keep the filters
    assert client.get(url, {"page": "abc"}).context["page"].number == 1


def test_guide_page_content(client, items):
    item = items["food"]
    response = client.get(reverse("catalog:service-detail", args=[item.implementation_code]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "食品经营许可申请书",
        "可调用电子证照“营业执照”",
        "20 个工作日",
        "5 个工作日",
        "1 次",
        "网上受理",
        "全市通办",
        "不收费",
        "《中华人民共和国食品安全法》第三十五条",
        "江油市政务服务中心",
        "江油市市场监督管理局",
        "食品经营许可证",
        f'href="/apply/guided/item/{item.implementation_code}/"',
        'href="/track/"',
    ]:
        assert text in html, text
    immediate = client.get(reverse("catalog:service-detail", args=["T-SEAL-510700"]))
    assert "当场办结" in immediate.content.decode()
    fee = client.get(reverse("catalog:service-detail", args=["T-TAX-510700"]))
    assert "10.00 元" in fee.content.decode()


def test_guide_page_404s(client, items):
    assert client.get("/services/NO-SUCH/").status_code == 404
    services.deactivate_item(items["tax"])
    assert client.get("/services/T-TAX-510700/").status_code == 404


def test_bundle_page(client, bundle):
    response = client.get(reverse("catalog:bundle-detail", args=["qiye-kaiban"]))
    html = response.content.decode()
    assert "企业设立登记" in html and "公章刻制备案" in html
    assert 'href="/apply/guided/bundle/qiye-kaiban/"' in html
    assert response.context["limits"]["committed"] == 1
    names = [e["material"].name for e in response.context["materials"]]
    assert names.count("委托书") == 1 and "身份证" in names
    assert client.get("/bundles/none/").status_code == 404
