"""What happens to registrations: sign-up under a row lock, cancellation, promotion, erasure.

Every change of who holds a place runs in one transaction that first locks the seminar's
settings row (``select_for_update``). Concurrent sign-ups for the same seminar are serialised
there, so counting the confirmed people and choosing confirmed, waiting list or refused can
never overbook, on PostgreSQL as on SQLite (which locks the whole database for writing).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..conf import settings
from .models import Registration, RegistrationSettings


class RegistrationRefused(Exception):
    """Nothing was stored; ``reason`` is one of the ``REFUSALS`` keys of the views."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Outcome:
    registration: Registration
    promoted: list


def register(settings_id, data, *, page, language, now=None):
    """Store a registration as confirmed or waiting, or raise ``RegistrationRefused``.

    ``data`` holds the cleaned form fields (name, email, organisation, city, role, needs,
    party_size, answers); ``page`` is the seminar page (in any language) registered on.
    """
    now = now or timezone.now()
    email = data["email"].strip().lower()
    try:
        with transaction.atomic():
            locked = (
                RegistrationSettings.objects.select_for_update()
                .select_related("seminar")
                .get(pk=settings_id)
            )
            state = locked.state(now)
            if state != "open":
                raise RegistrationRefused(state)
            if not page.live or page.get_view_restrictions().exists():
                raise RegistrationRefused("unpublished")
            if data["party_size"] > locked.max_party_size:
                raise RegistrationRefused("party_size")
            active = locked.registrations.filter(anonymised_at__isnull=True).exclude(
                status=Registration.Status.CANCELLED
            )
            if active.filter(email=email).exists():
                raise RegistrationRefused("duplicate")
            # Nobody jumps the queue: while people wait, newcomers wait behind them.
            queue = active.filter(status=Registration.Status.WAITING).exists()
            if not queue and locked.confirmed_people() + data["party_size"] <= locked.capacity:
                status = Registration.Status.CONFIRMED
            elif locked.waiting_list:
                status = Registration.Status.WAITING
            else:
                raise RegistrationRefused("full")
            registration = Registration.objects.create(
                settings=locked,
                status=status,
                name=data["name"],
                email=email,
                organisation=data.get("organisation", ""),
                city=data.get("city", ""),
                role=data.get("role", ""),
                needs=data.get("needs", ""),
                party_size=data["party_size"],
                answers=data.get("answers", []),
                language=language,
                consent_at=now,
                created_at=now,
            )
    except IntegrityError as error:
        # The unique constraint on (seminar, email) of active registrations: a double submit.
        raise RegistrationRefused("duplicate") from error
    return registration


def _promote(locked, now):
    """Confirm waiting registrations, first come first served, while the first one fits."""
    promoted = []
    free = locked.capacity - locked.confirmed_people()
    waiting = locked.registrations.filter(
        status=Registration.Status.WAITING, anonymised_at__isnull=True
    ).order_by("created_at", "pk")
    for registration in waiting:
        if registration.party_size > free:
            break
        registration.status = Registration.Status.CONFIRMED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        free -= registration.party_size
        promoted.append(registration)
    return promoted


def _email_promoted(promoted):
    """Queue the e-mails of the promoted registrations for when the promotion commits."""
    from ..tasks import enqueue_on_commit, prompt
    from .tasks import send_promoted_emails

    enqueue_on_commit(prompt(send_promoted_emails), [r.pk for r in promoted])


def cancel(registration_id, *, now=None, notify=True):
    """Cancel a registration and promote from the waiting list; returns ``Outcome``.

    Promoted registrants are emailed after the transaction commits.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registration = Registration.objects.select_related("settings").get(pk=registration_id)
        locked = RegistrationSettings.objects.select_for_update().get(pk=registration.settings_id)
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        promoted = []
        if registration.is_active:
            registration.status = Registration.Status.CANCELLED
            registration.cancelled_at = now
            registration.save(update_fields=["status", "cancelled_at"])
            if locked.seminar.end >= now:
                promoted = _promote(locked, now)
        if notify and promoted:
            _email_promoted(promoted)
    return Outcome(registration, promoted)


def promote_if_possible(settings_id, *, now=None):
    """After an editor raises the capacity: fill the new places from the waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = RegistrationSettings.objects.select_for_update().get(pk=settings_id)
        promoted = _promote(locked, now) if locked.seminar.end >= now else []
        if promoted:
            _email_promoted(promoted)
    return promoted


ANONYMOUS_FIELDS = {
    "name": "",
    "email": "",
    "organisation": "",
    "city": "",
    "role": "",
    "needs": "",
    "answers": [],
    "token_key": "",
}


def anonymise(queryset, now=None):
    """Erase the personal data of ``queryset``'s registrations; keep status and counts."""
    now = now or timezone.now()
    return queryset.filter(anonymised_at__isnull=True).update(anonymised_at=now, **ANONYMOUS_FIELDS)


def erase(registration_id, *, now=None):
    """Erase one registration on request: its place is freed (and offered on), data erased."""
    now = now or timezone.now()
    outcome = cancel(registration_id, now=now)
    anonymise(Registration.objects.filter(pk=registration_id), now)
    return outcome


def erase_email(email, *, now=None):
    """Erase every registration of ``email``; returns how many were erased."""
    email = email.strip().lower()
    ids = list(
        Registration.objects.filter(email=email, anonymised_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        erase(pk, now=now)
    return len(ids)


def purge_expired(now=None):
    """Anonymise the registrations of seminars that ended more than the retention ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CITIES_CMS_REGISTRATION_RETENTION_DAYS)
    return anonymise(Registration.objects.filter(settings__seminar__end__lt=cutoff), now)
