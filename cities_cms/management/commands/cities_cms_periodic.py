"""``manage.py cities_cms_periodic [--force] [--every SECONDS]``: the periodic schedule.

Queues each periodic job that is due (retries of failed push notifications, pulls of the
peers, the retention purge of registrations: see ``cities_cms.tasks``) for the task worker.
Run it from one cron line every few minutes::

    */5 * * * *  cd /srv/site && .venv/bin/python manage.py cities_cms_periodic -v0

or leave it running with ``--every 60`` beside the worker (``make demo`` does).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...tasks import enqueue_due, periodic_jobs


class Command(BaseCommand):
    help = "Queue the periodic jobs that are due (push retries, peer pulls, retention purge)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Queue every periodic job, due or not."
        )
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Do not exit: look for due jobs again every SECONDS seconds.",
        )
        parser.add_argument(
            "--list", action="store_true", help="List the periodic jobs and their intervals."
        )

    def handle(self, *args, force=False, every=None, verbosity=1, **options):
        if options["list"]:
            for job in periodic_jobs():
                self.stdout.write(
                    _("%(name)s: every %(interval)s") % {"name": job.name, "interval": job.every}
                )
            return
        if every is not None and every < 1:
            raise CommandError(_("--every must be at least 1 second."))
        while True:
            queued = enqueue_due(force=force)
            if verbosity >= 1 and queued:
                self.stdout.write(_("Queued: %(jobs)s.") % {"jobs": ", ".join(queued)})
            elif verbosity >= 1:
                self.stdout.write(_("Nothing is due."))
            if every is None:
                return
            force = False
            time.sleep(every)
