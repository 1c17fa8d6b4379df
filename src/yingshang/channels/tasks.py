"""Background tasks of the WeChat channel (run by `yingshang worker`)."""

from django.tasks import task


@task
def answer_later(openid: str, content: str) -> str:
    """Answer a text command that the callback deferred (``WECHAT_DEFERRED_COMMANDS``) through
    the customer-service message API (``message/custom/send``; allowed for 48 hours after the
    person's message). A refusal by WeChat raises: the task is recorded as failed in the task
    queue (管理后台 → 任务) and logged, never dropped silently."""
    from . import handlers
    from .sender import send_custom_text

    text = handlers.answer_text(content, openid)
    send_custom_text(openid, text)
    return text
