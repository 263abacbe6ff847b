"""A visitor registers, a second one joins the waiting list (without JavaScript), the first
cancels through the link in their email, and the second is promoted and told, in Chromium
against a live server on 127.0.0.1, with axe-core on every step."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from cities_cms.registration.models import Registration

from ..test_registration import make_settings
from ..utils import build_site, make_city, make_seminar, run_tasks
from .axe import format_violations, run_axe
from .pages_conftest import ensure_wagtail_baseline, guarded_context

pytestmark = pytest.mark.django_db(transaction=True)

CANCEL_LINK = re.compile(r"https?://\S+/cancel/[\w-]+/")


def no_violations(page):
    violations = run_axe(page)
    assert not violations, format_violations(violations)


def fill_and_submit(page, name, email):
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("I agree that my data is used").check()
    page.get_by_role("button", name=re.compile("Register|Join the waiting list")).click()


def test_register_cancel_and_promotion(page, browser, live_server, external_requests):
    ensure_wagtail_baseline()
    tree = build_site()
    host = make_city(tree.cities, title="Daugavpils")
    seminar = make_seminar(tree.seminars, title="Study visit to Daugavpils", host_city=host)
    make_settings(seminar, capacity=1, waiting_list=True)
    base = live_server.url

    # The seminar page invites to register; the form is accessible, also with its errors.
    page.goto(base + seminar.url)
    page.get_by_role("link", name="Register").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Register"
    no_violations(page)
    fill_and_submit(page, "Anna Kalniņa", "not-an-email")
    summary = page.get_by_role("alert").filter(has_text="Please correct the following")
    assert summary.is_visible()
    assert page.get_by_label("Email").get_attribute("aria-invalid") == "true"
    no_violations(page)
    page.get_by_label("Email").fill("anna@example.org")
    page.get_by_label("I agree that my data is used").check()
    page.get_by_role("button", name="Register").click()
    assert page.get_by_role("heading", level=1).inner_text() == "You are registered"
    no_violations(page)

    # Someone else, without JavaScript, finds the seminar full and joins the waiting list.
    with guarded_context(browser, external_requests, java_script_enabled=False) as context:
        other = context.new_page()
        other.goto(base + seminar.url)
        assert other.get_by_text("You can join the waiting list").is_visible()
        other.get_by_role("link", name="Join the waiting list").click()
        fill_and_submit(other, "Jānis Ozols", "janis@example.org")
        assert other.get_by_role("heading", level=1).inner_text() == "You are on the waiting list"
    statuses = dict(Registration.objects.values_list("email", "status"))
    assert statuses == {"anna@example.org": "confirmed", "janis@example.org": "waiting"}

    # Anna cancels with the link from her confirmation email (sent by the task worker).
    run_tasks()
    confirmation = next(m for m in mail.outbox if m.to == ["anna@example.org"])
    link = urlsplit(CANCEL_LINK.search(confirmation.body).group(0))
    page.goto(base + link.path)
    no_violations(page)
    page.get_by_role("button", name="Yes, cancel my registration").click()
    assert page.get_by_text("Your registration is cancelled").is_visible()
    no_violations(page)

    # Jānis moves up from the waiting list and is told by email.
    statuses = dict(Registration.objects.values_list("email", "status"))
    assert statuses == {"anna@example.org": "cancelled", "janis@example.org": "confirmed"}
    run_tasks()
    promoted = [m for m in mail.outbox if m.to == ["janis@example.org"]]
    assert [m.subject for m in promoted] == [
        "On the waiting list: Study visit to Daugavpils",
        "A place is yours: Study visit to Daugavpils",
    ]
    # The same link again changes nothing.
    page.goto(base + link.path)
    assert page.get_by_text("already cancelled").is_visible()
    assert external_requests == []
