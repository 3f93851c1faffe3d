"""Settings of Terre de Solidarités, driven by environment variables.

Every value has a development default so that the product runs with one command on a
fresh machine (SQLite file under ``var/``, console mailer). A production deployment
(``DEBUG`` unset or false) refuses to start without ``SECRET_KEY``.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# pytest (8.2+) exports PYTEST_VERSION while it runs: the suite gets the Immediate task
# backend and anymail's test mailer, whatever the environment says.
TESTING = "PYTEST_VERSION" in os.environ


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Development defaults: DEBUG is on unless DEBUG=false, which is what production sets.
DEBUG = env_bool("DEBUG", default=True)
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = DEV_SECRET_KEY
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (or set DEBUG=true for development)."
        )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if (DEBUG or TESTING) else ""
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "anymail",
    "django_htmx",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "calls",
    "reviews",
    "workflows",
    "notifications",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the web processes (compressed, cached for a year under
    # their hashed names): no separate file server to run.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.security.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A file name too long to parse: back to the form with a message, not a bare 400.
    "config.errors.UnreadableUploadMiddleware",
    # NUL and the other control characters out of every form field and query string.
    "config.security.ControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff roles pass a second factor before any page but the account pages.
    "accounts.mfa.StaffMFAMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # French typography (non-breaking spaces, "1er") on every page: config/typography.py.
    # Inside CommonMiddleware, which may set the Content-Length of the final page.
    "config.typography.TypographyMiddleware",
    # The site's 405 page for the empty answers of require_POST and the like.
    "config.errors.ErrorPageMiddleware",
]
# A refused form (CSRF) answers the site's 403 page.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workflows.context_processors.roles",
                "notifications.context_processors.outbox_warning",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: a SQLite file by default, PostgreSQL (psycopg 3) when DATABASE_URL is set.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # WAL lets the web server and the task worker share the file.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "TEST_DATABASE_NAME", "test_terre_de_solidarites"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: login by email, verified addresses.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Bordeaux Terre de Solidarités] "
# Account emails (French) go through the outbox: accounts/adapter.py.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"

# Second factor (allauth.mfa): required for every staff role (accounts/mfa.py),
# optional for applicants. Authenticator apps (TOTP), security keys and passkeys
# (WebAuthn), recovery codes; a passkey can also log in without a password.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Bordeaux Terre de Solidarités"
# One 30-second step of clock drift either way between the phone and the server.
MFA_TOTP_TOLERANCE = 1
# WebAuthn refuses plain-http origins except in development and tests (127.0.0.1).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or TESTING

# django-guardian: no anonymous user row; direct-FK tables for hot models.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Internationalisation: French by default, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# French dates and hours ("6 décembre 2026 à 14 h 30"): config/formats/fr/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
# Production serves what `manage.py collectstatic` gathered in STATIC_ROOT under hashed
# names (WhiteNoise); development and the tests read the source folders directly.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", default=not DEBUG and not TESTING)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST
# Uploaded documents live outside any public path; they are served by a view that
# checks the dossier's permission rules.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "uploads"))

# Email: Django 6.1 MAILERS. Console mailer by default; file mailer with
# EMAIL_PROVIDER=file; an ESP through anymail otherwise (brevo, mailjet, ...).
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Bordeaux Terre de Solidarités <solidarites@example.org>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_PROVIDER = os.environ.get("EMAIL_PROVIDER", "console").lower()
ANYMAIL_PROVIDERS = {
    "brevo": ("anymail.backends.brevo.EmailBackend", {"api_key": "BREVO_API_KEY"}),
    "mailjet": (
        "anymail.backends.mailjet.EmailBackend",
        {"api_key": "MAILJET_API_KEY", "secret_key": "MAILJET_SECRET_KEY"},
    ),
    "scaleway": (
        "anymail.backends.scaleway.EmailBackend",
        {"secret_key": "SCALEWAY_SECRET_KEY", "project_id": "SCALEWAY_PROJECT_ID"},
    ),
    "amazon_ses": ("anymail.backends.amazon_ses.EmailBackend", {}),
}
if TESTING:
    MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
elif EMAIL_PROVIDER == "console":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
elif EMAIL_PROVIDER == "file":
    # One .eml file per email, listed at /dev/courriels/ in development.
    MAILERS = {
        "default": {
            "BACKEND": "notifications.dev_mailbox.EmlFileBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "sent-emails")},
        }
    }
elif EMAIL_PROVIDER == "smtp":
    # An SMTP relay (the City's own, or a local one).
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS"),
                "timeout": 30,
            },
        }
    }
elif EMAIL_PROVIDER in ANYMAIL_PROVIDERS:
    _backend, _options = ANYMAIL_PROVIDERS[EMAIL_PROVIDER]
    MAILERS = {
        "default": {
            "BACKEND": _backend,
            "OPTIONS": {key: os.environ[var] for key, var in _options.items() if var in os.environ},
        }
    }
else:
    raise ImproperlyConfigured(
        f"EMAIL_PROVIDER={EMAIL_PROVIDER!r} is unknown; use console, file, smtp or one of "
        + ", ".join(sorted(ANYMAIL_PROVIDERS))
    )
ANYMAIL = {
    "WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", ""),
}

# Outbox: delivery attempts and back-off (seconds, doubled on each failure).
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))
OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "60"))
OUTBOX_STALE_SENDING_SECONDS = int(os.environ.get("OUTBOX_STALE_SENDING_SECONDS", "900"))
# A failed email (attempts spent) is tried again, for a new round, after this delay.
OUTBOX_FAILED_RETRY_SECONDS = int(os.environ.get("OUTBOX_FAILED_RETRY_SECONDS", "3600"))
# The sweep (stuck "sending" rows, retries due) runs this often, scheduled by itself.
OUTBOX_SWEEP_INTERVAL_SECONDS = int(os.environ.get("OUTBOX_SWEEP_INTERVAL_SECONDS", "300"))

# Shared cache: the rate limits (logins, sign-ups, password resets, invitations) and
# the ranking's scores are counted here, so that they hold across every web process and
# host. A table of the database by default (created by the migration
# accounts.0003_cache_table, nothing to install); Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tds",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tds_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Rate limits (allauth, counted in the shared cache). A failed login counts against the
# pair (address, client IP) with a short window, so that someone who knows a staff
# member's address cannot lock them out from elsewhere; a wider limit per address alone
# stops guessing spread over many IPs (accounts/adapter.py). A password reset is never
# blocked by a login lock, and a successful reset lifts it: the owner always recovers
# by email. Password-reset emails are limited per address and per IP.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "10/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
}
# The password-reset form emails only addresses that have an account (no mail to
# strangers through the City's address); the page says the same either way.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Failed logins per address, whatever the IP (accounts/adapter.py).
LOGIN_FAILED_PER_ACCOUNT = os.environ.get("LOGIN_FAILED_PER_ACCOUNT", "30/h/key")
# Invitations to join an organisation, in the last 24 hours (accounts.services.invite).
INVITATIONS_PER_USER_PER_DAY = int(os.environ.get("INVITATIONS_PER_USER_PER_DAY", "20"))
INVITATIONS_PER_ORGANIZATION_PER_DAY = int(
    os.environ.get("INVITATIONS_PER_ORGANIZATION_PER_DAY", "30")
)
INVITATIONS_PER_RECIPIENT_PER_DAY = int(os.environ.get("INVITATIONS_PER_RECIPIENT_PER_DAY", "3"))
# Behind a reverse proxy, the number of proxies that append to X-Forwarded-For: the
# client IP of the rate limits is read there (0: the connection's address).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Background work through Django's tasks API.
if TESTING:
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The REST API (api/): JSON only, errors as problem details (RFC 9457), personal API
# tokens or the browser's session; OpenAPI 3 schema by drf-spectacular, its Swagger UI
# served from the vendored files of drf-spectacular-sidecar (no CDN).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per personal API token, counted in the shared cache (allauth's limiter).
API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "120/m/key,3000/h/key")
SPECTACULAR_SETTINGS = {
    "TITLE": "Bordeaux Terre de Solidarités API",
    "DESCRIPTION": (
        "The calls, dossiers and decisions of the solidarity scheme of the City of Bordeaux. "
        "Errors are problem details (RFC 9457, application/problem+json) in French or "
        "English after Accept-Language."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.problems.document_problems",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DossierStateEnum": "workflows.states.DossierState",
        "CallKindEnum": "calls.models.Call.Kind",
        "TrailKindEnum": "api.admin_serializers.TRAIL_KINDS",
    },
}

# Grants above this amount (EUR) need a "convention d'objectifs".
CONVENTION_THRESHOLD_EUR = 23000

# Security headers and HTTPS. Production (DEBUG off) defaults: HTTPS only (redirect,
# HSTS for a year on the host and its subdomains, secure cookies); behind a reverse
# proxy that terminates TLS, SECURE_PROXY_SSL_HEADER names the header it sets (e.g.
# X-Forwarded-Proto), so that Django knows the request was HTTPS (links in emails, the
# redirect). README "Production" lists the variables.
PRODUCTION = not DEBUG and not TESTING
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# The preload list is a commitment a City takes on purpose (SECURE_HSTS_PRELOAD=true);
# until then the deployment check's reminder about it is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", default=False)

# Content-Security-Policy on every response (Django's CSP middleware), in development
# and tests too: scripts and styles come only from this site's files (no inline code,
# no eval), nothing is framed or framing, forms post only here.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Browser features no page uses are switched off (config/security.py); WebAuthn
# (security keys, passkeys) stays allowed on this site.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each step of every PDF at INFO ("Step 5 - Creating layout"): only
    # its warnings (a font or an image missing) are worth a line.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
