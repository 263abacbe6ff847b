"""Background tasks (django_tasks): the retention purge.

Schedule it daily, e.g. with cron: ``manage.py cities_cms_purge_registrations`` (see
docs/registration.md), or enqueue ``purge_registrations`` from your own scheduler.
"""

from django_tasks import task

from . import services


@task()
def purge_registrations():
    """Anonymise registrations of seminars that ended longer than the retention ago."""
    return services.purge_expired()
