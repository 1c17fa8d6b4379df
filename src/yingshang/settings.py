"""Settings, all from the environment.

DATABASE_URL  default: sqlite:///var/yingshang.sqlite3 (embedded)
SECRET_KEY    default: generated once and kept in var/secret_key
DEBUG         off unless DEBUG=1
YINGSHANG_VAR where the embedded database, secret, uploads and reports live (default ./var)
REDIS_URL     the shared cache of the rate-limit counters (default: the database table)
LOOKUP_RATE / SUBMISSION_RATE   failed public look-ups / anonymous submissions (default 20/10m)
LOOKUP_CODE_KEY  the key the 查询码 are derived with (default: from SECRET_KEY)
PG_PREPARED   PostgreSQL: 0 turns off server-side binding and prepared statements (default 1)
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("YINGSHANG_VAR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files
    "axes",
    "django_tasks_db",
    "yingshang.platform",
    "yingshang.core",
    "yingshang.workdays",
    "yingshang.notifications",
    "yingshang.channels",
    "yingshang.registry",
    "yingshang.catalog",
    "yingshang.cases",
    "yingshang.reforms",
    "yingshang.appeals",
    "yingshang.evaluations",
    "yingshang.monitoring",
    "yingshang.accounts",
    "yingshang.demo",  # the top layer: uses every app, used by none
]

MIDDLEWARE = [
    # First, so that every answer under /api/ — of any middleware below — is problem details.
    "yingshang.platform.errors.ApiProblemMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "yingshang.platform.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # WeChat's in-app browser: pages needing login go through the web authorisation (channels)
    "yingshang.channels.inbrowser.WeChatLoginMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yingshang.platform.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yingshang.urls"
WSGI_APPLICATION = "yingshang.wsgi.application"
ASGI_APPLICATION = "yingshang.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "yingshang.notifications.context.unread",
                "yingshang.platform.context.site",
            ],
            # {% colon %} {% comma %} {% lparen %} …: punctuation after a translated word, in
            # the language's own width (platform/templatetags/punct.py).
            "builtins": ["yingshang.platform.templatetags.punct"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yingshang.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameter binding, and psycopg prepares a statement the 5th time a connection
    # runs it: PostgreSQL then skips parsing and planning, a quarter of its CPU under the mixed
    # load (docs/performance.md, "Mixed load"). PG_PREPARED=0 turns it off — behind a pooler
    # that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    if os.environ.get("PG_PREPARED", "1") == "1":
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=int(os.environ.get("PG_PREPARE_THRESHOLD", "5")),
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "yingshang.platform.ratelimit.LoginRateLimitBackend",  # 20 failures per address / username
    "axes.backends.AxesStandaloneBackend",
    "yingshang.core.backends.ModelBackend",  # + the division in one query
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Applicants log in on 申请人登录 (accounts); a staff page's next= goes on to 工作人员登录 (core).
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "core:login"

# Lock-out: 5 failures for a username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"

# Shared cache: the rate-limit counters (platform/ratelimit.py) must be seen by every server
# process, so never a per-process cache. Redis when REDIS_URL is set (atomic increments; needs
# the `redis` package: pip install -e '.[redis]'), else a table in the database
# (`yingshang_cache`, made by `migrate` through the platform's post_migrate hook).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "yingshang_cache",
        }
    }
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = True
# Public look-ups (case tracking, appeal look-up/confirm/rate, the WeChat 查询 command) and
# anonymous submissions: at most this many failed or invalid attempts per client address and
# per target (a case or appeal number) in the window, then 429 with Retry-After.
LOOKUP_RATE = os.environ.get("LOOKUP_RATE", "20/10m")
SUBMISSION_RATE = os.environ.get("SUBMISSION_RATE", "20/10m")
LOOKUP_CODE_KEY = os.environ.get("LOOKUP_CODE_KEY", "")

# Sessions expire after 8 working hours, and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "yingshang.platform.errors.csrf_failure"  # the site's 403 page, in words
X_FRAME_OPTIONS = "DENY"

# Served over HTTPS (HTTPS=1, the production setting; see README): redirect plain HTTP, send HSTS
# for a year with subdomains and preload (HSTS_PRELOAD=0 to leave preload out), cookies only over
# HTTPS. Behind a
# TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=1 so X-Forwarded-Proto: https counts.
HTTPS = _env_bool("HTTPS")
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("HSTS_PRELOAD", HTTPS)
if _env_bool("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool("SECURE_COOKIES", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (Django's own middleware): scripts only from our static files (or with
# the per-request nonce, {{ csp_nonce }}), nothing inline, no plugins, no framing, forms post
# only to us. Inline style attributes stay allowed: the Gantt bars' positions and ECharts'
# tooltips are styled inline, and all output is escaped.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
# One date style per language (GB/T 7408 numeric dates in Chinese: 2026-12-06, 2026-12-06 14:30).
FORMAT_MODULE_PATH = ["yingshang.formats"]

# The site's identity in every page's footer (platform/context.py, docs/portal.md): Mianyang's
# defaults; another city sets its own through the environment.
YINGSHANG_SITE_NAME = os.environ.get("YINGSHANG_SITE_NAME", "绵阳市网上办事大厅")
YINGSHANG_SITE_ORGANISER = os.environ.get("YINGSHANG_SITE_ORGANISER", "绵阳市人民政府")
YINGSHANG_SITE_OPERATOR = os.environ.get("YINGSHANG_SITE_OPERATOR", "绵阳市政务服务监督管理局")
YINGSHANG_SITE_ADDRESS = os.environ.get("YINGSHANG_SITE_ADDRESS", "四川省绵阳市涪城区")
YINGSHANG_SITE_PHONE = os.environ.get("YINGSHANG_SITE_PHONE", "0816-12345")
YINGSHANG_SITE_HOURS = os.environ.get("YINGSHANG_SITE_HOURS", "工作日 9:00—12:00，13:30—17:00")
YINGSHANG_SITE_EMAIL = os.environ.get("YINGSHANG_SITE_EMAIL", "")
YINGSHANG_SITE_ICP = os.environ.get("YINGSHANG_SITE_ICP", "")
YINGSHANG_SITE_POLICE_FILING = os.environ.get("YINGSHANG_SITE_POLICE_FILING", "")
# English pages (any field may have a _EN variant; without one the value above is shown)
YINGSHANG_SITE_NAME_EN = os.environ.get("YINGSHANG_SITE_NAME_EN", "Mianyang Online Service Hall")
YINGSHANG_SITE_ORGANISER_EN = os.environ.get(
    "YINGSHANG_SITE_ORGANISER_EN", "Mianyang Municipal People's Government"
)
YINGSHANG_SITE_OPERATOR_EN = os.environ.get(
    "YINGSHANG_SITE_OPERATOR_EN", "Mianyang Government Service Supervision Bureau"
)
YINGSHANG_SITE_ADDRESS_EN = os.environ.get(
    "YINGSHANG_SITE_ADDRESS_EN", "Fucheng District, Mianyang, Sichuan"
)
YINGSHANG_SITE_HOURS_EN = os.environ.get(
    "YINGSHANG_SITE_HOURS_EN", "working days 9:00-12:00, 13:30-17:00"
)

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded files live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = VAR_DIR / "uploads"
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# all files of one submission together; 0: the per-file limit × the purpose's file count
# (yingshang.platform.uploads, docs/uploads.md)
UPLOAD_MAX_TOTAL_BYTES = int(os.environ.get("UPLOAD_MAX_TOTAL_BYTES", "0"))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# a file larger than this is spooled to a temporary file while the request is read
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640

REST_FRAMEWORK = {
    # Token first: a request without credentials is then 401 with "WWW-Authenticate: Token"
    # (DRF answers 403 when the first class names no challenge, as session authentication).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's, reading the user's division and department with the token (one query)
        "yingshang.platform.api.ScopedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # a bad ?page= is a 400 (platform/api.py), not DRF's 404
    "DEFAULT_PAGINATION_CLASS": "yingshang.platform.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "yingshang.platform.errors.exception_handler",
}
# API errors (platform/errors.py): a body over this many bytes is refused with 413 before it is
# read; a database that is down answers 503 with Retry-After of this many seconds.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(100 * 1024 * 1024)))
API_RETRY_AFTER_SECONDS = int(os.environ.get("API_RETRY_AFTER_SECONDS", "30"))
SPECTACULAR_SETTINGS = {
    "TITLE": "yingshang 营商 API",
    "DESCRIPTION": (
        "The API of the business-environment platform of a prefecture-level city. "
        "Authentication: a session (the pages) or a token (`Authorization: Token …`, issued by "
        "the administrator). Every list is scoped to the caller's division subtree (staff) or "
        "own records (applicants); personal data is masked in lists. Errors are problem "
        "details (RFC 9457).\n\n"
        "- **core**: divisions, departments, staff, the audit log\n"
        "- **catalog**: the service-item catalogue (事项目录) and its versions\n"
        "- **registry**: the enterprise and person registry look-ups and licences\n"
        "- **cases**: one-stop service cases (办件): submission, the workflow actions, events\n"
        "- **reforms**: reform programmes, tasks and progress reports\n"
        "- **appeals**: appeals (诉求), Q&A sessions and commitments\n"
        "- **evaluations**: ratings (好差评), rectifications and their statistics\n"
        "- **monitoring**: indicator values, the dashboard, benchmark values and scores\n"
        "- **notifications**: the caller's notifications\n\n"
        "Swagger UI (`/api/docs/`) and Redoc (`/api/redoc/`) are served from this server's "
        "own static files; they work without Internet access."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files (no CDN: the CSP allows 'self' only).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "yingshang.platform.errors.openapi_problem_responses",
    ],
}

# Background work: Django's task framework with the database backend (django-tasks-db),
# run by `yingshang worker`, which also fires the periodic jobs. See docs/architecture.md.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# E-mail (Django 6.1 mailers). The environment keeps the familiar names: EMAIL_BACKEND,
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL,
# EMAIL_TIMEOUT (seconds; keep it short so a hung SMTP server cannot outlive a task lease).
_email_backend = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
_email_options = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": os.environ.get("EMAIL_HOST", "127.0.0.1"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": _env_bool("EMAIL_USE_TLS", False),
        "use_ssl": _env_bool("EMAIL_USE_SSL", False),
        "timeout": int(os.environ.get("EMAIL_TIMEOUT", "30")),
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "yingshang@localhost")
# Absolute links in e-mails, QR codes and notices.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "6"))
# WeChat official account (yingshang.channels, docs/channels.md). The account itself is
# configured by WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TOKEN, WECHAT_ENCODING_AES_KEY,
# WECHAT_ORIGINAL_ID, WECHAT_API_BASE (read by channels/config.py, overridable in the admin).
WECHAT_COMMANDS_PER_MINUTE = int(os.environ.get("WECHAT_COMMANDS_PER_MINUTE", "20"))
WECHAT_MAX_BODY_BYTES = int(os.environ.get("WECHAT_MAX_BODY_BYTES", str(64 * 1024)))
WECHAT_API_TIMEOUT = float(os.environ.get("WECHAT_API_TIMEOUT", "10"))
# text commands answered later by the task queue through the customer-service message API
# instead of in the callback's reply: comma-separated of query, my_cases, appeal, search
WECHAT_DEFERRED_COMMANDS = [
    c.strip() for c in os.environ.get("WECHAT_DEFERRED_COMMANDS", "").split(",") if c.strip()
]
# The callback's own refusals (我的办件 unbound, over the rate limit) are added up in each process
# and written at most once per this many seconds (one UPDATE for many); 0 writes each at once.
WECHAT_REFUSAL_FLUSH_SECONDS = float(os.environ.get("WECHAT_REFUSAL_FLUSH_SECONDS", "1"))
# Push templates per notification category when none is set in the admin, e.g.
# {"case": {"subscribe": {"template_id": "…", "fields": {"thing1": "title"}}}}; "" = default.
WECHAT_TEMPLATES = json.loads(os.environ.get("WECHAT_TEMPLATES", "{}") or "{}")
# 企业微信 (WeCom) for staff reminders (channels/wecom.py, docs/channels.md).
WECOM_CORP_ID = os.environ.get("WECOM_CORP_ID", "")
WECOM_SECRET = os.environ.get("WECOM_SECRET", "")
WECOM_AGENT_ID = os.environ.get("WECOM_AGENT_ID", "")
WECOM_API_BASE = os.environ.get("WECOM_API_BASE", "")
# SMS (notifications/sms, docs/channels.md): "tencent" (腾讯云短信) or "aliyun" (阿里云短信);
# unset = no SMS. Template ids per template key and provider, as JSON:
# {"otp": {"tencent": "1234567", "aliyun": "SMS_123456789"}, "case_status": {…}, …}.
# SMS_ENDPOINT / SMS_ENDPOINT_SCHEME point at the fake server (`yingshang sms simulate`).
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "")
SMS_ACCESS_KEY_ID = os.environ.get("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = os.environ.get("SMS_ACCESS_KEY_SECRET", "")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_SDK_APP_ID = os.environ.get("SMS_SDK_APP_ID", "")
SMS_REGION = os.environ.get("SMS_REGION", "")
SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "")
SMS_ENDPOINT_SCHEME = os.environ.get("SMS_ENDPOINT_SCHEME", "https")
SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "10"))
SMS_TEMPLATE_IDS = json.loads(os.environ.get("SMS_TEMPLATE_IDS", "{}") or "{}")
# SMS reaches only people WeChat cannot (no binding, or a push that finally failed).
SMS_ONLY_AS_FALLBACK = _env_bool("SMS_ONLY_AS_FALLBACK", True)
# REST API: a token's user is cached per process for this many seconds (0: read every request);
# deleting the token or saving the user drops it at once in the process that did it.
API_TOKEN_CACHE_SECONDS = float(os.environ.get("API_TOKEN_CACHE_SECONDS", "5"))

# SLA warning: a case turns amber when max(SLA_WARNING_DAYS, SLA_WARNING_RATIO × limit) working
# days or fewer are left.
SLA_WARNING_DAYS = int(os.environ.get("SLA_WARNING_DAYS", "1"))
SLA_WARNING_RATIO = float(os.environ.get("SLA_WARNING_RATIO", "0.2"))

# The city this installation serves (the demo: Mianyang 绵阳市).
YINGSHANG_CITY_CODE = os.environ.get("YINGSHANG_CITY_CODE", "510700")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal": {"()": "yingshang.platform.masking.MaskPersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Enterprise representatives (docs/registry.md): the one-time code sent to an enterprise's
# registered phone, and the login provider's real-name hook (a stub until one is integrated).
REGISTRY_CODE_SENDER = "yingshang.notifications.public.send_sms"
REGISTRY_CODE_TTL_SECONDS = 600
REGISTRY_CODE_MAX_ATTEMPTS = 5
REGISTRY_CODE_RESEND_SECONDS = 60
REGISTRY_REALNAME_PROVIDER = "yingshang.registry.verification.NoRealNameProvider"

# Applicant accounts (docs/accounts.md): one-time SMS codes, the real-name provider (OpenID
# Connect), the demo's accounts box, fake-SMS page and local OpenID provider.
ACCOUNTS_CODE_SENDER = os.environ.get(
    "ACCOUNTS_CODE_SENDER", "yingshang.notifications.public.send_sms"
)
ACCOUNTS_CODE_TTL_SECONDS = int(os.environ.get("ACCOUNTS_CODE_TTL_SECONDS", "300"))
ACCOUNTS_CODE_MAX_ATTEMPTS = int(os.environ.get("ACCOUNTS_CODE_MAX_ATTEMPTS", "5"))
ACCOUNTS_CODE_RESEND_SECONDS = int(os.environ.get("ACCOUNTS_CODE_RESEND_SECONDS", "60"))
ACCOUNTS_CODES_PER_PHONE_PER_HOUR = int(os.environ.get("ACCOUNTS_CODES_PER_PHONE_PER_HOUR", "5"))
ACCOUNTS_CODES_PER_PHONE_PER_DAY = int(os.environ.get("ACCOUNTS_CODES_PER_PHONE_PER_DAY", "10"))
ACCOUNTS_CODES_PER_IP_PER_HOUR = int(os.environ.get("ACCOUNTS_CODES_PER_IP_PER_HOUR", "20"))
# a password login also needs a login code (two factors)
ACCOUNTS_PASSWORD_LOGIN_REQUIRES_CODE = _env_bool("ACCOUNTS_PASSWORD_LOGIN_REQUIRES_CODE")
# The real-name identity provider as JSON: {"label": "天府通办", "issuer": "https://…",
# "client_id": "…", "client_secret": "…", "scopes": "openid profile phone",
# "claims": {"name": "name", "id_number": "id_card", "phone": "phone_number"}}; {} = none.
ACCOUNTS_OIDC = json.loads(os.environ.get("ACCOUNTS_OIDC", "{}") or "{}")
# The demo: the 演示账号 box and the fake SMS page (ACCOUNTS_DEMO=1), the local OpenID provider
# under /accounts/demo-idp/ (ACCOUNTS_DEMO_IDP=1; tests and demo only — it checks no password).
ACCOUNTS_DEMO = _env_bool("ACCOUNTS_DEMO")
ACCOUNTS_DEMO_IDP = _env_bool("ACCOUNTS_DEMO_IDP")
if ACCOUNTS_DEMO and not SMS_PROVIDER and "ACCOUNTS_CODE_SENDER" not in os.environ:
    # the demo without an SMS provider: codes are shown on /accounts/demo-sms/, not sent
    ACCOUNTS_CODE_SENDER = "yingshang.accounts.demo_outbox.send"
if ACCOUNTS_DEMO_IDP and not ACCOUNTS_OIDC:
    # the demo logs in against its own OpenID provider (accounts/oidc.py)
    ACCOUNTS_OIDC = {
        "label": "演示身份认证平台",
        "issuer": SITE_URL.rstrip("/") + "/accounts/demo-idp",
        "client_id": "yingshang-demo",
        "client_secret": "demo-only-secret",
        "scopes": "openid profile phone",
        "claims": {"name": "name", "id_number": "id_number", "phone": "phone_number"},
    }
