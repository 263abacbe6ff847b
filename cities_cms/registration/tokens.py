"""Signed cancel links: ``django.core.signing`` with a salt of our own and an expiry.

The signed value holds the registration's id and its ``token_key``; anonymising a
registration clears the key, so links sent before no longer match anything.
"""

from django.core import signing
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from ..conf import settings

SALT = "cities_cms.registration.cancel"


def make_cancel_token(registration):
    signed = signing.dumps([registration.pk, registration.token_key], salt=SALT)
    return urlsafe_base64_encode(signed.encode())


def read_cancel_token(token):
    """The registration a token names, or None when forged, expired or no longer valid."""
    from .models import Registration

    if not isinstance(token, str) or len(token) > 300:
        return None
    max_age = settings.CITIES_CMS_REGISTRATION_CANCEL_LINK_DAYS * 86400
    try:
        signed = urlsafe_base64_decode(token).decode()
        pk, key = signing.loads(signed, salt=SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not isinstance(pk, int) or not isinstance(key, str) or not key:
        return None
    return (
        Registration.objects.select_related("settings__seminar")
        .filter(pk=pk, token_key=key, anonymised_at__isnull=True)
        .first()
    )
