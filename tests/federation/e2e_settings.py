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
# The server's threads, the task worker and the test's management commands share the SQLite
# file: WAL, the busy timeout and IMMEDIATE transactions of the reference site (base.py), so
# a writer waits for the worker's lock instead of failing; durability is not needed here.
DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
    "init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL;",
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
