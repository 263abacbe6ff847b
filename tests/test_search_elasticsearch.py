"""The Elasticsearch backend without a server: index settings, mappings, documents, queries.

A live suite against a real server is in test_search_elasticsearch_live.py.
"""

import pytest
from wagtail.models import Page

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


def test_index_settings_have_an_analyzer_per_language(backend):
    analyzers = backend.settings["settings"]["analysis"]["analyzer"]
    assert analyzers["cities_cms_lv"] == {"type": "latvian"}
    assert analyzers["cities_cms_lt"] == {"type": "lithuanian"}
    assert analyzers["cities_cms_ro"] == {"type": "romanian"}
    assert analyzers["cities_cms_pl"] == {"type": "polish"}  # the analysis-stempel plugin
    for code, name in [
        ("en", "english"),
        ("it", "italian"),
        ("nl", "dutch"),
        ("es", "spanish"),
        ("fr", "french"),
        ("de", "german"),
    ]:
        assert analyzers[f"cities_cms_{code}"] == {"type": name}
    # Wagtail's own analyzers stay.
    assert "edgengram_analyzer" in analyzers


def test_settings_follow_the_setting(settings):
    settings.CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS = {"lv": "latvian", "pt": "portuguese"}
    backend = LanguageElasticsearchBackend(dict(PARAMS))
    analyzers = backend.settings["settings"]["analysis"]["analyzer"]
    assert analyzers["cities_cms_pt"] == {"type": "portuguese"}
    assert "cities_cms_pl" not in analyzers
    assert set(LanguageMapping(Page).get_mapping()["properties"]) >= {
        "_all_text_lv",
        "_all_text_pt",
    }


def test_mapping_has_a_field_per_language():
    properties = LanguageMapping(PracticeModelPage).get_mapping()["properties"]
    assert properties["_all_text_lv"] == {"type": "text", "analyzer": "cities_cms_lv"}
    assert properties["_all_text_pl"] == {"type": "text", "analyzer": "cities_cms_pl"}
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


def query_body(backend, language, query, site_tree):
    search = SiteSearch(
        site_tree.home.locale.__class__.objects.get(language_code=language),
        {"q": query},
        vocabulary=Vocabulary(site_tree.home.locale),
    )
    search.backend = backend.for_language(language)
    search.database = False
    results = search.backend.search(query, search.scope(), operator="and")
    return results._get_es_body()


def test_queries_search_the_languages_field(backend, site_tree):
    body = query_body(backend, "lv", "Daugavpils mājokļi", site_tree)
    match = body["query"]["bool"]["must"]["multi_match"]
    assert match["query"] == "daugavpils mājokļi"
    assert match["operator"] == "and"
    assert "_all_text_lv" in match["fields"]
    assert "_all_text" not in match["fields"]
    filters = str(body["query"]["bool"]["filter"])
    assert "locale_id_filter" in filters and "live_filter" in filters


def test_query_syntax_is_reduced_to_words(backend, site_tree):
    body = query_body(backend, "pl", 'title:"Łódź" AND (NEAR* ^2', site_tree)
    match = body["query"]["bool"]["must"]["multi_match"]
    assert match["query"] == "title łódź and near 2"
    assert "_all_text_pl" in match["fields"]


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
