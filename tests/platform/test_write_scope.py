"""Scope on every write (#16 item 1), generated from the URL configuration and the OpenAPI
schema: every POST/PUT/PATCH/DELETE operation of ``/api/schema/`` and every page route is in
a table below — a new endpoint that is not fails ``test_every_*_is_in_the_table``, so the
walk cannot silently miss one.

For every write on an object (a path with an id), each demo role of 江油 — with both
maintainer permissions, so that only the scope can refuse — posts to an object of 涪城: the
answer is 404 (403 where the role may not take the action at all) and nothing changes (the
row, and not one audit entry is written). The same request by a superuser is not a 404, so
the URL and the object are real. Writes without an object (submissions, creation) name the
out-of-scope object they refer to in the payload, or the reason they are open.

Pages: a route the table calls read-only must not read ``POST`` (its view's source is
checked); a page that writes is walked like the API.
"""

import inspect
from dataclasses import dataclass, field

import pytest
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver

from tests.appeals.factories import AppealFactory, CommitmentFactory, QASessionFactory
from tests.cases.factories import CaseFactory
from tests.catalog.factories import ItemWithVersionFactory
from tests.core.factories import (
    MAINTAIN_CATALOG,
    MAINTAIN_REGISTRY,
    AdminFactory,
    ClerkFactory,
    DeptHeadFactory,
    HandlerFactory,
    LeaderFactory,
    SupervisorFactory,
    UserFactory,
    department,
)
from tests.evaluations.factories import rectification
from tests.notifications.factories import NotificationFactory
from tests.reforms.factories import ProgrammeFactory, ProgressReportFactory, TaskFactory
from yingshang.core.models import Division
from yingshang.platform.models import AuditEntry

FUCHENG, JIANGYOU = "510703", "510781"


@dataclass(frozen=True)
class On:
    """A write on one object: ``kind`` names the builder of an out-of-scope (涪城) object."""

    kind: str
    payload: object = field(default_factory=dict)  # a dict, or callable(obj) -> dict
    method: str = "post"
    owned: bool = False  # a personal record: only its owner finds it (not even a superuser)


@dataclass(frozen=True)
class Open:
    """A write that is not on a scoped object, and why it needs no scope walk here."""

    reason: str


@dataclass(frozen=True)
class Refers:
    """A create whose payload refers to a scoped object: ``kind`` builds it (涪城); the payload
    is built from it. Out of scope: 403/404/400 and nothing written."""

    kind: str
    payload: object  # callable(obj) -> dict


READ = "read"  # a page that only reads (GET)


# --------------------------------------------------------------------------- the API table

