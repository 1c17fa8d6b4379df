"""Security headers: Django's Content-Security-Policy (nonce, no inline script), HSTS under
HTTPS, X-Content-Type-Options, Referrer-Policy, Permissions-Policy; no template carries an inline
script or an inline event handler; Swagger UI is served from our own static files."""

import re
from pathlib import Path

import pytest
from django.test import override_settings

import yingshang

SRC = Path(yingshang.__file__).parent


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.django_db
def test_csp_header_with_nonce_and_no_inline_script(client, mianyang, staff):
    client.force_login(staff["jianduyuan"])
    for url in ("/", "/staff/", "/staff/monitoring/", "/api/core/divisions/", "/admin/login/"):
        r = client.get(url)
        csp = directives(r["Content-Security-Policy"])
        assert csp["default-src"] == ["'self'"], url
        assert (
            "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
        )
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Referrer-Policy"] == "same-origin"
        assert "camera=()" in r["Permissions-Policy"]
        assert r["X-Frame-Options"] == "DENY"
    page = client.get("/staff/monitoring/")
    nonce = re.search(r"'nonce-([^']+)'", page["Content-Security-Policy"]).group(1)
    html = page.content.decode()
    assert f'nonce="{nonce}"' in html
    assert len(nonce) >= 16
    # a fresh nonce every response
    assert nonce not in client.get("/staff/monitoring/")["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_no_template_has_an_inline_script_or_handler():
    templates = list(SRC.glob("**/templates/**/*.html"))
    assert len(templates) > 50
    offenders = []
    for t in templates:
        text = t.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            offenders += [(str(t.relative_to(SRC)), m.group(0)) for m in pattern.finditer(text)]
        assert "javascript:" not in text, t
    assert not offenders, offenders


@pytest.mark.django_db
def test_swagger_ui_is_local_and_needs_no_inline_script(client, staff):
    client.force_login(staff["admin"])
    html = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert len(sources) == 3
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert not INLINE_SCRIPT.search(html)
    script = client.get(sources[-1].replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_hsts_and_redirect_when_served_over_https(client, mianyang):
    from django.test import Client

    assert "Strict-Transport-Security" not in client.get("/", secure=True)
    with override_settings(
        SECURE_HSTS_SECONDS=31536000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_SSL_REDIRECT=True,
    ):
        client = Client()  # SecurityMiddleware reads its settings when it is built
        r = client.get("/", secure=True)
        assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        plain = client.get("/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")


def test_production_settings_pass_check_deploy(tmp_path):
    """`yingshang check --deploy` with the production environment (README) reports no
    security warning."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "HTTPS": "1",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "yingshang.example.gov.cn",
        "SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-entropy-8f3a",
        "YINGSHANG_VAR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [
            str(Path(sys.executable).with_name("yingshang")),
            "check",
            "--deploy",
            "--tag",
            "security",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "security." not in out.stdout + out.stderr, out.stdout + out.stderr
