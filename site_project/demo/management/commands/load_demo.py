"""``manage.py load_demo``: the demo content of the "Cities of change" network.

Safe to run again: a second run finds what the first created and changes nothing (except the
admin password, which is new on every run unless ``--password`` is given).
"""

import secrets
import time

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from cities_cms.federation.importer.wagtail_internals import reference_index_paused
from cities_cms.setup import run_setup
from site_project.demo.federation import approve_shared_practice_models
from site_project.demo.legal import load_legal_pages
from site_project.demo.loader import DemoLoader
from site_project.demo.states import load_translation_states

# Workflow notifications of the demo's reviews and approvals (some 200 e-mails) are kept in
# memory while loading, not printed by the development site's console backend: one line
# says how many there were.
SILENT_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def admin_url():
    """The admin's address on this site (WAGTAILADMIN_BASE_URL, as `make demo-peer` sets)."""
    base = getattr(django_settings, "WAGTAILADMIN_BASE_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + "/admin/"


class Command(BaseCommand):
    # The checks would warn that the federation key is missing, which --federation-key is
    # about to create; runserver runs them all afterwards (make demo).
    requires_system_checks = []
    help = (
        "Load the demo network (home page, cities, seminars, practice models, media) and "
        "create or update the superuser 'admin'. Safe to run more than once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for the 'admin' superuser (default: a new random one on every run).",
        )
        parser.add_argument(
            "--username", default="admin", help="Username of the superuser (default: admin)."
        )
        parser.add_argument(
            "--federation-key",
            action="store_true",
            help="Create this site's federation key first (as cities_cms_setup does), so that "
            "the shared practice models enter the federation feed as they are approved.",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        password = options.get("password") or secrets.token_urlsafe(12)
        username = options.get("username") or "admin"
        if options.get("federation_key"):
            from cities_cms.federation import identity

            identity.ensure_key()
            self.stdout.write(f"federation key {identity.current_identity().fingerprint}")
        if not hasattr(mail, "outbox"):
            mail.outbox = []
        sent_before = len(mail.outbox)
        # Wagtail queues a reference-index task for every object saved; the loader saves many
        # objects several times and replaces child rows (stakeholders, contacts), so the
        # worker then failed on rows that no longer existed (21 tracebacks on a fresh demo).
        # The index is rebuilt once at the end instead, in the same transaction.
        with (
            override_settings(EMAIL_BACKEND=SILENT_EMAIL_BACKEND),
            transaction.atomic(),
        ):
            with reference_index_paused():
                loader, report, user_created = self.load(password, username)
            call_command("rebuild_references_index", verbosity=0)

        self.stdout.write(self.style.SUCCESS("Demo content of 'Cities of change' loaded."))

        self.stdout.write(
            f"  setup: {len(report.created)} created, {len(report.existing)} already there"
        )
        for line in loader.count.lines():
            self.stdout.write(line)
        held = len(mail.outbox) - sent_before
        self.stdout.write(f"  notification e-mails held back while loading: {held}")
        self.stdout.write(f"  took {time.monotonic() - started:.1f} s")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Sign in to the admin:"))
        self.stdout.write(f"  URL:      {admin_url()}")
        self.stdout.write(f"  username: {username}" + (" (created)" if user_created else ""))
        self.stdout.write(f"  password: {password}")

    def load(self, password, username):
        loader = DemoLoader(self.stdout)
        loader.load_media()
        home, network = loader.load_network()
        report = run_setup(parent=home.pk)
        loader.load_themes(network)
        loader.load_site_texts(network)
        loader.load_organisations()
        loader.load_people()
        loader.load_pages(home, network)
        load_legal_pages(loader, home)
        user_created = self.ensure_admin(username, password)
        load_translation_states(loader.count, self.admin)
        # The shared practice models, approved for the network: the feed serves them.
        approve_shared_practice_models(self.admin, loader.count)
        # Again, now that the translated trees exist: translators get permissions on them,
        # and the translated sections get their workflows.
        run_setup(parent=home.pk)
        return loader, report, user_created

    def ensure_admin(self, username, password):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            **{user_model.USERNAME_FIELD: username},
            defaults={"email": "admin@example.org"},
        )
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        user.set_password(password)
        user.save()
        self.admin = user
        return created
