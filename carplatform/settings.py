"""Settings, read from the environment (12-factor, via django-environ).

With no variable set the project runs embedded: SQLite in the project folder, Celery tasks
executed in-process, DEBUG on and a development secret. Production sets ``DATABASE_URL``
(PostgreSQL), ``REDIS_URL`` (Celery broker and cache), ``SECRET_KEY``, ``ALLOWED_HOSTS`` and
``DEBUG=0``; then the secret has no default and the security settings are on.
"""

from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-secret-not-for-production-9f2c7e1a4b")
else:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: production must set it

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    # ours, ground floor first (see docs/architecture.md)
    "common",
    "accounts",
    "parts",
    "shops",
    "bookings",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "carplatform.urls"
WSGI_APPLICATION = "carplatform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.navigation",
            ],
        },
    },
]

# --- data -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that asks the socket instead of sending SELECT 1 on
    # every request (decision 0017)
    DATABASES["default"]["ENGINE"] = "common.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        # Parameters bound by the server, and a statement run 5 times on a connection is prepared:
        # PostgreSQL then skips parsing and planning it (decision 0015). Set 0 behind a pooler in
        # transaction mode that cannot carry prepared statements (Django's default binding).
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
else:
    # SQLite: wait for a writer instead of failing at once ("database is locked").
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "common.cache.RedisCache",  # Django's, keeping its client
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "carplatform",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- users ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- language, time, money ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
CURRENCY = "CNY"

# --- static ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG  # serve app static without collectstatic while developing
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "common.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "register": env.str("THROTTLE_REGISTER", default="10/hour"),
        "token": env.str("THROTTLE_TOKEN", default="30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Car aftermarket booking platform API",
    "DESCRIPTION": "Catalogue, quotes, shops, bookings, vouchers and settlement. "
    "Money is a decimal string with two places plus a currency.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN (the network may be closed).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SettlementRunStatusEnum": "payments.settlement.models.SettlementRun.Status",
        "PayoutStatusEnum": "payments.settlement.models.Payout.Status",
        "BookingStatusEnum": "bookings.models.Booking.Status",
    },
}

# --- background work ------------------------------------------------------------------------
# No REDIS_URL: tasks run in-process, so a newcomer needs nothing but Python.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "bookings-expire-unpaid": {"task": "bookings.tasks.bookings_expire_unpaid", "schedule": 60.0},
    "payments-reconcile-pending": {"task": "payments.tasks.payments_reconcile_pending", "schedule": 300.0},
    "vouchers-expire-due": {"task": "payments.tasks.vouchers_expire_due", "schedule": 3600.0},
    # T+1: settle yesterday at 02:00 (an hour past the undo window of the day's last redemption)
    "settlement-run-daily": {
        "task": "payments.tasks.settlement_run_due_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "payouts-send-due": {"task": "payments.tasks.payouts_send_due_task", "schedule": 900.0},
    "photos-sweep-orphans": {
        "task": "bookings.tasks.photos_sweep_orphans",
        "schedule": crontab(hour=3, minute=30),
    },
}

# How many proxies in front of the application append the address they saw to X-Forwarded-For
# (a load balancer, then nginx: 2). 0: the connection's peer is the client (common.http).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- security (production) ------------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- the platform ---------------------------------------------------------------------------
# Demo data loaders, run in this order by `manage.py demo_load` (ground floor first).
DEMO_LOADERS = [
    "accounts.demo.load",
    "parts.demo.load",
    "shops.demo.load",
    "bookings.demo.load",
    "payments.demo.load",
]
# Keys for voucher codes (lookup hashes and encryption at rest) derive from this secret. It
# defaults to SECRET_KEY; set it on its own before you ever rotate SECRET_KEY, or issued
# vouchers can no longer be found or shown.
VOUCHER_SECRET = env.str("VOUCHER_SECRET", default=SECRET_KEY)
# Booking and payment rules.
BOOKING_PAY_WITHIN_MINUTES = env.int("BOOKING_PAY_WITHIN_MINUTES", default=15)
VOUCHER_VALID_DAYS = env.int("VOUCHER_VALID_DAYS", default=30)
REDEMPTION_UNDO_MINUTES = 60
# Service photos (steps and additional work): largest upload, and the longest side kept after
# re-encoding; uploads above Django's in-memory limit spill to a temporary file.
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
PHOTO_MAX_SIDE = 2048
# A photo file without its row (its upload rolled back) is deleted once this old (daily sweep).
PHOTO_ORPHAN_HOURS = 24
# Failed code look-ups per minute before the counter answers 429 (against guessing codes).
REDEEM_FAILURES_PER_MINUTE_STAFF = env.int("REDEEM_FAILURES_PER_MINUTE_STAFF", default=10)
REDEEM_FAILURES_PER_MINUTE_SHOP = env.int("REDEEM_FAILURES_PER_MINUTE_SHOP", default=30)
# Settlement and payouts (decision 0011)
SETTLEMENT_CHUNK_SHOPS = env.int("SETTLEMENT_CHUNK_SHOPS", default=500)
SETTLEMENT_RUN_STALE_MINUTES = 60
PAYOUT_PROVIDER = env.str("PAYOUT_PROVIDER", default="payments.settlement.payouts.SandboxPayoutProvider")
PAYOUT_MAX_ATTEMPTS = 5
PAYOUT_RETRY_MINUTES = 30
PAYMENT_PROVIDERS = {"sandbox": "payments.checkout.sandbox.SandboxProvider"}
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default="whsec_sandbox_" + SECRET_KEY[:24])
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - demo accounts only, created by demo_load

# Shops: the default commission of a new shop's agreement, and how far matching looks.
SHOP_DEFAULT_COMMISSION_RATE = env.str("SHOP_DEFAULT_COMMISSION_RATE", default="0.0800")
MATCH_MAX_DISTANCE_KM = 50
# How long matching and booking keep what a job needs for one car; every catalogue write makes
# the cached entries unreachable at once (parts.quoting.catalogue_changed), so this only bounds memory.
RESOLUTION_CACHE_SECONDS = env.int("RESOLUTION_CACHE_SECONDS", default=3600)
# The platform's labour rate (CNY per labour hour) for quotes without a shop's own price book.
DEFAULT_LABOUR_RATE = Decimal(env.str("DEFAULT_LABOUR_RATE", default="120.00"))
