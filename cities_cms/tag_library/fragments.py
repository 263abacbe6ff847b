"""``{% shared_fragment %}``: page parts that are the same for every visitor, rendered once per
content generation (``cities_cms.content_cache.fragment``).
"""

from django import template
from django.utils.translation import get_language

from .. import content_cache
from ..absolute_urls import request_site
from ..csp import allow_frame, frames_allowed
from . import context_locale

register = template.Library()


@register.tag
def shared_fragment(parser, token):
    """``{% shared_fragment "name" vary ... %}...{% endshared_fragment %}``: a page part that is
    the same for every visitor (header, footer), rendered once per content generation.
    ``... when value %}``: shared only when ``value`` is true (else rendered every time).

    The key is the name, the active language, the request's site, the page's language and the
    given ``vary`` values (the page's switcher targets, the menu's current item ...). Never
    cached: in previews, on private pages (behind a view restriction), and any output with a
    CSP nonce or a CSRF token (per request).
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("shared_fragment needs a name")
    condition = None
    if len(bits) > 3 and bits[-2] == "when":
        condition = parser.compile_filter(bits[-1])
        bits = bits[:-2]
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(
        nodelist,
        parser.compile_filter(bits[1]),
        [parser.compile_filter(b) for b in bits[2:]],
        condition,
    )


class SharedFragmentNode(template.Node):
    def __init__(self, nodelist, name, vary, condition=None):
        self.nodelist, self.name, self.vary, self.condition = nodelist, name, vary, condition

    def render(self, context):
        request = context.get("request")
        if request is None or getattr(request, "is_preview", False) or _private(context):
            return self.nodelist.render(context)
        if self.condition is not None and not self.condition.resolve(context):
            return self.nodelist.render(context)
        site = request_site(request)
        vary = (
            get_language(),
            getattr(site, "pk", None),
            getattr(context_locale(context), "pk", None),
            [value.resolve(context) for value in self.vary],
        )
        rendered = []

        def render():
            before = set(frames_allowed(request))
            html = self.nodelist.render(context)
            rendered.append(html)
            if not _same_for_everyone(html):
                return None
            # What the part asked of the response (the players its videos need in the
            # Content-Security-Policy) is kept with it and asked again on each request.
            return html, tuple(sorted(set(frames_allowed(request)) - before))

        # None is stored for a part that cannot be shared: it is rendered on every request.
        shared = content_cache.fragment(str(self.name.resolve(context)), vary, render)
        if rendered:
            return rendered[0]
        if shared is None:
            return self.nodelist.render(context)
        if isinstance(shared, str):  # stored by an earlier version, within this generation
            return shared
        html, frames = shared
        for origin in frames:
            allow_frame(request, origin)
        return html


def _private(context):
    page = context.get("page")
    return getattr(page, "path", None) is not None and content_cache.is_restricted(page)


def _same_for_everyone(html):
    return "nonce=" not in html and "csrfmiddlewaretoken" not in html
