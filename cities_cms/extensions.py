"""Extension points of the core, which the optional sub-apps register into from ``ready()``.

The core never imports ``cities_cms.registration`` or ``cities_cms.federation``: a site that
leaves either out of ``INSTALLED_APPS`` gets pages without that feature, not errors. A sub-app
plugs in from its ``AppConfig.ready()`` (before any request, URL resolution or system check):

- :func:`add_edit_tab`: a tab of a page type's editor (the seminar's "Registration");
- :func:`add_page_context`: values a page type's template receives (a seminar's places left);
- :func:`add_fragment`: a template rendered at a named place of a page template
  (``{% extension_fragments "practice_model_page.header" %}``, cities_cms_tags);
- :func:`add_provider`: a function whose first non-empty answer the core uses (``canonical_url``
  of a page received from a partner: ``{% extension_value "canonical_url" page as url %}``);
- :func:`add_page_view`: the view behind a route that the core's pages declare (a seminar's
  ``register/``): without it, the route answers 404;
- :func:`add_urlpatterns`: URLs included by ``cities_cms.urls`` (the federation endpoints).

Registering twice (``ready()`` may run again in tests) keeps one entry.
"""

from collections import defaultdict

from django.http import Http404

_page_context = defaultdict(list)
_fragments = defaultdict(list)
_providers = defaultdict(list)
_page_views = {}
_urlpatterns = []


def _add_once(items, item):
    if item not in items:
        items.append(item)


def add_edit_tab(model, tab):
    """Append ``tab`` (a Wagtail ``ObjectList``) to the editor of the page type ``model``.

    Args:
        model: a page class whose ``edit_handler`` is a ``TabbedInterface``.
        tab: the panel to append; the same heading is added once.
    """
    tabs = model.edit_handler.children
    if any(getattr(t, "heading", None) == tab.heading for t in tabs):
        return
    tabs.append(tab)
    # Wagtail caches each class's bound editor: drop it so the next use sees the new tab.
    for klass in model.__mro__:
        cache = vars(klass).get("get_edit_handler")
        if isinstance(cache, dict):
            cache.pop(model, None)


def add_page_context(name, function):
    """``function(page, request) -> dict`` adds to the context of the page kind ``name``."""
    _add_once(_page_context[name], function)


def page_context(name, page, request):
    context = {}
    for function in _page_context[name]:
        context.update(function(page, request))
    return context


def add_fragment(slot, template_name):
    """Render ``template_name`` with the page's context where a template names ``slot``."""
    _add_once(_fragments[slot], template_name)


def fragments(slot):
    return list(_fragments[slot])


def add_provider(name, function):
    """``function(*args)`` answers the question ``name``; the first non-empty answer counts."""
    _add_once(_providers[name], function)


def first_value(name, *args, default=None):
    for function in _providers[name]:
        value = function(*args)
        if value:
            return value
    return default


def add_page_view(name, view):
    """``view(page, request, **kwargs)`` answers the page route ``name``."""
    _page_views[name] = view


def serve_page_view(name, page, request, **kwargs):
    view = _page_views.get(name)
    if view is None:
        raise Http404(f"{name} is not installed")
    return view(page, request, **kwargs)


def add_urlpatterns(patterns):
    for pattern in patterns:
        if not any(str(p.pattern) == str(pattern.pattern) for p in _urlpatterns):
            _urlpatterns.append(pattern)


def urlpatterns():
    return list(_urlpatterns)
