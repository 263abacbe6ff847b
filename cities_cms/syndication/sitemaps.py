"""sitemap.xml with ``hreflang`` alternates, and robots.txt.

The sitemap lists the published pages of the request's site in every language (a site's tree
per language hangs under the translations of its root page, which Wagtail's own sitemap does
not visit), without aliases, whose canonical address is their source's. Each page that has
translations lists every published translation, itself included, as an
``<xhtml:link rel="alternate" hreflang="..">`` and the default language's version as
``x-default``, the same alternates the page's ``<head>`` has.

``/sitemap.xml`` is an index of sitemap files of ``CITIES_CMS_SITEMAP_LIMIT`` addresses each
(``/sitemap-pages.xml?p=2`` ...), so a large site stays within the protocol's limits.
"""

from django.contrib.sitemaps import views as django_sitemap_views
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import cache_control
from wagtail.contrib.sitemaps.sitemap_generator import Sitemap as WagtailSitemap
from wagtail.models import Locale, Page

from ..absolute_urls import absolute_url
from ..conf import settings
from .queries import published, published_pages, request_site


class PageSitemap(WagtailSitemap):
    """Wagtail's sitemap for every language of the site, with hreflang alternates."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.CITIES_CMS_SITEMAP_LIMIT

    def get_wagtail_site(self):
        return request_site(self.request)

    def items(self):
        return (
            published_pages(self.request, aliases=False)
            .select_related("locale")
            .order_by("path")
            .defer_streamfields()
            .specific()
        )

    def _alternates(self, pages):
        """``{translation_key: [(code, url), ...]}`` of the published versions: one query."""
        keys = {page.translation_key for page in pages}
        versions = (
            published(Page.objects.filter(translation_key__in=keys), self.request, aliases=False)
            .select_related("locale")
            .order_by("locale__language_code")
        )
        by_key = {}
        for version in versions:
            url = version.get_full_url(self.request)
            if url:
                by_key.setdefault(version.translation_key, []).append(
                    (version.locale.language_code, url)
                )
        return by_key

    def _urls(self, page, protocol, domain):
        pages = list(self.paginator.page(page).object_list)
        alternates = self._alternates(pages)
        default_code = Locale.get_default().language_code
        urls = []
        last_mods = set()
        for item in pages:
            versions = alternates.get(item.translation_key, [])
            links = []
            if len(versions) > 1:
                links = [{"lang_code": code, "location": url} for code, url in versions]
                default = next((url for code, url in versions if code == default_code), None)
                if default:
                    links.append({"lang_code": "x-default", "location": default})
            for url_info in item.get_sitemap_urls(self.request):
                if url_info.get("location") and url_info["location"] == item.get_full_url(
                    self.request
                ):
                    url_info = {**url_info, "alternates": links}
                urls.append(url_info)
                last_mods.add(url_info.get("lastmod"))
        if last_mods and None not in last_mods:
            self.latest_lastmod = max(last_mods)
        return urls


def _theme_sitemap(request):
    # The theme pages are routes of the network home, not pages (cities_cms.pages.themes).
    from ..pages.themes import ThemeSitemap

    return ThemeSitemap(request)


SITEMAPS = {"pages": PageSitemap, "themes": _theme_sitemap}


def _sitemaps(request):
    return {name: cls(request) for name, cls in SITEMAPS.items()}


@cache_control(max_age=3600)
@x_robots_tag
def sitemap_index(request):
    """Django's index view, with the files' addresses by the site's root URL.

    (Django's own view names them by the request's host: cities_cms.absolute_urls.)
    """
    items = []
    for section, sitemap in _sitemaps(request).items():
        url = absolute_url(request, reverse("cities_cms_sitemap_section", args=[section]))
        lastmod = sitemap.get_latest_lastmod()
        items.append(SitemapIndexItem(url, lastmod))
        items += [
            SitemapIndexItem(f"{url}?p={number}", lastmod)
            for number in range(2, sitemap.paginator.num_pages + 1)
        ]
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )


@cache_control(max_age=3600)
def sitemap_section(request, section):
    # Django's view answers 404 for an unknown section and for page numbers out of range.
    return django_sitemap_views.sitemap(request, _sitemaps(request), section=section)


def _admin_path():
    try:
        return reverse("wagtailadmin_home")
    except NoReverseMatch:
        return "/admin/"


@cache_control(max_age=86400)
def robots_txt(request):
    """Crawlers may read the pages, not the admin; the sitemap is announced."""
    lines = ["User-agent: *", f"Disallow: {_admin_path()}", "Allow: /"]
    sitemap = absolute_url(request, reverse("cities_cms_sitemap"))
    lines += ["", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
