"""The embedded default under concurrent writes: 50 people sign up for one seminar at the same
moment, through real HTTP connections to a live server on 127.0.0.1 whose threads each have
their own SQLite connection (a file database, as in production). With WAL, a busy timeout and
IMMEDIATE transactions (site_project/settings/base.py) they queue for the write lock; without
them SQLite answered some of them "database is locked" (a 500).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from cities_cms.registration.models import Registration

from .browser.pages_conftest import ensure_wagtail_baseline
from .test_registration import make_settings
from .test_registration_concurrency import Signup
from .utils import build_site, make_city, make_seminar

pytestmark = pytest.mark.django_db(transaction=True)

SIGNUPS = 50
PLACES = 10
WORKERS = 20


def test_sqlite_settings_make_writers_wait():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking only")
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000  # milliseconds


def test_50_simultaneous_signups_on_sqlite_all_answered(live_server, settings):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's pass has tests/test_registration_concurrency.py")
    settings.CITIES_CMS_REGISTRATION_RATE_LIMIT = 10 * SIGNUPS  # all come from 127.0.0.1
    ensure_wagtail_baseline()
    tree = build_site()
    host = make_city(tree.cities, title="Daugavpils")
    seminar = make_seminar(tree.seminars, title="Popular seminar", host_city=host)
    reg_settings = make_settings(seminar, capacity=PLACES, waiting_list=True)
    url = live_server.url + seminar.url + seminar.reverse_subpage("register")

    signups = [Signup(url, number) for number in range(SIGNUPS)]
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda signup: signup.open_form(), signups))
    # Twenty at a time (the live server's listen queue is short), all starting together.
    start = threading.Barrier(WORKERS)

    def run(chunk):
        start.wait(timeout=60)
        return [signup.submit() for signup in chunk]

    chunks = [signups[i::WORKERS] for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        results = [result for chunk in pool.map(run, chunks) for result in chunk]

    errors = [result for result in results if result[0] != 200]
    assert not errors, errors[:3]
    statuses = list(Registration.objects.filter(settings=reg_settings).values_list("status"))
    assert statuses.count(("confirmed",)) == PLACES
    assert statuses.count(("waiting",)) == SIGNUPS - PLACES
