"""The search page: language, privacy, facets, bad input, highlighting, autocomplete.

Runs on SQLite and, through the harness, on PostgreSQL: the same assertions hold for both
database backends of ``cities_cms.search.backends.database``.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import Page

from cities_cms.search.highlight import highlight
from cities_cms.search.service import invalidate_vocabularies
from cities_cms.search.text import fold, query_terms

from .utils import fresh, make_city, make_practice_model, make_private, make_seminar, translate

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


def get(client, path=SEARCH, **params):
    return client.get(path, params)


def titles(response):
    return [str(item["page"].title) for item in response.context["results"]]


@pytest.fixture(scope="module")
def _search_tree(network_site):
    """Built once for the module; each test gets fresh instances (``tree``)."""
    t = fresh(network_site)
    t.daugavpils = make_city(
        t.cities,
        title="Daugavpils",
        slug="daugavpils",
        country="LV",
        summary="The second largest city of Latvia, on the Daugava river.",
    )
    t.poznan = make_city(
        t.cities,
        title="Poznań",
        slug="poznan",
        country="PL",
        summary="The lead city of the network, in western Poland.",
    )
    t.housing = make_practice_model(
        t.practices,
        title="Riverside housing cooperative",
        city=t.daugavpils,
        status="pilot",
        start_year=2014,
        summary="Tenants renovate their blocks together with the municipality.",
        themes=[t.themes["housing"]],
    )
    t.budget = make_practice_model(
        t.practices,
        title="Participatory budget",
        city=t.poznan,
        status="evaluated",
        start_year=2016,
        summary="Residents decide how part of the housing budget is spent.",
        themes=[t.themes["participatory-democracy"], t.themes["housing"]],
    )
    t.seminar = make_seminar(
        t.seminars,
        title="Housing seminar in Daugavpils",
        host_city=t.daugavpils,
        start=timezone.now() + timedelta(days=20),
        summary="Two days on renovating housing estates.",
        themes=[t.themes["housing"]],
    )
    return t


@pytest.fixture
def tree(_search_tree, db):
    return fresh(_search_tree)


# Language and privacy ------------------------------------------------------------------------


def test_finds_pages_of_every_type_by_their_words(client, tree):
    response = get(client, q="housing")
    assert response.status_code == 200
    assert set(titles(response)) == {
        "Riverside housing cooperative",
        "Participatory budget",
        "Housing seminar in Daugavpils",
    }
    assert titles(get(client, q="Latvia")) == ["Daugavpils"]


def test_results_only_in_the_current_language(client, tree):
    translate(
        tree.housing, "lv", title="Upmalas mājokļu kooperatīvs", summary="Īrnieki atjauno mājas."
    )
    en = titles(get(client, q="kooperatīvs"))
    lv = titles(client.get("/lv/search/", {"q": "kooperatīvs"}))
    assert en == []
    assert lv == ["Upmalas mājokļu kooperatīvs"]
    # The English page is not found from the Latvian search, even for English words.
    assert titles(client.get("/lv/search/", {"q": "cooperative"})) == []


def test_drafts_private_and_expired_pages_are_not_found(client, tree):
    make_practice_model(tree.practices, title="Draft zeppelin", live=False)
    private = make_practice_model(tree.practices, title="Private zeppelin")
    make_private(private)
    hidden_city = make_city(tree.cities, title="Walled city", summary="zeppelin harbour")
    make_private(hidden_city)
    make_seminar(hidden_city, title="Zeppelin under a private parent")
    expired = make_practice_model(tree.practices, title="Expired zeppelin")
    Page.objects.filter(pk=expired.pk).update(expire_at=timezone.now() - timedelta(days=1))
    make_practice_model(tree.practices, title="Public zeppelin")
    assert titles(get(client, q="zeppelin")) == ["Public zeppelin"]


def test_aliases_are_found_in_their_language_once(client, tree):
    # Until a page is translated, wagtail-localize keeps an alias of it in every other locale
    # (synchronised trees), showing the original's text. Latvian visitors find it by those
    # words, once, at its Latvian address, labelled as not translated yet (in Latvian); the
    # English page itself is never a result of the Latvian search.
    from wagtail.models import Locale

    latvian = Locale.objects.get(language_code="lv")
    alias = tree.housing.get_translation(latvian)
    assert alias.alias_of_id == tree.housing.pk and alias.live
    response = client.get("/lv/search/", {"q": "cooperatives"})
    results = response.context["results"]
    assert [item["page"].pk for item in results] == [alias.pk]
    assert results[0]["url"] == alias.get_url() and results[0]["url"].startswith("/lv/")
    assert results[0]["untranslated"] and results[0]["language"] == "en"
    body = response.content.decode()
    assert "Vēl nav tulkojuma" in body  # "Not translated yet", in the visitor's language
    assert 'lang="en"><a href="/lv/' in body and "<mark>cooperative</mark>" in body
    english = get(client, q="cooperatives").context["results"]
    assert [(item["page"].pk, item["untranslated"]) for item in english] == [
        (tree.housing.pk, False)
    ]
    # Translated, the page is found by its Latvian words, no longer by the English ones.
    translate(tree.housing, "lv", title="Upmalas mājokļu kooperatīvs", summary="Īrnieki.")
    assert titles(client.get("/lv/search/", {"q": "cooperatives"})) == []
    latvian_results = client.get("/lv/search/", {"q": "kooperativi"}).context["results"]
    assert [(str(i["title"]), i["untranslated"]) for i in latvian_results] == [
        ("Upmalas mājokļu <mark>kooperatīvs</mark>", False)
    ]


def test_an_alias_of_a_page_of_the_same_language_is_not_a_second_result(client, tree):
    # Wagtail can also show a page at a second place of its own tree (an alias in the same
    # locale): one page, one result.
    alias = tree.budget.create_alias(recursive=False, parent=tree.seminars)
    assert alias.alias_of_id == tree.budget.pk and alias.locale_id == tree.budget.locale_id
    invalidate_vocabularies()
    assert [item["page"].pk for item in get(client, q="participatory").context["results"]] == [
        tree.budget.pk
    ]


# Diacritics and inflection -------------------------------------------------------------------


def test_folding():
    assert fold("Łódź Daugavpilī Şiauliai Straße Ærø") == "lodz daugavpili siauliai strasse aero"
    assert query_terms('title:"x" AND (y OR z*) NEAR ^w') == [
        "title",
        "x",
        "and",
        "y",
        "or",
        "z",
        "near",
        "w",
    ]


def test_diacritics_and_inflections_match(client, tree):
    translate(
        tree.daugavpils,
        "lv",
        title="Daugavpils",
        summary="Daugavpilī dzīvo gandrīz astoņdesmit tūkstoši iedzīvotāju.",
    )
    translate(
        tree.poznan, "pl", title="Poznań", summary="Partnerzy spotkali się w Łodzi i w Poznaniu."
    )
    lv = lambda q: titles(client.get("/lv/search/", {"q": q}))  # noqa: E731
    pl = lambda q: titles(client.get("/pl/search/", {"q": q}))  # noqa: E731
    # Without the long ī; the seminar is not translated yet: its alias shows the English text.
    assert lv("daugavpili") == ["Daugavpils", "Housing seminar in Daugavpils"]
    assert lv("Daugavpils iedzīvotāji") == ["Daugavpils"]  # inflected forms
    assert pl("lodzi") == ["Poznań"]  # ł folded to l
    assert pl("Łodzi") == ["Poznań"]
    assert pl("poznan") == ["Poznań"]


# Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unbalanced',
        "((housing",
        "housing)",
        "AND",
        "housing OR",
        "NOT housing",
        "housing NEAR/2 budget",
        "NEAR(housing budget)",
        "hous*",
        "^housing",
        "title:housing",
        "{title body}: housing",
        "housing -budget +x",
        "' OR 1=1 --",
        "\\",
        "🏠 housing",
        "housing" + " budget" * 25,
    ],
)
def test_parser_breaking_syntax_never_fails(client, tree, query):
    response = get(client, q=query)
    assert response.status_code == 200


def test_null_characters_are_a_clear_400(client, tree):
    response = get(client, q="housing\x00")
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()


def test_many_words_are_cut_with_a_notice(client, tree):
    response = get(client, q="housing " + "budget " * 20)
    assert response.status_code == 200
    assert "Only the first 12 words of your search were used." in response.content.decode()


def test_a_very_long_query_is_a_clear_400(client, tree):
    response = get(client, q="housing " * 1250)
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    assert "results" not in response.context or not response.context.get("results")


@pytest.mark.parametrize(
    "params",
    [
        {"q": "housing", "theme": "no-such-theme"},
        {"q": "housing", "type": "image"},
        {"q": "housing", "status": "bogus"},
        {"q": "housing", "year": "1066"},
        {"q": "housing", "year": "twenty"},
        {"q": "housing", "country": "XX"},
        {"q": "housing", "city": "atlantis"},
    ],
)
def test_unknown_facet_values_are_a_clear_400(client, tree, params):
    response = get(client, **params)
    assert response.status_code == 400
    assert "is not one of the values of this filter" in response.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "2", "999999999999999999999", "x", "1.5", "9" * 5000])
def test_bad_page_numbers_are_404(client, tree, page):
    assert get(client, q="housing", page=page).status_code == 404


def test_page_one_and_pagination(client, tree, settings):
    settings.CITIES_CMS_SEARCH_PAGE_SIZE = 2
    first = get(client, q="housing")
    second = get(client, q="housing", page="2")
    assert first.status_code == second.status_code == 200
    assert len(titles(first)) == 2 and len(titles(second)) == 1
    assert set(titles(first)).isdisjoint(titles(second))
    assert 'href="?q=housing&amp;page=2"' in first.content.decode()


def test_empty_query_shows_a_start_page(client, tree):
    response = get(client)
    assert response.status_code == 200
    assert not response.context["searched"]
    body = response.content.decode()
    assert tree.practices.url in body and tree.cities.url in body


def test_nothing_found_helps(client, tree):
    response = get(client, q="xylophone", theme="housing")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was found" in body
    assert 'href="?q=xylophone"' in body  # the filters cleared
    assert tree.practices.url in body  # the listings
    assert "/lv/search/?q=xylophone" in body  # other languages


# Facets ---------------------------------------------------------------------------------------


def facet(response, name):
    found = next(f for f in response.context["facets"] if f.name == name)
    return {v.value: v.count for v in found.values}


def test_facets_count_the_results(client, tree):
    response = get(client, q="housing")
    assert facet(response, "type") == {"seminar": 1, "practice_model": 2}
    assert facet(response, "theme") == {"housing": 3, "participatory-democracy": 1}
    assert facet(response, "city") == {"daugavpils": 2, "poznan": 1}
    assert facet(response, "country") == {"LV": 2, "PL": 1}
    assert facet(response, "status") == {"pilot": 1, "evaluated": 1}
    year = tree.seminar.start.year
    years = facet(response, "year")
    assert years["2014"] == 1 and years["2016"] == 1 and years[str(year)] == 1


def test_facet_values_show_their_counts_to_everyone(client, tree):
    # The checkbox, its label and its count, written by the view (not by template tags).
    response = get(client, q="housing")
    body = " ".join(response.content.decode().split())
    themes = next(f for f in response.context["facets"] if f.name == "theme").values
    ids = [value.dom_id for value in themes]
    assert ids == [f"cc-facet-theme-{n}" for n in range(1, len(themes) + 1)]
    housing = next(value for value in themes if value.value == "housing")
    assert f'<input type="checkbox" name="theme" value="housing" id="{housing.dom_id}">' in body
    label = body.split(f'<label for="{housing.dom_id}">', 1)[1].split("</label>", 1)[0]
    assert '<span aria-hidden="true">(3)</span>' in label
    assert '<span class="cc-visually-hidden">, 3 results</span>' in label
    assert '<span class="cc-visually-hidden">, 1 result</span>' in body


def test_results_are_presented_from_their_own_tables(client, tree):
    # The types of the page of results come with the ids: one query per type, no base rows.
    from django.test import RequestFactory

    from cities_cms.search.present import present
    from cities_cms.search.statement import TYPES
    from cities_cms.search.statement import content_types as _content_types

    types = _content_types()
    ids = [tree.seminar.pk, tree.housing.pk]
    content_types = {tree.seminar.pk: types["seminar"], tree.housing.pk: types["practice_model"]}
    request = RequestFactory().get("/search/")
    without_types = present(ids, "housing", request)  # also finds the site of the request
    with CaptureQueriesContext(connection) as queries:
        items = present(ids, "housing", request, content_types)
    assert [type(item["page"]) for item in items] == [TYPES["seminar"], TYPES["practice_model"]]
    assert [item["url"] for item in items] == [tree.seminar.url, tree.housing.url]
    tables = [q["sql"].split(" FROM ", 1)[1].split()[0] for q in queries.captured_queries]
    assert sorted(tables) == ['"cities_cms_practicemodelpage"', '"cities_cms_seminarpage"']
    assert items == without_types
    # Only what a card shows is read: no StreamField or JSON column is decoded.
    for query in queries.captured_queries:
        assert '"body"' not in query["sql"] and '"agenda"' not in query["sql"]


def test_facet_filters_narrow_the_results(client, tree):
    assert titles(get(client, q="housing", city="poznan")) == ["Participatory budget"]
    assert set(titles(get(client, q="housing", country="LV"))) == {
        "Riverside housing cooperative",
        "Housing seminar in Daugavpils",
    }
    assert titles(get(client, q="housing", type="seminar")) == ["Housing seminar in Daugavpils"]
    assert titles(get(client, q="housing", status="pilot")) == ["Riverside housing cooperative"]
    assert titles(get(client, q="housing", year="2016")) == ["Participatory budget"]
    assert titles(get(client, q="housing", theme="participatory-democracy")) == [
        "Participatory budget"
    ]
    # Several values of one facet: either; several facets: both.
    both = get(client, q="housing", status=["pilot", "evaluated"], type="practice_model")
    assert len(titles(both)) == 2
    # Filters without a query browse the language's pages.
    assert set(titles(get(client, theme="housing"))) == {
        "Riverside housing cooperative",
        "Participatory budget",
        "Housing seminar in Daugavpils",
    }


def test_selected_facet_links_remove_the_filter(client, tree):
    body = get(client, q="housing", status="pilot").content.decode()
    assert 'href="?q=housing"' in body
    assert "Remove filter:" in body


def test_facet_links_toggle_one_value_and_keep_the_others(client, tree):
    response = get(client, q="housing", status=["pilot", "evaluated"], type="practice_model")
    values = {(f.name, v.value): v.url for f in response.context["facets"] for v in f.values}
    # A selected value is removed, an unselected one added at the end of its parameter; the
    # other parameters stay, in their order, and the page number goes.
    assert values[("status", "pilot")] == "?q=housing&status=evaluated&type=practice_model"
    assert values[("type", "practice_model")] == "?q=housing&status=pilot&status=evaluated"
    assert values[("city", "poznan")] == (
        "?q=housing&status=pilot&status=evaluated&type=practice_model&city=poznan"
    )
    paged = get(client, q="Poznań western", page="1")
    links = [v.url for f in paged.context["facets"] for v in f.values]
    assert "?q=Pozna%C5%84+western&type=city" in links
    assert not any("page=" in link for link in links)


def count_queries(client, **params):
    # Cold: the vocabularies (labels of facet values) are cached between requests.
    invalidate_vocabularies()
    with CaptureQueriesContext(connection) as queries:
        response = get(client, **params)
    assert response.status_code == 200
    return len(queries), response


def test_queries_do_not_grow_with_the_results(client, tree, settings):
    # Every result on one page: rendering 3 or 53 results costs the same queries.
    settings.CITIES_CMS_SEARCH_PAGE_SIZE = 100
    none, response = count_queries(client, q="harbour")
    assert response.context["paginator"].count == 0
    few, response = count_queries(client, q="housing", year=[str(y) for y in range(1990, 2101)])
    assert response.context["paginator"].count == 3
    for i in range(25):
        city = tree.daugavpils if i % 2 else tree.poznan
        make_practice_model(
            tree.practices,
            title=f"Housing model {i}",
            fast=True,
            city=city,
            start_year=2000 + i,
            status=["idea", "pilot"][i % 2],
            themes=[tree.themes["housing"], tree.themes["climate"]],
        )
        make_seminar(
            tree.seminars,
            title=f"Housing webinar {i}",
            fast=True,
            host_city=city,
            start=timezone.now() + timedelta(days=400 * i),
            themes=[tree.themes["housing"]],
        )
    many, response = count_queries(client, q="housing", year=[str(y) for y in range(1990, 2101)])
    assert response.context["paginator"].count == 53
    assert len(response.context["results"]) == 53
    assert many == few
    assert none <= 30 and few <= 30


@pytest.mark.parametrize(
    "data",
    [
        {"q": "housing"},
        {"q": "housing", "status": ["pilot"]},
        {"q": "daugavpils"},
        {"status": ["pilot", "idea"]},
        {"q": "zzyzx"},
    ],
)
def test_one_statement_counts_as_the_separate_queries(tree, data):
    # The single statement of the database backends gives the results, their order, their
    # number and every facet's counts that the separate queries (other backends) give.
    from wagtail.models import Locale

    from cities_cms.search.service import SiteSearch

    for i in range(12):
        make_practice_model(
            tree.practices,
            title=f"Housing model {i}",
            fast=True,
            city=[tree.daugavpils, tree.poznan][i % 2],
            start_year=2000 + i % 3,
            status=["idea", "pilot"][i % 2],
            themes=[tree.themes["housing"]] if i % 3 else [],
        )
    search = SiteSearch(Locale.objects.get(language_code="en"), data)
    assert search.single_statement
    results = search.results()
    separate = search.facets(results)
    expected_ids = [page.pk for page in results[5:10]]
    facets, total, ids = search.run(5, 5)
    assert total == search.total == results.count()
    assert ids == expected_ids

    def counts(facets):
        return {f.name: [(v.value, v.count) for v in f.values] for f in facets}

    assert counts(facets) == counts(separate)
    if data == {"q": "housing"}:
        assert total > 10 and counts(facets)["status"]


def test_cached_facet_labels_follow_publishing(client, tree):
    # The labels of facet values are cached between requests; publishing, unpublishing and
    # saving a theme start afresh, so a new city is a facet value at once and can be filtered.
    cities = [
        v.value
        for f in get(client, q="housing").context["facets"]
        if f.name == "city"
        for v in f.values
    ]
    assert "tartu" not in cities
    assert get(client, q="housing", city="tartu").status_code == 400
    tartu = make_city(tree.cities, title="Tartu", slug="tartu", country="EE", summary="Emajõgi.")
    make_practice_model(tree.practices, title="Tartu housing", city=tartu, summary="Tenants.")
    response = get(client, q="housing", city="tartu")
    assert response.status_code == 200
    assert titles(response) == ["Tartu housing"]
    tartu.unpublish()
    assert get(client, q="housing", city="tartu").status_code == 400
    theme = tree.themes["housing"]
    theme.name = "Homes"
    theme.save()
    labels = [
        v.label
        for f in get(client, q="housing").context["facets"]
        if f.name == "theme"
        for v in f.values
    ]
    assert "Homes" in labels


# Highlighting ---------------------------------------------------------------------------------


def test_highlight_escapes_then_marks():
    text = 'Housing <script>alert("x")</script> & more housing'
    html = str(highlight(text, "housing"))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert html.count("<mark>") == 2
    assert "<mark>Housing</mark>" in html


def test_highlight_ignores_diacritics_and_marks_whole_words():
    html = str(highlight("Partnerzy spotkali się w Łodzi.", "lodzi"))
    assert "<mark>Łodzi</mark>" in html


def test_snippets_on_the_page_are_escaped(client, tree):
    make_practice_model(
        tree.practices,
        title="Markup <b>zeppelin</b>",
        summary='<img src=x onerror="alert(1)"> zeppelin hangar',
    )
    body = get(client, q="zeppelin").content.decode()
    assert "<mark>zeppelin</mark>" in body
    assert "<img src=x" not in body and "<b>zeppelin" not in body


# Autocomplete -------------------------------------------------------------------------------


def test_autocomplete_suggests_by_prefix_in_the_current_language(client, tree):
    response = client.get("/search/suggest/", {"q": "riversi"})
    assert response.status_code == 200
    data = response.json()
    assert [s["title"] for s in data["suggestions"]] == ["Riverside housing cooperative"]
    assert data["suggestions"][0]["url"] == tree.housing.url
    translate(tree.poznan, "pl", title="Poznań")
    assert (
        client.get("/search/suggest/", {"q": "pozna"}).json()["suggestions"][0]["title"] == "Poznań"
    )
    assert [
        s["title"] for s in client.get("/pl/search/suggest/", {"q": "pozn"}).json()["suggestions"]
    ] == ["Poznań"]


@pytest.mark.parametrize("query", ["", "   ", '"', "((", "title:", "*"])
def test_autocomplete_bad_input(client, tree, query):
    response = client.get("/search/suggest/", {"q": query})
    assert response.status_code == 200
    assert response.json()["suggestions"] == []


def test_autocomplete_too_long_is_400(client, tree):
    assert client.get("/search/suggest/", {"q": "x" * 10_000}).status_code == 400


def test_autocomplete_ranks_in_one_statement_as_the_backend(client, tree, settings):
    # The suggestions' ids come from one statement over the matches joined to the scope, in
    # the backend's order of relevance; then one query per page type reads the pages.
    from wagtail.models import Locale

    from cities_cms.search.service import SiteSearch

    settings.CITIES_CMS_SEARCH_AUTOCOMPLETE_LIMIT = 4
    settings.CITIES_CMS_PAGE_CACHE = False  # the queries of the endpoint itself
    for i in range(6):
        make_practice_model(tree.practices, title=f"Zeppelin {'zeppelin ' * (i % 3)}{i}", fast=True)
    make_seminar(tree.seminars, title="Zeppelin seminar", start=timezone.now())
    search = SiteSearch(Locale.objects.get(language_code="en"), {"q": "zeppe"})
    expected = [
        page.pk for page in search.backend.autocomplete("zeppe", search.scope(), operator="and")
    ]
    ids, content_types = search.suggestions(20)
    assert ids == expected and len(ids) == 7
    assert content_types == {pk: Page.objects.get(pk=pk).content_type_id for pk in ids}
    assert search.suggestions(4)[0] == expected[:4]
    client.get("/search/suggest/", {"q": "zeppe"})  # warm caches
    with CaptureQueriesContext(connection) as queries:
        data = client.get("/search/suggest/", {"q": "zeppe"}).json()
    titles_ = [Page.objects.get(pk=pk).title for pk in expected[:4]]
    assert [s["title"] for s in data["suggestions"]] == titles_
    types = {content_types[pk] for pk in expected[:4]}
    assert len(queries) == 1 + len(types)


def test_autocomplete_hides_drafts_and_private_pages(client, tree):
    make_practice_model(tree.practices, title="Zeppelin draft", live=False)
    make_private(make_practice_model(tree.practices, title="Zeppelin private"))
    make_practice_model(tree.practices, title="Zeppelin public")
    titles_ = [
        s["title"] for s in client.get("/search/suggest/", {"q": "zeppe"}).json()["suggestions"]
    ]
    assert titles_ == ["Zeppelin public"]


def test_header_has_a_search_box(client, tree):
    body = client.get(tree.housing.url).content.decode()
    assert 'role="search"' in body
    assert 'action="/search/"' in body


@given(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from('aąbcčdeęėfghiīlłmnoóprsșştțuųvwzž *"<&'), max_size=20),
    st.sampled_from(["en", "pl", "lv", "lt", "ro", "de"]),
)
@hypothesis_settings(max_examples=300, deadline=None)
def test_highlight_is_the_text_with_marks(text, query, language):
    # Whatever the text and the query: escaped text, marks around whole words only, and
    # without the marks exactly an excerpt of the text (words are found on the text itself).
    import html as html_module

    out = str(highlight(text, query, length=80, language=language))
    plain = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in plain
    excerpt = html_module.unescape(plain).removeprefix("… ").removesuffix(" …")
    assert excerpt in " ".join(text.split())


@pytest.mark.django_db
def test_practice_model_facets_have_a_covering_index_on_postgresql():
    # Migration 0003: the search page's practice-model facets read city, start year and
    # status from an index on the primary key (an index-only scan). PostgreSQL only.
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL index (SQLite looks rows up by rowid)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'cities_cms_practicemodel_facets'"
        )
        (definition,) = cursor.fetchone()
    assert "(page_ptr_id) INCLUDE (city_id, start_year, status)" in definition


def test_autocomplete_says_how_many_in_the_languages_plural_forms(client, tree):
    # The script cannot know each language's plural forms: the endpoint says it for it.
    pages = [make_practice_model(tree.practices, title=f"Zeppelin {i}") for i in range(5)]
    data = client.get("/search/suggest/", {"q": "zeppe"}).json()
    assert len(data["suggestions"]) == 5
    assert data["summary"] == "5 suggestions"
    assert client.get("/search/suggest/", {"q": "zzyzx"}).json()["summary"] == ""
    # Polish has three forms: 1 sugestia, 3 sugestie, 5 sugestii (untranslated pages are
    # suggested too, with their English titles).
    assert client.get("/pl/search/suggest/", {"q": "zeppe"}).json()["summary"] == "5 sugestii"
    for number, page in enumerate(pages[:3]):
        translate(page, "pl", title=f"Sterowiec {number}")
    assert client.get("/pl/search/suggest/", {"q": "sterow"}).json()["summary"] == "3 sugestie"


def test_answers_follow_the_search_index_not_the_page_cache(client, tree):
    """The page cache (on, as in the reference site) keeps no search answer: the task worker
    indexes a published page after its publication started a new content generation, so an
    answer cached in between would miss the page until the entry expired."""
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend()
    page = make_practice_model(tree.practices, title="Floating gardens", summary="Barges.")
    backend.delete(page)  # published, not indexed yet (the worker has not run)
    first = get(client, q="gardens")
    assert titles(first) == []
    assert first["X-Cities-Cache"] == "SKIP"
    assert "no-cache" in first["Cache-Control"]
    backend.add(page)  # the worker indexes it: no new content generation
    assert titles(get(client, q="gardens")) == ["Floating gardens"]
    suggestions = client.get("/search/suggest/", {"q": "float"})
    assert suggestions.status_code == 200
    assert suggestions["X-Cities-Cache"] == "SKIP"
