"""Settings of the two instances the end-to-end test runs (one process each, on loopback).

The reference site's development settings (DEBUG serves media), with the instance's own
address, city, database, media and key file from the environment the test gives it.
"""

import os

from site_project.settings.dev import *  # noqa: F403

CITIES_CMS_FEDERATION_BASE_URL = os.environ["CITIES_CMS_FEDERATION_BASE_URL"]
WAGTAILADMIN_BASE_URL = CITIES_CMS_FEDERATION_BASE_URL
CITIES_CMS_FEDERATION_NAME = os.environ.get("E2E_NAME", "Cities of change")
CITIES_CMS_FEDERATION_CITY = {"name": os.environ.get("E2E_CITY", ""), "country": "LV"}
CITIES_CMS_LANGUAGES = ["en", "lv"]
CITIES_CMS_SYNC_TREES = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The server's threads and the test's management commands share the SQLite file.
DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    "init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL;",
    "timeout": 30,
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
