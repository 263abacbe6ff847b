"""Error pages in the visitor's language.

``handler500 = "cities_cms.errors.server_error"`` in a site's root URLconf shows the site's
name in the language of the address (the site's texts, when the database still answers);
``404.html`` can extend ``cities_cms/errors/404.html``, which has the site's header, menu and
language switcher in the language of the address.
"""

import logging

from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


def _site_name_and_home(request):
    """The site's name in the active language and that language's home page address."""
    fallback = getattr(settings, "WAGTAIL_SITE_NAME", ""), "/"
    try:
        from .absolute_urls import request_site
        from .branding import site_texts
        from .languages import request_locale, site_homes

        site = request_site(request)
        locale = request_locale()
        name = site_texts(site, locale)["site_name"] or fallback[0]
        home = site_homes(request).get(getattr(locale, "pk", None))
        return name, (home.get_url(request) if home is not None else "/") or "/"
    except Exception:  # the database, or anything else, may be why we are here
        logger.warning("The server error page was shown without the site's texts", exc_info=True)
        return fallback


@requires_csrf_token
def server_error(request, template_name="cities_cms/errors/500.html"):
    site_name, home_url = _site_name_and_home(request)
    template = loader.get_template(template_name)
    # The page's inline style carries the Content-Security-Policy nonce (cities_cms.csp).
    context = {
        "site_name": site_name,
        "home_url": home_url,
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
    return HttpResponseServerError(template.render(context))
