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
