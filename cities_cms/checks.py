"""System checks: bad configuration fails at start-up with a hint."""

import zoneinfo

from django.conf import settings as django_settings
from django.core.checks import Error, Tags, Warning, register

from .conf import settings

REQUIRED_APPS = [
    "wagtail",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.table_block",
    "wagtail_localize",
    "django_countries",
]


@register(Tags.compatibility)
def check_installed_apps(app_configs, **kwargs):
    return [
        Error(
            f"cities_cms needs {app!r} in INSTALLED_APPS.",
            hint="See the 'Install into an existing Wagtail site' section of the README.",
            id="cities_cms.E001",
        )
        for app in REQUIRED_APPS
        if app not in django_settings.INSTALLED_APPS
    ]


@register()
def check_settings(app_configs, **kwargs):
    errors = []
    size = settings.CITIES_CMS_LISTING_PAGE_SIZE
    if not isinstance(size, int) or not 1 <= size <= 100:
        errors.append(
            Error(
                "CITIES_CMS_LISTING_PAGE_SIZE must be a whole number from 1 to 100.",
                hint=f"It is {size!r}.",
                id="cities_cms.E002",
            )
        )
    tz = settings.CITIES_CMS_DEFAULT_TIMEZONE
    if tz not in zoneinfo.available_timezones():
        errors.append(
            Error(
                "CITIES_CMS_DEFAULT_TIMEZONE is not an IANA time zone name.",
                hint=f"It is {tz!r}; use a name such as 'Europe/Riga'.",
                id="cities_cms.E003",
            )
        )
    west, south, east, north = settings.CITIES_CMS_MAP_BOUNDS
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        errors.append(
            Error(
                "CITIES_CMS_MAP_BOUNDS must be (west, south, east, north) in degrees.",
                id="cities_cms.E004",
            )
        )
    content_languages = {
        code for code, _name in getattr(django_settings, "WAGTAIL_CONTENT_LANGUAGES", [])
    }
    unknown = [code for code in settings.CITIES_CMS_LANGUAGES if code not in content_languages]
    if unknown:
        errors.append(
            Error(
                "CITIES_CMS_LANGUAGES has languages that are not in WAGTAIL_CONTENT_LANGUAGES.",
                hint=f"Add {', '.join(unknown)} to WAGTAIL_CONTENT_LANGUAGES or remove them.",
                id="cities_cms.E006",
            )
        )
    if not getattr(django_settings, "WAGTAIL_I18N_ENABLED", False):
        errors.append(
            Error(
                "cities_cms needs WAGTAIL_I18N_ENABLED = True.",
                hint="Partner sites publish in several languages; see the README.",
                id="cities_cms.E005",
            )
        )
    errors.extend(_check_stemmers())
    return errors


def _check_stemmers():
    from .search.analysis import load_stemmer

    errors = []
    for code, spec in settings.CITIES_CMS_SEARCH_STEMMERS.items():
        try:
            load_stemmer(spec)
        except (ImportError, KeyError, ValueError) as exc:
            errors.append(
                Error(
                    f"The search stemmer of {code!r} ({spec!r}) cannot be loaded: {exc}",
                    hint="Name a Snowball algorithm (snowballstemmer.algorithms()) or the "
                    "dotted path of a function word -> stem in CITIES_CMS_SEARCH_STEMMERS.",
                    id="cities_cms.E007",
                )
            )
    return errors


# Backends that run a task inside the caller (the immediate backend) or never (the dummy one):
# fine in development, not where visitors and editors wait on the request.
INLINE_TASK_BACKENDS = {
    "django_tasks.backends.immediate.ImmediateBackend",
    "django_tasks.backends.dummy.DummyBackend",
}


@register(Tags.compatibility)
def check_task_backend(app_configs, **kwargs):
    """Warn when a production site runs its background work inline (or not at all)."""
    if django_settings.DEBUG:
        return []
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks.exceptions import InvalidTaskBackendError

    try:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    except InvalidTaskBackendError:
        return []  # django_tasks reports a broken TASKS setting itself
    path = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if path not in INLINE_TASK_BACKENDS:
        return []
    return [
        Warning(
            f"The default task backend is {type(backend).__name__}: background work "
            "(federation pushes and pulls, e-mails, machine drafts) runs inside requests or "
            "never.",
            hint="Set TASKS to a queue with a worker, e.g. {'default': {'BACKEND': "
            "'django_tasks_db.DatabaseBackend'}} with 'django_tasks_db' in INSTALLED_APPS, "
            "and run `manage.py db_worker` beside the web server (README 'Production').",
            id="cities_cms.W020",
        )
    ]
