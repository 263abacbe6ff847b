"""What the language-aware backends share: the languages a backend reads queries in."""

import copy

from ..languages import language_code


class LanguagesMixin:
    """A search backend whose copies read queries in given languages (``for_language``)."""

    # None: no language given (Wagtail's admin): the query compilers use every content language.
    languages = None

    def for_language(self, code, others=()):
        """A copy of this backend that reads queries in language ``code`` and in ``others``
        (the languages of the untranslated pages shown in ``code``)."""
        backend = copy.copy(self)
        backend.languages = tuple(dict.fromkeys((language_code(code), *others)))
        return backend


class LanguageResultsMixin:
    """Search results that hand their backend's languages to their query compiler."""

    def __init__(self, backend, query_compiler, prefetch_related=None):
        super().__init__(backend, query_compiler, prefetch_related=prefetch_related)
        query_compiler.languages = getattr(backend, "languages", None)
