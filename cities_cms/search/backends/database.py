"""The embedded default: Wagtail's database search, language-aware.

Use it in ``WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND":
"cities_cms.search.backends.database"}}``. Like modelsearch's own ``database`` module it picks
the implementation for the default database: SQLite (FTS5) or PostgreSQL get the subclasses
of this package; anything else (or SQLite without FTS5) modelsearch's choice.
"""

from modelsearch.backends.database import SearchBackend as _modelsearch_backend


def SearchBackend(params):
    backend = _modelsearch_backend(params)
    name = type(backend).__name__
    if name == "PostgresSearchBackend":
        from .postgres import LanguagePostgresSearchBackend

        return LanguagePostgresSearchBackend(params)
    if name == "SQLiteSearchBackend":
        from .sqlite import FoldingSQLiteSearchBackend

        return FoldingSQLiteSearchBackend(params)
    return backend
