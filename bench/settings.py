"""Settings of the benchmarks: the test settings with the reference site's cache.

The test settings keep Django's local-memory cache (one process, cleared between tests); the
reference site (site_project/settings/base.py) shares a file cache between its processes,
which is what a page-cache hit costs there, and what the WSGI load run's two workers need.
The network's ten languages are set by ``python -m bench`` itself.
"""

import os

from site_project.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
CACHES = {
    "default": {
        "BACKEND": "cities_cms.cache.FileCache",
        "LOCATION": os.path.join(os.environ.get("CITIES_CMS_VAR_DIR", "var"), "cache"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
# One instance run as several processes (bench/network.py: the server and its task worker)
# shares its key file; the test settings would give each process a temporary one.
if os.environ.get("CITIES_CMS_FEDERATION_KEY_FILE"):
    CITIES_CMS_FEDERATION_KEY_FILE = os.environ["CITIES_CMS_FEDERATION_KEY_FILE"]
if os.environ.get("BENCH_LANGUAGES") == "all":
    from cities_cms.conf import NETWORK_LANGUAGES

    CITIES_CMS_LANGUAGES = [code for code, _name in NETWORK_LANGUAGES]
