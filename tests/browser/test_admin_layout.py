"""The package's admin screens fit, measured in Chromium with the network's ten languages.

- Translation status at 1280 px (Wagtail's sidebar open): every language column inside the
  page, nothing to scroll sideways. At 820 px (a tablet) and 390 px the languages may scroll
  sideways inside their region, and the page column stays where it was (sticky).
- The federation's peers table at 1280 px, and a seminar's registrations in Latvian (long
  words): every column inside the page.
- The dashboard of a superuser, the matrix and the peers table pass axe-core (WCAG 2.1 AA).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cities_cms.federation.models import Peer, PeerStatus

from ..utils import build_site, make_practice_model, make_seminar
from .axe import format_violations, run_axe
from .pages_conftest import ensure_wagtail_baseline

pytestmark = pytest.mark.usefixtures("ten_languages")

PASSWORD = "a long demo password"
STATUS_PATH = "/admin/cities-cms/translations/"

# Where the matrix's scroll region, its last column and its page column are, in CSS pixels.
MEASURE = """() => {
    const region = document.querySelector(".cc-status-scroll");
    const cells = document.querySelectorAll(".cc-status-matrix thead th");
    const pageCell = document.querySelector(".cc-status-matrix tbody th[scope=row]");
    return {
        viewport: document.documentElement.clientWidth,
        regionLeft: region.getBoundingClientRect().left,
        overflow: region.scrollWidth - region.clientWidth,
        lastRight: cells[cells.length - 1].getBoundingClientRect().right,
        columns: cells.length,
        pageLeft: pageCell.getBoundingClientRect().left,
    };
}"""


def log_in(page, base):
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/")


@pytest.mark.django_db(transaction=True)
def test_admin_screens_fit(page, live_server, external_requests):
    ensure_wagtail_baseline()
    tree = build_site()
    for number in range(6):
        make_practice_model(
            tree.practices, title=f"Participatory budget with neighbourhood juries {number}"
        )
    Peer.objects.create(
        base_url="https://brugmeer.example.org",
        name="Cities of change – Brugmeer (partner)",
        city_name="Brugmeer",
        status=PeerStatus.APPROVED,
        last_error="The peer did not answer within 10 seconds.",
        last_error_at=timezone.now(),
        consecutive_failures=3,
        push_pending=True,
        push_failures=2,
        next_push_at=timezone.now(),
        next_retry_at=timezone.now(),
    )
    seminar = make_seminar(tree.seminars, title="Monitoring change")
    from cities_cms.registration.models import Registration, RegistrationSettings

    settings_obj = RegistrationSettings.objects.create(seminar=seminar, is_open=True)
    for number in range(3):
        Registration.objects.create(
            settings=settings_obj,
            status=Registration.Status.CONFIRMED,
            name=f"Anna Kalniņa {number}",
            email=f"anna.kalnina.{number}@daugavpils.example.org",
            organisation="Daugavpils valstspilsētas pašvaldība",
            needs="Vegetarian lunch",
            language="lv",
            consent_at=timezone.now(),
        )
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", PASSWORD)
    base = live_server.url
    problems = []

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base)
    problems += [f"dashboard: {format_violations(v)}" for v in [run_axe(page)] if v]

    page.goto(base + STATUS_PATH)
    layout = page.evaluate(MEASURE)
    assert layout["columns"] == 11  # the page and ten languages
    assert layout["overflow"] <= 1, f"the matrix scrolls sideways at 1280 px: {layout}"
    assert layout["lastRight"] <= layout["viewport"], f"a language is cut at 1280 px: {layout}"
    problems += [f"matrix: {format_violations(v)}" for v in [run_axe(page)] if v]

    for width in (820, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + STATUS_PATH)
        before = page.evaluate(MEASURE)
        page.evaluate("() => { document.querySelector('.cc-status-scroll').scrollLeft = 10000; }")
        after = page.evaluate(MEASURE)
        assert after["lastRight"] <= after["viewport"] + 1, f"{width} px: {after}"
        # The page column does not scroll away with the languages.
        assert abs(after["pageLeft"] - before["pageLeft"]) <= 1, f"{width} px: {before} {after}"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/admin/federation/")
    overflow = page.evaluate(
        "() => { const r = document.querySelector('.cc-fed-scroll');"
        " return r.scrollWidth - r.clientWidth; }"
    )
    assert overflow <= 1, f"the peers table scrolls sideways at 1280 px by {overflow} px"
    problems += [f"peers: {format_violations(v)}" for v in [run_axe(page)] if v]

    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = "lv"
    profile.save()
    page.goto(f"{base}/admin/registrations/seminar/{seminar.pk}/")
    overflow = page.evaluate(
        "() => { const r = document.querySelector('.cc-admin-scroll');"
        " return r.scrollWidth - r.clientWidth; }"
    )
    assert overflow <= 1, f"the registrations scroll sideways at 1280 px by {overflow} px"
    problems += [f"registrations: {format_violations(v)}" for v in [run_axe(page)] if v]

    assert external_requests == []
    assert not problems, "\n".join(problems)
