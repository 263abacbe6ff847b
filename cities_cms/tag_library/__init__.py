"""The tags of ``{% load cities_cms_tags %}``, written by subject: one module each, with its own
``Library`` that ``cities_cms.templatetags.cities_cms_tags`` merges into the one library that
templates load (so no module here is a template library of its own).

- ``themes``: theme names in the page's language and their landing pages;
- ``languages``: language names, a page's translations (switcher, ``hreflang``);
- ``structure``: the site's root, texts, menu, breadcrumbs, legal pages, listing pages;
- ``content``: JSON-LD, feeds, a city in the page's language, lists of pages with prefetches;
- ``formats``: filters for blocks, dates, files and form fields, query strings;
- ``fragments``: ``{% shared_fragment %}``, page parts rendered once per content generation.

Tags that query the database cache their result on the request (``request_cache``) or with the
content (``cities_cms.content_cache``), so that a header, a footer and a page body asking for
the same thing cost one query, whatever the number of items.
"""

from .. import languages


def request_cache(request, name, compute):
    """``compute()`` once per request (or on every call when there is no request)."""
    if request is None:
        return compute()
    cache = request.__dict__.setdefault("_cities_cms_cache", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def context_locale(context):
    """The locale of the page being rendered, or of the view (search, the 404 page ...)."""
    return languages.request_locale(context.get("page"))
