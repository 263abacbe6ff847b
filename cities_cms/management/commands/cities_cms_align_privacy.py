from django.core.management.base import BaseCommand

from cities_cms.privacy import align_all


class Command(BaseCommand):
    help = (
        "Give every language version of a restricted page (its translations and aliases) the "
        "same view restriction. Restrictions made before this rule existed may cover one "
        "language only; where versions disagree, the default language's version decides. "
        "cities_cms_setup runs this; safe to run again."
    )

    def handle(self, *args, **options):
        pages = align_all()
        for page in pages:
            self.stdout.write(self.style.SUCCESS(f"privacy  {page.url_path} in every language"))
        if options["verbosity"] > 1 or pages:
            self.stdout.write(f"privacy: {len(pages)} restricted pages brought into line")
