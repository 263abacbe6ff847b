"""URLs of cities_cms that exist once per language: include inside ``i18n_patterns``.

See ``cities_cms.urls`` for how a site includes both modules.
"""

from django.apps import apps
from django.urls import URLPattern, include, path

from .languages import require_served_language


def _served_languages_only(patterns):
    """The views of ``patterns`` answer 404 for a language the site has no locale for."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = require_served_language(pattern.callback)
        else:
            _served_languages_only(pattern.url_patterns)
    return patterns


urlpatterns = _served_languages_only(
    [
        path("", include("cities_cms.search.urls")),
        path("", include("cities_cms.syndication.i18n_urls")),
    ]
)

if apps.is_installed("axes"):
    from .throttle import authenticate_with_password

    # Wagtail's page-password form, throttled (cities_cms.throttle): the same address and name
    # as Wagtail's own, which comes later in the site's URLconf.
    urlpatterns.insert(
        0,
        path(
            "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
            authenticate_with_password,
            name="wagtailcore_authenticate_with_password",
        ),
    )
