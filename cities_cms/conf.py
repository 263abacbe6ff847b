"""Every ``CITIES_CMS_*`` setting with its default.

Read settings as ``from cities_cms.conf import settings`` and then
``settings.CITIES_CMS_LISTING_PAGE_SIZE``. Values are looked up on every access, so
``override_settings`` in tests is honoured.
"""

from django.conf import settings as django_settings

# The network's ten languages, in the order the interface lists them.
NETWORK_LANGUAGES = [
    ("en", "English"),
    ("pl", "Polski"),
    ("lv", "Latviešu"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("lt", "Lietuvių"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("ro", "Română"),
]

DEFAULTS = {
    # Languages the setup command creates locales for (codes; each must be in
    # WAGTAIL_CONTENT_LANGUAGES). None: the site's own WAGTAIL_CONTENT_LANGUAGES when it sets
    # them (a site that lists its languages once gets exactly those), else the network's ten.
    "CITIES_CMS_LANGUAGES": None,
    # Keep every locale's page tree in step with the default locale's (wagtail-localize
    # "synchronise from"): untranslated pages appear as aliases of the source in every language.
    "CITIES_CMS_SYNC_TREES": True,
    # Items per page on the city, seminar and practice model listings.
    "CITIES_CMS_LISTING_PAGE_SIZE": 12,
    # Upcoming seminars and latest practice models shown on the network home page.
    "CITIES_CMS_HOME_HIGHLIGHTS": 3,
    # Time zone assumed for a seminar when the editor does not choose one.
    "CITIES_CMS_DEFAULT_TIMEZONE": "Europe/Brussels",
    # Name and slug of the groups the setup command creates.
    "CITIES_CMS_EDITOR_GROUP": "City editors",
    "CITIES_CMS_REVIEWER_GROUP": "City reviewers",
    "CITIES_CMS_COORDINATOR_GROUP": "Network coordinators",
    # One translator group per locale; %(code)s is the language code.
    "CITIES_CMS_TRANSLATOR_GROUP": "Translators (%(code)s)",
    # Themes created by the setup command: (key, English name). Names are translatable.
    "CITIES_CMS_DEFAULT_THEMES": [
        ("strategic-planning", "Strategic planning"),
        ("participatory-democracy", "Participatory democracy"),
        ("good-governance", "Good governance"),
        ("knowledge-transfer", "Knowledge transfer"),
        ("monitoring-change", "Monitoring change"),
        ("mobility", "Mobility"),
        ("housing", "Housing"),
        ("regeneration", "Urban regeneration"),
        ("climate", "Climate and environment"),
    ],
    # Bounding box (west, south, east, north) of the server-drawn map of partner cities.
    "CITIES_CMS_MAP_BOUNDS": (-11.0, 35.0, 32.0, 60.0),
    # Product identifier written into ICS files.
    "CITIES_CMS_ICS_PRODID": "-//cities_cms//Cities network calendar//EN",
    # Seconds that values derived from content (menu, branding, private sections, facet
    # labels) stay in Django's cache at most; any change to content forgets them at once
    # (cities_cms.content_cache). 0 turns this cache off.
    "CITIES_CMS_CONTENT_CACHE_SECONDS": 60,
    # --- Full-page cache (cities_cms.page_cache.PageCacheMiddleware; README "Production") ---
    # The middleware in MIDDLEWARE turns it on; this setting turns it off again.
    "CITIES_CMS_PAGE_CACHE": True,
    # Longest time a page stays cached (any change to content forgets it at once; time alone
    # moves a seminar from "upcoming" to "past").
    "CITIES_CMS_PAGE_CACHE_SECONDS": 300,
    # The cache (an alias of CACHES) that holds the pages; shared by every process of the site.
    "CITIES_CMS_PAGE_CACHE_ALIAS": "default",
    # Paths never cached: the admin, and what answers per peer or checks permissions itself.
    "CITIES_CMS_PAGE_CACHE_EXCLUDE": ["/admin/", "/django-admin/", "/federation/", "/documents/"],
    # Cache-Control of cached pages: browsers and proxies revalidate (a 304 when unchanged).
    # With a purged CDN in front (WAGTAILFRONTENDCACHE), add s-maxage (docs/production.md).
    "CITIES_CMS_PAGE_CACHE_CONTROL": "public, max-age=0, must-revalidate",
    # Reverse proxies in front of the site that append the client's address to
    # X-Forwarded-For (0: none, REMOTE_ADDR is the client). Login and page-password throttling
    # count the address the outermost of them saw (cities_cms.throttle.client_address).
    "CITIES_CMS_TRUSTED_PROXY_COUNT": 0,
    # --- Content-Security-Policy (cities_cms.csp_middleware.ContentSecurityPolicyMiddleware) ---
    # Paths of Wagtail's admin, whose pages may run inline code (its templates need it).
    "CITIES_CMS_CSP_ADMIN_PREFIXES": ["/admin/"],
    # --- Search (docs/search.md) ---
    # Results per page of the search page, and suggestions of the autocomplete endpoint.
    "CITIES_CMS_SEARCH_PAGE_SIZE": 10,
    "CITIES_CMS_SEARCH_AUTOCOMPLETE_LIMIT": 8,
    # Longest query accepted (characters; longer ones get a 400), and words used from it.
    "CITIES_CMS_SEARCH_MAX_QUERY_LENGTH": 200,
    "CITIES_CMS_SEARCH_MAX_TERMS": 12,
    # Query words of this length or longer also match words that start with them less their
    # last two letters ("balsot" -> "bals*"): inflections that the stemmer does not undo.
    # 0 turns it off.
    "CITIES_CMS_SEARCH_PREFIX_MIN_LENGTH": 6,
    # Characters of text around the first match in a result's highlighted snippet.
    "CITIES_CMS_SEARCH_SNIPPET_LENGTH": 220,
    # Stemmer per language code for the database backends (SQLite and PostgreSQL), at index
    # and query time: a Snowball algorithm of the snowballstemmer package, or the dotted path
    # of a function word -> stem. Languages not listed are folded only. Changing it needs
    # `manage.py update_index`.
    "CITIES_CMS_SEARCH_STEMMERS": {
        "en": "english",
        "pl": "polish",
        "lv": "LatvianStemmer.stem",
        "it": "italian",
        "nl": "dutch",
        "lt": "lithuanian",
        "es": "spanish",
        "fr": "french",
        "de": "german",
        "ro": "romanian",
        "pt": "portuguese",
    },
    # Elasticsearch: the stemmer of each language's analyzers (the language of the "stemmer"
    # token filter; "standard": none; others: not indexed per language). "polish" is the
    # polish_stem filter of the analysis-stempel plugin, needed on every node.
    "CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS": {
        "en": "english",
        "pl": "polish",
        "lv": "latvian",
        "it": "italian",
        "nl": "dutch",
        "lt": "lithuanian",
        "es": "spanish",
        "fr": "french",
        "de": "german",
        "ro": "romanian",
    },
    # --- Feeds, sitemap and read API (docs/api.md) ---
    # Items in an RSS or Atom feed.
    "CITIES_CMS_FEED_LENGTH": 30,
    # Addresses per sitemap file; larger sites get a sitemap index with several files.
    "CITIES_CMS_SITEMAP_LIMIT": 5000,
    # Largest ``offset`` a read API listing accepts (deeper pages: narrow the filters).
    "CITIES_CMS_API_MAX_OFFSET": 100_000,
    # --- Federation (docs/federation.md) ---
    # Path of this instance's Ed25519 private key (PEM). The setup command creates it.
    "CITIES_CMS_FEDERATION_KEY_FILE": None,
    # This instance's public address as peers see it ("https://poznan.example"); None: the
    # default Wagtail site's root URL. Documents, the descriptor and media URLs use it.
    "CITIES_CMS_FEDERATION_BASE_URL": None,
    # Name of this instance in its descriptor; None: the default site's name.
    "CITIES_CMS_FEDERATION_NAME": None,
    # The city this instance speaks for: {"name": "Poznań", "country": "PL"}, or None.
    "CITIES_CMS_FEDERATION_CITY": None,
    # Where received practice models go: a page id or URL path of a practice model index;
    # None: the first practice model index of the default locale.
    "CITIES_CMS_FEDERATION_PARENT": None,
    # Largest signed document accepted or served, in bytes.
    "CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES": 1024 * 1024,
    # Largest image fetched from a peer, in bytes and in pixels.
    "CITIES_CMS_FEDERATION_MAX_IMAGE_BYTES": 10 * 1024 * 1024,
    "CITIES_CMS_FEDERATION_MAX_IMAGE_PIXELS": 40_000_000,
    # Seconds to connect, and to read a whole response, from a peer.
    "CITIES_CMS_FEDERATION_CONNECT_TIMEOUT": 5,
    "CITIES_CMS_FEDERATION_READ_TIMEOUT": 30,
    # Validity of a push notification's signature, in seconds (and allowed clock skew).
    "CITIES_CMS_FEDERATION_PUSH_WINDOW": 300,
    # Seconds between periodic pulls of every approved peer (manage.py cities_cms_periodic);
    # pushes trigger a pull at once, this catches what a lost notification missed.
    "CITIES_CMS_FEDERATION_SYNC_INTERVAL": 15 * 60,
    # Items per page of the outbound feed (a client may ask for up to 500).
    "CITIES_CMS_FEDERATION_FEED_PAGE_SIZE": 100,
    # This instance is the network coordinator: it serves a signed member list of its
    # approved peers at /federation/members/.
    "CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST": False,
    # This coordinator relays: /federation/relay/ serves its members' documents as their
    # authors signed them, beside its own (docs/federation.md §7).
    "CITIES_CMS_FEDERATION_RELAY": False,
    # --- Seminar registration (docs/registration.md) ---
    # Registrations are anonymised this many days after their seminar ends.
    "CITIES_CMS_REGISTRATION_RETENTION_DAYS": 90,
    # Sign-up attempts allowed per client address within the window (seconds).
    "CITIES_CMS_REGISTRATION_RATE_LIMIT": 10,
    "CITIES_CMS_REGISTRATION_RATE_WINDOW": 3600,
    # Cancel links in confirmation emails stay valid this many days.
    "CITIES_CMS_REGISTRATION_CANCEL_LINK_DAYS": 365,
}


def _default_languages():
    content_languages = getattr(django_settings, "WAGTAIL_CONTENT_LANGUAGES", None)
    if content_languages:
        return [code for code, _name in content_languages]
    return [code for code, _name in NETWORK_LANGUAGES]


# Defaults that follow other settings, computed when read (so override_settings holds).
_DERIVED = {"CITIES_CMS_LANGUAGES": _default_languages}


class _Settings:
    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"{name} is not a cities_cms setting")
        value = getattr(django_settings, name, DEFAULTS[name])
        if value is None and name in _DERIVED:
            return _DERIVED[name]()
        return value


settings = _Settings()
