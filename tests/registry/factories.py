"""factory_boy factories of the registry: enterprises, persons, licence types, e-licences.
Every USCC and ID number carries its computed check character (tests.core.factories)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from tests.core.factories import (
    TRADES,
    DepartmentFactory,
    mobile,
    person_name,
    ric_for,
    uscc_for,
)
from yingshang.core.models import Division
from yingshang.registry.models import ELicence, Enterprise, LicenceType, Person


def _division(code):
    return Division.objects.get(code=code)


class EnterpriseFactory(DjangoModelFactory):
    """A company of 涪城区 (绵阳市涪城区XX科技有限公司)."""

    class Meta:
        model = Enterprise
        django_get_or_create = ("uscc",)

    class Params:
        division_code = "510703"

    uscc = factory.LazyAttributeSequence(lambda o, n: uscc_for(o.division_code, 6_100_000 + n))
    name = factory.LazyAttributeSequence(
        lambda o, n: f"{o.division.name}示例{TRADES[n % len(TRADES)]}有限公司{n}"
    )
    legal_representative = factory.Sequence(person_name)
    phone = factory.Sequence(lambda n: mobile(2000 + n))
    address = factory.Sequence(lambda n: f"绵阳市涪城区临园路{n + 1}号")
    division = factory.LazyAttribute(lambda o: _division(o.division_code))
    established_on = datetime.date(2020, 3, 18)


class PersonFactory(DjangoModelFactory):
    """A natural person born in 涪城区 (ID number with a valid check character)."""

    class Meta:
        model = Person
        django_get_or_create = ("id_number",)

    class Params:
        division_code = "510703"
        birth = "19930615"

    id_number = factory.LazyAttributeSequence(lambda o, n: ric_for(o.division_code, o.birth, n))
    name = factory.Sequence(person_name)
    phone = factory.Sequence(lambda n: mobile(3000 + n))
    division = factory.LazyAttribute(lambda o: _division(o.division_code))


class LicenceTypeFactory(DjangoModelFactory):
    class Meta:
        model = LicenceType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"lt{n:03d}")
    name = factory.Sequence(lambda n: f"测试证照{n}")
    holder_kind = "any"


class BusinessLicenceTypeFactory(LicenceTypeFactory):
    code = "yyzz"
    name = "营业执照"
    holder_kind = "enterprise"


class ELicenceFactory(DjangoModelFactory):
    """A valid e-licence of an enterprise issued by the city's market bureau."""

    class Meta:
        model = ELicence

    licence_type = factory.SubFactory(LicenceTypeFactory)
    number = factory.Sequence(lambda n: f"5107002026{n:06d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    person = None
    issuer = factory.LazyFunction(
        lambda: DepartmentFactory(division=_division("510700"), name="绵阳市市场监督管理局")
    )
    issued_on = datetime.date(2026, 1, 5)
    status = ELicence.Status.VALID
