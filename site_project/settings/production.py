"""Production settings: everything secret or site-specific comes from the environment.

Required: SECRET_KEY, ALLOWED_HOSTS (comma-separated), DATABASE_URL is strongly advised.
With these set, ``manage.py check --deploy`` passes with no warnings.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *

DEBUG = False


def _required(name):
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
    return value


SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if not h.startswith(".")]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

# A cache that every worker process of the server shares: the content cache (menus, branding,
# facet labels: cities_cms.content_cache), the registration rate limit and Wagtail's renditions
# must not differ from one process to the next. Files under var/ by default; REDIS_URL for a
# Redis server (pip install "cities-cms[redis]"), e.g. when several machines serve the site.
# REDIS_URL also moves the task queue to Redis (django-tasks-rq): run `manage.py rqworker
# default --job-class django_tasks_rq.Job` instead of `manage.py db_worker` (README
# "Production").
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": os.environ["REDIS_URL"]}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    CACHES = {
        "default": {
            # Django's file cache holds 300 entries by default and lists its directory
            # before every write; cities_cms.cache.FileCache culls rarely, oldest first.
            "BACKEND": "cities_cms.cache.FileCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

if os.environ.get("EMAIL_URL") is None:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO"},
        "cities_cms": {"handlers": ["console"], "level": "INFO"},
    },
}
