"""Real sentences in the network's ten languages, found in their own language only.

The same assertions hold on SQLite and on PostgreSQL (both index the folded stems of each
page's language, ``cities_cms.search.analysis``): run this file through the PostgreSQL harness.
The recall per language over many queries is measured by ``tests/test_search_eval.py``.
"""

import re

import pytest

from .utils import fresh, make_practice_model, translate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ten_languages")]

# language: (title, sentence, a word to search for in another form than in the sentence)
SENTENCES = {
    "en": (
        "Neighbourhood renewal",
        "The cities are renovating their neighbourhoods together.",
        "neighbourhood",
    ),
    "it": (
        "Quartieri storici",
        "Le città rinnovano i quartieri storici con gli abitanti.",
        "storico",
    ),
    "nl": (
        "Betaalbaar wonen",
        "De gemeente renoveert oude woningen samen met de bewoners.",
        "woning",
    ),
    "lt": (
        "Žinių perdavimas",
        "Miestai bendradarbiauja su universitetais ir įmonėmis.",
        "universitetas",
    ),
    "es": ("Barrios vivos", "Las ciudades renuevan sus barrios con los vecinos.", "barrio"),
    "fr": (
        "Budget participatif",
        "Les habitants participent aux décisions sur le budget.",
        "décision",
    ),
    "de": (
        "Nachhaltige Mobilität",
        "Die Stadt fördert nachhaltige Mobilität in den Stadtteilen.",
        "Stadtteil",
    ),
    "ro": (
        "Dezvoltare urbană",
        "Orașele colaborează pentru dezvoltarea urbană durabilă.",
        "dezvoltare",
    ),
    # Latvian from the network's founding decision (shared/seeds).
    "lv": (
        "Pārmaiņu pilsētas",
        "Kopā projektā piedalās 14 partneri no 11 valstīm: Latvijas, Itālijas, Īrijas.",
        "projekts",
    ),
    "pl": (
        "Współpraca miast",
        "Miasta współpracują w dziedzinie rozwoju i zarządzania.",
        "współpraca",
    ),
}


def search_url(code):
    return "/search/" if code == "en" else f"/{code}/search/"


@pytest.fixture(scope="module")
def _pages(network_site):
    """Built once for the module (in ten languages); each test gets fresh instances (pages)."""
    site_tree = fresh(network_site)
    source = make_practice_model(site_tree.practices, title="Source", summary="Source text.")
    found = {}
    for code, (title, sentence, _word) in SENTENCES.items():
        if code == "en":
            source.title, source.summary = title, sentence
            source.save_revision().publish()
            found[code] = source
        else:
            found[code] = translate(source, code, title=title, summary=sentence)
    return found


@pytest.fixture
def pages(_pages, db):
    return fresh(_pages)


def result_titles(client, code, query):
    response = client.get(search_url(code), {"q": query})
    assert response.status_code == 200
    return [str(item["page"].title) for item in response.context["results"]]


@pytest.mark.parametrize("code", list(SENTENCES))
def test_each_language_finds_its_own_sentence(client, pages, code):
    title, _sentence, word = SENTENCES[code]
    assert result_titles(client, code, word) == [title]


@pytest.mark.parametrize("code", list(SENTENCES))
def test_other_languages_do_not_find_it(client, pages, code):
    _title, _sentence, word = SENTENCES[code]
    for other in SENTENCES:
        if other != code:
            assert result_titles(client, other, word) == [], (code, other)


def test_pages_not_translated_yet_are_found_in_every_language(client, site_tree):
    # Issue 10: "/lt/search/?q=housing" found nothing while the Lithuanian pages were still
    # aliases of the English ones. Each language finds the page once, at its own address,
    # labelled as not translated yet in the visitor's language.
    page = make_practice_model(
        site_tree.practices,
        title="Community-led housing",
        summary="Residents build homes together on municipal land.",
    )
    for code in SENTENCES:
        response = client.get(search_url(code), {"q": "housing"})
        results = response.context["results"]
        assert [item["page"].translation_key for item in results] == [page.translation_key]
        assert results[0]["untranslated"] == (code != "en"), code
        assert results[0]["url"].startswith(search_url(code).removesuffix("search/")), code
    body = client.get("/lt/search/", {"q": "housing"}).content.decode()
    assert "Vertimo dar nėra" in body  # "Not translated yet"


