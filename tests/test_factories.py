"""Every app's factories make rows that pass model validation, with valid identifiers and the
relations the domain expects."""

import pytest
from stdnum.cn import ric, uscc

from tests.accounts.factories import AccountFactory
from tests.appeals.factories import AppealFactory, ClosedAppealFactory, CommitmentFactory
from tests.cases.factories import CaseFactory, CompletedCaseFactory
from tests.catalog.factories import BundleFactory, ItemWithVersionFactory
from tests.evaluations.factories import EvaluationFactory, rectification
from tests.monitoring.factories import CityFigureFactory, FactFactory, IndicatorValueFactory
from tests.notifications.factories import DeliveryFactory
from tests.reforms.factories import MilestoneFactory, ProgressReportFactory, TaskFactory
from tests.registry.factories import (
    BusinessLicenceTypeFactory,
    ELicenceFactory,
    EnterpriseFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = [
    EnterpriseFactory,
    PersonFactory,
    ELicenceFactory,
    ItemWithVersionFactory,
    CaseFactory,
    CompletedCaseFactory,
    AppealFactory,
    ClosedAppealFactory,
    CommitmentFactory,
    EvaluationFactory,
    TaskFactory,
    MilestoneFactory,
    ProgressReportFactory,
    DeliveryFactory,
    IndicatorValueFactory,
    FactFactory,
    CityFigureFactory,
    AccountFactory,
]


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_rows_pass_model_validation(mianyang, factory_class):
    obj = factory_class()
    obj.full_clean()
    second = factory_class()
    assert second.pk != obj.pk or factory_class._meta.django_get_or_create


def test_registry_identifiers_are_valid(mianyang):
    enterprises = EnterpriseFactory.create_batch(5)
    assert all(uscc.is_valid(e.uscc) for e in enterprises)
    assert len({e.uscc for e in enterprises}) == 5
    people = PersonFactory.create_batch(5, division_code="510781", birth="20000101")
    assert all(ric.is_valid(p.id_number) for p in people)
    assert {p.id_number[:6] for p in people} == {"510781"}
    assert {p.division.name for p in people} == {"江油市"}


def test_case_factory_relations(mianyang):
    case = CaseFactory()
    assert case.version == case.item.current_version
    assert case.version.materials.count() == 2
    assert case.events.get().to_state == "submitted"
    assert case.division == case.department.division
    assert uscc.is_valid(case.applicant_code)


def test_bundle_factory_orders_its_items(mianyang):
    a, b = ItemWithVersionFactory.create_batch(2)
    bundle = BundleFactory(items=[a, b])
    assert [bi.item for bi in bundle.bundle_items.order_by("order")] == [a, b]


def test_task_factory_has_lead_and_measure_of_same_programme(mianyang):
    task = TaskFactory()
    assert task.measure.programme == task.programme
    assert task.lead_units.get().function_key == "market"


def test_rectification_helper_opens_through_the_service(mianyang):
    rect = rectification()
    assert rect.status == "verifying"
    assert rect.department == rect.evaluation.department
    assert list(rect.events.values_list("action", flat=True)) == ["open"]


def test_licence_type_factory_gets_the_business_licence(mianyang):
    assert BusinessLicenceTypeFactory() == BusinessLicenceTypeFactory()