API_WRITES = {
    ("POST", "/api/appeals/"): Open(
        "热线、来访录入:新建诉求,落在录入人所在区划(policy staff_entry)"
    ),
    ("POST", "/api/appeals/{id}/decide_extension/"): On(
        "appeal_extension", lambda a: {"approve": False, "extension": a.extensions.get().pk}
    ),
    ("POST", "/api/appeals/{id}/dispatch/"): On("appeal", {"lead_department": 1}),
    ("POST", "/api/appeals/{id}/escalate/"): On("appeal", {"reason": "x"}),
    ("POST", "/api/appeals/{id}/extension/"): On("appeal", {"days": 3, "reason": "x"}),
    ("POST", "/api/appeals/{id}/reply/"): On("appeal", {"text": "已处理"}),
    ("POST", "/api/appeals/{id}/sign/"): On("appeal"),
    ("POST", "/api/appeals/commitments/{id}/step/"): On("commitment", {"action": "start"}),
    ("POST", "/api/appeals/portal/"): Open("企业、群众提交诉求(门户,无需登录)"),
    ("POST", "/api/appeals/portal/confirm/"): Open("诉求人凭编号和手机号确认结果(门户)"),
    ("POST", "/api/appeals/portal/track/"): Open("凭编号查询(只读,门户)"),
    ("POST", "/api/appeals/sessions/"): Open("新建政企面对面活动,落在录入人所在区划"),
    ("POST", "/api/appeals/sessions/{id}/questions/"): On(
        "session", {"question": "用电?", "answer": "已安排", "answering_department": 1}
    ),
    ("POST", "/api/cases/"): Open("申报(全域通办:任何窗口可代收,办件路由到事项的办理部门)"),
    ("POST", "/api/cases/batch/"): Open("批量申报,同上"),
    ("POST", "/api/cases/{number}/accept/"): On("case"),
    ("POST", "/api/cases/{number}/approve/"): On("case", {"note": "同意", "confirm": True}),
    ("POST", "/api/cases/{number}/return-for-review/"): On("case", {"note": "重审"}),
    ("POST", "/api/cases/{number}/submit-approval/"): On(
        "case", {"outcome": "approved", "note": "拟准予", "confirm": True}
    ),
    ("POST", "/api/cases/{number}/complete/"): On("case", {"outcome": "approved"}),
    ("POST", "/api/cases/{number}/deliver/"): On("case"),
    ("POST", "/api/cases/{number}/precheck/"): On("case"),
    ("POST", "/api/cases/{number}/reject/"): On("case", {"note": "不符合"}),
    ("POST", "/api/cases/{number}/request-supplement/"): On("case", {"missing": ["x"]}),
    ("POST", "/api/cases/{number}/resume/"): On("case"),
    ("POST", "/api/cases/{number}/review/"): On("case"),
    ("POST", "/api/cases/{number}/start/"): On("case"),
    ("POST", "/api/cases/{number}/suspend/"): On("case", {"suspend_reason": "hearing"}),
    ("POST", "/api/catalog/items/"): Refers(
        "department",
        lambda d: {
            "implementation_code": "SCOPE-1",
            "basic_code": "SCOPE",
            "name": "越权新增的事项",
            "category": "permit",
            "department": d.pk,
            "legal_limit_days": 20,
            "committed_limit_days": 5,
        },
    ),
    ("PATCH", "/api/catalog/items/{implementation_code}/"): On(
        "item", {"name": "被改名"}, method="patch"
    ),
    ("POST", "/api/catalog/items/{implementation_code}/deactivate/"): On("item"),
    ("POST", "/api/evaluations/"): Open("评价人评价本人的办件或诉求(evaluator)"),
    ("POST", "/api/evaluations/rectifications/{id}/step/"): On(
        "rectification", {"action": "verify", "note": "属实"}
    ),
    ("POST", "/api/notifications/{id}/read/"): On("notification", owned=True),
    ("POST", "/api/notifications/read-all/"): Open("只改本人的通知"),
    ("POST", "/api/reforms/programmes/{id}/publication/"): On("programme", {"publish": True}),
    ("POST", "/api/reforms/reports/"): Refers(
        "task", lambda t: {"task": t.pk, "period": "2026-03", "percent": "40", "text": "进展"}
    ),
    ("POST", "/api/reforms/reports/{id}/review/"): On("report", {"action": "approve"}),
    ("POST", "/api/reforms/tasks/{id}/publication/"): On("task", {"is_public": True}),
    ("POST", "/api/registry/representations/"): Open(
        "企业经办人申请:本人账号;核验前看不到企业的任何数据(tests/registry/test_representatives.py)"
    ),
    ("POST", "/api/registry/representations/{id}/send-code/"): On("representation", owned=True),
    ("POST", "/api/registry/representations/{id}/verify-code/"): On(
        "representation", {"code": "000000"}, owned=True
    ),
    ("POST", "/api/registry/representations/{id}/verify-realname/"): On(
        "representation", owned=True
    ),
    ("POST", "/api/registry/representations/{id}/decide/"): On(
        "representation", {"action": "approve"}
    ),
    ("POST", "/api/registry/enterprises/"): Refers(
        "enterprise", lambda e: {"uscc": e.uscc, "name": "被改名", "division_code": JIANGYOU}
    ),
}

# --------------------------------------------------------------------------- the page table

