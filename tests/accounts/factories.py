"""factory_boy factories of the accounts app, and a recording SMS sender for the codes."""

import factory
from factory.django import DjangoModelFactory

from tests.core.factories import mobile, person_name
from yingshang.accounts.models import Account, AccountKind
from yingshang.core.models import User

PASSWORD = "Mianyang-Test-2026"
OUTBOX: list[dict] = []


def record_sms(*, phone, template, values):
    """ACCOUNTS_CODE_SENDER in tests: keeps what would have been sent."""
    OUTBOX.append({"phone": phone, "template": template, "values": dict(values)})
    return None


def failing_sms(*, phone, template, values):
    from yingshang.notifications.public import SmsError

    raise SmsError("LimitExceeded", "provider refused")


def last_code(phone: str) -> str:
    for message in reversed(OUTBOX):
        if message["phone"] == phone:
            return message["values"]["code"]
    raise AssertionError(f"no code sent to {phone}")


class ApplicantUserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: mobile(5000 + n))
    full_name = factory.Sequence(person_name)
    phone = factory.LazyAttribute(lambda o: o.username)
    role = ""
    password = factory.django.Password(PASSWORD)


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    user = factory.SubFactory(ApplicantUserFactory)
    kind = AccountKind.PERSON
    phone = factory.LazyAttribute(lambda o: o.user.phone)
    phone_verified_at = factory.Faker("date_time", tzinfo=__import__("datetime").UTC)
