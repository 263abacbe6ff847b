"""Capacity holds under concurrency: 200 sign-ups at once for 20 places give exactly 20
confirmed, on PostgreSQL, through real HTTP connections to a live server on 127.0.0.1.

Runs in the PostgreSQL pass: ``python -m tests.harness.postgres -- python -m pytest ...``.
"""

import html
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum

from cities_cms.registration.models import Registration

from .browser.pages_conftest import ensure_wagtail_baseline
from .test_registration import make_settings
from .utils import build_site, make_city, make_seminar

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SIGNUPS = 200
PLACES = 20
WORKERS = 20
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Signup:
    """One person's browser: its own cookies and HTTP connection to the live server."""

    def __init__(self, url, number):
        self.url = url
        self.number = number
        cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(cookies),
            urllib.request.ProxyHandler({}),  # never through a proxy: loopback only
        )
        self.token = None

    def open_form(self):
        with self.opener.open(self.url, timeout=60) as response:
            self.token = html.unescape(TOKEN.search(response.read().decode()).group(1))

    def submit(self):
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.token,
                "name": f"Person {self.number}",
                "email": f"person{self.number}@example.org",
                "consent": "on",
                "website": "",
            }
        ).encode()
        # The live server on 127.0.0.1 (http): no file: or other schemes here.
        request = urllib.request.Request(self.url, data=data, headers={"Referer": self.url})  # noqa: S310
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()[:500]


def test_200_concurrent_signups_never_exceed_20_places(live_server, settings):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (SQLite locks the whole database): runs in the PostgreSQL pass, "
            "python -m tests.harness.postgres -- python -m pytest -m postgres"
        )
    settings.CITIES_CMS_REGISTRATION_RATE_LIMIT = 10 * SIGNUPS  # all come from 127.0.0.1
    ensure_wagtail_baseline()
    tree = build_site()
    host = make_city(tree.cities, title="Daugavpils")
    seminar = make_seminar(tree.seminars, title="Popular seminar", host_city=host)
    reg_settings = make_settings(seminar, capacity=PLACES, waiting_list=True)
    url = live_server.url + seminar.url + seminar.reverse_subpage("register")

    signups = [Signup(url, number) for number in range(SIGNUPS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda signup: signup.open_form(), signups))
    start = threading.Barrier(WORKERS)

    def run(chunk):
        start.wait(timeout=60)  # every worker posts at the same moment
        return [signup.submit() for signup in chunk]

    chunks = [signups[i::WORKERS] for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        results = [result for chunk in pool.map(run, chunks) for result in chunk]

    assert all(status == 200 for status, _final in results), [r for r in results if r[0] != 200][:3]
    confirmed = Registration.objects.filter(settings=reg_settings, status="confirmed")
    waiting = Registration.objects.filter(settings=reg_settings, status="waiting")
    assert confirmed.count() == PLACES
    assert confirmed.aggregate(people=Sum("party_size"))["people"] == PLACES
    assert waiting.count() == SIGNUPS - PLACES
    finals = [final for _status, final in results]
    assert sum(final.endswith("done=confirmed") for final in finals) == PLACES
    assert sum(final.endswith("done=waiting") for final in finals) == SIGNUPS - PLACES
