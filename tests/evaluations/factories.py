"""factory_boy factories of 好差评: an evaluation of a closed appeal, and a bad one whose
rectification is opened by the service (``services.open_rectification``) as a real bad rating
would open it."""

import factory
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from tests.appeals.factories import MONDAY, ClosedAppealFactory
from yingshang.evaluations import services
from yingshang.evaluations.models import Evaluation, Level


class EvaluationFactory(DjangoModelFactory):
    """A 满意 online rating of a closed appeal by its appellant."""

    class Meta:
        model = Evaluation
        exclude = ("subject",)

    subject = factory.SubFactory(ClosedAppealFactory)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.subject))
    object_id = factory.LazyAttribute(lambda o: str(o.subject.pk))
    subject_label = factory.LazyAttribute(lambda o: str(o.subject)[:200])
    department = factory.LazyAttribute(lambda o: o.subject.lead_department)
    division = factory.LazyAttribute(lambda o: o.department.division)
    channel = "online"
    level = Level.SATISFIED
    dimensions = factory.LazyAttribute(
        lambda o: {
            k: o.level
            for k in ("overall", "efficiency", "guide_accuracy", "convenience", "usability")
        }
    )
    comment = "办理很快"
    evaluator = factory.LazyAttribute(lambda o: o.subject.applicant_user)
    evaluator_name = factory.LazyAttribute(lambda o: str(o.evaluator or ""))
    created_at = MONDAY


class BadEvaluationFactory(EvaluationFactory):
    level = Level.VERY_DISSATISFIED
    comment = "拖了两个月才接电"


def rectification(**kwargs):
    """A bad evaluation and its rectification in 待核实 (verifying)."""
    evaluation = BadEvaluationFactory(**kwargs)
    return services.open_rectification(evaluation, now=evaluation.created_at)
