"""Builders for test data: small functions with sensible defaults, overridable by keyword.

Every page builder publishes the page (``save_revision().publish()``) unless ``live=False``,
which leaves a draft with one revision, and then does what the admin does after creating a
page: where other locales synchronise their tree from the page's (the test settings' default),
it gets an alias in each of them. ``fast=True`` adds a live page without revisions or aliases,
for tests that create hundreds of pages and only need them listed in one language.
"""

import io
import itertools
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, PageViewRestriction, Site
from wagtail_localize.synctree import create_aliases_for_new_page

from cities_cms.pages import (
    CityIndexPage,
    CityPage,
    NetworkHomePage,
    PracticeModelIndexPage,
    PracticeModelPage,
    SeminarIndexPage,
    SeminarPage,
)
from cities_cms.setup import run_setup
from cities_cms.snippets import Organisation, Person, Theme

_counter = itertools.count(1)


def _unique(prefix):
    return f"{prefix} {next(_counter)}"


def add_page(parent, page, *, live=True, fast=False, m2m=None):
    """Add ``page`` under ``parent``; publish it, leave it a draft, or add it live quickly.

    ``m2m`` maps ParentalManyToManyField names to lists of objects.
    """
    for name, objects in (m2m or {}).items():
        getattr(page, name).set(objects)
    if fast:
        page.live = True
        page.first_published_at = page.last_published_at = timezone.now()
        parent.add_child(instance=page)
        return page
    page.live = False
    parent.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
        page.refresh_from_db()
    # wagtail-localize's after_create_page hook: the admin calls it, code must.
    create_aliases_for_new_page(page)
    return page


def _page_kwargs(kw, title_prefix):
    kw.setdefault("title", _unique(title_prefix))
    kw.setdefault("slug", slugify(kw["title"]))
    live = kw.pop("live", True)
    fast = kw.pop("fast", False)
    return live, fast


def _pop_m2m(kw, *names):
    return {name: kw.pop(name) for name in names if name in kw}


def make_city(index, **kw):
    live, fast = _page_kwargs(kw, "City")
    kw.setdefault("country", "LV")
    kw.setdefault("latitude", Decimal("55.87466"))
    kw.setdefault("longitude", Decimal("26.53617"))
    for name in ("latitude", "longitude"):
        if isinstance(kw[name], float):
            kw[name] = Decimal(str(kw[name]))
    kw.setdefault("summary", f"About {kw['title']}.")
    return add_page(index, CityPage(**kw), live=live, fast=fast)


def make_seminar(index, **kw):
    live, fast = _page_kwargs(kw, "Seminar")
    m2m = _pop_m2m(kw, "themes", "participating_cities")
    kw.setdefault("start", timezone.now() + timedelta(days=30))
    kw.setdefault("end", kw["start"] + timedelta(hours=6))
    kw.setdefault("timezone", "Europe/Riga")
    kw.setdefault("kind", "seminar")
    if kw["kind"] == "webinar":
        kw.setdefault("online_url", "https://meet.example.org/webinar")
    else:
        kw.setdefault("venue_name", "City hall")
    kw.setdefault("languages", ["en"])
    return add_page(index, SeminarPage(**kw), live=live, fast=fast, m2m=m2m)


def make_practice_model(index, **kw):
    live, fast = _page_kwargs(kw, "Practice model")
    m2m = _pop_m2m(kw, "themes", "related_seminars")
    kw.setdefault("challenge", "<p>The district was losing residents.</p>")
    kw.setdefault("approach", "<p>Residents planned the changes with the city.</p>")
    kw.setdefault("summary", f"How {kw['title']} works.")
    kw.setdefault("status", "implemented")
    return add_page(index, PracticeModelPage(**kw), live=live, fast=fast, m2m=m2m)


def png_bytes(width=40, height=30, colour=(26, 79, 122)):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_image(title=None, *, width=40, height=30, colour=(26, 79, 122), **kw):
    title = title or _unique("Image")
    kw.setdefault("description", f"{title}, a test image")  # the default alt text
    file = ImageFile(io.BytesIO(png_bytes(width, height, colour)), name=f"{slugify(title)}.png")
    return get_image_model().objects.create(title=title, file=file, **kw)


def make_document(title=None, *, content=b"%PDF-1.4\n% test document\n", ext="pdf", **kw):
    title = title or _unique("Document")
    file = ContentFile(content, name=f"{slugify(title)}.{ext}")
    return get_document_model().objects.create(title=title, file=file, **kw)


def make_organisation(**kw):
    kw.setdefault("name", _unique("Organisation"))
    kw.setdefault("kind", Organisation.Kind.UNIVERSITY)
    kw.setdefault("website", "https://university.example.org/")
    kw.setdefault("locale", Locale.get_default())
    return Organisation.objects.create(**kw)


def make_person(**kw):
    kw.setdefault("name", _unique("Person"))
    kw.setdefault("job_title", "Urban planner")
    kw.setdefault("email", "planner@example.org")
    kw.setdefault("locale", Locale.get_default())
    return Person.objects.create(**kw)


def make_private(page, password="secret"):
    """Put ``page`` behind a password: it must disappear from every public listing."""
    return PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password=password
    )


def make_member(username, *group_names, **kw):
    """A user in the named groups (the setup's role groups, or a test's own), nothing else."""
    from django.contrib.auth.models import Group, User

    kw.setdefault("first_name", username.title())
    user = User.objects.create_user(username, password="pw", **kw)
    for name in group_names:
        user.groups.add(Group.objects.get(name=name))
    return User.objects.get(pk=user.pk)  # fresh permission caches


