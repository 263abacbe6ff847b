import pytest
from django.contrib.auth.models import User
from django.db import connection

from .axe import format_violations, run_axe


@pytest.mark.django_db(transaction=True)
def test_live(page, live_server, external_requests):
    page.goto(live_server.url)
    User.objects.create(username="a")  # ORM after Playwright started
    page.reload()
    assert page.inner_text("h1") == "Users: 1"
    v = run_axe(page)
    assert not v, format_violations(v)
    print("VENDOR", connection.vendor)
