"""What ``manage.py cities_cms_setup`` creates. Every step is idempotent."""

from email.utils import parseaddr

from anyascii import anyascii
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from wagtail.actions.convert_alias import ConvertAliasPageAction
from wagtail.coreutils import find_available_slug
from wagtail.models import (
    Locale,
    Page,
    Site,
)

from .branding import BrandingSettings
from .conf import settings
from .pages import (
    AccessibilityStatementPage,
    CityIndexPage,
    PracticeModelIndexPage,
    PrivacyNoticePage,
    SeminarIndexPage,
)
from .roles import ensure_groups, ensure_workflows
from .snippets import Theme

# The listing pages, titled in each language from the package's catalogues.
INDEX_PAGES = [
    (CityIndexPage, pgettext_lazy("title of the index page", "Cities")),
    (SeminarIndexPage, pgettext_lazy("title of the index page", "Seminars")),
    (PracticeModelIndexPage, pgettext_lazy("title of the index page", "Practice models")),
]

# The pages an EU public-sector site must have, linked from the footer. The setup cannot know
# the facts they state, so it creates drafts with neutral placeholders for an editor to complete
# and publish: a published statement that is wrong would be worse than none.
LEGAL_PAGES = [
    (AccessibilityStatementPage, pgettext_lazy("title of a page", "Accessibility statement")),
    (PrivacyNoticePage, pgettext_lazy("title of a page", "Privacy notice")),
]
# Lists of the national bodies, true for every member state until an editor names theirs.
WEB_ACCESSIBILITY_BODIES_URL = "https://digital-strategy.ec.europa.eu/en/policies/web-accessibility"
DATA_PROTECTION_AUTHORITIES_URL = "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en"


def title_in(language_code, title):
    """A lazy title in a language, with the slug that goes with it (ASCII, as typed)."""
    with translation.override(language_code):
        text = str(title)
    return text, slugify(anyascii(text))


class SetupReport:
    def __init__(self):
        self.created = []
        self.existing = []

    def add(self, created, label):
        (self.created if created else self.existing).append(label)


def resolve_parent(parent=None):
    """A page given by id or URL path ("/", "/network/"), or the default site's root page."""
    if parent in (None, ""):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise ValueError(_("There is no default site. Create one or pass --parent."))
        return site.root_page.specific
    if isinstance(parent, Page):
        return parent.specific
    if str(parent).isdigit():
        return Page.objects.get(pk=int(parent)).specific
    site = Site.objects.get(is_default_site=True)
    path = site.root_page.url_path.rstrip("/") + "/" + str(parent).strip("/")
    return Page.objects.get(url_path=path.rstrip("/") + "/", locale=site.root_page.locale).specific


def ensure_locales(report):
    default_code = django_settings.LANGUAGE_CODE
    codes = [default_code] + [c for c in settings.CITIES_CMS_LANGUAGES if c != default_code]
    for code in codes:
        _locale, created = Locale.objects.get_or_create(language_code=code)
        report.add(created, f"locale {code}")


def ensure_tree_sync(report):
    """Every other locale synchronises its page tree from the default locale.

    wagtail-localize then keeps an alias of each untranslated page in every language, so
    every page has an address in every language and translations replace the aliases.
    """
    from wagtail_localize.models import LocaleSynchronization

    default = Locale.get_default()
    configured = Locale.objects.filter(language_code__in=settings.CITIES_CMS_LANGUAGES)
    for locale in configured.exclude(pk=default.pk):
        _sync, created = LocaleSynchronization.objects.get_or_create(
            locale=locale, defaults={"sync_from": default}
        )
        report.add(created, f"tree of {locale.language_code} synchronised from {default}")


def ensure_themes(report):
    locale = Locale.get_default()
    for order, (key, name) in enumerate(settings.CITIES_CMS_DEFAULT_THEMES):
        _theme, created = Theme.objects.get_or_create(
            key=key, locale=locale, defaults={"name": name, "sort_order": order}
        )
        report.add(created, f"theme {key}")


