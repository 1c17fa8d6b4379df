import email
import socket
from email import policy

import pytest

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


def _smtp(port: int, *, timeout: int) -> dict:
    """The default mailer as settings.py builds it, pointed at 127.0.0.1:port."""
    options = {"host": "127.0.0.1", "port": port, "timeout": timeout}
    options |= {"username": "", "password": "", "use_tls": False, "use_ssl": False}
    return {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    }


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost (aiosmtpd); the default mailer points at it."""
    from aiosmtpd.controller import Controller

    handler = _Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = _smtp(controller.port, timeout=5)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def dead_smtp(settings):
    """The default mailer pointed at a closed port: every connection is refused."""
    settings.MAILERS = _smtp(free_port(), timeout=2)


@pytest.fixture
def user(db, django_user_model):
    return django_user_model.objects.create_user(
        "wangfang", email="wang.fang@example.com", password="x", full_name="王芳"
    )


@pytest.fixture
def other(db, django_user_model):
    return django_user_model.objects.create_user(
        "lisi", email="li.si@example.com", password="x", full_name="李四"
    )


SMS_KEY_ID = "AKIDyingshangTEST0001"
SMS_KEY_SECRET = "yingshang-sms-secret-0123456789"
SMS_SIGN = "绵阳政事"
SMS_APP_ID = "1400787878"


@pytest.fixture
def sms_server():
    """The fake SMS provider (both protocols) on a free local port."""
    from yingshang.notifications.sms.fake_server import FakeSmsServer

    server = FakeSmsServer(
        key_id=SMS_KEY_ID, key_secret=SMS_KEY_SECRET, sign_name=SMS_SIGN, sdk_app_id=SMS_APP_ID
    ).start()
    yield server
    server.stop()


@pytest.fixture(params=["tencent", "aliyun"])
def sms(request, settings, sms_server):
    """SMS configured for one provider (each test runs for both) against the fake server."""
    return configure_sms(settings, sms_server, request.param)


def configure_sms(settings, sms_server, provider: str):
    """Point the SMS settings at the fake server for ``provider``; the server."""
    from yingshang.notifications.sms.fake_server import demo_template_ids

    settings.SMS_PROVIDER = provider
    settings.SMS_ACCESS_KEY_ID = SMS_KEY_ID
    settings.SMS_ACCESS_KEY_SECRET = SMS_KEY_SECRET
    settings.SMS_SIGN_NAME = SMS_SIGN
    settings.SMS_SDK_APP_ID = SMS_APP_ID
    settings.SMS_ENDPOINT = sms_server.endpoint
    settings.SMS_ENDPOINT_SCHEME = "http"
    settings.SMS_TIMEOUT = 5
    settings.SMS_TEMPLATE_IDS = demo_template_ids()
    return sms_server
