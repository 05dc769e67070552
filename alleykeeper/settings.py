"""One settings module, driven by environment variables (see README "Configuration").

A `.env` file at the repository root (written by `make env`, never committed) is read first;
real environment variables win over it.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_env_file(path: Path) -> None:
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip())


_load_env_file(Path(os.environ.get("ALLEYKEEPER_ENV_FILE", BASE_DIR / ".env")))


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(
            f"Set the environment variable {name} (see README, Configuration). "
            "For development, `make env` writes a .env file with fresh random keys."
        )
    return value


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Identity data: AES-256-GCM keys, 32 bytes urlsafe base64 each (Fernet.generate_key() output; see core/crypto.py),
# comma-separated, newest first, older ones kept to read old rows;
# and a separate key for the blind index used for exact look-up.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must name at least one key (32 bytes, urlsafe base64).")

INSTALLED_APPS = [
    "alleykeeper.accounts.apps.VerifiedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # django-ninja: the JSON API; installed so that its docs page serves Swagger UI from its own files
    "alleykeeper.core",
    "alleykeeper.accounts",
    "alleykeeper.audit",
    "alleykeeper.registry",
    "alleykeeper.places",
    "alleykeeper.screening",
    "alleykeeper.pushlist",
    "alleykeeper.observation",
    "alleykeeper.gates",
    "alleykeeper.visitors",
    "alleykeeper.publicity",
    "alleykeeper.supplies",
    "alleykeeper.sanitation",
    "alleykeeper.reports",
    "alleykeeper.reopening",
    "alleykeeper.maps",
    "alleykeeper.alerts",
    "alleykeeper.center",
    "alleykeeper.api",
    "alleykeeper.demo",
    "django.forms",  # last: its widget templates, after the ones core overrides (FORM_RENDERER below)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "alleykeeper.core.headers.permissions_policy",
    "alleykeeper.core.replica.ReplicaScopeMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "alleykeeper.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "alleykeeper.urls"
WSGI_APPLICATION = "alleykeeper.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alleykeeper.center.context_processors.navigation",
                "alleykeeper.accounts.context_processors.second_factor_pending",
            ],
        },
    },
]

# Form widgets render with the project's templates, so that core can override one of Django's (a select's options
# written inline: alleykeeper/core/templates/django/forms/widgets/select.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'alleykeeper.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A PostgreSQL streaming replica (README "Read replica"): dashboards, reports, exports and long lists read from
# it (core/replica.py), never what the request wrote; after a write the browser reads the primary for
# REPLICA_PIN_SECONDS.
if env("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"), conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["alleykeeper.core.replica.ReplicaRouter"]
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "center:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "email")},
    },
    {"NAME": "alleykeeper.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Shared state (README "Several app servers"): sessions live in the database; rate limits and login throttling
# in the cache, which every process must share: Redis (REDIS_URL, several app servers), or the database (one
# server without Redis: the laptop). A per-process cache (locmem) counts each worker alone: development only.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
REDIS_URL = env("REDIS_URL", "")
CACHE_BACKEND = env("CACHE_BACKEND", "redis" if REDIS_URL else ("locmem" if DEBUG else "database"))
_CACHE_BACKENDS = {
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "alleykeeper_cache"},
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if CACHE_BACKEND not in _CACHE_BACKENDS or (CACHE_BACKEND == "redis" and not REDIS_URL):
    raise ImproperlyConfigured("CACHE_BACKEND is one of redis (with REDIS_URL), database or locmem.")
if CACHE_BACKEND == "locmem" and not DEBUG:
    raise ImproperlyConfigured(
        "CACHE_BACKEND=locmem keeps rate limits and login throttling inside each process: with DEBUG off, set "
        "REDIS_URL (several app servers) or CACHE_BACKEND=database (one server), see README, Configuration."
    )
CACHES = {"default": _CACHE_BACKENDS[CACHE_BACKEND]}

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Leaflet and Leaflet.draw (the prevention map) come in django-leaflet's wheel. Only its static files are used:
# its app would import GeoDjango (and need GDAL) for its admin widget, so its static folder is added as it is,
# found without importing the package.
STATICFILES_DIRS = [Path(importlib.util.find_spec("leaflet").submodule_search_locations[0]) / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded imports are private: kept outside any served directory.
PRIVATE_UPLOAD_ROOT = Path(env("PRIVATE_UPLOAD_ROOT", str(BASE_DIR / "var" / "uploads")))
# Attached files (core.uploads: PDF, JPEG, PNG by content): size of any file, of a photo, and a photo's pixels.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
UPLOAD_IMAGE_MAX_BYTES = env_int("UPLOAD_IMAGE_MAX_BYTES", 8 * 1024 * 1024)
UPLOAD_IMAGE_MAX_PIXELS = env_int("UPLOAD_IMAGE_MAX_PIXELS", 40_000_000)

# Security: production defaults, relaxed only by DEBUG.
SESSION_COOKIE_HTTPONLY = True
# Flash messages name residents and addresses: keep them server-side, not in a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
# Idle timeout (accounts/middleware.py): a session unused this long is signed out, whatever SESSION_COOKIE_AGE
# (the longest a session lives however busy) says.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
# The API's server_time is this much before the read: rows written by a transaction still open (an import) are
# stamped before they can be seen, and the next sync must still find them (README "The JSON API").
API_SYNC_OVERLAP_SECONDS = env_int("API_SYNC_OVERLAP_SECONDS", 300)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env("SECURE_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (INCLUDE) serve PostgreSQL's index-only scans; SQLite keeps them as plain indexes, which is
    # all a laptop needs: not a warning on every `make run`.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# Client addresses: X-Forwarded-For is believed only when the direct peer is one of these.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# Login throttling (GUIDE 4): failures per account and per client in a window.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_CLIENT = env_int("LOGIN_FAILURES_PER_CLIENT", 20)
LOGIN_THROTTLE_WINDOW = env_int("LOGIN_THROTTLE_WINDOW", 15 * 60)

# Imports are hostile input (GUIDE 4).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 300_000)
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024)
# Exports: an XLSX is built whole before it is sent (a zip cannot be streamed), about 10 s per 100k rows;
# larger lists go by CSV, which streams as it is read.
EXPORT_XLSX_MAX_ROWS = env_int("EXPORT_XLSX_MAX_ROWS", 200_000)
# Push lists: worker processes that prepare a large list (read, check, seal, match); 1 = in-process.
PUSHLIST_IMPORT_PROCESSES = env_int("PUSHLIST_IMPORT_PROCESSES", 1)

# Domain settings (GUIDE.md section 3)
KEY_AREA_LOOKBACK_DAYS = env_int("KEY_AREA_LOOKBACK_DAYS", 14)
OBSERVATION_DAYS = env_int("OBSERVATION_DAYS", 14)
FEVER_THRESHOLD = float(env("FEVER_THRESHOLD", "37.3"))
VISITOR_RETENTION_DAYS = env_int("VISITOR_RETENTION_DAYS", 28)
# Public visitor form: registrations per minute from one client address and at one gate (HTTP 429 beyond).
VISITOR_RATE_PER_CLIENT = env_int("VISITOR_RATE_PER_CLIENT", 10)
VISITOR_RATE_PER_GATE = env_int("VISITOR_RATE_PER_GATE", 120)
# Closed management (gates): rest between two shifts of one person, and the home province's plate prefix.
ROSTER_MIN_REST_HOURS = env_int("ROSTER_MIN_REST_HOURS", 8)
HOME_PLATE_PREFIX = env("HOME_PLATE_PREFIX", "闽")

# Home observation (README "Home observation"): follow-up times in TIME_ZONE, how late a call may be
# before it shows as overdue, how soon a fever is retested, how long a delivery may take, and how long
# closed cases are kept before `purge_observation` deletes them.
OBSERVATION_FOLLOWUP_TIMES = env_list("OBSERVATION_FOLLOWUP_TIMES", "09:00,17:00")
OBSERVATION_FOLLOWUP_GRACE_MINUTES = env_int("OBSERVATION_FOLLOWUP_GRACE_MINUTES", 60)
OBSERVATION_RETEST_MINUTES = env_int("OBSERVATION_RETEST_MINUTES", 30)
OBSERVATION_REQUEST_DUE_HOURS = env_int("OBSERVATION_REQUEST_DUE_HOURS", 12)
OBSERVATION_RETENTION_DAYS = env_int("OBSERVATION_RETENTION_DAYS", 90)
OBSERVATION_SELF_REPORTS_PER_HOUR = env_int("OBSERVATION_SELF_REPORTS_PER_HOUR", 20)

# Daily report (README "Daily report"): the day's report covers the 24 hours up to this local time
# (HH:MM in TIME_ZONE, the community's zone); `generate_daily_reports` runs after it.
REPORT_CUTOFF = env("REPORT_CUTOFF", "15:00")
# The dashboard's figures of today (README "Dashboard"): counted by `refresh_figures` (a timer every few
# minutes) and read from that snapshot while it is at most this many minutes old; older or missing, the
# dashboard counts them itself. 0: never read a snapshot.
FIGURES_SNAPSHOT_MAX_AGE_MINUTES = env_int("FIGURES_SNAPSHOT_MAX_AGE_MINUTES", 10)
# Disinfection (sanitation): a task not done by its due time plus this grace is overdue; the daily stairwell
# task of a building with a household under home observation is due at this local time; the task command
# catches up this many missed days.
SANITATION_GRACE_MINUTES = env_int("SANITATION_GRACE_MINUTES", 120)
SANITATION_STAIRWELL_TIME = env("SANITATION_STAIRWELL_TIME", "10:00")
SANITATION_CATCH_UP_DAYS = env_int("SANITATION_CATCH_UP_DAYS", 3)
# Enterprise reopening (README "Enterprise reopening"): how long an enterprise's link works, and how many
# submissions (uploads included) one link and one client address may make in an hour.
REOPENING_LINK_DAYS = env_int("REOPENING_LINK_DAYS", 14)
REOPENING_LINK_POSTS_PER_HOUR = env_int("REOPENING_LINK_POSTS_PER_HOUR", 30)

# The prevention map (maps app): no tile server by default, so the map works with no internet; a tile layer
# is optional (its URL template, e.g. https://tiles.example.org/{z}/{x}/{y}.png, and the attribution its
# provider asks for). Where the map opens when nothing is drawn yet (latitude,longitude). Limits on drawn
# shapes and imported GeoJSON files.
MAP_TILE_URL = env("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "")
MAP_DEFAULT_CENTER = tuple(float(n) for n in env_list("MAP_DEFAULT_CENTER", "24.914,118.582")[:2])
MAP_MAX_VERTICES = env_int("MAP_MAX_VERTICES", 2000)
MAP_IMPORT_MAX_BYTES = env_int("MAP_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
MAP_IMPORT_MAX_FEATURES = env_int("MAP_IMPORT_MAX_FEATURES", 5000)

# Alerts (通知与提醒, README "Alerts"): the scan's first look-back, the robots' rate limit, retries, retention,
# quiet hours for residents' SMS (local time, HH:MM-HH:MM; blank: none), the SMS provider's endpoint, the token
# in the address of the SMS provider's upstream (reply) callback, and an SMS backend forced for every community
# (dotted path; blank: each community's own choice).
ALERTS_SCAN_LOOKBACK_MINUTES = env_int("ALERTS_SCAN_LOOKBACK_MINUTES", 60)
ALERTS_ROBOT_PER_MINUTE = env_int("ALERTS_ROBOT_PER_MINUTE", 20)
ALERTS_MAX_ATTEMPTS = env_int("ALERTS_MAX_ATTEMPTS", 12)
ALERTS_SEND_BATCH = env_int("ALERTS_SEND_BATCH", 500)
ALERTS_HTTP_TIMEOUT = float(env("ALERTS_HTTP_TIMEOUT", "5"))
# The only hosts a group robot's webhook may name: the server posts to it and shows the answer, so any other
# address (an internal service) is refused when saved and when sending. A private WeCom/DingTalk adds its own.
ALERTS_WEBHOOK_HOSTS = env_list("ALERTS_WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
ALERTS_RETENTION_DAYS = env_int("ALERTS_RETENTION_DAYS", 90)
ALERTS_REPORT_GRACE_MINUTES = env_int("ALERTS_REPORT_GRACE_MINUTES", 60)
ALERTS_QUIET_HOURS = env("ALERTS_QUIET_HOURS", "21:30-07:30")
ALERTS_ALIYUN_SMS_ENDPOINT = env("ALERTS_ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
ALERTS_SMS_INBOUND_TOKEN = env("ALERTS_SMS_INBOUND_TOKEN", "")
ALERTS_SMS_BACKEND = env("ALERTS_SMS_BACKEND", "")
# E-mail (alerts by e-mail): Django's mail settings; development prints mail to the console.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "alleykeeper@localhost")

# Content security policy (django-csp): scripts only from our own static files, never inline (no <script> body,
# no onclick=, no hx-on: core/static/core/app.js reads data attributes instead) and never eval'd. Inline style
# stays allowed (progress bars' widths, Leaflet's positioning). Images may come from the map's tile server.
_TILE_ORIGIN = "/".join(MAP_TILE_URL.split("/")[:3]) if MAP_TILE_URL.startswith("https://") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Second factor (django-otp, TOTP): the roles that can reveal identity data, export or manage staff
# (accounts/second_factor.py) confirm a code from an authenticator app; the issuer shown in the app.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "小巷管家")

# Backups (manage.py backup_database, the alleykeeper-backup timer): where, and how many are kept.
BACKUP_DIR = env("BACKUP_DIR", str(BASE_DIR / "var" / "backups"))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)

# Demo community (make run): password for all demo accounts, written into .env by `make env`.
DEMO_PASSWORD = env("DEMO_PASSWORD", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_pii": {"()": "alleykeeper.core.logging.RedactPIIFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_pii"], "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
