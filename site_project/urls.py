from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # sitemap.xml, robots.txt, the read API, /.well-known/cities-cms.json and federation
    path("", include("cities_cms.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The server error page in the visitor's language, with the site's name (cities_cms.errors).
handler500 = "cities_cms.errors.server_error"

# Pages in the default language live at /, translations under /lv/, /pl/ ...
urlpatterns += i18n_patterns(
    path("", include("cities_cms.i18n_urls")),  # search and feeds, once per language
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
