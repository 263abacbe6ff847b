from django.core.exceptions import ObjectDoesNotExist
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cities_cms.setup import run_setup


class Command(BaseCommand):
    help = (
        "Create what a cities_cms site needs: locales, default themes, the city, seminar and "
        "practice model index pages under a parent page, editor groups and branding. "
        "Safe to run again: existing objects are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--parent",
            help="Id or URL path of the page to create the index pages under "
            "(default: the default site's root page).",
        )
        parser.add_argument("--no-pages", action="store_true", help="Do not create pages.")
        parser.add_argument("--no-groups", action="store_true", help="Do not create groups.")
        parser.add_argument("--no-themes", action="store_true", help="Do not create themes.")
        parser.add_argument(
            "--no-sync-trees",
            action="store_true",
            help="Do not synchronise the other locales' page trees from the default locale.",
        )

    def handle(self, *args, **options):
        try:
            report = run_setup(
                options["parent"],
                pages=not options["no_pages"],
                groups=not options["no_groups"],
                themes=not options["no_themes"],
                sync_trees=False if options["no_sync_trees"] else None,
            )
        except (ObjectDoesNotExist, ValueError) as exc:
            raise CommandError(f"Cannot set up cities_cms: {exc}") from exc
        for label in report.created:
            self.stdout.write(self.style.SUCCESS(f"created  {label}"))
        if options["verbosity"] > 1:
            for label in report.existing:
                self.stdout.write(f"kept     {label}")
        # Restrictions made before they held in every language (cities_cms.privacy).
        call_command("cities_cms_align_privacy", stdout=self.stdout, verbosity=options["verbosity"])
        self.ensure_federation_key()
        self.stdout.write(
            f"cities_cms is set up: {len(report.created)} created, "
            f"{len(report.existing)} already there."
        )

    def ensure_federation_key(self):
        """Create the federation key file (never in the database) when it is configured."""
        from django.apps import apps

        from cities_cms.conf import settings

        if not apps.is_installed("cities_cms.federation"):
            return
        if not settings.CITIES_CMS_FEDERATION_KEY_FILE:
            self.stdout.write("federation key: CITIES_CMS_FEDERATION_KEY_FILE is not set")
            return
        from cities_cms.federation import identity

        created = identity.ensure_key()
        current = identity.current_identity()
        verb = "created " if created else "kept    "
        style = self.style.SUCCESS if created else (lambda text: text)
        self.stdout.write(style(f"{verb} federation key {identity.key_path()}"))
        self.stdout.write(f"         fingerprint {current.fingerprint}")
