"""Emails to registrants, in their language, through Django's email backend."""

import logging

from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import Locale

from .tokens import make_cancel_token

logger = logging.getLogger(__name__)


def page_in_language(seminar, language):
    """The seminar's live page in ``language``, or the seminar itself."""
    locale = Locale.objects.filter(language_code=language).first()
    if locale is not None and locale.pk != seminar.locale_id:
        translated = seminar.get_translation_or_none(locale)
        if translated is not None and translated.live:
            return translated.specific
    return seminar.specific


def cancel_url(page, registration, request=None):
    token = make_cancel_token(registration)
    base = page.get_full_url(request)
    return base + page.reverse_subpage("cancel_registration", args=[token])


def _send(registration, template, subject, page, request=None):
    with translation.override(registration.language):
        context = {
            "registration": registration,
            "page": page,
            "page_url": page.get_full_url(request),
            "cancel_url": cancel_url(page, registration, request),
            "settings": registration.settings,
        }
        body = render_to_string(f"cities_cms_registration/emails/{template}.txt", context)
        subject = subject % {"title": page.title}
        send_mail(
            subject,
            body,
            django_settings.DEFAULT_FROM_EMAIL,
            [registration.email],
            fail_silently=False,
        )


def send_registered(registration, page, request=None):
    """Confirmation (or waiting list notice) right after signing up."""
    if registration.status == registration.Status.CONFIRMED:
        with translation.override(registration.language):
            subject = _("Registration confirmed: %(title)s")
        _send(registration, "confirmed", subject, page, request)
    else:
        with translation.override(registration.language):
            subject = _("On the waiting list: %(title)s")
        _send(registration, "waiting", subject, page, request)


def send_cancelled(registration, page, request=None):
    with translation.override(registration.language):
        subject = _("Registration cancelled: %(title)s")
    with translation.override(registration.language):
        context = {
            "registration": registration,
            "page": page,
            "page_url": page.get_full_url(request),
        }
        body = render_to_string("cities_cms_registration/emails/cancelled.txt", context)
        send_mail(
            subject % {"title": page.title},
            body,
            django_settings.DEFAULT_FROM_EMAIL,
            [registration.email],
        )


def send_promoted(registration_ids):
    from .models import Registration

    for registration in Registration.objects.filter(pk__in=registration_ids).select_related(
        "settings__seminar"
    ):
        if not registration.email:
            continue
        page = page_in_language(registration.settings.seminar, registration.language)
        with translation.override(registration.language):
            subject = _("A place is yours: %(title)s")
        try:
            _send(registration, "promoted", subject, page)
        except Exception:
            # The promotion stands; the others on the list must still be told.
            logger.exception("Could not send a promotion email")
