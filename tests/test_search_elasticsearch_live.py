"""Search against a real Elasticsearch 9 server: runs only when ELASTICSEARCH_URL is set.

Elasticsearch cannot run on the project's machines, so this module skips there. To run it
(see docs/search.md), start a server with the analysis-stempel plugin on loopback, e.g.

    docker run --rm -p 127.0.0.1:9200:9200 -e discovery.type=single-node \
        -e xpack.security.enabled=false elasticsearch:9.1.0 \
        sh -c "bin/elasticsearch-plugin install --batch analysis-stempel && \
               /usr/local/bin/docker-entrypoint.sh"
    ELASTICSEARCH_URL=http://127.0.0.1:9200 pytest tests/test_search_elasticsearch_live.py

Each test uses its own index prefix and deletes its indexes afterwards.
"""

import os
import uuid

import pytest
from wagtail.models import Page

from cities_cms.pages import PracticeModelPage
from cities_cms.search.backends.elasticsearch9 import LanguageElasticsearchBackend

from .utils import make_practice_model, translate

URL = os.environ.get("ELASTICSEARCH_URL")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not URL, reason="ELASTICSEARCH_URL is not set: no Elasticsearch server"),
]


@pytest.fixture
def backend():
    backend = LanguageElasticsearchBackend(
        {"URLS": [URL], "INDEX_PREFIX": f"cities_cms_test_{uuid.uuid4().hex[:8]}_"}
    )
    yield backend
    for index in backend.all_indexes():
        index.delete()


def search(backend, code, query):
    scope = Page.objects.live().filter(locale__language_code=code)
    return [page.title for page in backend.for_language(code).search(query, scope)]


def test_analyzers_exist_on_the_server(backend):
    index = backend.get_index_for_model(Page)
    index.put()
    for code in ["lv", "lt", "ro", "pl", "en", "de"]:
        tokens = backend.es.indices.analyze(
            index=index.name, analyzer=f"cities_cms_{code}", text="test"
        )
        assert tokens["tokens"]


def test_each_language_is_stemmed_with_its_analyzer(backend, site_tree):
    page = make_practice_model(
        site_tree.practices, title="Neighbourhood renewal", summary="Renovating neighbourhoods."
    )
    translate(
        page, "pl", title="Współpraca miast", summary="Miasta współpracują w dziedzinie rozwoju."
    )
    translate(
        page, "lt", title="Žinių perdavimas", summary="Miestai bendradarbiauja su universitetais."
    )
    index = backend.get_index_for_model(Page)
    index.put()
    index.add_model(PracticeModelPage)
    for item in PracticeModelPage.objects.all():
        index.add_item(item)
    index.refresh()
    assert search(backend, "en", "neighbourhood") == ["Neighbourhood renewal"]
    assert search(backend, "lt", "universitetas") == ["Žinių perdavimas"]
    assert search(backend, "lt", "ziniu") == ["Žinių perdavimas"]  # typed without diacritics
    assert search(backend, "pl", "wspolpraca") == ["Współpraca miast"]
    assert search(backend, "pl", "rozwój") == ["Współpraca miast"]
    assert search(backend, "pl", "neighbourhood") == []
