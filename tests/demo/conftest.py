"""The demo network, loaded once for every test in this folder, in all ten languages.

``manage.py load_demo`` runs twice, as ``make demo`` does on a second start, inside one
transaction that is rolled back when the folder's last test ends. The tests here only read
(each test's own changes are rolled back to a savepoint by ``db``). The PostgreSQL pass loads
it once: the second load (a minute of its lane in ``make test``) is what the SQLite pass's
``test_second_run_creates_nothing`` checks, and the pages are the same after either.
"""

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from cities_cms.conf import NETWORK_LANGUAGES

PASSWORD = "x-demo-password-for-tests-only"
VNU = (
    Path(__file__).resolve().parent.parent.parent
    / "node_modules"
    / "vnu-jar"
    / "build"
    / "dist"
    / "vnu.jar"
)


def counts():
    from django.contrib.auth.models import Group
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Locale, Page, Revision, WorkflowState

    from cities_cms.federation.models import OutboundRecord
    from cities_cms.snippets import Organisation, Person, Theme

    return {
        "pages": Page.objects.count(),
        "themes": Theme.objects.count(),
        "organisations": Organisation.objects.count(),
        "people": Person.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "groups": Group.objects.count(),
        "locales": Locale.objects.count(),
        "revisions": Revision.objects.count(),
        "workflow states": WorkflowState.objects.count(),
        "outbound records": OutboundRecord.objects.count(),
    }


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """As `make demo` loads it: ten languages, and a federation key (in a folder of the
    test's own), so that the shared practice models enter the feed as the demo approves them.

    Returns ``{"first": counts, "second": counts (None on PostgreSQL), "feed": the federation
    feed, "media": dir}``.
    """
    from django.db import connection

    from cities_cms.federation import identity

    media = tmp_path_factory.mktemp("demo_media")
    key = tmp_path_factory.mktemp("demo_key") / "federation.pem"
    languages = [code for code, _name in NETWORK_LANGUAGES]
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            CITIES_CMS_LANGUAGES=languages,
            CITIES_CMS_FEDERATION_KEY_FILE=str(key),
        ),
        transaction.atomic(),
    ):
        cache.clear()
        identity._cache.clear()
        call_command("load_demo", password=PASSWORD, federation_key=True, stdout=StringIO())
        first = counts()
        second = None
        if connection.vendor == "sqlite":
            call_command("load_demo", password=PASSWORD, federation_key=True, stdout=StringIO())
            second = counts()
        feed = Client().get("/federation/feed/").json()
        yield {"first": first, "second": second, "feed": feed, "media": media}
        transaction.set_rollback(True)
    identity._cache.clear()
    cache.clear()


@pytest.fixture
def media_root(settings, demo):
    """The demo's images and documents (instead of an empty folder per test)."""
    settings.MEDIA_ROOT = demo["media"]
    return demo["media"]


@pytest.fixture
def vnu():
    """The Nu HTML Checker's command, or a skip (a failure when CITIES_CMS_REQUIRE_BROWSER=1)."""
    java = shutil.which("java")
    if java and VNU.exists():
        return [java, "-jar", str(VNU)]
    reason = "the Nu HTML Checker needs java and node_modules/vnu-jar (make test installs it)"
    if os.environ.get("CITIES_CMS_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (CITIES_CMS_REQUIRE_BROWSER=1)")
    pytest.skip(reason)
