"""factory_boy factories of notifications and their deliveries."""

import factory
from factory.django import DjangoModelFactory

from tests.core.factories import HandlerFactory
from yingshang.notifications.models import Delivery, Notification


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(HandlerFactory)
    title = factory.Sequence(lambda n: f"新办件待受理:企业设立登记{n}")
    body = "申请人:绵阳示例科技有限公司"
    link = "/staff/cases/"
    category = "cases"


class DeliveryFactory(DjangoModelFactory):
    """A pending e-mail delivery of a notification."""

    class Meta:
        model = Delivery

    notification = factory.SubFactory(NotificationFactory)
    channel = "email"
    address = factory.Sequence(lambda n: f"handler{n}@mianyang.gov.cn")
