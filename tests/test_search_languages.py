"""Real sentences in the network's ten languages, found in their own language only.

The same assertions hold on SQLite (folded text, prefixes for inflected forms) and on
PostgreSQL (each locale's text search configuration: Snowball stemmers, ``simple`` with
folding and prefixes for Latvian and Polish): run this file through the PostgreSQL harness.
"""

import pytest
from django.db import connection

from cities_cms.search.languages import postgres_config

from .utils import make_practice_model, translate

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


@pytest.fixture
def pages(site_tree):
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


def test_latvian_without_diacritics(client, pages):
    assert result_titles(client, "lv", "valstim") == ["Pārmaiņu pilsētas"]
    assert result_titles(client, "lv", "irijas") == ["Pārmaiņu pilsētas"]


def test_polish_without_diacritics(client, pages):
    assert result_titles(client, "pl", "wspolpracuja zarzadzania") == ["Współpraca miast"]


def test_snippets_mark_the_inflected_words(client, pages):
    response = client.get(search_url("de"), {"q": "Stadtteil"})
    assert "<mark>Stadtteilen</mark>" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL configurations")
def test_postgres_index_uses_each_languages_configuration(pages):
    from django.db import connection as conn

    with conn.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        available = {row[0] for row in cursor.fetchall()}
    for code in SENTENCES:
        assert postgres_config(code) in available, code
    assert postgres_config("lv") == postgres_config("pl") == "simple"
    assert postgres_config("lt") == "lithuanian" and postgres_config("ro") == "romanian"
    # The German body was stemmed: "stadtteil" is a lexeme, "stadtteilen" is not.
    from wagtail.search.models import IndexEntry

    body = IndexEntry.objects.filter(object_id=str(pages["de"].pk)).values_list("body", flat=True)[
        0
    ]
    assert "'stadtteil'" in str(body) and "'stadtteilen'" not in str(body)
