"""RSS and Atom feeds of practice models and seminars: per section, theme, city and language."""

import datetime
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale

from cities_cms.pages import PracticeModelIndexPage
from cities_cms.syndication.feeds import EVENT_NS

from .utils import fresh, make_city, make_practice_model, make_private, make_seminar, translate

UTC = datetime.UTC
RIGA_10AM = datetime.datetime(2036, 5, 4, 7, 0, tzinfo=UTC)  # 10:00 EEST


def parse(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300])
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def titles(feed):
    return sorted(entry.title for entry in feed.entries)


@pytest.fixture(scope="module")
def _feed_site(network_site):
    """Built once for the module; each test gets fresh instances (feed_site)."""
    tree = fresh(network_site)
    tree.daugavpils = make_city(tree.cities, title="Daugavpils", slug="daugavpils")
    tree.poznan = make_city(tree.cities, title="Poznań", slug="poznan", country="PL")
    tree.housing = make_practice_model(
        tree.practices,
        title="Housing cooperative",
        city=tree.daugavpils,
        themes=[tree.themes["housing"]],
        summary="Residents run their own blocks.",
    )
    tree.mobility = make_practice_model(
        tree.practices,
        title="Bike lanes",
        city=tree.poznan,
        themes=[tree.themes["mobility"]],
    )
    tree.upcoming = make_seminar(
        tree.seminars,
        title="Monitoring change",
        start=RIGA_10AM,
        end=RIGA_10AM + datetime.timedelta(hours=8),
        timezone="Europe/Riga",
        host_city=tree.daugavpils,
        venue_name="Daugavpils city hall",
        themes=[tree.themes["monitoring-change"]],
    )
    past = timezone.now() - datetime.timedelta(days=60)
    tree.past = make_seminar(
        tree.seminars,
        title="Old workshop",
        start=past,
        end=past + datetime.timedelta(hours=3),
        host_city=tree.poznan,
        participating_cities=[tree.daugavpils],
    )
    return tree


@pytest.fixture
def feed_site(_feed_site, db):
    return fresh(_feed_site)


def test_practice_models_rss(client, feed_site):
    feed = parse(client, "/feeds/practice-models/rss/")
    assert feed.version == "rss20"
    assert feed.feed.language == "en"
    assert titles(feed) == ["Bike lanes", "Housing cooperative"]
    entry = next(e for e in feed.entries if e.title == "Housing cooperative")
    assert entry.link == feed_site.housing.get_full_url()
    assert entry.link.startswith("http://")
    assert entry.summary == "Residents run their own blocks."
    assert [tag.term for tag in entry.tags] == ["Housing"]
    assert entry.published_parsed is not None


def test_practice_models_atom(client, feed_site):
    feed = parse(client, "/feeds/practice-models/atom/")
    assert feed.version == "atom10"
    assert titles(feed) == ["Bike lanes", "Housing cooperative"]
    entry = next(e for e in feed.entries if e.title == "Bike lanes")
    assert entry.link == feed_site.mobility.get_full_url()
    assert entry.author == "Poznań"
    assert entry.updated_parsed is not None


def test_feed_in_the_language_of_the_address(client, feed_site):
    lv = translate(feed_site.housing, "lv", title="Mājokļu kooperatīvs")
    feed = parse(client, "/lv/feeds/practice-models/rss/")
    assert feed.feed.language == "lv"
    # The translation, and the alias that stands for the untranslated model in Latvian.
    assert sorted(titles(feed)) == ["Bike lanes", "Mājokļu kooperatīvs"]
    links = {entry.title: entry.link for entry in feed.entries}
    assert links["Mājokļu kooperatīvs"] == lv.get_full_url()
    assert links["Bike lanes"] == feed_site.mobility.get_translation(lv.locale).get_full_url()
    assert all("/lv/" in link for link in links.values())
    # The default language's feed still has the English version only.
    assert "Mājokļu kooperatīvs" not in titles(parse(client, "/feeds/practice-models/rss/"))


