"""Settings shared by every environment of the reference site.

The site installs cities_cms the way a partner city would: the apps below, one include()
in urls.py, ``migrate`` and ``manage.py cities_cms_setup``.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

from cities_cms.conf import NETWORK_LANGUAGES
from cities_cms.translation.config import machine_translator_setting

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("CITIES_CMS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "site_project.demo",
    "cities_cms",
    "cities_cms.registration",
    "cities_cms.federation",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.table_block",
    "wagtail.contrib.sitemaps",
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_countries",
    # the task queue of the embedded default (TASKS below) and its worker, ``manage.py db_worker``
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",  # throttled admin logins and page passwords (see AXES_* below)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Each value of cities_cms.content_cache read once per request (its generation too).
    "cities_cms.content_cache.RequestMemoMiddleware",
    # Anonymous requests of public pages from the cache (cities_cms.page_cache): before the
    # session, so a hit costs no session, user or database query.
    "cities_cms.page_cache.PageCacheMiddleware",
    # Inside the page cache, so a cached page keeps the header that matches its nonces.
    "cities_cms.csp_middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Wagtail's page routing in two queries (cities_cms.routing; optional).
    "cities_cms.routing.RouteMiddleware",
    # Last, as django-axes asks: turns a lockout into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

# --- Hardening ---
# Password guesses (admin logins and page passwords, cities_cms.throttle) are counted per
# client address: after AXES_FAILURE_LIMIT failures the address waits AXES_COOLOFF_TIME, even
# with the right password. Locked addresses are listed and unlocked in Django's admin or with
# `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
# Behind a reverse proxy (nginx, Caddy ...) that appends the client's address to
# X-Forwarded-For, set TRUSTED_PROXY_COUNT to the number of such proxies; without it every
# visitor would count as the proxy's address (README "Production").
CITIES_CMS_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "cities_cms.throttle.client_address"

# Content-Security-Policy (django-csp; cities_cms.csp): no third-party host anywhere; inline
# code only with the request's nonce on public pages (Wagtail's admin: inline allowed, see
# cities_cms.csp); a page with an embedded video lets in that one player's host once the
# visitor asks for it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

ROOT_URLCONF = "site_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Templates here override the package's: see templates/cities_cms/includes/.
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "site_project.wsgi.application"

# SQLite is the embedded default; DATABASE_URL (postgres://...) switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent writers wait instead of failing with "database is locked": WAL lets readers
    # go on while one process writes, the busy timeout (seconds) makes a writer wait for the
    # lock, and IMMEDIATE transactions take the write lock at BEGIN (a deferred transaction
    # that reads first cannot wait when it later needs to write: SQLite answers it "busy" at
    # once). synchronous=NORMAL is durable in WAL mode except for the last commits on power loss.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache for every process of the site (the web server and the task worker): a change made
# by one must reach the pages the other serves (cities_cms.page_cache, content_cache). Files
# in var/cache need no server; production.py switches to Redis when REDIS_URL is set.
CACHES = {
    "default": {
        "BACKEND": "cities_cms.cache.FileCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

# Background work (push and pull of the federation, registration e-mails, machine drafts of
# a subtree, the retention purge) is queued in the database and run by a worker beside the
# web server: ``manage.py db_worker`` (``make demo`` starts one), and ``manage.py
# cities_cms_periodic`` from cron every few minutes queues what is due. production.py
# switches the queue to Redis with the cache when REDIS_URL is set. See README "Production".
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [(code, name) for code, name in NETWORK_LANGUAGES]
# The reference site's own texts (its footer line); the package ships its catalogues itself.
LOCALE_PATHS = [PROJECT_DIR / "locale"]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
# English dates as Europe writes them (12/03/2026 is 12 March; 14:42, not 2:42 p.m.): the
# package's corrections of Django's US "en" formats (cities_cms/formats/en/formats.py).
FORMAT_MODULE_PATH = ["cities_cms.formats"]
USE_TZ = True

STATIC_ROOT = VAR_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("CITIES_CMS_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Cities of change"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# No avatars from gravatar.com in the admin: nothing leaves for third parties.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor does the admin ask releases.wagtail.org for new versions from the editor's browser (the
# dashboard's "What's new" banner only links out; it fetches nothing and stays).
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Embeds render as links to the provider (no third-party requests); no oEmbed finders needed.
WAGTAILEMBEDS_FINDERS = []

# The embedded default: Wagtail's database search backend. ELASTICSEARCH_URL switches to
# Elasticsearch (see docs/search.md).
if os.environ.get("ELASTICSEARCH_URL"):
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            # Wagtail's elasticsearch9 backend with an analyzer per language.
            "BACKEND": "cities_cms.search.backends.elasticsearch9",
            "URLS": [os.environ["ELASTICSEARCH_URL"]],
            "INDEX_PREFIX": os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "cities_cms_"),
        }
    }
else:
    # Wagtail's database backend, language-aware (SQLite FTS5 or PostgreSQL).
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cities_cms.search.backends.database"}}

# Machine translation drafts: DeepL when DEEPL_AUTH_KEY is set; otherwise the offline,
# clearly labelled draft translator in development and tests (dev.py/test.py), none in production.
WAGTAILLOCALIZE_MACHINE_TRANSLATOR = machine_translator_setting(os.environ.get("DEEPL_AUTH_KEY"))

# Federation: this instance's Ed25519 private key, created by ``manage.py cities_cms_setup``.
# Kept under var/ (ignored by git, not in database dumps); production points it elsewhere.
CITIES_CMS_FEDERATION_KEY_FILE = os.environ.get(
    "CITIES_CMS_FEDERATION_KEY_FILE", str(VAR_DIR / "keys" / "federation-ed25519.pem")
)
# The address peers know this instance by (default: the default Wagtail site's root URL).
# ``make demo`` and ``make demo-peer`` set it to http://127.0.0.1:8000 and :8001.
CITIES_CMS_FEDERATION_BASE_URL = os.environ.get("CITIES_CMS_FEDERATION_BASE_URL") or None
