"""A small fixed-window rate limiter on Django's cache, per client address.

It counts attempts per address and window in the default cache (the cache must be shared by
every process of the site, e.g. Redis or the database cache, for the limit to hold across
processes). The address is the one ``cities_cms.throttle.client_address`` reads: behind
reverse proxies, set ``CITIES_CMS_TRUSTED_PROXY_COUNT`` (as for the login throttle).
"""

import hashlib
import time

from django.core.cache import cache

from ..conf import settings
from ..throttle import client_address


def _key(scope, address):
    window = settings.CITIES_CMS_REGISTRATION_RATE_WINDOW
    bucket = int(time.time() // window)
    digest = hashlib.sha256(f"{scope}:{address}".encode()).hexdigest()[:32]
    return f"cities_cms_registration:rl:{digest}:{bucket}", window


def hit(request, scope="register"):
    """Count one attempt; True when the address is still within its limit."""
    key, window = _key(scope, client_address(request) or "unknown")
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= settings.CITIES_CMS_REGISTRATION_RATE_LIMIT