def test_latvian_without_diacritics(client, pages):
    assert result_titles(client, "lv", "valstim") == ["Pārmaiņu pilsētas"]
    assert result_titles(client, "lv", "irijas") == ["Pārmaiņu pilsētas"]


def test_polish_without_diacritics(client, pages):
    assert result_titles(client, "pl", "wspolpracuja zarzadzania") == ["Współpraca miast"]


def test_snippets_mark_the_inflected_words(client, pages):
    response = client.get(search_url("de"), {"q": "Stadtteil"})
    assert "<mark>Stadtteilen</mark>" in response.content.decode()


def test_the_index_holds_folded_stems_and_words(pages):
    # Romanian: "Orașele" is indexed as its stem "oraș" and as the word, both without
    # diacritics; German "Stadtteilen" as "stadtteil" and "stadtteilen". Nothing indexed keeps
    # a diacritic. The same on SQLite (text) and PostgreSQL (a tsvector).
    from wagtail.search.models import IndexEntry

    def indexed(page):
        entry = IndexEntry.objects.get(object_id=str(page.pk))
        # SQLite: the tokens; PostgreSQL: "'oras':1 'orasele':2 ...".
        return set(re.findall(r"[^\W_]+", f"{entry.title} {entry.body}"))

    romanian = indexed(pages["ro"])
    assert {"oras", "orasele", "dezvolt", "dezvoltarea", "urban", "urbana"} <= romanian
    assert not any(letter in "".join(romanian) for letter in "ășțâî")
    german = indexed(pages["de"])
    assert {"stadtteil", "stadtteilen", "mobilitat"} <= german


def test_cedilla_and_comma_below_letters_are_one():
    from cities_cms.search.analysis import index_text, query_groups

    # Old keyboards type ş ţ (cedilla), the standard has ș ț (comma below); both are one word,
    # capitals included, in the index and in queries.
    assert index_text("Oraşele funcţionarilor", "ro") == index_text("Orașele funcționarilor", "ro")
    assert index_text("ŞCOALA", "ro") == index_text("școala", "ro")
    assert query_groups("oraşele", ("ro",)) == query_groups("orașele", ("ro",))


def test_stems_keep_the_stemmers_work_and_fold_it():
    from cities_cms.search.analysis import tokens

    # The stem of the accented word (the stemmer needs its diacritics), the stem of the word
    # typed without them, and the word: all folded.
    assert tokens("orașele", "ro") == ("oras", "ora", "orasele")
    assert tokens("žinių", "lt") == ("zin", "ziniu")
    # Polish: the locative of "miasto" that the stemmer cannot relate to it.
    assert tokens("mieście", "pl") == ("miast", "miescie")
    assert tokens("miasto", "pl") == ("miast", "miasto")
    assert tokens("2024", "pl") == ("2024",)


def test_a_stemmer_that_cannot_be_loaded_fails_the_checks(settings):
    from cities_cms.checks import check_settings

    settings.CITIES_CMS_SEARCH_STEMMERS = {
        "lv": "LatvianStemmer.stem",
        "xx": "klingon",
        "yy": "no_such_module.stem",
    }
    errors = [error for error in check_settings(None) if error.id == "cities_cms.E007"]
    assert len(errors) == 2 and "'xx'" in errors[0].msg and "'yy'" in errors[1].msg


def test_the_indexer_reads_modelsearchs_three_texts_in_one_pass(pages):
    # FoldingObjectIndexer reads title, body and autocomplete in one walk of the search
    # fields (modelsearch's properties walk them once each): the same texts, in its order.
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backend's indexer")
    from modelsearch.backends import get_search_backend
    from modelsearch.backends.database.sqlite.sqlite import ObjectIndexer

    from cities_cms.search.backends.sqlite import FoldingObjectIndexer

    backend = get_search_backend()
    for page in (pages["en"], pages["lv"], pages["en"].get_parent().specific):
        theirs = ObjectIndexer(page, backend)
        ours = FoldingObjectIndexer(page, backend, "en")
        assert ours.texts == (theirs.title, theirs.body, theirs.autocomplete)
        assert ours.texts[0] and ours.texts[2]
    assert pages["lv"].summary in FoldingObjectIndexer(pages["lv"], backend, "lv").texts[1]
