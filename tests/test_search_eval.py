"""Recall of the search page in each of the ten languages, on the evaluation set.

``tests/search_eval/<code>.toml`` holds natural pages written in each language and the
queries that visitors type (inflected forms, no diacritics, short words, cedilla letters),
with the pages each must find. The recall reached per language is asserted below, on SQLite
and (through the harness) on PostgreSQL; ``pytest -s`` prints it with every miss.
"""

import pytest
from django.db import connection

from .search_eval import LANGUAGES, load
from .utils import make_practice_model, translate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ten_languages")]

# Share of the expected pages found, per language, on SQLite and PostgreSQL. Before issue 10
# (stemming in Python, folded stems, prefixes for short words, the cedilla letters), on the
# same set: SQLite en 0.65, pl 0.55, lv 0.88, it 0.88, nl 0.88, lt 0.76, es 0.93, fr 0.83,
# de 0.87, ro 0.75; PostgreSQL en 0.94, pl 0.55, lv 0.88, it 0.88, nl 0.76, lt 0.76, es 0.80,
# fr 0.61, de 1.00, ro 0.38 (docs/search.md). What is still missed: Polish "studentow" for
# "studenci" and Romanian "scoala" for "școlile" (stem alternations no stemmer undoes).
RECALL = {
    "en": 1.0,
    "pl": 0.95,
    "lv": 1.0,
    "it": 1.0,
    "nl": 1.0,
    "lt": 1.0,
    "es": 1.0,
    "fr": 1.0,
    "de": 1.0,
    "ro": 0.96,
}


def search_url(code):
    return "/search/" if code == "en" else f"/{code}/search/"


@pytest.fixture(scope="module")
def eval_pages(network_site):
    """Publish the evaluation pages once for the module: ``{page id: (language, key)}``.

    The English page at each position is the source; the other languages' pages at that
    position are its translations (so each language's tree holds its own pages, not aliases).
    """
    sets = {code: load(code)["page"] for code in LANGUAGES}
    pages = {}
    for position in range(max(len(entries) for entries in sets.values())):
        english = sets["en"][position]
        source = make_practice_model(
            network_site.practices,
            title=english["title"],
            slug=f"eval-{position}",
            summary=english["summary"],
            challenge="<p></p>",
            approach=f"<p>{english['approach']}</p>",
        )
        pages[source.pk] = ("en", english["key"])
        for code in LANGUAGES[1:]:
            if position >= len(sets[code]):
                continue
            entry = sets[code][position]
            page = translate(
                source,
                code,
                title=entry["title"],
                summary=entry["summary"],
                approach=f"<p>{entry['approach']}</p>",
            )
            pages[page.pk] = (code, entry["key"])
    return pages


def evaluate(client, pages, code):
    """Found and expected pages over every query of a language, the misses and the extras."""
    found = expected = 0
    misses, extras = [], []
    for query in load(code)["query"]:
        response = client.get(search_url(code), {"q": query["q"]})
        assert response.status_code == 200
        keys = {
            pages[item["page"].pk][1]
            for item in response.context["results"]
            if pages.get(item["page"].pk, ("", ""))[0] == code
        }
        wanted = set(query["find"])
        expected += len(wanted)
        found += len(wanted & keys)
        if wanted - keys:
            misses.append((query["q"], sorted(wanted - keys)))
        if keys - wanted:
            extras.append((query["q"], sorted(keys - wanted)))
    return found, expected, misses, extras


@pytest.mark.parametrize("code", LANGUAGES)
def test_recall_per_language(client, eval_pages, code):
    found, expected, misses, extras = evaluate(client, eval_pages, code)
    recall = found / expected
    print(
        f"\n{connection.vendor} {code}: recall {recall:.2f} ({found}/{expected}); "
        f"missed {misses}; also found {extras}"
    )
    assert recall >= RECALL[code], misses
