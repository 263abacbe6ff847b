"""One page of search results as the template shows them: specific pages, highlighted."""

import functools

from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import get_language_info
from wagtail.models import Page

from .highlight import Matcher, highlight
from .languages import language_code
from .service import KIND_LABELS
from .statement import TYPES


def present(pages, query, request, content_types=None, languages=None):
    """The pages of one page of results as dicts for the template (their specific types).

    One query per page type among them, whatever their number. ``pages`` may be ids; with
    ``content_types`` (id -> content type id, from ``SiteSearch.run``) each type's table is
    read directly, without first reading the pages' base rows to learn their types.
    ``languages``: the languages the search read the query in (``SiteSearch.languages``).

    An alias (a page not translated into the visitor's language yet) is marked
    ``untranslated``, with the language of its text, which highlighting reads it in.
    """
    ids = [getattr(page, "pk", page) for page in pages]
    if content_types and all(pk in content_types for pk in ids):
        specific = _specific_by_type(ids, content_types)
    else:
        specific = {page.pk: page for page in Page.objects.filter(pk__in=ids).specific()}
    languages = tuple(languages or ())
    originals = _original_languages(specific.values(), languages)
    types = {model: key for key, model in TYPES.items()}
    own = languages[0] if languages else language_code(translation.get_language())
    matchers = {}  # one per language of the texts: the query's words analysed once
    items = []
    for pk in ids:
        page = specific.get(pk)
        if page is None:
            continue
        kind = types.get(type(page), "other")
        text_language = originals.get(page.alias_of_id, own) if page.alias_of_id else own
        if text_language not in matchers:
            matchers[text_language] = Matcher(query, text_language, languages or None)
        matcher = matchers[text_language]
        items.append(
            {
                "page": page,
                "url": page.get_url(request),
                "kind": kind,
                "kind_label": KIND_LABELS[kind],
                "title": highlight(page.title, query, length=400, matcher=matcher)
                if query
                else page.title,
                "snippet": highlight(_summary_text(page), query, matcher=matcher),
                "untranslated": text_language != own,
                "language": text_language,
                "language_name": get_language_info(text_language)["name_local"]
                if text_language != own
                else "",
            }
        )
    return items


def _original_languages(pages, languages):
    """``{original id: language}`` of the aliases among ``pages``.

    No query when the search reads one language besides the visitor's (synchronised trees:
    every alias copies a page of the source language); else one.
    """
    originals = {page.alias_of_id for page in pages if page.alias_of_id}
    if not originals:
        return {}
    if len(languages) == 2:
        return dict.fromkeys(originals, languages[1])
    rows = Page.objects.filter(pk__in=originals).values_list("pk", "locale__language_code")
    return {pk: language_code(code) for pk, code in rows}


def _specific_by_type(ids, content_types):
    from django.contrib.contenttypes.models import ContentType

    by_type = {}
    for pk in ids:
        by_type.setdefault(content_types[pk], []).append(pk)
    pages = {}
    for content_type_id, pks in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()  # cached
        if model is None:  # a page type whose code is gone: its base row
            model = Page
        queryset = model.objects.filter(pk__in=pks).only(*_card_fields(model))
        pages.update((page.pk, page) for page in queryset)
    return pages


# What a result card reads of a page: its title, its URL (from ``url_path``), whether it is
# an alias, and the first of these texts for the snippet (``_summary_text``).
SUMMARY_FIELDS = ("search_description", "summary", "intro", "challenge", "approach", "aim")
CARD_FIELDS = (
    "title", "slug", "url_path", "locale", "content_type", "translation_key", "alias_of",
    "live", "depth", "path", "first_published_at", "last_published_at",
)  # fmt: skip


@functools.cache
def _card_fields(model):
    """The fields of ``model`` that a result card reads, and a few small ones of every page.

    Only these are loaded (any other is read from the database when asked for, one query
    per page): a page type's other fields, its StreamField and JSON ones above all, are
    most of the cost of loading it.
    """
    names = {field.name for field in model._meta.concrete_fields}
    return tuple(name for name in (*CARD_FIELDS, *SUMMARY_FIELDS) if name in names)


def _summary_text(page):
    for name in SUMMARY_FIELDS:
        value = getattr(page, name, "")
        if value and isinstance(value, str):
            return strip_tags(value)
    return ""