PAGES = {
    "": READ,
    "i18n/setlang/": Open("切换语言(会话)"),
    "privacy/": READ,
    "accessibility/": READ,
    "login/": Open("登录"),
    "logout/": Open("退出"),
    "wechat/": Open("微信公众号回调(签名校验)"),
    "notifications/": READ,
    "notifications/<int:pk>/read/": On("notification", owned=True),
    "notifications/read-all/": Open("只改本人的通知"),
    "notifications/preferences/": Open("只改本人的消息接收设置"),
    "staff/channels/phone/": Open("手机模拟器:仅超级用户(tests/channels/test_phone.py)"),
    "staff/channels/refusals/": READ,
    "my/enterprises/": Open("本人的企业经办人申请与核验"),
    "staff/registry/representatives/": Open(
        "经办人审核:每条按 policy approve 检查企业登记区划(tests/registry/test_representatives.py)"
    ),
    "staff/registry/representatives/<int:pk>/letter/": READ,
    # applicant accounts (docs/accounts.md): personal, no scoped object
    "accounts/": READ,
    "accounts/login/": Open("申请人登录"),
    "accounts/logout/": Open("退出"),
    "accounts/register/": READ,
    "accounts/register/person/": Open("个人注册:新账号,无辖区对象"),
    "accounts/register/enterprise/": Open(
        "企业注册:只提交经办人申请,核验前看不到企业(tests/accounts)"
    ),
    "accounts/reset/": Open("凭短信验证码重置本人密码"),
    "accounts/export.json": READ,
    "accounts/delete/": Open("注销本人账号"),
    "accounts/demo-sms/": READ,
    "accounts/oidc/login/": READ,
    "accounts/oidc/callback/": Open("实名认证登录:state 与 nonce 校验(tests/accounts)"),
    "accounts/demo-idp/.well-known/openid-configuration": READ,
    "accounts/demo-idp/authorize": Open("演示身份提供方(仅 ACCOUNTS_DEMO_IDP)"),
    "accounts/demo-idp/token": Open("演示身份提供方(仅 ACCOUNTS_DEMO_IDP)"),
    "accounts/demo-idp/jwks": READ,
    "accounts/demo-idp/userinfo": READ,
    # WeChat binding (docs/channels.md): the person's own bindings
    "wechat/oauth/": Open("微信网页授权:签名 state"),
    "wechat/oauth/callback/": Open(
        "微信网页授权回调:state 一次有效(tests/channels/test_binding.py)"
    ),
    "wechat/bind/": Open("绑定本人账号:验证码发到账号手机"),
    "accounts/wechat/": READ,
    "accounts/wechat/<int:pk>/unbind/": Open("只解除本人的绑定(他人的 404,tests/channels)"),
    # guided applications (docs/cases.md): the applicant's own drafts
    "apply/drafts/": READ,
    "apply/guided/item/<str:code>/": Open("门户分步申报:新草稿"),
    "apply/guided/bundle/<slug:key>/": Open("门户分步申报一件事:新草稿"),
    "apply/drafts/<str:token>/<slug:step>/": Open(
        "本人草稿(他人的 404,tests/cases/test_guided_apply.py)"
    ),
    "apply/drafts/<str:token>/discard/": Open("放弃本人草稿(他人的 404)"),
    "services/suggest/": READ,
    "staff/catalog/terms/": Open("检索词:仅事项目录维护员,按事项辖区(tests/catalog)"),
    "staff/monitoring/process/log.xes": READ,
    "services/": READ,
    "services/<str:code>/": READ,
    "bundles/<slug:key>/": READ,
    "staff/catalog/": READ,
    "staff/catalog/export.xlsx": READ,
    "staff/catalog/import/": Open(
        "导入:仅事项目录维护员,逐行检查辖区(tests/catalog/test_excel.py)"
    ),
    "apply/bundle/<slug:key>/": Open("门户申报一件事"),
    "apply/<str:code>/": Open("门户申报"),
    "my/cases/": READ,
    "my/cases/<str:number>/": READ,
    "my/cases/<str:number>/action/": On("case", {"action": "withdraw"}, owned=True),
    "track/": Open("凭编号查询(只读)"),
    "my/cases/<str:number>/notice/<str:kind>.pdf": READ,
    "track/<str:number>/<str:token>/": READ,
    "track/<str:number>/<str:token>/notice/<str:kind>.pdf": READ,
    "cases/materials/<int:pk>/": READ,
    "staff/cases/": READ,
    "staff/cases/intake/": Open("窗口收件(全域通办:办件路由到办理部门)"),
    "staff/cases/intake/items.json": READ,
    "staff/cases/intake/applicant.json": READ,
    "staff/cases/trips/": READ,
    "staff/cases/<str:number>/": READ,
    "staff/cases/<str:number>/action/": On("case", {"action": "accept"}),
    "staff/cases/<str:number>/visit/": On("case", {"kind": "original_check"}),
    "staff/cases/<str:number>/notice/<str:kind>.pdf": READ,
    "staff/reforms/": Open("新建改革任务清单:落在本人区划(policy supervise)"),
    "staff/reforms/<int:pk>/": READ,
    "staff/reforms/<int:pk>/timeline/": READ,
    "staff/reforms/<int:pk>/statistics/": READ,
    "staff/reforms/<int:pk>/import/": On("programme"),
    "staff/reforms/<int:pk>/book/": READ,
    "staff/reforms/<int:pk>/book/<int:dept_pk>/": READ,
    "staff/reforms/<int:pk>/supervision/": On("programme", {"task": "1"}),
    "staff/reforms/tasks/<int:pk>/": On("task", {"action": "report"}),
    "staff/reforms/evidence/<int:pk>/": READ,
    "staff/reforms/<int:pk>/publication/": On("programme", {"publish": "1"}),
    "staff/reforms/tasks/<int:pk>/publication/": On("task", {"is_public": "1"}),
    "open/reforms/": READ,
    "open/reforms/feed.atom": READ,
    "open/reforms/<slug:slug>/": READ,
    "open/reforms/<slug:slug>/tasks.csv": READ,
    "open/reforms/<slug:slug>/tasks.json": READ,
    "open/reforms/<slug:slug>/feed.atom": READ,
    "appeals/": READ,
    "appeals/new/": Open("门户提交诉求"),
    "appeals/track/": Open("凭编号查询"),
    "appeals/sessions/": READ,
    "appeals/sessions/<int:pk>/": READ,
    "appeals/attachments/<int:pk>/": READ,
    "appeals/<str:number>/": READ,
    "appeals/<str:number>/confirm/": Open("诉求人本人确认(门户,本人的诉求)"),
    "appeals/<str:number>/rate/": Open("诉求人本人评价(门户)"),
    "staff/appeals/": READ,
    "staff/appeals/new/": Open("热线、来访录入"),
    "staff/appeals/commitments/": READ,
    "staff/appeals/sessions/": Open("新建政企面对面活动,落在录入人所在区划"),
    "staff/appeals/sessions/<int:pk>/": On("session", {"question": "用电?"}),
    "staff/appeals/commitments/<int:pk>/": On("commitment", {"action": "start"}),
    "staff/appeals/<int:pk>/": READ,
    "staff/appeals/<int:pk>/<slug:action>/": On("appeal", {"text": "x"}),
    "evaluations/stats/": READ,
    "evaluations/rectifications/<int:pk>/": Open("评价人本人确认整改(门户)"),
    "evaluations/rate/<str:subject_type>/<str:subject_id>/": Open("评价人评价本人的办件"),
    "staff/evaluations/": READ,
    "staff/evaluations/rectifications/": READ,
    "staff/evaluations/rectifications/<int:pk>/": READ,
    "staff/evaluations/rectifications/<int:pk>/step/": On(
        "rectification", {"action": "verify", "note": "属实"}
    ),
    "staff/monitoring/": READ,
    "staff/monitoring/screen/": READ,
    "staff/monitoring/benchmarks/": READ,
    "staff/monitoring/benchmarks/upload/": Open(
        "导入对标数据:policy load_benchmarks,对标城市不属任何区划"
    ),
    "staff/monitoring/drill/<str:indicator>/<str:dimension>/<int:member>/<str:kind>/<str:period>/": READ,  # noqa: E501
    "staff/monitoring/supervision/": READ,
    "staff/monitoring/process/": READ,
    "staff/monitoring/reports/": Open("生成月度报告:policy generate_report,报告落在本人区划"),
    "staff/monitoring/reports/<str:name>": READ,
    "staff/calendar/": Open("工作日历:只有系统管理员维护(全市一张表)"),
    "staff/": READ,
    "staff/divisions/": READ,
    "staff/departments/": READ,
    "staff/departments/<int:pk>/": READ,
    "staff/audit/": READ,
    # 我的导出 (docs/exports.md): personal export jobs, the content in the owner's scope
    "staff/exports/": READ,
    "staff/exports/new/<str:kind>/": Open(
        "新建本人的导出任务:内容在执行时按本人的可见范围计算(tests/platform/test_exports_background.py)"
    ),
    "staff/exports/<int:pk>/status.json": READ,
    "staff/exports/<int:pk>/download/": READ,
    "staff/exports/<int:pk>/discard/": On("export_job", owned=True),
}