def test_feed_per_theme(client, feed_site):
    feed = parse(client, "/feeds/practice-models/theme/housing/rss/")
    assert titles(feed) == ["Housing cooperative"]
    assert "Housing" in feed.feed.title
    feed = parse(client, "/feeds/seminars/theme/monitoring-change/atom/?when=all")
    assert titles(feed) == ["Monitoring change"]
    assert parse(client, "/feeds/practice-models/theme/climate/rss/").entries == []


def test_feed_per_city_by_slug_or_id(client, feed_site):
    by_slug = parse(client, "/feeds/practice-models/city/daugavpils/rss/")
    assert titles(by_slug) == ["Housing cooperative"]
    by_id = parse(client, f"/feeds/practice-models/city/{feed_site.poznan.pk}/atom/")
    assert titles(by_id) == ["Bike lanes"]
    # A city's seminars: hosted or joined.
    feed = parse(client, "/feeds/seminars/city/daugavpils/rss/?when=all")
    assert titles(feed) == ["Monitoring change", "Old workshop"]
    assert by_slug.feed.link == feed_site.daugavpils.get_full_url()


def test_feed_per_section(client, feed_site):
    other = PracticeModelIndexPage(title="Archive", slug="archive")
    feed_site.home.add_child(instance=other)
    other.save_revision().publish()
    make_practice_model(other, title="Archived model")
    feed = parse(client, f"/feeds/practice-models/section/{other.pk}/rss/")
    assert titles(feed) == ["Archived model"]
    assert feed.feed.title.startswith("Archive")
    feed = parse(client, f"/feeds/practice-models/section/{feed_site.practices.pk}/rss/")
    assert titles(feed) == ["Bike lanes", "Housing cooperative"]
    # A practice model index is not a seminar section.
    assert client.get(f"/feeds/seminars/section/{other.pk}/rss/").status_code == 404


