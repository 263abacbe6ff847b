"""URLs without a language prefix: sitemap.xml, robots.txt (included by cities_cms.urls)."""

from django.urls import path, re_path

from .sitemaps import robots_txt, sitemap_index, sitemap_section

urlpatterns = [
    path("sitemap.xml", sitemap_index, name="cities_cms_sitemap"),
    re_path(
        r"^sitemap-(?P<section>[a-z]{1,20})\.xml$",
        sitemap_section,
        name="cities_cms_sitemap_section",
    ),
    path("robots.txt", robots_txt, name="cities_cms_robots_txt"),
]