# --------------------------------------------------------------------------- enumeration


def schema_writes() -> set[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }


def page_routes() -> dict[str, URLPattern]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p

    return {
        route: p
        for route, p in walk(get_resolver().url_patterns)
        if not route.startswith(("admin/", "api/"))
    }


def test_every_api_write_is_in_the_table():
    found = schema_writes()
    assert found - set(API_WRITES) == set(), "new write endpoints: add them to API_WRITES"
    assert set(API_WRITES) - found == set(), "stale entries in API_WRITES"


def test_every_page_is_in_the_table():
    found = set(page_routes())
    assert found - set(PAGES) == set(), "new pages: add them to PAGES"
    assert set(PAGES) - found == set(), "stale entries in PAGES"


def _view_source(callback) -> str:
    func = getattr(callback, "view_class", None) or callback
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


@pytest.mark.parametrize("route", sorted(r for r, v in PAGES.items() if v == READ))
def test_a_read_page_reads_no_post(route):
    source = _view_source(page_routes()[route].callback)
    assert "POST" not in source and "require_POST" not in source, (
        f"{route} reads POST: walk it as a write (On/Open) in PAGES"
    )


# --------------------------------------------------------------------------- the walk


def _fucheng():
    return Division.objects.get(code=FUCHENG)


def _market():
    return department(FUCHENG, "market")


