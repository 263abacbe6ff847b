import os
import tempfile

from .base import *

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test run gets its own media folder; tests/conftest.py gives each test a fresh one.
MEDIA_ROOT = tempfile.mkdtemp(prefix="cities_cms_media_")
# Never the repository's var/keys/: federation tests make their own key (federation_key).
CITIES_CMS_FEDERATION_KEY_FILE = os.path.join(
    tempfile.mkdtemp(prefix="cities_cms_keys_"), "federation-ed25519.pem"
)
# ... which does not exist until a test creates it: `manage.py check` need not say so.
SILENCED_SYSTEM_CHECKS = ["cities_cms_federation.W002"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_AUTOREFRESH = True
WAGTAILADMIN_BASE_URL = "http://testserver"
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    DATABASES["default"]["TEST"] = {"NAME": "cities_cms_test"}
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not Django's shared in-memory database: the browser tests' live server answers
    # in several threads (the admin autosaves while the editor clicks), and each thread needs
    # its own connection, as in production. Durability is not needed in tests.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.mkdtemp(prefix="cities_cms_db_"), "test.sqlite3")
    }
    # WAL, the busy timeout and IMMEDIATE transactions as on the reference site (base.py).
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL;"
    )

# Never DeepL in tests, whatever the environment says: no test may reach the internet.
WAGTAILLOCALIZE_MACHINE_TRANSLATOR = machine_translator_setting(None, offline_fallback=True)

# Trees are synchronised, as on the reference site (CITIES_CMS_SYNC_TREES defaults to True):
# every page has an alias in each language until it is translated. Three of the network's
# languages keep the suite fast; the multilingual crawl (tests/test_crawl.py) loads all ten.
CITIES_CMS_LANGUAGES = ["en", "lv", "pl"]

# The page cache is on, as on the reference site (cities_cms.page_cache). The cache itself is
# Django's local-memory cache: a test's servers run in the test's own process (live server
# threads), and tests/conftest.py clears it between tests; the tests of a cache shared by
# several processes use Redis (tests/harness/redis.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS += ["cities_cms.W010"]  # one process: see above

# The optional apps are optional: CITIES_CMS_PROFILE=core (neither), no-federation or
# no-registration runs the site without them (Makefile: test-profiles runs the rendering,
# pages, API and search tests in each). Default: the reference site's apps, all of them.
LEFT_OUT_APPS = {
    "full": [],
    "core": ["cities_cms.federation", "cities_cms.registration"],
    "no-federation": ["cities_cms.federation"],
    "no-registration": ["cities_cms.registration"],
}[os.environ.get("CITIES_CMS_PROFILE", "full")]
INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in LEFT_OUT_APPS]
