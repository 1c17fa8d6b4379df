"""The OpenAPI schema tells the truth: schemathesis fuzzes every operation of ``/api/schema/``
against the Django WSGI app, as the administrator, as a scoped clerk (江油's window clerk, by
token) and anonymously, with the checks

* ``not_a_server_error`` — never a 5xx;
* ``status_code_conformance`` — every status an operation answers is documented;
* ``content_type_conformance`` — the answer's Content-Type is the documented one;
* ``response_schema_conformance`` — the body matches the documented schema.

A few examples per operation keep this inside the suite's time budget (``FUZZ_EXAMPLES``,
default 4, no coverage phase); ``make fuzz`` runs the same test with many more and the
coverage phase (bench/fuzz_api.py). Each run uses
the test database (a throwaway one) and the demo's divisions, departments and staff.
"""

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
ROLES = {"admin": "admin", "clerk": "jiangyou_chuangkou", "anonymous": None}


def _load_schema():
    """The schema ``/api/schema/`` serves, generated in-process (no database needed), with
    the Django WSGI app as the target of every call."""
    from django.core.wsgi import get_wsgi_application
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = get_wsgi_application()
    # the suite: explicit examples and a few generated ones; `make fuzz` adds the coverage phase
    # (every boundary and negative case the schema defines: thousands of requests)
    phases = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")
    loaded.config.phases.update(phases=phases)
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes the database connection after each request (Django's
    ``close_old_connections``); inside a test that would close the test's transaction. Django's
    test client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _headers(role):
    from rest_framework.authtoken.models import Token

    from yingshang.core.models import User

    username = ROLES[role]
    if username is None:
        return {"Accept-Language": "zh-hans"}
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return {"Authorization": f"Token {token.key}", "Accept-Language": "zh-hans"}


def _fuzz(role):
    @schema.parametrize()
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @pytest.mark.django_db
    def test(case, mianyang):
        case.call_and_validate(headers=_headers(role), checks=CHECKS)

    return test


test_api_as_the_administrator = _fuzz("admin")
test_api_as_a_scoped_clerk = _fuzz("clerk")
test_api_anonymously = _fuzz("anonymous")
