"""MLFit settings: everything comes from the environment, with safe defaults.

With no configuration at all the app runs on a SQLite file with background jobs executed
eagerly (see README). Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("MLFIT_TESTING", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    # Serves the API docs' Swagger UI from our own static files: the CDN copy would break the CSP.
    "ninja",
    "csp",
    # Below every app of ours: they write their side effects into it (outbox.services.outbox_add).
    "outbox",
    # The audit trail: every app above records its changes into it (audit.services.audit_record).
    "audit",
    "accounts",
    # Outgoing webhooks: the apps above emit their events into it (webhooks.services.webhook_emit).
    "webhooks",
    "projects",
    "approaches",
    # Django label "assessments": the questionnaire app kept the label of the app it grew out of,
    # so its tables, migrations and content types did not move (docs/architecture.md).
    "questionnaires",
    # The EU AI Act triage: its screening is an assessment of the `eu_ai_act` questionnaire.
    "regulation",
    "stakeholders",
    "suitability",
    "reports",
    "transfer",
]

MIDDLEWARE = [
    # First: it times and logs every request with its id (one JSON line), whatever answers it below.
    "config.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before the session and anything else that could read the body: a request that is too large
    # is answered 413 without being read.
    "config.middleware.RequestSizeLimitMiddleware",
    # Before the CSRF check reads a form: a body in another charset than UTF-8 is a 400 that says so.
    "accounts.middleware.InputBoundaryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # While PostgreSQL is unreachable a view answers 503 "try again", not 500 (config/db_errors.py).
    "config.db_errors.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, with the member's organisation, in one query.
    "accounts.middleware.MemberMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.organisation",
            ],
        },
    },
]

# CONN_MAX_AGE: without persistent connections a PostgreSQL page runs at about a sixth of
# the speed on these machines (ARCHITECTURE.md, known traps).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # SQLite keeps the portfolio's covering index (projects.Proposal) as a plain one: the
    # included columns are a PostgreSQL speed-up, so migrate need not warn about them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A reviewer with sign-offs waiting lands on that queue (projects.portfolio_views.landing_view).
LOGIN_REDIRECT_URL = "projects:landing"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# One way to show a date everywhere a person reads one ("4 Dec 2026", "4 Dec 2026, 14:05"), and the
# UK ways to type one: Django's en_GB formats win over DATE_FORMAT here, so ours live in a module.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the app folders in development and tests; production runs collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
# The manifest storage breaks tests that have not run collectstatic (ARCHITECTURE.md), so only
# production uses it.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Bad input must never be a 500: cap what a request may carry. The largest form (a proposal with
# every text field full) is well under 100 KB; 2 MB leaves room for the API's batch answers.
# config.middleware.RequestSizeLimitMiddleware answers 413 from Content-Length before reading a body
# over these limits; Django's own checks (400) stay as the backstop for bodies that lie about it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Multipart uploads (an import upload, when there is one) may be larger; files over 2.5 MB are
# spooled to a temporary file rather than held in memory.
MLFIT_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)

# Content-Security-Policy (django-csp): no inline script anywhere (htmx attributes do the work; any
# script of our own belongs in static/js), no eval, no plugins, no framing, forms post only here.
# img-src allows data: because the heatmap chart embeds its raster as a data: URI. style-src needs
# no 'unsafe-inline': the SVG charts carry presentation attributes instead of style attributes
# (reports.charts), htmx's indicator style is in app.css (includeIndicatorStyles is off in
# base.html), and progress bars take their width from a class.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Sign-in throttling (accounts.throttle; the web's sign-in and the admin's), counted in the database
# (accounts.ThrottleCount, a row per email and per client address, updated under its row lock), so
# the counts hold while Redis is down and under parallel attempts. After this many failures for one
# email, or from one client address, further attempts are refused (429) until the window has
# passed. The address limit is higher: an office behind one NAT shares it.
LOGIN_THROTTLE_WINDOW = 15 * 60
LOGIN_THROTTLE_EMAIL_FAILURES = 5
LOGIN_THROTTLE_IP_FAILURES = 20
# Password-reset requests (each sends an email) allowed per email and per address in the window.
PASSWORD_RESET_THROTTLE_REQUESTS = 5
# Behind a reverse proxy every request comes from the proxy: name how many proxies append to
# X-Forwarded-For, so the client address is read from it. 0 (the default) trusts no header.
MLFIT_TRUSTED_PROXY_COUNT = int(os.environ.get("MLFIT_TRUSTED_PROXY_COUNT", "0"))

# Where MLFit is served, for links in emails sent by jobs (there is no request to build them from).
MLFIT_BASE_URL = os.environ.get("MLFIT_BASE_URL", "http://127.0.0.1:8000/")

# Email: SMTP when EMAIL_HOST is set; in development a file per message under sent-emails/ (in
# .gitignore), so `make run` ends with the address and the sign-in rather than pages of raw MIME;
# otherwise the console (a container's log).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "MLFit <mlfit@localhost>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Cache and sessions: with Redis, sessions are read from the cache (written through to the
# database), which saves a query on every signed-in page.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down is a cache miss, not a 500: sessions fall back to the database (config/cache.py).
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mlfit",
            "TIMEOUT": 3600,
            # An unreachable Redis costs a page at most this long per cache call, not the OS's minutes.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Celery: Redis when configured; otherwise jobs run eagerly (no broker needed on a laptop).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# acks_late: a job whose worker dies is redelivered; the visibility timeout bounds how long Redis
# waits before handing it to another worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600")),
    # Sending a job from a page must fail fast when Redis is down: the report is then marked
    # delayed and the sweep sends it later (reports.services._enqueue), instead of the page
    # hanging on the default timeouts and retries.
    "socket_connect_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The worker's log lines name the request that sent the job (config/request_log.py).
CELERY_WORKER_LOG_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] [request %(request_id)s] %(message)s"
CELERY_WORKER_TASK_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s] %(task_name)s[%(task_id)s] [request %(request_id)s] %(message)s"
)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE = {
    # Every 15 s: with a 30 s heartbeat deadline, a job whose worker died is noticed within 45 s.
    "sweep-reports": {"task": "assessments.tasks.sweep_reports", "schedule": 15.0},
    # Side effects the broker was away for (outbox.services.outbox_sweep), and emails to retry.
    "sweep-outbox": {"task": "outbox.tasks.sweep_outbox", "schedule": 60.0},
    # Webhook attempts whose worker died, and deliveries long finished (webhooks.services.delivery_sweep).
    "sweep-webhooks": {"task": "webhooks.tasks.sweep_deliveries", "schedule": 60.0},
    # Stored API answers past their 24 hours (accounts.api_idempotency.idempotency_forget_expired).
    "forget-idempotency-keys": {"task": "accounts.tasks.forget_idempotency_keys", "schedule": 60 * 60.0},
    # Daily; each reminder's event key names its ISO week, so owners hear at most once a week per reason.
    "stale-reminders": {"task": "projects.tasks.send_stale_reminders", "schedule": 24 * 60 * 60.0},
}

# Production hardening: all on unless DEBUG, so `check --deploy` is clean.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not TESTING)
    SESSION_COOKIE_SECURE = not TESTING
    CSRF_COOKIE_SECURE = not TESTING
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
# Lax: the cookies go with top-level navigation (links in emails) but not with cross-site posts.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Every record carries the id of the request (or job) it was made for (config/request_log.py); the
# request log is one JSON line per request on stdout (logger mlfit.request, MLFIT_REQUEST_LOG=0 turns
# it off). MLFIT_LOG_FORMAT=json makes every other record a JSON line too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.request_log.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("MLFIT_LOG_FORMAT") == "json" else "text",
        },
        "requests": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "loggers": {
        "mlfit.request": {
            "handlers": ["requests"],
            "level": "INFO" if env_bool("MLFIT_REQUEST_LOG", not TESTING) else "WARNING",
            "propagate": False,
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Seconds a report job pauses after each step. 0 in real use; the fault tests set it through the
# environment of the worker they start, to kill that worker in the middle of a job.
REPORT_STEP_PAUSE = float(os.environ.get("MLFIT_REPORT_STEP_PAUSE", "0"))

# Invitations stay valid this long.
INVITATION_MAX_AGE_DAYS = 7

# Outgoing webhooks (docs/webhooks.md): https only, to public addresses only, unless the deployment
# says otherwise (a receiver on the same private network; plain http while developing and testing).
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", DEBUG or TESTING)

# Operations (config/health.py, config/metrics.py, config/sentry.py; README, "Production settings").
# /health/ and /health/live/ answer load balancers and probes over plain HTTP; /metrics/ is scraped
# the same way and refuses anyone without its token.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics/$"]
# The workers' heartbeat: written this often, and /health/ reports the worker down past the age.
MLFIT_WORKER_HEARTBEAT_INTERVAL = float(os.environ.get("MLFIT_WORKER_HEARTBEAT_INTERVAL", "30"))
MLFIT_WORKER_HEARTBEAT_MAX_AGE = float(os.environ.get("MLFIT_WORKER_HEARTBEAT_MAX_AGE", "90"))
# Keys of ours in the broker's Redis (worker heartbeats, job counts); the tests use their own.
MLFIT_REDIS_KEY_PREFIX = "mlfit"
# Requests per API token in each window of seconds (accounts.api_ratelimit); docs/api.md says so.
MLFIT_API_RATE_LIMIT = int(os.environ.get("MLFIT_API_RATE_LIMIT", "600"))
MLFIT_API_RATE_WINDOW = int(os.environ.get("MLFIT_API_RATE_WINDOW", "60"))
# Prometheus metrics at /metrics/: off (404) unless a token is set, then only with that bearer token.
MLFIT_METRICS_TOKEN = os.environ.get("MLFIT_METRICS_TOKEN", "")
if MLFIT_METRICS_TOKEN and len(MLFIT_METRICS_TOKEN) < 20:
    raise ImproperlyConfigured("MLFIT_METRICS_TOKEN must be at least 20 characters (a random string).")
# Error reporting: only when SENTRY_DSN is set.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
init_sentry(
    dsn=SENTRY_DSN,
    environment=os.environ.get("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
    release=os.environ.get("MLFIT_RELEASE"),
    traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
)
