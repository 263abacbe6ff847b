"""The Elasticsearch backend without a server: index settings, mappings, documents, queries.

A live suite against a real server is in test_search_elasticsearch_live.py.
"""

import pytest
from wagtail.models import Locale, Page

from cities_cms.pages import PracticeModelPage
from cities_cms.search.backends.elasticsearch9 import LanguageElasticsearchBackend, LanguageMapping
from cities_cms.search.service import SiteSearch, Vocabulary

from .utils import make_practice_model, translate

pytestmark = pytest.mark.django_db

# A closed loopback port: building a client connects to nothing; no test sends a request.
PARAMS = {"URLS": ["http://127.0.0.1:9"], "INDEX_PREFIX": "test_"}


@pytest.fixture
def backend():
    return LanguageElasticsearchBackend(dict(PARAMS))


def test_index_settings_have_analyzers_per_language(backend):
    analysis = backend.settings["settings"]["analysis"]
    analyzers, filters = analysis["analyzer"], analysis["filter"]
    # As the database backends: the stem of the word as written, folded; and the stem of the
    # word without diacritics; the cedilla letters read as the comma-below ones.
    assert analyzers["cities_cms_ro"] == {
        "type": "custom",
        "tokenizer": "standard",
        "char_filter": ["cities_cms_comma_below"],
        "filter": ["lowercase", "cities_cms_stem_ro", "asciifolding"],
    }
    assert analyzers["cities_cms_ro_folded"]["filter"] == [
        "lowercase",
        "asciifolding",
        "cities_cms_stem_ro",
    ]
    assert analyzers["cities_cms_words"]["filter"] == ["lowercase", "asciifolding"]
    assert "ş => ș" in analysis["char_filter"]["cities_cms_comma_below"]["mappings"]
    assert filters["cities_cms_stem_pl"] == {"type": "polish_stem"}  # analysis-stempel
    for code, name in [
        ("en", "english"),
        ("lv", "latvian"),
        ("lt", "lithuanian"),
        ("ro", "romanian"),
        ("it", "italian"),
        ("nl", "dutch"),
        ("es", "spanish"),
        ("fr", "french"),
        ("de", "german"),
    ]:
        assert filters[f"cities_cms_stem_{code}"] == {"type": "stemmer", "language": name}
        assert analyzers[f"cities_cms_{code}"]["filter"][1] == f"cities_cms_stem_{code}"
    # Wagtail's own analyzers stay.
    assert "edgengram_analyzer" in analyzers


def test_settings_follow_the_setting(settings):
    settings.CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS = {"lv": "latvian", "pt": "standard"}
    backend = LanguageElasticsearchBackend(dict(PARAMS))
    analysis = backend.settings["settings"]["analysis"]
    # "standard": folded, no stemmer.
    assert analysis["analyzer"]["cities_cms_pt"]["filter"] == ["lowercase", "asciifolding"]
    assert "cities_cms_stem_pt" not in analysis["filter"]
    assert "cities_cms_pl" not in analysis["analyzer"]
    assert set(LanguageMapping(Page).get_mapping()["properties"]) >= {
        "_all_text_lv",
        "_all_text_pt",
    }
    # The class's settings are not changed for other backends.
    assert (
        "cities_cms_pt"
        not in LanguageElasticsearchBackend.settings["settings"]["analysis"]["analyzer"]
    )


def test_mapping_has_a_field_per_language():
    properties = LanguageMapping(PracticeModelPage).get_mapping()["properties"]
    assert properties["_all_text_pl"] == {
        "type": "text",
        "analyzer": "cities_cms_pl",
        "fields": {
            "folded": {"type": "text", "analyzer": "cities_cms_pl_folded"},
            "words": {"type": "text", "analyzer": "cities_cms_words"},
        },
    }
    assert properties["_all_text"]["type"] == "text"
    assert "cities_cms_practicemodelpage__summary" in properties


