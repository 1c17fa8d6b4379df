"""Demo applicant accounts: the registry's portal users ``shimin`` (a person) and ``qiye`` (the
legal representative of 绵阳市涪江智造科技有限公司) get verified phones, so that they log in by
password or by an SMS code (the codes are shown on /accounts/demo-sms/). Idempotent."""

from django.db import transaction

from yingshang.accounts import public as accounts
from yingshang.core.models import User
from yingshang.demo.framework import demo_step
from yingshang.registry.models import Representation, RepresentationStatus


@demo_step(810, "accounts: demo applicant accounts (phones for code login)")
@transaction.atomic
def load_accounts(options, tally, out):
    for demo in accounts.demo_accounts():
        user = User.objects.filter(username=demo["username"], role="").first()
        if user is None:  # the registry step did not run (``--only accounts``)
            tally.add("applicant accounts", "unchanged")
            continue
        authorisation = None
        if demo["kind"] == "enterprise":
            rep = (
                Representation.objects.filter(user=user, status=RepresentationStatus.VERIFIED)
                .select_related("enterprise")
                .first()
            )
            if rep is not None:
                authorisation = {
                    "uscc": rep.enterprise.uscc,
                    "role": "legal",
                    "authorised_by": rep.enterprise.legal_representative,
                    "representation_id": rep.pk,
                }
        status = accounts.ensure_account(
            user=user, kind=demo["kind"], phone=demo["phone"], authorisation=authorisation
        )
        tally.add("applicant accounts", status)
