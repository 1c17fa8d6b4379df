"""A task's 关联指标 are shown in words (reforms/labels.py, ``reforms.indicator``), in Chinese
and in English; a key a city imported that is not one of the evaluation's indicators is shown
as written."""

import pytest

from tests.reforms.factories import TaskFactory
from yingshang.platform.labels import label

pytestmark = pytest.mark.django_db


def test_the_evaluations_indicators_have_words():
    assert label("reforms.indicator", "starting_business") == "开办企业"
    assert label("reforms.indicator", "getting_water_gas") == "获得用水用气"
    assert label("reforms.indicator", "a_city_key") == "a_city_key"


def test_the_task_page_shows_indicator_names_not_keys(mianyang, staff, login):
    task = TaskFactory(indicator_keys=["starting_business", "paying_taxes", "本市自定指标"])
    login(staff["jianduyuan"])
    from django.test import Client

    client = Client()
    client.force_login(staff["jianduyuan"])
    text = client.get(f"/staff/reforms/tasks/{task.pk}/").content.decode()
    assert "开办企业、纳税、本市自定指标" in text
    assert "starting_business" not in text and "paying_taxes" not in text
    english = client.get(f"/staff/reforms/tasks/{task.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Starting a business、Paying taxes" in english.content.decode()
