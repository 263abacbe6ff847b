"""The theme index and theme pages in a real browser (axe-core) and the Nu HTML Checker.

A small network (cities, practice models on a theme, one received from a partner, seminars,
a Latvian translation of the theme) served by ``live_server``: English, Latvian and Polish,
a theme without content (empty state), a filtered page and an unknown theme (404).
"""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import Locale

from ..demo.conftest import VNU
from ..demo.validity import html_errors
from ..utils import build_site, make_city, make_practice_model, make_seminar
from .pages_conftest import audit_page, format_problems

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    ("/themes/", "en", 200),
    ("/themes/housing/", "en", 200),
    ("/themes/housing/?status=pilot", "en", 200),
    ("/lv/themes/housing/", "lv", 200),
    ("/pl/themes/housing/", "pl", 200),
    ("/lv/themes/", "lv", 200),
    ("/themes/mobility/", "en", 200),
    ("/lv/themes/no-such-theme/", "lv", 404),
]


def _network():
    tree = build_site()
    housing = tree.themes["housing"]
    housing.description = "Affordable, warm homes for every resident."
    housing.save()
    latvian = housing.copy_for_translation(Locale.objects.get(language_code="lv"))
    latvian.name, latvian.description = "Mājokļi", "Pieejami un silti mājokļi visiem."
    latvian.save()
    city = make_city(tree.cities, title="Daugavpils", role="lead")
    other = make_city(tree.cities, title="Poznań", country="PL", latitude=52.4, longitude=16.9)
    make_practice_model(
        tree.practices, title="Green courtyards", city=city, status="pilot", themes=[housing]
    )
    make_practice_model(tree.practices, title="Housing fund", city=other, themes=[housing])
    now = timezone.now()
    make_seminar(tree.seminars, title="Housing workshop", host_city=city, themes=[housing])
    make_seminar(
        tree.seminars, title="Study visit", start=now - timedelta(days=90), themes=[housing]
    )
    return tree


def test_theme_pages_pass_axe_and_the_nu_checker(page, live_server, tmp_path):
    _network()
    problems = []
    for path, lang, status in PAGES:
        audit = audit_page(page, live_server.url, path, label=path, status=status, lang=lang)
        if audit.problems:
            problems.append(audit)
    assert not problems, format_problems(problems)

    if not (shutil.which("java") and VNU.exists()):
        pytest.skip("the Nu HTML Checker needs java and node_modules/vnu-jar")
    files = {}
    client = Client()
    for number, (path, _lang, status) in enumerate(PAGES):
        response = client.get(path)
        assert response.status_code == status, path
        file = tmp_path / f"page-{number}.html"
        file.write_bytes(response.content)
        files[str(file)] = path
    errors = html_errors([shutil.which("java"), "-jar", str(VNU)], files)
    assert not errors, "\n".join(errors)
