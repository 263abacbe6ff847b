"""Every public page type of the demo is valid HTML, checked by the Nu HTML Checker (v.Nu).

v.Nu comes from the npm registry (vnu-jar, installed by `make test` with axe-core) and runs
on Java. Without them the test skips, unless CITIES_CMS_REQUIRE_BROWSER=1 (as in CI), which
requires the front-end tools.
"""

from django.test import Client
from wagtail.models import Locale, Page

from .validity import html_errors


def sample_pages():
    """One page of each type and language in the demo, plus listings in several states."""
    pages = {}
    for page in Page.objects.live().filter(alias_of__isnull=True).specific().order_by("path"):
        key = (type(page).__name__, page.locale.language_code)
        if page.url:
            pages.setdefault(key, page.url)
    urls = sorted(set(pages.values()))
    en = Locale.objects.get(language_code="en")
    practices = Page.objects.get(slug="practice-models", locale=en).url
    seminars = Page.objects.get(slug="seminars", locale=en).url
    urls += [
        practices + "?status=pilot",
        practices + "?status=idea&country=ZZ",
        practices + "?page=2",
        seminars + "?when=past",
        "/no-such-page/",
        # The search page: results, a facet selected, no results, bad input, Latvian, empty
        "/search/?q=housing",
        "/search/?q=housing&type=practice_model",
        "/search/?type=practice_model&page=2",
        "/search/?q=xylophonezzz",
        "/search/?q=xylophonezzz&theme=housing",
        "/search/?q=Daugavpils&status=no-such-status",
        "/lv/search/?q=Daugavpils",
        "/search/",
    ]
    # Pages of languages they are not translated into yet (aliases of the synchronised trees)
    city = Page.objects.get(slug="daugavpils", locale=en)
    urls += [alias.url for alias in Page.objects.filter(alias_of=city, locale__language_code="de")]
    urls += ["/de/", "/ro/no-such-page/", "/it/search/?q=housing"]
    return urls


def test_public_pages_are_valid_html(demo, db, vnu, tmp_path, settings):
    settings.CITIES_CMS_LISTING_PAGE_SIZE = 5  # so that listings have several pages
    client = Client()
    files = {}
    for number, url in enumerate(sample_pages()):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        path = tmp_path / f"page{number}.html"
        path.write_bytes(response.content)
        files[str(path)] = url
    problems = html_errors(vnu, files)
    assert len(files) >= 15
    assert problems == [], "\n".join(problems)