def make_role_users():
    """One user per role that ``run_setup`` creates a group for (the translator's is Latvian)."""
    return {
        "editor": make_member("editor", "City editors"),
        "reviewer": make_member("reviewer", "City reviewers"),
        "coordinator": make_member("coordinator", "Network coordinators"),
        "translator": make_member("tulkotajs", "Translators (lv)"),
    }


def build_site(*, sync_trees=None, **home_kw):
    """A network home page as the default site's root, with the setup command's content.

    Trees of the other locales are synchronised as settings say (``CITIES_CMS_SYNC_TREES``,
    on by default as on the reference site): every page then gets an alias in each language.

    Returns a namespace with ``home``, ``cities``, ``seminars``, ``practices`` (the index
    pages), ``themes`` (by key) and ``site``.
    """
    root = Page.get_first_root_node()
    home_kw.setdefault("title", "Cities of change")
    home_kw.setdefault("slug", "network")
    home = NetworkHomePage(**home_kw)
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    old_root = site.root_page
    site.root_page = home
    site.save()
    if old_root.pk != home.pk and old_root.depth > 1:
        old_root.delete()
    home.refresh_from_db()
    run_setup(home.pk, sync_trees=sync_trees)
    home.refresh_from_db()
    children = {type(p): p for p in Page.objects.child_of(home).specific()}
    return SimpleNamespace(
        site=site,
        home=home,
        cities=children[CityIndexPage],
        seminars=children[SeminarIndexPage],
        practices=children[PracticeModelIndexPage],
        themes={t.key: t for t in Theme.objects.filter(locale=home.locale)},
    )


def fresh(value):
    """The same pages and objects re-read from the database (recursively in containers)."""
    from django.db import models

    if isinstance(value, Page):
        return Page.objects.get(pk=value.pk).specific
    if isinstance(value, models.Model):
        return type(value)._default_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {key: fresh(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(fresh(item) for item in value)
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{key: fresh(item) for key, item in vars(value).items()})
    return value


def translate(page, language_code, **changes):
    """Publish a translation of ``page`` (and of any untranslated parents) into a locale.

    With synchronised trees the page already stands in that locale as an alias: the alias
    becomes the translation, as wagtail-localize converts it (same page, same address).
    """
    locale = Locale.objects.get(language_code=language_code)
    page = page.specific
    for ancestor in page.get_ancestors().filter(depth__gt=1).specific():
        if not ancestor.has_translation(locale):
            translated = ancestor.copy_for_translation(locale)
            translated.save_revision().publish()
    translated = page.get_translation_or_none(locale)
    if translated is None:
        translated = page.copy_for_translation(locale)
    else:
        translated = translated.specific
        translated.alias_of = None
    for name, value in changes.items():
        setattr(translated, name, value)
    translated.save()
    translated.save_revision().publish()
    translated.refresh_from_db()
    return translated


def approve_for_network(page, user=None):
    """Run ``page``'s latest revision through its workflow, approving every step.

    The practice model index's workflow ends with network approval: a shared practice model
    only leaves the site (federation) once a network coordinator approved its live revision.
    Returns the page, live, re-read.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cities_cms.conf import settings as cms_settings
    from cities_cms.workflows import approve_every_step

    if user is None:
        user, created = get_user_model().objects.get_or_create(
            username="network-coordinator", defaults={"email": "coordinator@example.org"}
        )
        if created:
            user.groups.add(Group.objects.get(name=cms_settings.CITIES_CMS_COORDINATOR_GROUP))
    approve_every_step(page.specific, user)
    return Page.objects.get(pk=page.pk).specific


def make_shared_practice_model(index, **kw):
    """A practice model marked shared, published through network approval."""
    kw.setdefault("shared", True)
    page = make_practice_model(index, live=False, **kw)
    return approve_for_network(page)


def _worker(backend="default"):
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
    )


def run_queued_task(row, worker=None):
    """Run one queued task (a ``DBTaskResult``) with the worker's own code; return its result."""
    from django.db import transaction

    worker = worker or _worker(row.backend_name)
    with transaction.atomic():
        row.claim(worker.worker_id)
    worker.run_task(row)
    row.refresh_from_db()
    return row.task_result


def run_tasks(*, backend="default", allow_failures=False):
    """Run the queued tasks as the worker does, until none is left; return their results.

    The reference site queues background work in the database (django-tasks-db); this is
    ``manage.py db_worker --batch`` inside the test's transaction: the same ``Worker`` runs
    each task (``run_task``: signals, result, error recorded), only the loop is here, since
    the command's own opens an exclusive transaction and closes connections between tasks,
    which a test's enclosing transaction does not allow. A task that failed fails the test
    (its traceback in the message) unless ``allow_failures``.
    """
    from django_tasks_db.models import DBTaskResult

    worker = _worker(backend)
    results = []
    # The queue's own order (priority, then age); one process, so no row lock is needed.
    while (row := DBTaskResult.objects.ready().filter(backend_name=backend).first()) is not None:
        results.append(run_queued_task(row, worker))
    failed = [result for result in results if result.errors]
    if failed and not allow_failures:
        raise AssertionError(
            "\n\n".join(f"{r.task.name} failed:\n{r.errors[-1].traceback}" for r in failed)
        )
    return results


def queued_tasks(*, backend="default"):
    """The names of the tasks waiting in the queue (oldest first)."""
    from django_tasks_db.models import DBTaskResult

    return [
        row.task_name
        for row in DBTaskResult.objects.ready().filter(backend_name=backend).order_by("enqueued_at")
    ]