def build(kind):
    """An object of 涪城 (outside every 江油 actor's subtree)."""
    market = _market()
    if kind == "appeal":
        return AppealFactory(division=_fucheng(), lead_department=market, status="dispatched")
    if kind == "appeal_extension":
        import datetime

        from yingshang.appeals.models import Extension

        appeal = build("appeal")
        Extension.objects.create(
            appeal=appeal,
            days=3,
            reason="需要现场勘查",
            requested_by=HandlerFactory(department=market),
            requested_at=datetime.datetime(2025, 6, 10, 10, tzinfo=datetime.UTC),
        )
        return appeal
    if kind == "commitment":
        return CommitmentFactory(
            owner_department=market, session=QASessionFactory(division=_fucheng())
        )
    if kind == "session":
        return QASessionFactory(division=_fucheng())
    if kind == "case":
        item = ItemWithVersionFactory(department=market, division=market.division)
        return CaseFactory(
            item=item, division=_fucheng(), number="51070320261012000001", user=UserFactory()
        )
    if kind == "item":
        return ItemWithVersionFactory(department=market, division=market.division)
    if kind == "department":
        return market
    if kind == "rectification":
        from tests.appeals.factories import ClosedAppealFactory

        appeal = ClosedAppealFactory(division=_fucheng(), lead_department=market)
        return rectification(subject=appeal)
    if kind == "notification":
        return NotificationFactory(recipient=HandlerFactory(department=market))
    if kind == "programme":
        return ProgrammeFactory(division=_fucheng())
    if kind == "task":
        return TaskFactory(programme=ProgrammeFactory(division=_fucheng()), leads=[market])
    if kind == "report":
        task = TaskFactory(programme=ProgrammeFactory(division=_fucheng()), leads=[market])
        return ProgressReportFactory(task=task)
    if kind == "enterprise":
        from tests.registry.factories import EnterpriseFactory

        return EnterpriseFactory(division_code=FUCHENG)
    if kind == "export_job":
        from yingshang.platform import export_jobs

        owner = HandlerFactory(department=market)
        job = export_jobs.start(user=owner, kind="cases.queue", params={}, sync=True)
        assert job.status == "done"
        return job
    if kind == "representation":
        from tests.registry.factories import EnterpriseFactory
        from yingshang.registry import services as registry_services

        enterprise = EnterpriseFactory(division_code=FUCHENG)
        return registry_services.request_representation(
            user=UserFactory(), uscc_code=enterprise.uscc, channel="api"
        )
    raise KeyError(kind)