def ensure_index_pages(parent, report):
    pages = {}
    for model, lazy_title in INDEX_PAGES:
        if not model.can_create_at(parent) and not parent.get_children().type(model).exists():
            report.add(False, f"{model._meta.verbose_name} (not allowed under {parent.title})")
            continue
        existing = parent.get_children().type(model).first()
        if existing is not None:
            pages[model] = existing.specific
            report.add(False, f"page {existing.url_path}")
            continue
        title, slug = title_in(parent.locale.language_code, lazy_title)
        page = model(title=title, slug=slug, locale=parent.locale, show_in_menus=True)
        parent.add_child(instance=page)
        page.save_revision().publish()
        pages[model] = page
        report.add(True, f"page {page.url_path}")
    return pages


def ensure_translated_index_pages(pages, report):
    """The index pages in every language of the site, titled in that language.

    With synchronised trees each language holds an alias of every index page, which shows the
    default language's title in that language's menu and breadcrumbs. An index page's text is
    the package's (its title; the intro starts empty), so the setup translates it: the alias
    becomes a translation, at the same place in the tree. Translations that exist are left as
    they are (an editor may have renamed them); languages without a tree are left to the
    translators.
    """
    locales = Locale.objects.filter(language_code__in=settings.CITIES_CMS_LANGUAGES)
    for model, lazy_title in INDEX_PAGES:
        page = pages.get(model)
        if page is None:
            continue
        for locale in locales.exclude(pk=page.locale_id):
            version = page.get_translation_or_none(locale)
            if version is None or version.alias_of_id is None:
                continue
            version = version.specific
            ConvertAliasPageAction(version, log_action=None).execute(skip_permission_checks=True)
            version = model.objects.get(pk=version.pk)
            version.title, slug = title_in(locale.language_code, lazy_title)
            version.draft_title = version.title
            version.slug = find_available_slug(
                version.get_parent(), slug, ignore_page_id=version.pk
            )
            version.save_revision().publish()
            report.add(True, f"page {version.url_path} ({locale.language_code})")


def _legal_page_placeholders(model, parent):
    """Valid values for the required facts of a legal page, for its editor to replace."""
    email = parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1] or "webmaster@localhost"
    with translation.override(parent.locale.language_code):
        if model is AccessibilityStatementPage:
            today = timezone.localdate()
            return {
                "organisation": parent.title,
                "prepared_on": today,
                "reviewed_on": today,
                "feedback_email": email,
                "enforcement_body": _("the national monitoring body for web accessibility"),
                "enforcement_url": WEB_ACCESSIBILITY_BODIES_URL,
            }
        return {
            "controller": parent.title,
            "controller_email": email,
            "dpo_email": email,
            "supervisory_authority": _("the national data protection authority"),
            "supervisory_authority_url": DATA_PROTECTION_AUTHORITIES_URL,
        }


def ensure_legal_pages(parent, report):
    """A draft accessibility statement and privacy notice under ``parent``, once."""
    for model, lazy_title in LEGAL_PAGES:
        existing = parent.get_children().type(model).first()
        if existing is not None:
            report.add(False, f"page {existing.url_path}")
            continue
        if not model.can_create_at(parent):
            report.add(False, f"{model._meta.verbose_name} (not allowed under {parent.title})")
            continue
        title, slug = title_in(parent.locale.language_code, lazy_title)
        page = model(
            title=title,
            slug=find_available_slug(parent, slug),
            locale=parent.locale,
            live=False,
            **_legal_page_placeholders(model, parent),
        )
        parent.add_child(instance=page)
        page.save_revision()
        report.add(True, f"page {page.url_path} (a draft: complete it and publish it)")


def ensure_branding(parent, report):
    site = parent.get_site() or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return
    _branding, created = BrandingSettings.objects.get_or_create(site=site)
    report.add(created, f"branding for {site.hostname}")


@transaction.atomic
def run_setup(parent=None, *, pages=True, groups=True, themes=True, sync_trees=None):
    report = SetupReport()
    parent = resolve_parent(parent)
    ensure_locales(report)
    if sync_trees is None:
        sync_trees = settings.CITIES_CMS_SYNC_TREES
    if themes:
        ensure_themes(report)
    index_pages = ensure_index_pages(parent, report) if pages else {}
    if pages:
        ensure_legal_pages(parent, report)
    if sync_trees:
        # After the pages, so that they are synchronised into every language too.
        ensure_tree_sync(report)
        ensure_translated_index_pages(index_pages, report)
    if groups:
        roles = ensure_groups(parent, report)
        ensure_workflows(parent, roles, report)
    ensure_branding(parent, report)
    return report
