"""URLs without a language prefix: sitemap.xml, robots.txt (included by cities_cms.urls)."""

urlpatterns = []
