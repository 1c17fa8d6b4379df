"""Demo 好差评: ratings of the demo year's closed appeals (through the subject protocol), and a
rectification for every 差评, spread over all rectification states. Idempotent, deterministic."""

import datetime
import random

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from yingshang.demo.framework import Tally, demo_step
from yingshang.evaluations.models import (
    BAD_LEVELS,
    DIMENSIONS,
    Evaluation,
    Rectification,
    RectificationEvent,
    RectStatus,
)

LEVEL_WEIGHTS = {5: 55, 4: 25, 3: 10, 2: 6, 1: 4}
COMMENTS = {
    5: ["办理很快，非常满意", "工作人员主动对接，点赞", "问题解决得很彻底"],
    4: ["总体满意", "答复及时", ""],
    3: ["基本解决，希望再快一些", ""],
    2: ["答复敷衍，问题没有实质解决", "办理时间太长"],
    1: ["多次反映没有结果", "工作人员态度差，推诿"],
}
# rectification state mix for the demo's 差评 (most closed, some in every other state)
RECT_STATES = (
    [RectStatus.CLOSED] * 14
    + [RectStatus.RECTIFYING] * 2
    + [
        RectStatus.CALLBACK,
        RectStatus.AWAITING_VERDICT,
        RectStatus.CONTESTED,
        RectStatus.VOIDED,
        RectStatus.VERIFYING,
    ]
)


@demo_step(600, "好差评 and rectifications")
@transaction.atomic
def load_evaluations(options, tally: Tally, out):
    from yingshang.appeals.models import Appeal, Status
    from yingshang.evaluations.services import rectification_days
    from yingshang.workdays.calendar import add_working_days

    rng = random.Random(options.get("seed", 2019) + 600)
    now = timezone.now()
    ct = ContentType.objects.get_for_model(Appeal)
    if Evaluation.objects.filter(content_type=ct).exists():
        tally.add("evaluations", "unchanged", Evaluation.objects.count())
        return
    # the closed appeals of the appeals demo (its demo year is the cases' recent year)
    closed = (
        Appeal.objects.filter(status=Status.CLOSED)
        .select_related("lead_department__division")
        .order_by("pk")
    )
    evaluations = []
    for a in closed.iterator(chunk_size=2000):
        if rng.random() > 0.8:
            continue  # not every appellant rates
        info = a.evaluation_subject_info()
        level = rng.choices(list(LEVEL_WEIGHTS), weights=list(LEVEL_WEIGHTS.values()))[0]
        channel = info["channel"]
        dims = {
            k: max(1, min(5, level + rng.choice([-1, 0, 0, 0, 1]))) for k, _l in DIMENSIONS[channel]
        }
        dims["overall"] = level
        evaluations.append(
            Evaluation(
                content_type=ct,
                object_id=str(a.pk),
                subject_label=info["label"][:200],
                department=info["department"],
                division=info["division"],
                channel=channel,
                level=level,
                dimensions=dims,
                comment=rng.choice(COMMENTS[level]),
                evaluator_id=info["applicant_user_id"],
                evaluator_name="",
                # never in the future: an appeal closed late yesterday is rated by now
                created_at=min(
                    a.closed_at + datetime.timedelta(hours=rng.randint(1, 30)),
                    now - datetime.timedelta(hours=1),
                ),
            )
        )
    Evaluation.objects.bulk_create(evaluations, batch_size=1000)
    tally.add("evaluations", "created", len(evaluations))
    bad = Evaluation.objects.filter(content_type=ct, level__in=BAD_LEVELS).order_by("pk")
    rects, rect_events, voided = [], [], []
    for i, ev in enumerate(bad.iterator()):
        state = RECT_STATES[i % len(RECT_STATES)]
        t0 = ev.created_at
        r = Rectification(
            evaluation=ev,
            department_id=ev.department_id,
            division_id=ev.division_id,
            status=state,
            opened_at=t0,
        )
        steps = {
            RectStatus.VERIFYING: [],
            RectStatus.CONTESTED: ["contest"],
            RectStatus.VOIDED: ["contest", "overturn"],
            RectStatus.RECTIFYING: ["verify"],
            RectStatus.CALLBACK: ["verify", "report"],
            RectStatus.AWAITING_VERDICT: ["verify", "report", "callback"],
            RectStatus.CLOSED: ["verify", "report", "callback", "accept"],
        }[state]
        # when each step happened (days after the rating); a rating of the last days has its
        # steps pressed into the time up to now, never after it
        offsets = {"verify": 2, "contest": 2, "overturn": 6}
        if "report" in steps:
            offsets["report"] = rng.randint(5, 14)
            offsets["callback"] = offsets["report"] + 1
            offsets["accept"] = offsets["callback"] + 1
        span = max((offsets[s] for s in steps), default=0)
        scale = 1.0
        if span and t0 + datetime.timedelta(days=span) > now:
            scale = max((now - t0) / datetime.timedelta(days=span), 0.0)
        at = {s: t0 + datetime.timedelta(days=offsets[s] * scale) for s in steps}
        if "verify" in steps:
            r.verification_note = "经核实，评价反映的问题属实。"
            # the limit the machine starts on 核实属实: N working days, end of day
            due = add_working_days(at["verify"], rectification_days())
            r.due_at, r.due_provisional = due.due, due.provisional
        if "contest" in steps:
            r.contest_reason = "企业诉求超出本部门职责，评价与事实不符。"
        if "overturn" in steps:
            r.decision_note = "经审查申诉理由成立，该评价不计入统计。"
            r.closed_at = at["overturn"]
            voided.append(ev.pk)
        if "report" in steps:
            r.measures = "已约谈经办人员，重新梳理办理流程并公开办理时限。"
            r.reported_at = at["report"]
        if "callback" in steps:
            r.callback_note = "已电话回访评价人，告知整改情况。"
            r.callback_at = at["callback"]
        if "accept" in steps:
            r.verdict_satisfied = True
            r.verdict_note = "认可整改"
            r.closed_at = at["accept"]
        rects.append((r, steps, t0, at))
    Rectification.objects.bulk_create([r for r, _s, _t, _a in rects], batch_size=1000)
    Evaluation.objects.filter(pk__in=voided).update(voided=True)
    by_eval = dict(
        Rectification.objects.filter(evaluation__in=bad).values_list("evaluation_id", "pk")
    )
    flow = {
        "verify": (RectStatus.VERIFYING, RectStatus.RECTIFYING),
        "contest": (RectStatus.VERIFYING, RectStatus.CONTESTED),
        "overturn": (RectStatus.CONTESTED, RectStatus.VOIDED),
        "report": (RectStatus.RECTIFYING, RectStatus.CALLBACK),
        "callback": (RectStatus.CALLBACK, RectStatus.AWAITING_VERDICT),
        "accept": (RectStatus.AWAITING_VERDICT, RectStatus.CLOSED),
    }
    for r, steps, t0, at in rects:
        pk = by_eval[r.evaluation_id]
        rect_events.append(
            RectificationEvent(
                rectification_id=pk,
                action="open",
                to_state=RectStatus.VERIFYING,
                actor_name="system",
                at=t0,
            )
        )
        for action in steps:
            fr, to = flow[action]
            rect_events.append(
                RectificationEvent(
                    rectification_id=pk,
                    action=action,
                    from_state=fr,
                    to_state=to,
                    actor_name="demo",
                    at=at[action],  # the time the record carries for the step
                )
            )
    RectificationEvent.objects.bulk_create(rect_events, batch_size=2000)
    tally.add("rectifications", "created", len(rects))
