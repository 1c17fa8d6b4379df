"""WeChat's 5-second rule: a command listed in WECHAT_DEFERRED_COMMANDS is not worked out in the
callback — the callback answers "success" at once and queues the work; the task answers through
the customer-service message API (``message/custom/send`` on the fake WeChat server, over HTTP)."""

import time

import pytest
from django.tasks import default_task_backend

from yingshang.channels import tasks

from .conftest import OPENID, content_of, text_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def dummy_tasks(settings):
    """A task backend that only keeps what was enqueued (the worker would run it later)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def customs(fake) -> list[dict]:
    return [m for m in fake.received if m["kind"] == "custom"]


def test_a_deferred_search_answers_success_at_once_and_queues_the_work(
    phone, fake, catalog, settings, dummy_tasks, django_capture_on_commit_callbacks
):
    settings.WECHAT_DEFERRED_COMMANDS = ["search"]
    with django_capture_on_commit_callbacks(execute=True):
        started = time.monotonic()
        r = phone.encrypted(text_xml("营业执照"))
        took = time.monotonic() - started
    assert r.status_code == 200 and r.content == b"success"  # no passive reply to wait for
    assert took < 5
    assert customs(fake) == []  # nothing worked out or sent inside the callback
    [result] = default_task_backend.results
    assert result.task.func is tasks.answer_later.func
    assert result.args == [OPENID, "营业执照"]
    # the worker runs it: the answer reaches the person as a customer-service message
    answer = tasks.answer_later.call(*result.args)
    [sent] = customs(fake)
    assert sent["touser"] == OPENID and sent["msgtype"] == "text"
    assert sent["text"]["content"] == answer and "营业执照" in answer


def test_other_commands_still_answer_in_the_reply(phone, fake, settings, submitted):
    settings.WECHAT_DEFERRED_COMMANDS = ["search"]
    r = phone.encrypted(text_xml(f"查询 {submitted.number} {submitted.lookup_code}"))
    assert submitted.number in content_of(phone.reply_of(r))
    assert customs(fake) == []


def test_end_to_end_through_the_queue(
    phone, fake, catalog, settings, django_capture_on_commit_callbacks
):
    """With the tests' immediate task backend the queued answer is sent when the callback's
    transaction commits."""
    settings.WECHAT_DEFERRED_COMMANDS = ["search", "my_cases"]
    with django_capture_on_commit_callbacks(execute=True):
        assert phone.encrypted(text_xml("我的办件")).content == b"success"
    [sent] = customs(fake)
    assert "绑定" in sent["text"]["content"]


def test_a_refused_customer_service_message_fails_loudly(phone, fake, catalog):
    """WeChat refuses (45015: the person wrote more than 48 hours ago): the task raises, so
    the queue records it as failed instead of dropping it."""
    from wechatpy.exceptions import WeChatClientException

    fake.fail("/cgi-bin/message/custom/send", 45015)
    with pytest.raises(WeChatClientException) as exc:
        tasks.answer_later.call(OPENID, "营业执照")
    assert exc.value.errcode == 45015
    assert customs(fake) == []
