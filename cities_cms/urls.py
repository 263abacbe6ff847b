"""URLs of cities_cms that are not pages.

A site includes two modules (see the README): this one outside ``i18n_patterns`` (sitemap,
robots.txt, the read API and the federation endpoints, which have one address whatever the
language) and ``cities_cms.i18n_urls`` inside it, before Wagtail's catch-all (search and
feeds, which exist once per language)::

    urlpatterns = [
        path("admin/", include(wagtailadmin_urls)),
        path("", include("cities_cms.urls")),
    ]
    urlpatterns += i18n_patterns(
        path("", include("cities_cms.i18n_urls")),
        path("", include(wagtail_urls)),
        prefix_default_language=False,
    )
"""

from django.urls import include, path

from . import extensions

urlpatterns = [
    path("", include("cities_cms.syndication.urls")),
    path("", include("cities_cms.api.urls")),
    # The federation endpoints, when cities_cms.federation is installed (its ready() adds them).
    *extensions.urlpatterns(),
]