def url_for(template: str, obj) -> str:
    """Fill a schema path or a route with the object's key."""
    import re

    key = {
        "{number}": getattr(obj, "number", None),
        "{implementation_code}": getattr(obj, "implementation_code", None),
    }
    url = template
    for k, v in key.items():
        if k in url:
            url = url.replace(k, str(v))
    url = url.replace("{id}", str(obj.pk))
    url = re.sub(r"<(?:str|int):(pk|number)>", lambda m: str(getattr(obj, m.group(1))), url)
    url = url.replace("<slug:action>", "reply")
    return url if url.startswith("/") else "/" + url


JIANGYOU_ROLES = {
    "clerk": lambda: ClerkFactory(department=department(JIANGYOU, "hall")),
    "handler": lambda: HandlerFactory(department=department(JIANGYOU, "market")),
    "dept_head": lambda: DeptHeadFactory(department=department(JIANGYOU, "market")),
    "supervisor": lambda: SupervisorFactory(department=department(JIANGYOU, "gov_service")),
    "leader": lambda: LeaderFactory(department=None, division=Division.objects.get(code=JIANGYOU)),
    "admin": lambda: AdminFactory(division=Division.objects.get(code=JIANGYOU)),
    "portal": lambda: UserFactory(),
}


def actor(role):
    user = JIANGYOU_ROLES[role]()
    if role != "portal":
        from tests.core.factories import grant

        grant(user, MAINTAIN_CATALOG, MAINTAIN_REGISTRY)
    return user


def snapshot(obj):
    fresh = type(obj).objects.get(pk=obj.pk)
    row = {k: v for k, v in model_to_dict(fresh).items() if not isinstance(v, list | set)}
    return row, AuditEntry.objects.count()


def _payload(spec, obj) -> dict:
    return spec.payload(obj) if callable(spec.payload) else spec.payload


def _send(client, method, url, payload, api):
    if api:
        return getattr(client, method)(url, payload, content_type="application/json")
    return client.post(url, payload)


OBJECT_WRITES = [(m, p, spec, True) for (m, p), spec in API_WRITES.items() if isinstance(spec, On)]
OBJECT_WRITES += [("POST", r, spec, False) for r, spec in PAGES.items() if isinstance(spec, On)]


@pytest.mark.parametrize("role", sorted(JIANGYOU_ROLES))
@pytest.mark.parametrize(
    "method,path,spec,api", OBJECT_WRITES, ids=[f"{m} {p}" for m, p, _s, _a in OBJECT_WRITES]
)
def test_out_of_scope_write_is_404_and_changes_nothing(
    mianyang, client, role, method, path, spec, api
):
    obj = build(spec.kind)
    client.force_login(actor(role))
    before = snapshot(obj)
    for payload in (_payload(spec, obj), {}):  # scope first: 404 whatever the body
        r = _send(client, spec.method if api else "post", url_for(path, obj), payload, api)
        assert r.status_code in (403, 404), (r.status_code, r.content[:300])
        assert snapshot(obj) == before


@pytest.mark.parametrize(
    "method,path,spec,api", OBJECT_WRITES, ids=[f"{m} {p}" for m, p, _s, _a in OBJECT_WRITES]
)
def test_the_walked_url_is_real(mianyang, client, method, path, spec, api):
    """The same request by a superuser finds the object (not 404): the walk above is not
    vacuous."""
    obj = build(spec.kind)
    if spec.owned:
        client.force_login(getattr(obj, "recipient", None) or obj.user)
    else:
        client.force_login(AdminFactory(is_superuser=True))
    r = _send(client, spec.method if api else "post", url_for(path, obj), _payload(spec, obj), api)
    assert r.status_code != 404 and r.status_code < 500, (r.status_code, r.content[:300])


REFERS = [(m, p, spec) for (m, p), spec in API_WRITES.items() if isinstance(spec, Refers)]


@pytest.mark.parametrize("role", sorted(JIANGYOU_ROLES))
@pytest.mark.parametrize("method,path,spec", REFERS, ids=[f"{m} {p}" for m, p, _s in REFERS])
def test_a_create_referring_to_an_out_of_scope_object_writes_nothing(
    mianyang, client, role, method, path, spec
):
    obj = build(spec.kind)
    client.force_login(actor(role))
    before = snapshot(obj)
    r = _send(client, method.lower(), path, spec.payload(obj), True)
    assert r.status_code in (400, 403, 404), (r.status_code, r.content[:300])
    assert snapshot(obj) == before
