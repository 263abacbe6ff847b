"""Language-prefixed URLs of the RSS and Atom feeds (included by cities_cms.i18n_urls).

``/feeds/practice-models/rss/``, ``/lv/feeds/seminars/atom/``,
``/feeds/practice-models/theme/housing/rss/``, ``/feeds/seminars/city/daugavpils/atom/``,
``/feeds/practice-models/section/12/rss/``: see ``cities_cms.syndication.feeds``.
"""

from django.urls import re_path

from .feeds import feed_view

KIND = r"(?P<kind>practice-models|seminars)"
FORMAT = r"(?P<fmt>rss|atom)"

urlpatterns = [
    re_path(rf"^feeds/{KIND}/{FORMAT}/$", feed_view, name="cities_cms_feed"),
    re_path(
        rf"^feeds/{KIND}/(?P<scope>theme|city|section)/(?P<value>[^/]{{1,200}})/{FORMAT}/$",
        feed_view,
        name="cities_cms_feed_scoped",
    ),
]
