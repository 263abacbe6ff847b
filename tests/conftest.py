"""Fixtures shared by the suite (browser and harness folders have their own conftest)."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import translation

from .utils import build_site, fresh


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test writes images and documents into its own folder, removed by pytest."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


WORKER_TASKS = ("cities_cms.federation.", "cities_cms.registration.", "cities_cms.translation.")


@pytest.fixture(scope="session", autouse=True)
def _other_tasks_at_once():
    """The package's slow work waits for the worker; other tasks run as soon as queued.

    The suite uses the reference site's task queue (the database, django-tasks-db). The tasks
    of federation, registration e-mails and purges, and machine drafts (``WORKER_TASKS``)
    stay queued until a test runs them with ``tests.utils.run_tasks`` (the worker's code),
    which shows that no request does that work inline. Other tasks (Wagtail's search and
    reference index, file deletion, front-end cache purges) are run by the same worker code
    the moment they are queued, inside the transaction that queued them, as the tests that
    rely on them were written for django-tasks' immediate backend.
    """
    from django_tasks.signals import task_enqueued
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from .utils import run_queued_task

    def run_at_once(sender, task_result, **kwargs):
        if not issubclass(sender, DatabaseBackend):
            return
        if task_result.task.module_path.startswith(WORKER_TASKS):
            return
        run_queued_task(DBTaskResult.objects.get(pk=task_result.id))

    task_enqueued.connect(run_at_once, dispatch_uid="tests-other-tasks-at-once")
    yield
    task_enqueued.disconnect(dispatch_uid="tests-other-tasks-at-once")


@pytest.fixture(autouse=True)
def _clear_cache():
    # Wagtail caches site root paths; rolled-back pages must not linger there.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def uncached_pages(settings):
    """The full-page cache off, for tests that count the work of rendering a page.

    The reference site serves repeat requests from its page cache (cities_cms.page_cache,
    tested in tests/test_page_cache.py); query budgets and render costs are about the requests
    that miss it.
    """
    settings.CITIES_CMS_PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _reset_language():
    """Each test starts in the default language, whatever the previous one served.

    Requests through the test client or a page's ``serve()`` leave the language they
    activated (LocaleMiddleware does not switch back; a server thread gets a fresh one per
    request), and a later test would then see Latvian messages.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _wagtail_baseline_after_flush(request):
    """Tests with real transactions start from Wagtail's baseline rows.

    pytest-django empties every table after a ``transaction=True`` test; the root page,
    default site, locale and root collection that Wagtail's data migrations made are gone for
    the next such test. Recreate them (nothing changes when they exist).
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from .browser.pages_conftest import ensure_wagtail_baseline

    ensure_wagtail_baseline()


@pytest.fixture(scope="module")
def ten_languages():
    """All ten of the network's languages for a module (the test settings have three).

    Request it before ``network_site`` (``pytestmark = pytest.mark.usefixtures(...)``), so
    that the setup command creates every locale and synchronises the tree into each.
    """
    from django.test import override_settings

    from cities_cms.conf import NETWORK_LANGUAGES

    with override_settings(CITIES_CMS_LANGUAGES=[code for code, _name in NETWORK_LANGUAGES]):
        yield


@pytest.fixture(scope="module")
def network_site(module_db):
    """A network site built once per module: home page as the site root, index pages, themes.

    Tests take ``site_tree`` instead, which hands out fresh instances of the same objects.
    """
    return build_site()


@pytest.fixture
def site_tree(network_site, db):
    """The module's network site, re-read from the database for this test.

    Fresh instances matter: treebeard decides where a child goes from the parent's cached
    ``numchild``, which a rolled-back earlier test may have left wrong.
    """
    return fresh(network_site)


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """Database access for module-scoped data, rolled back when the module ends.

    Tests that use it still take ``db``: their own changes are rolled back to a savepoint
    after each test, the module's data stays. Yields a temporary MEDIA_ROOT for files that
    the module's data creates.
    """
    from django.test import override_settings

    media = tmp_path_factory.mktemp("module_media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            cache.clear()
            yield media
            transaction.set_rollback(True)
        cache.clear()