def test_seminars_upcoming_by_default_with_start_and_end(client, feed_site):
    response = client.get("/feeds/seminars/rss/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert titles(feed) == ["Monitoring change"]
    assert "Daugavpils" in feed.entries[0].author
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    item = root.find("channel/item")
    assert item.findtext(f"{{{EVENT_NS}}}startdate") == "2036-05-04T10:00:00+03:00"
    assert item.findtext(f"{{{EVENT_NS}}}enddate") == "2036-05-04T18:00:00+03:00"
    assert item.findtext(f"{{{EVENT_NS}}}location") == "Daugavpils city hall"
    assert "Europe/Riga" in item.findtext("description")

    atom = client.get("/feeds/seminars/atom/?when=all")
    root = ET.fromstring(atom.content)  # noqa: S314 (our own output)
    ns = {"a": "http://www.w3.org/2005/Atom", "ev": EVENT_NS}
    starts = sorted(e.findtext("ev:startdate", namespaces=ns) for e in root.iterfind("a:entry", ns))
    assert len(starts) == 2 and starts[1] == "2036-05-04T10:00:00+03:00"
    assert titles(parse(client, "/feeds/seminars/rss/?when=past")) == ["Old workshop"]


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/practice-models/theme/no-such-theme/rss/",
        "/feeds/practice-models/city/atlantis/rss/",
        "/feeds/seminars/city/999999999/atom/",
        "/feeds/seminars/city/" + "9" * 40 + "/atom/",
        "/feeds/practice-models/section/999999/rss/",
        "/feeds/practice-models/section/housing/rss/",
        "/feeds/practice-models/rdf/",
        "/feeds/people/rss/",
        "/feeds/practice-models/theme/" + "x" * 300 + "/rss/",
        "/feeds/practice-models/city/%00/rss/",
    ],
)
def test_unknown_things_are_404(client, feed_site, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("when", ["tomorrow", "", "1' OR '1'='1", "x" * 5000])
def test_bad_when_is_400(client, feed_site, when):
    response = client.get("/feeds/seminars/rss/", {"when": when})
    assert response.status_code == 400
    assert b"when" in response.content


def test_theme_of_another_locale_matches_by_key(client, feed_site):
    """A practice model tagged with the Latvian theme snippet is still in the housing feed."""
    lv_housing = feed_site.themes["housing"].copy_for_translation(
        Locale.objects.get(language_code="lv")
    )
    lv_housing.name = "Mājokļi"
    lv_housing.save()
    make_practice_model(feed_site.practices, title="Lv-tagged", themes=[lv_housing])
    feed = parse(client, "/feeds/practice-models/theme/housing/rss/")
    assert titles(feed) == ["Housing cooperative", "Lv-tagged"]
    entry = next(e for e in feed.entries if e.title == "Lv-tagged")
    assert [tag.term for tag in entry.tags] == ["Housing"]  # named in the feed's language


# Only published content leaves the site ------------------------------------------------------


@pytest.fixture(scope="class")
def _hidden(_feed_site):
    """Built once for TestHiddenContent, in a savepoint rolled back after its last test: the
    module's other tests never see these pages. Each test gets fresh instances (hidden)."""
    with transaction.atomic():
        yield _make_hidden(fresh(_feed_site))
        transaction.set_rollback(True)


@pytest.fixture
def hidden(_hidden, db):
    return fresh(_hidden)


def _make_hidden(tree):
    names = []

    def pm(parent, title, **kw):
        names.append(title)
        return make_practice_model(parent, title=title, city=tree.daugavpils, **kw)

    pm(tree.practices, "Draft model", live=False)
    make_private(pm(tree.practices, "Private model"))
    unpublished = pm(tree.practices, "Unpublished model")
    unpublished.unpublish()
    expired = pm(tree.practices, "Expired model")
    type(expired).objects.filter(pk=expired.pk).update(
        expire_at=timezone.now() - datetime.timedelta(hours=1)
    )
    private_index = PracticeModelIndexPage(title="Internal", slug="internal")
    tree.home.add_child(instance=private_index)
    private_index.save_revision().publish()
    make_private(private_index)
    pm(private_index, "Model under a private parent")

    def seminar(title, **kw):
        names.append(title)
        return make_seminar(tree.seminars, title=title, host_city=tree.daugavpils, **kw)

    seminar("Draft seminar", live=False)
    make_private(seminar("Private seminar"))
    tree.hidden_names = names
    tree.private_index = private_index
    return tree


class TestHiddenContent:
    """Drafts, private, unpublished and expired pages, and a private section."""

    @pytest.mark.parametrize(
        "url",
        [
            "/feeds/practice-models/rss/",
            "/feeds/practice-models/atom/",
            "/feeds/practice-models/city/daugavpils/rss/",
            "/feeds/seminars/rss/?when=all",
            "/feeds/seminars/city/daugavpils/atom/?when=all",
        ],
    )
    def test_drafts_private_unpublished_expired_are_not_in_feeds(self, client, hidden, url):
        feed = parse(client, url)
        assert feed.entries, url
        assert not set(titles(feed)) & set(hidden.hidden_names)
        assert b"Draft" not in client.get(url).content

    def test_private_section_has_no_feed(self, client, hidden):
        url = f"/feeds/practice-models/section/{hidden.private_index.pk}/rss/"
        assert client.get(url).status_code == 404


def test_private_city_has_no_feed(client, feed_site):
    make_private(feed_site.poznan)
    assert client.get("/feeds/practice-models/city/poznan/rss/").status_code == 404


def test_feed_length_setting(client, settings, feed_site):
    settings.CITIES_CMS_FEED_LENGTH = 1
    assert len(parse(client, "/feeds/practice-models/rss/").entries) == 1


def test_feed_queries_do_not_grow_with_items(client, feed_site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/feeds/practice-models/rss/").status_code == 200
        return len(ctx.captured_queries)

    count()  # fills the caches of site root paths
    few = count()
    for i in range(15):
        make_practice_model(
            feed_site.practices,
            title=f"Bulk {i}",
            city=feed_site.poznan,
            themes=[feed_site.themes["housing"], feed_site.themes["climate"]],
            fast=True,
        )
    count()  # the new pages made the content cache forget its values (site texts ...)
    assert count() == few
