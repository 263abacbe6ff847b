"""Background tasks (django_tasks) of seminar registration, run by the task worker.

- ``send_email(kind, registration_id, page_id)``: the e-mail to a registrant (confirmation,
  waiting list, cancellation), queued by the public views so the visitor never waits for the
  mail server.
- ``send_promoted_emails(registration_ids)``: "a place is yours", queued when places free up.
- ``purge_registrations()``: the retention purge, daily on the periodic schedule
  (``manage.py cities_cms_periodic``; declared in ``wagtail_hooks.py``), or at once with
  ``manage.py cities_cms_purge_registrations``.
"""

from django_tasks import task

from . import services

REGISTERED = "registered"
CANCELLED = "cancelled"


@task()
def send_email(kind, registration_id, page_id):
    """Send the ``kind`` e-mail (``registered`` or ``cancelled``) of one registration.

    ``page_id`` is the seminar page the person used (its language and address are the
    e-mail's). A registration erased or purged in the meantime gets nothing.
    """
    from wagtail.models import Page

    from .emails import send_cancelled, send_registered
    from .models import Registration

    registration = Registration.objects.filter(pk=registration_id).first()
    page = Page.objects.filter(pk=page_id).first()
    if registration is None or page is None or not registration.email:
        return False
    send = {REGISTERED: send_registered, CANCELLED: send_cancelled}[kind]
    send(registration, page.specific)
    return True


@task()
def send_promoted_emails(registration_ids):
    """Tell the people promoted from the waiting list that a place is theirs."""
    from .emails import send_promoted

    send_promoted(registration_ids)


@task()
def purge_registrations():
    """Anonymise registrations of seminars that ended longer than the retention ago."""
    return services.purge_expired()
