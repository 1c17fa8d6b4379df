"""Translations: every catalogue under src/yingshang is complete and compiled, and English
requests get English pages, validation errors and API messages."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

SRC = Path(__file__).resolve().parent.parent / "src" / "yingshang"
CATALOGUES = sorted(SRC.glob("**/locale/*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file (obsolete ``#~`` entries left out): msgctxt, msgid, msgid_plural,
    msgstr (a list: one string, or one per plural form) and flags."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry:  # a comment starts the next entry
                finish()
                entry = None
            entry = entry or {"flags": set(), "msgstr": {}}
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        keyword, _sep, rest = line.partition(" ")
        if line.startswith('"'):
            value = _unquote(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
            continue
        if keyword in ("msgctxt", "msgid") and entry is not None and "msgid" in entry:
            finish()
            entry = None
        entry = entry or {"flags": set(), "msgstr": {}}
        if keyword.startswith("msgstr"):
            field = int(keyword[7:-1]) if "[" in keyword else 0
            entry["msgstr"][field] = _unquote(rest)
        else:
            field = keyword
            entry[field] = _unquote(rest)
    finish()
    for e in entries:
        e["msgstr"] = [e["msgstr"][i] for i in sorted(e["msgstr"])]
    return entries


def _key(entry: dict) -> str:
    ctx = entry.get("msgctxt")
    return f"{ctx}\x04{entry['msgid']}" if ctx is not None else entry["msgid"]


def _ids(paths):
    return [str(p.relative_to(SRC)) for p in paths]


def test_catalogues_are_found():
    names = _ids(CATALOGUES)
    for app in ("core", "notifications", "registry", "catalog"):
        assert f"{app}/locale/en/LC_MESSAGES/django.po" in names
    assert "locale/en/LC_MESSAGES/django.po" in names  # LOCALE_PATHS: project templates


def test_po_parser_reads_plurals_context_and_continuations(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "%(n)s 个"\nmsgid_plural "%(n)s 个"\n'
        'msgstr[0] "%(n)s thing"\nmsgstr[1] ""\n"%(n)s things"\n\n'
        'msgctxt "级"\nmsgid "市"\nmsgstr ""\n\n'
        '#~ msgid "旧"\n#~ msgstr "old"\n',
        encoding="utf-8",
    )
    header, plural, ctx = parse_po(po)
    assert header["msgid"] == "" and header["msgstr"] == ["Language: en\n"]
    assert plural["msgstr"] == ["%(n)s thing", "%(n)s things"]
    assert "python-format" in plural["flags"]
    assert _key(ctx) == "级\x04市" and ctx["msgstr"] == [""]


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_ids(CATALOGUES))
def test_catalogue_is_complete(po_path):
    entries = parse_po(po_path)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "", "the header must come first"
    assert "fuzzy" not in header["flags"], "fuzzy header: msgfmt would ignore it"
    assert "Plural-Forms:" in header["msgstr"][0]
    assert messages, "empty catalogue"
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:10]}"
    for e in messages:
        if "python-format" not in e["flags"]:
            continue
        sources = [e["msgid"]] + ([e["msgid_plural"]] if "msgid_plural" in e else [])
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for msgstr in e["msgstr"]:
            named = {p for p in wanted if p.startswith("%(")}
            assert named <= set(PLACEHOLDER.findall(msgstr)), (e["msgid"], msgstr)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_ids(CATALOGUES))
def test_compiled_catalogue_matches_po(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.relative_to(SRC)} missing: run scripts/messages"
    with mo_path.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)._catalog
    mo = {}
    for key, value in compiled.items():
        msgid, form = key if isinstance(key, tuple) else (key, 0)
        if msgid:
            mo.setdefault(msgid, {})[form] = value
    po = {_key(e): e["msgstr"] for e in parse_po(po_path)[1:] if all(e["msgstr"])}
    assert len(mo) == len(po), f"{mo_path.name}: {len(mo)} messages, .po has {len(po)}"
    stale = [
        k for k, forms in po.items() if [mo.get(k, {}).get(i) for i in range(len(forms))] != forms
    ]
    assert not stale, f"{mo_path.name} is older than the .po for: {stale[:10]}"


def test_every_app_with_strings_has_an_english_catalogue():
    marker = re.compile(r"gettext|{% (?:translate|blocktranslate|trans|blocktrans)\b")
    missing = []
    for apps_py in sorted(SRC.glob("*/apps.py")):
        app = apps_py.parent
        sources = [*app.rglob("*.py"), *app.rglob("*.html")]
        if any(marker.search(p.read_text(encoding="utf-8")) for p in sources):
            if not (app / "locale/en/LC_MESSAGES/django.po").exists():
                missing.append(app.name)
    assert not missing, f"apps without locale/en/LC_MESSAGES/django.po: {missing}"


# English responses ------------------------------------------------------------------------


def test_login_page_follows_accept_language(client, db):
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english
    assert "Staff login" in english and "Password" in english and "Log in" in english
    assert "工作人员登录" not in english
    chinese = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "工作人员登录" in chinese and "Staff login" not in chinese
    default = client.get("/login/").content.decode()  # no header: zh-hans is the default
    assert "工作人员登录" in default


def test_failed_login_message_in_english(client, staff):
    response = client.post(
        "/login/",
        {"username": "admin", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Wrong username or password" in response.content.decode()


def test_language_selector_switches_workbench_to_english(client, staff, login):
    client = login(staff["chuangkou"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    page = client.get("/staff/").content.decode()
    assert "Workbench" in page and "Working-day calendar" in page and "Log out" in page
    assert "工作台" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/staff/"})
    assert "工作台" in client.get("/staff/").content.decode()


def test_portal_home_in_english(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mianyang Online Service Hall" in page and "Services for individuals" in page
    assert "绵阳市网上办事大厅" not in page and "个人办事" not in page


def test_save_division_errors_in_english(mianyang):
    from yingshang.core import services
    from yingshang.core.models import Division, DivisionLevel

    def errors(language, **values):
        """The field errors of save_division, rendered while ``language`` is active (some
        messages are lazy)."""
        with translation.override(language):
            try:
                services.save_division(**values)
            except ValidationError as exc:
                return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        raise AssertionError("save_division accepted bad values")

    sichuan = Division.objects.get(code="510000")
    bad_code = {"code": "5107001", "name": "Bad", "level": DivisionLevel.CITY, "parent": sichuan}
    assert errors("en", **bad_code)["code"] == [
        'The division code "5107001" is malformed: a City code must be 6 digits, '
        "the last 2 being 0."
    ]
    assert errors("zh-hans", **bad_code)["code"] == [
        "区划代码“5107001”格式错误：市级应为6位数字，后2位为0。"
    ]
    orphan = {"code": "510800", "name": "Orphan", "level": DivisionLevel.CITY, "parent": None}
    assert errors("en", **orphan)["parent"] == [
        "Every division except a province must have a parent division."
    ]
    assert errors("zh-hans", **orphan)["parent"] == ["除省级外，区划必须有上级区划。"]
    assert not Division.objects.filter(code__in=["5107001", "510800"]).exists()


def test_division_csv_import_errors_in_english(mianyang):
    from yingshang.core import services
    from yingshang.core.models import Division

    csv = "code,name,level,parent_code\n,无代码,city,510000\n510899,某县,planet,519999\n"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.import_divisions_csv(csv)
    assert refused.value.messages == [
        "Row 2: code: the division code must not be empty",
        'Row 3: level: unknown level "planet" (expected province/city/county/township/village)'
        ";parent_code: the parent division 519999 does not exist",
    ]
    with translation.override("en"), pytest.raises(ValidationError) as columns:
        services.import_divisions_csv("code,name\n510899,某县\n")
    assert columns.value.messages == ["Row 1: Missing columns: level, parent_code"]
    assert not Division.objects.filter(code="510899").exists()


def test_api_404_in_english(staff, login):
    client = login(staff["chuangkou"])
    english = client.get("/api/core/divisions/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404
    assert english.json()["detail"] == "Not found."
    chinese_missing = client.get("/api/core/divisions/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese_missing.json()["detail"] == "未找到。"
    page = client.get("/api/core/divisions/", {"page": 999}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400 and page.json()["errors"]["page"] == ["Invalid page."]
    chinese = client.get("/api/core/divisions/", {"page": 999}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 400
    assert re.search(r"[\u4e00-\u9fff]", chinese.json()["detail"]), chinese.json()


def test_api_400_in_english(staff, login):
    from tests.core.factories import MAINTAIN_CATALOG, grant
    from yingshang.catalog.models import ServiceItem
    from yingshang.core.models import Department

    grant(staff["chengban"], MAINTAIN_CATALOG)  # catalog maintenance is a permission
    client = login(staff["chengban"])  # city market handler
    market = Department.objects.get(division__code="510700", function_key="market")
    payload = {
        "implementation_code": "I18N-1",
        "basic_code": "0100",
        "name": "接口新增事项",
        "category": "licensing",
        "department": market.pk,
        "kind": "committed",
        "legal_limit_days": 10,
        "committed_limit_days": 11,
    }
    response = client.post(
        "/api/catalog/items/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["committed_limit_days"] == [
        "The committed time limit (11 working days) cannot exceed the statutory time limit "
        "(10 working days)."
    ]
    missing = client.post(
        "/api/catalog/items/",
        {k: v for k, v in payload.items() if k != "name"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert missing.status_code == 400
    assert missing.json()["name"] == ["This field is required."]
    chinese = client.post(
        "/api/catalog/items/",
        payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "不能超过法定办结时限" in chinese.json()["committed_limit_days"][0]
    assert not ServiceItem.objects.filter(implementation_code="I18N-1").exists()
