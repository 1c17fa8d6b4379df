"""``BuiltFieldsMixin`` (platform/api.py): a ModelSerializer's model fields are built once per
class and copied per serializer — the same output as DRF's, no field shared between two
serializers (threads), and a subclass builds its own set."""

import pytest
from rest_framework import serializers

from yingshang.cases.api import CaseDetailSerializer, CaseSerializer
from yingshang.platform.api import BuiltFieldsMixin

pytestmark = pytest.mark.django_db


class PlainCase(serializers.ModelSerializer):
    class Meta:
        model = CaseSerializer.Meta.model
        fields = [f for f in CaseSerializer.Meta.fields if f not in CaseSerializer._declared_fields]
        read_only_fields = fields


class BuiltCase(BuiltFieldsMixin, PlainCase):
    class Meta(PlainCase.Meta):
        pass


def test_the_output_is_drfs_and_each_serializer_has_its_own_fields():
    from tests.cases.factories import CaseFactory

    case = CaseFactory()
    assert BuiltCase(case).data == PlainCase(case).data
    one, two = BuiltCase(case), BuiltCase(case)
    assert one.fields.keys() == two.fields.keys()
    for name in one.fields:
        assert one.fields[name] is not two.fields[name]
        assert one.fields[name].parent is one and two.fields[name].parent is two
    assert "_built_fields" in BuiltCase.__dict__ and "_built_fields" not in PlainCase.__dict__


def test_a_subclass_builds_its_own_fields():
    from tests.cases.factories import CaseFactory

    case = CaseFactory()
    CaseSerializer(case).data  # noqa: B018 - builds the parent's fields first
    detail = CaseDetailSerializer(case).data
    assert {"children", "events", "materials"} <= detail.keys()
    assert "children" not in CaseSerializer(case).data
    assert (
        CaseDetailSerializer.__dict__["_built_fields"]
        is not CaseSerializer.__dict__["_built_fields"]
    )
