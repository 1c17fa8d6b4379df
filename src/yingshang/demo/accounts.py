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


# The demo applicants' own cases, so that logging in as ``shimin`` or ``qiye`` shows what a
# citizen follows: 我的待办 on the home page (需要补正, 可领取结果, 请评价), 我的办件 with its progress
# bar, the 补正 upload and the star rating. Made through the services and the case machine, as
# an application and a handler would; the handler is the city market bureau's ``chengban``.
OWN_CASES = (
    # (username, item name, what happens to it)
    ("shimin", "食品经营许可", "supplement"),  # waits for the person's 补正
    ("shimin", "计量器具强制检定备案", "completed"),  # 办结: ready to collect, may be rated
    ("qiye", "企业变更登记", "completed"),
)
SUPPLEMENT_MATERIAL = "食品安全管理制度"
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@demo_step(820, "accounts: the demo applicants' own cases (补正, ready to collect, to rate)")
def load_own_cases(options, tally, out):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yingshang.cases import workflow
    from yingshang.cases.models import Case
    from yingshang.cases.services import material_slots, resolve_applicant, submit_case
    from yingshang.catalog.models import ServiceItem
    from yingshang.registry.models import Person

    handler = User.objects.filter(username="chengban").first()
    if handler is None:
        return
    for username, item_name, outcome in OWN_CASES:
        user = User.objects.filter(username=username, role="").first()
        item = (
            ServiceItem.objects.filter(
                name=item_name, department=handler.department, is_active=True
            )
            .order_by("pk")
            .first()
        )
        if user is None or item is None or item.current_version is None:
            tally.add("own cases", "unchanged")
            continue
        if Case.objects.filter(user=user, item=item).exists():
            tally.add("own cases", "unchanged")
            continue
        if username == "qiye":
            rep = (
                Representation.objects.filter(user=user, status=RepresentationStatus.VERIFIED)
                .select_related("enterprise")
                .first()
            )
            if rep is None:
                tally.add("own cases", "unchanged")
                continue
            e = rep.enterprise
            kind, code, name, phone = "enterprise", e.uscc, e.name, e.phone or user.phone
        else:
            person = Person.objects.filter(user=user).first()
            if person is None:
                tally.add("own cases", "unchanged")
                continue
            kind, code, name, phone = "person", person.id_number, person.name, user.phone
        with transaction.atomic():
            applicant = resolve_applicant(kind=kind, code=code, name=name, phone=phone, user=user)
            slots = material_slots([item.current_version])
            case = submit_case(
                item=item,
                applicant=applicant,
                user=user,
                files={
                    s.key: SimpleUploadedFile(f"{s.name}.pdf", DEMO_PDF, "application/pdf")
                    for s in slots
                },
            )
            case = workflow.transition(case, "accept", handler)
            if outcome == "supplement":
                workflow.transition(
                    case, "request_supplement", handler, missing=[SUPPLEMENT_MATERIAL]
                )
            else:
                for action in ("start", "review"):
                    if action in workflow.allowed_actions(case, actor=handler):
                        case = workflow.transition(case, action, handler)
                workflow.transition(
                    case, "complete", handler, outcome="approved", reason="经审查，准予办理。"
                )
        tally.add("own cases", "created")
