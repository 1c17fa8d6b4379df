"""Input limits (#16 item 4): every string a client may send to the API has a ``maxLength`` and
every list a ``maxItems`` in the OpenAPI schema, and the server holds to them — a longer value is
a 400 on that field, in Chinese (English with Accept-Language: en), and nothing is written.

The schema walk is generated, so a new write endpoint or field without a limit fails here."""

import base64
import json
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from yingshang.appeals.models import QASession
from yingshang.cases import payload
from yingshang.cases.models import Case
from yingshang.platform.api import CODE_MAX, LIST_MAX, NOTE_MAX, CodeRelatedField
from yingshang.platform.uploads import CASE_MATERIAL
from yingshang.registry.models import Enterprise

# strings whose value the schema already bounds: one of a list, a date, a number as text
BOUNDED_FORMATS = {"date", "date-time", "uuid", "binary", "email", "uri", "decimal"}


@pytest.fixture(scope="module")
def schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def _unbounded(schema, node, path, seen=frozenset()):
    """Paths under ``node`` of writable strings without maxLength and arrays without maxItems."""
    components = schema["components"]["schemas"]
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        yield from _unbounded(schema, components[name], path, seen | {name})
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key, []):
            yield from _unbounded(schema, sub, path, seen)
    if node.get("readOnly"):
        return
    kind = node.get("type")
    if kind == "string" and not (
        "maxLength" in node
        or "enum" in node
        or "pattern" in node
        or node.get("format") in BOUNDED_FORMATS
    ):
        yield path
    if kind == "array":
        if "maxItems" not in node:
            yield path + "[]"
        yield from _unbounded(schema, node.get("items", {}), path + "[]", seen)
    for name, sub in node.get("properties", {}).items():
        yield from _unbounded(schema, sub, f"{path}.{name}", seen)


def _request_bodies(schema):
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield f"{method.upper()} {url}", content["schema"]


def test_every_request_field_of_the_schema_has_a_limit(schema):
    bodies = list(_request_bodies(schema))
    # the walk sees the write API (a guard against a schema that lost its request bodies)
    assert len(bodies) > 30
    unbounded = sorted(
        path for operation, body in bodies for path in _unbounded(schema, body, operation)
    )
    assert unbounded == []


def test_the_walk_finds_an_unbounded_string_and_list():
    """The checker itself: a field without a limit is reported, one with a limit is not."""
    schema = {
        "components": {
            "schemas": {
                "X": {
                    "type": "object",
                    "properties": {
                        "free": {"type": "string"},
                        "kept": {"type": "string", "maxLength": 5},
                        "shown": {"type": "string", "readOnly": True},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "day": {"type": "string", "format": "date"},
                    },
                }
            }
        }
    }
    found = list(_unbounded(schema, {"$ref": "#/components/schemas/X"}, "POST /x/"))
    assert found == ["POST /x/.free", "POST /x/.tags[]", "POST /x/.tags[]"]


def test_known_limits_are_in_the_schema(schema):
    components = schema["components"]["schemas"]
    batch = components["CaseBatchRequest"]["properties"]["submissions"]
    assert batch["maxItems"] == 500
    create = components["CaseCreateRequest"]["properties"]
    assert create["materials"]["maxItems"] == CASE_MATERIAL.max_files
    upload = components["MaterialUploadRequest"]["properties"]["content_base64"]
    # the Base64 text of the largest file the upload service accepts, and not more
    assert upload["maxLength"] == 4 * math.ceil(20 * 1024 * 1024 / 3)


