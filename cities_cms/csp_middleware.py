"""django-csp's middleware with the package's additions (cities_cms.csp explains them).

Behind the full-page cache (cities_cms.page_cache) it comes after that middleware in
``MIDDLEWARE``: the cache stores the header with the page, so the stored HTML's nonce and the
header's are the same.
"""

from csp.middleware import CSPMiddleware

from .conf import settings
from .csp import ADMIN_REPLACEMENTS, frames_allowed


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if any(request.path_info.startswith(p) for p in settings.CITIES_CMS_CSP_ADMIN_PREFIXES):
            parts.replace = {**ADMIN_REPLACEMENTS, **(parts.replace or {})}
            parts.nonce = None
            return parts
        frames = frames_allowed(request)
        if frames:
            parts.update = {**(parts.update or {}), "frame-src": frames}
        return parts
