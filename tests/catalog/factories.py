"""factory_boy factories of the catalogue: service items, versions, materials, bundles."""

import datetime
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from tests.core.factories import department
from yingshang.catalog.models import (
    Bundle,
    BundleItem,
    ItemTerm,
    Material,
    ServiceItem,
    ServiceItemVersion,
)

SH = ZoneInfo("Asia/Shanghai")


class ServiceItemFactory(DjangoModelFactory):
    """An item of the city's market bureau (市市场监督管理局) without a current version; use
    ``ItemWithVersionFactory`` for an item an applicant can apply for."""

    class Meta:
        model = ServiceItem
        skip_postgeneration_save = True

    basic_code = factory.Sequence(lambda n: f"0100600{n:05d}")
    implementation_code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.basic_code}{o.department.division.code}{n:06d}"
    )
    name = factory.Sequence(lambda n: f"测试许可事项{n}")
    category = "licensing"
    department = factory.LazyFunction(lambda: department("510700", "market"))
    division = factory.LazyAttribute(lambda o: o.department.division)
    theme = "enterprise"


class ServiceItemVersionFactory(DjangoModelFactory):
    """A committed item (承诺件): legal limit 20, committed 5 working days, fully online."""

    class Meta:
        model = ServiceItemVersion

    item = factory.SubFactory(ServiceItemFactory)
    version = factory.LazyAttribute(lambda o: o.item.versions.count() + 1)
    valid_from = datetime.datetime(2026, 1, 1, tzinfo=SH)
    kind = "committed"
    legal_limit_days = 20
    committed_limit_days = 5
    visits_required = 0
    service_scope = "city"
    legal_basis = "《中华人民共和国行政许可法》"


class MaterialFactory(DjangoModelFactory):
    class Meta:
        model = Material

    version = factory.SubFactory(ServiceItemVersionFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Iterator(["申请书", "营业执照", "法定代表人身份证明", "场所使用证明"])
    requirement = "required"


class ItemWithVersionFactory(ServiceItemFactory):
    """An item whose current version (v1) has two required materials."""

    @factory.post_generation
    def current(obj, create, extracted, **kwargs):
        if not create:
            return
        version = ServiceItemVersionFactory(item=obj, version=1, **kwargs)
        MaterialFactory(version=version, order=1, name="申请书")
        MaterialFactory(version=version, order=2, name="场所使用证明")
        obj.current_version = version
        obj.save(update_fields=["current_version"])


class BundleFactory(DjangoModelFactory):
    """一件事 of the city; ``items=[…]`` attaches items in order."""

    class Meta:
        model = Bundle
        skip_postgeneration_save = True
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"bundle-{n}")
    name = factory.Sequence(lambda n: f"测试一件事{n}")
    division = factory.LazyFunction(lambda: department("510700", "market").division)

    @factory.post_generation
    def items(obj, create, extracted, **kwargs):
        if create and extracted:
            for order, item in enumerate(extracted, start=1):
                BundleItem.objects.create(bundle=obj, item=item, order=order)


class ItemTermFactory(DjangoModelFactory):
    """A search word (俗称 by default) of an item, with its source."""

    class Meta:
        model = ItemTerm

    item = factory.SubFactory(ItemWithVersionFactory)
    term = factory.Sequence(lambda n: f"俗称{n}")
    kind = "colloquial"
    source = "12345 工单(测试)"


def catalog_maintainer(username: str, *, role: str = "clerk", division_code: str = "", **fields):
    """A staff member holding ``catalog.maintain_catalog`` (reloaded, so ``has_perm`` sees it);
    ``division_code`` names the division (else pass ``division=``); ``role=""`` for an
    applicant account that was granted it by mistake."""
    from tests.core.factories import MAINTAIN_CATALOG, grant
    from yingshang.core.models import Division, User

    if division_code:
        fields["division"] = Division.objects.get(code=division_code)
    user = User.objects.create_user(username=username, password="x" * 12, role=role, **fields)
    grant(user, MAINTAIN_CATALOG)
    return User.objects.get(pk=user.pk)
