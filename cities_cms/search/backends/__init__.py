"""Search backends of cities_cms: language-aware subclasses of modelsearch's backends.

- ``cities_cms.search.backends.database``: Wagtail's database backend for the database in use
  (SQLite with folded diacritics, PostgreSQL with each locale's text search configuration).
- ``cities_cms.search.backends.elasticsearch9``: Elasticsearch with an analyzer per language.

See docs/search.md.
"""
