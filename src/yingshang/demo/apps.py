from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Mianyang demo (``yingshang demo``): the top layer, it uses every app and none uses it.
    An app only for its management command; it has no models."""

    name = "yingshang.demo"
    label = "demo"
    verbose_name = "demo"
