import pytest

from tests.accounts import factories


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Codes go to a list instead of a provider; the list is emptied for every test."""
    settings.ACCOUNTS_CODE_SENDER = "tests.accounts.factories.record_sms"
    factories.OUTBOX.clear()
    yield factories.OUTBOX
    factories.OUTBOX.clear()