@pytest.mark.django_db
def test_an_overlong_session_title_is_a_field_error_and_nothing_is_written(client, mianyang, staff):
    client.force_login(staff["admin"])
    data = {"title": "场" * 121, "date": "2026-11-20", "theme": "营商环境", "venue": "市政务中心"}
    r = client.post("/api/appeals/sessions/", data, content_type="application/json")
    assert r.status_code == 400
    message = r.json()["errors"]["title"][0]
    assert "120" in message and "不能超过" in message
    r = client.post(
        "/api/appeals/sessions/", data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "no more than 120" in r.json()["errors"]["title"][0]
    assert not QASession.objects.exists()


@pytest.mark.django_db
def test_too_many_departments_in_a_list_is_refused(client, mianyang, staff):
    client.force_login(staff["admin"])
    data = {
        "title": "政企面对面",
        "date": "2026-11-20",
        "theme": "营商环境",
        "departments": list(range(1, LIST_MAX + 2)),
    }
    r = client.post("/api/appeals/sessions/", data, content_type="application/json")
    assert r.status_code == 400
    assert str(LIST_MAX) in r.json()["errors"]["departments"][0]
    assert not QASession.objects.exists()


@pytest.mark.django_db
def test_an_overlong_code_is_refused_before_any_query(mianyang):
    from yingshang.core.models import Division

    field = CodeRelatedField(queryset=Division.objects.all())
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(Exception) as raised:
            field.to_internal_value("5" * (CODE_MAX + 1))
    assert str(CODE_MAX) in str(raised.value.detail)
    assert len(queries) == 0
    # a code of the allowed length still resolves
    assert field.to_internal_value("510700").code == "510700"


@pytest.mark.django_db
def test_registry_upsert_refuses_an_overlong_division_code(client, mianyang, staff):
    client.force_login(staff["admin"])
    data = {
        "uscc": "91510700MA6ABCDE0X",
        "name": "绵阳限长测试有限公司",
        "division_code": "5" * (CODE_MAX + 1),
    }
    r = client.post("/api/registry/enterprises/", data, content_type="application/json")
    assert r.status_code == 400
    assert str(CODE_MAX) in r.json()["errors"]["division_code"][0]
    assert not Enterprise.objects.filter(name="绵阳限长测试有限公司").exists()


def _submission(materials):
    return {
        "item": "X",
        "applicant_kind": "person",
        "applicant_code": "510703199001011234",
        "materials": materials,
    }


def test_the_fast_check_and_the_serializer_agree_on_too_many_materials():
    one = {"key": "m1", "filename": "a.pdf", "content_base64": base64.b64encode(b"%PDF").decode()}
    at_limit = _submission([one] * CASE_MATERIAL.max_files)
    assert payload.fast_clean(at_limit) is not None
    over = _submission([one] * (CASE_MATERIAL.max_files + 1))
    assert payload.fast_clean(over) is None  # the serializer words the error
    serializer = payload.CaseCreateSerializer(data=over)
    assert not serializer.is_valid()
    assert "materials" in serializer.errors


@pytest.mark.django_db
def test_a_batch_over_500_is_refused_whole(client, mianyang, staff):
    client.force_login(staff["admin"])
    body = {"submissions": [_submission([])] * 501}
    r = client.post("/api/cases/batch/", body, content_type="application/json")
    assert r.status_code == 400
    assert "500" in json.dumps(r.json(), ensure_ascii=False)
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_an_overlong_transition_note_is_refused_and_the_case_stays(client, staff, submitted):
    """The note of a transition is bounded like every other note (NOTE_MAX)."""
    client.force_login(staff["admin"])
    url = f"/api/cases/{submitted.number}/accept/"
    r = client.post(url, {"note": "注" * (NOTE_MAX + 1)}, content_type="application/json")
    assert r.status_code == 400
    assert str(NOTE_MAX) in r.json()["errors"]["note"][0]
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert submitted.events.count() == 1


@pytest.mark.django_db
def test_a_session_id_that_is_not_a_number_is_404_not_500(client, mianyang, staff):
    """Found by the fuzzer once the schema changed: ``/api/appeals/sessions/false/questions/``
    raised ValueError (Django's get_object_or_404 lets it through; DRF's answers 404)."""
    client.force_login(staff["admin"])
    r = client.post(
        "/api/appeals/sessions/false/questions/",
        {"question": "?", "answering_department": 1},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert r["Content-Type"].startswith("application/problem+json")
