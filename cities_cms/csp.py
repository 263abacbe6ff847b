"""Content-Security-Policy: what the package adds to django-csp's policy.

The site's policy (``CONTENT_SECURITY_POLICY``, see site_project/settings/base.py) allows no
third-party host and no inline code but the package's own, which carries the request's nonce
(``nonce="{{ request.csp_nonce }}"``). The site uses
``cities_cms.csp_middleware.ContentSecurityPolicyMiddleware`` in place of django-csp's
``CSPMiddleware``; it adds:

- **Opted-in players**: a page with an embedded video names the provider's player host with
  :func:`allow_frame`, and only that page's policy lets that host into ``frame-src`` (the player
  loads only when the visitor asks for it: cities_cms/static/cities_cms/js/embed.js).
- **Wagtail's admin** (``CITIES_CMS_CSP_ADMIN_PREFIXES``): its templates still carry inline
  scripts (date pickers, inline panels, wagtail-localize's editor) and ``style`` attributes, so
  its pages may run inline code; still no third-party host. A nonce would make browsers ignore
  ``'unsafe-inline'``, so the admin's policy has none.

This module does not import django-csp: blocks call :func:`allow_frame` on sites without it.
"""

SELF = "'self'"
UNSAFE_INLINE = "'unsafe-inline'"

# What the admin's pages need beyond the public policy.
ADMIN_REPLACEMENTS = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    # Image previews of uploads before they are sent (blob:), icons as data: URIs.
    "img-src": [SELF, "data:", "blob:"],
}


def allow_frame(request, origin):
    """Let the response to ``request`` frame ``origin`` (an ``https://host`` player address).

    Args:
        request: the request being answered (from a template context); None is ignored.
        origin: the scheme and host of the player, such as ``https://player.vimeo.com``.
    """
    if request is not None:
        request.__dict__.setdefault("cities_cms_csp_frames", set()).add(origin)


def frames_allowed(request):
    return sorted(getattr(request, "cities_cms_csp_frames", ()))
