"""Send the pending push notifications to peers' inboxes (docs/federation.md §6).

Failed notifications are retried with exponential back-off: run this command (or the
``push_task`` task) regularly, e.g. every minute from cron; ``cities_cms_sync`` runs it too.
"""

from django.core.management.base import BaseCommand

from cities_cms.federation.push import push_due


class Command(BaseCommand):
    help = "Send pending push notifications to peers whose retry time has come."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Send every pending notification now, whatever its retry time.",
        )

    def handle(self, *args, **options):
        result = push_due(force=options["all"])
        self.stdout.write(f"{result['sent']} notification(s) sent, {result['failed']} failed.")
        if result["failed"]:
            self.stdout.write("See each peer's events in the admin (Federation).")
