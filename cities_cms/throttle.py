"""Guesses of passwords are throttled: admin logins and page passwords (django-axes).

Wagtail's admin logs in through Django's ``authenticate()``, which django-axes watches (its
backend and middleware, in the site's settings). A page password (a view restriction of
type "password") is checked by Wagtail's ``authenticate_with_password`` view outside
``authenticate()``: :func:`authenticate_with_password` wraps that view so a wrong password
counts as a failed login of the client address and a locked-out address is refused before its
guess is looked at. ``cities_cms.i18n_urls`` routes Wagtail's address to it when ``axes`` is
installed.

:func:`client_address` is the address counted: ``REMOTE_ADDR``, or behind
``CITIES_CMS_TRUSTED_PROXY_COUNT`` reverse proxies the address the outermost of them saw
(``AXES_CLIENT_IP_CALLABLE = "cities_cms.throttle.client_address"``).
"""

from django.contrib.auth.signals import user_login_failed
from wagtail import views as wagtail_views

from .conf import settings


def client_address(request):
    """The visitor's address, read as far as trusted proxies vouch for it.

    Each trusted proxy appends the address it received the request from to
    ``X-Forwarded-For``; entries left of those were written by the client and prove nothing.
    """
    proxies = settings.CITIES_CMS_TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [address for address in forwarded if address]
    # The nearest proxy is REMOTE_ADDR and wrote the last entry; the outermost one wrote the
    # entry `proxies` from the right (fewer entries: the request did not pass them all).
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def authenticate_with_password(request, page_view_restriction_id, page_id):
    """Wagtail's page password form, with failures counted and lockouts enforced."""
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_lockout_response

    # Recorded in axes' access attempts, so the admin sees which restriction was guessed at.
    credentials = {"username": f"page-password:{page_view_restriction_id}"}
    if request.method == "POST" and not AxesProxyHandler.is_allowed(request, credentials):
        return get_lockout_response(request, None, credentials)
    response = wagtail_views.authenticate_with_password(request, page_view_restriction_id, page_id)
    # Success redirects to the page; a wrong password shows the form again (200).
    if request.method == "POST" and response.status_code == 200:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return response
