from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from ....conf import settings
from ...tasks import purge_registrations


class Command(BaseCommand):
    help = (
        "Anonymise the registrations of seminars that ended more than "
        "CITIES_CMS_REGISTRATION_RETENTION_DAYS ago. Run it daily (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Enqueue the task on the django_tasks backend instead of running it here.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = purge_registrations.enqueue()
            self.stdout.write(f"Enqueued purge task {result.id}.")
            return
        count = purge_registrations.call()
        days = settings.CITIES_CMS_REGISTRATION_RETENTION_DAYS
        self.stdout.write(
            ngettext(
                "Anonymised %(count)s registration",
                "Anonymised %(count)s registrations",
                count,
            )
            % {"count": count}
            + " "
            + ngettext("(retention: %(days)s day).", "(retention: %(days)s days).", days)
            % {"days": days}
        )