def test_documents_fill_their_own_languages_field_only(site_tree):
    page = make_practice_model(site_tree.practices, title="Housing", summary="Tenants renovate.")
    lv = translate(page, "lv", title="Mājokļi", summary="Īrnieki atjauno mājas Daugavpilī.")
    doc = LanguageMapping(PracticeModelPage).get_document(lv)
    assert "Īrnieki atjauno mājas Daugavpilī." in doc["_all_text_lv"]
    assert "Mājokļi" in doc["_all_text_lv"]
    assert not [key for key in doc if key.startswith("_all_text_") and key != "_all_text_lv"]
    en_doc = LanguageMapping(PracticeModelPage).get_document(page)
    assert "Tenants renovate." in en_doc["_all_text_en"] and "_all_text_lv" not in en_doc
    # The Polish alias (not translated yet) shows the English text: the English field.
    alias = page.get_translation(Locale.objects.get(language_code="pl")).specific
    assert alias.alias_of_id == page.pk
    alias_doc = LanguageMapping(PracticeModelPage).get_document(alias)
    assert "Tenants renovate." in alias_doc["_all_text_en"] and "_all_text_pl" not in alias_doc


def query_body(backend, language, query, site_tree):
    search = SiteSearch(
        Locale.objects.get(language_code=language),
        {"q": query},
        vocabulary=Vocabulary(site_tree.home.locale),
    )
    search.backend = backend.for_language(*search.languages[:1], others=search.languages[1:])
    search.database = False
    results = search.backend.search(query, search.scope(), operator="and")
    return results._get_es_body()


def word_clauses(body):
    return [clause["bool"]["should"] for clause in body["query"]["bool"]["must"]["bool"]["must"]]


def test_queries_ask_for_every_word_in_the_languages_fields(backend, site_tree):
    # Latvian pages, and the aliases of English pages not translated into Latvian yet.
    make_practice_model(site_tree.practices, title="Housing", summary="Tenants renovate.")
    body = query_body(backend, "lv", "Daugavpils mājokļi", site_tree)
    first, second = word_clauses(body)
    assert {"match": {"_all_text_lv": {"query": "daugavpils"}}} in first
    assert {"match": {"_all_text_lv.folded": {"query": "daugavpils"}}} in first
    assert {"match": {"_all_text_en": {"query": "daugavpils"}}} in first
    # Prefixes: the word folded, and less its last two letters (analysis.word_prefixes).
    assert {"prefix": {"_all_text_lv.words": "daugavpils"}} in first
    assert {"prefix": {"_all_text_lv.words": "daugavpi"}} in first
    assert {"prefix": {"_all_text_lv.words": "majokli"}} in second
    assert "_all_text" not in str(first).replace("_all_text_", "")
    filters = str(body["query"]["bool"]["filter"])
    assert "locale_id_filter" in filters and "live_filter" in filters


def test_query_syntax_is_reduced_to_words(backend, site_tree):
    body = query_body(backend, "pl", 'title:"Łódź" AND (NEAR* ^2', site_tree)
    words = [clauses[0]["match"]["_all_text_pl"]["query"] for clauses in word_clauses(body)]
    assert words == ["title", "łódź", "and", "near", "2"]


def test_cedilla_letters_are_read_as_comma_below_letters(backend, site_tree):
    scope = Page.objects.live()
    body = backend.for_language("ro").search("oraşele", scope, operator="and")._get_es_body()
    (clauses,) = word_clauses(body)
    assert {"match": {"_all_text_ro": {"query": "orașele"}}} in clauses


def test_autocomplete_is_prefix_and_typo_tolerant(backend, site_tree):
    scope = Page.objects.live().filter(locale=site_tree.home.locale)
    results = backend.for_language("en").autocomplete("Daugavpisl", scope)
    body = results._get_es_body()
    match = body["query"]["bool"]["must"]["match"]["_edgengrams"]
    assert match["query"] == "Daugavpisl"
    assert match["fuzziness"] == "AUTO:5,100"


def test_site_setting_chooses_the_backend():
    from django.conf import settings

    backend = settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]
    assert backend in {
        "cities_cms.search.backends.database",
        "cities_cms.search.backends.elasticsearch9",
    }
