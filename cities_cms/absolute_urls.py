"""One rule for absolute URLs: the root URL of the request's Wagtail Site, then the path.

Every absolute address the package writes (canonical and ``hreflang`` links, JSON-LD, the
read API, the sitemap and robots.txt, RSS/Atom feeds, ICS calendars, registration e-mails)
starts with the root URL of the Wagtail Site that serves the request (*Settings > Sites*:
hostname and port; port 443 means https), as Wagtail's own ``Page.get_full_url()`` and its
API do. Without a matching site, the default site's.

The request's ``Host`` header is never copied into content: a page fetched through another
name (an IP address, a proxy's internal host name) or served from a cache still names the
site's public address, and a forged header cannot put another domain into a feed or sitemap.
A site served over https must therefore have port 443 in its Site record.
"""

from wagtail.models import Site


def request_site(request):
    """The Wagtail site of the request, else the default site (None without any site)."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.select_related("root_page").filter(is_default_site=True).first()
    return site


def base_url(request=None):
    """``https://city.example`` (no trailing slash) for the request's site, or ""."""
    site = request_site(request)
    return site.root_url.rstrip("/") if site is not None else ""


def absolute_url(request, path):
    """``path`` (a site-relative address such as ``/lv/feeds/``) as an absolute URL."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url(request) + path


def hostname(request=None):
    """The site's host name, for identifiers that name the site (ICS UIDs)."""
    site = request_site(request)
    return site.hostname if site is not None else "localhost"
