from django.core.management.base import BaseCommand, CommandError

from cities_cms.federation import records


class Command(BaseCommand):
    help = (
        "Recompute the outbound record of every practice model: new versions where the content "
        "changed, tombstones where it may no longer be shared. Unchanged ones stay as they are."
    )

    def handle(self, *args, **options):
        if not records.federation_ready():
            raise CommandError(
                "The federation key file is missing: run manage.py cities_cms_setup first."
            )

        def progress(result):
            if options["verbosity"] > 1 or result.outcome not in ("unchanged", "skipped"):
                self.stdout.write(f"{result.outcome:10} {result.global_id}")

        counts = records.rebuild(progress)
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Outbound feed rebuilt: {summary or 'nothing'}."))
