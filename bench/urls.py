"""The reference site's URLs plus a plain Django view as the baseline of every figure."""

from django.http import HttpResponse
from django.urls import path

from site_project.urls import urlpatterns as site_urlpatterns


def plain(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/plain/", plain), *site_urlpatterns]
