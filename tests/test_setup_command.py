"""The setup command: idempotent, with a chosen parent, and clear about mistakes."""

import pytest
from anyascii import anyascii
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import pgettext
from wagtail.models import GroupPagePermission, Locale, Page, Site, Workflow, WorkflowPage

from cities_cms.branding import BrandingSettings
from cities_cms.pages import CityIndexPage, PracticeModelIndexPage, SeminarIndexPage
from cities_cms.snippets import Theme

from .utils import build_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten(settings):
    """The command as the reference site runs it: all ten languages, synchronised trees
    (the other tests use the test settings' three, which is faster)."""
    from cities_cms.conf import NETWORK_LANGUAGES

    settings.CITIES_CMS_LANGUAGES = [code for code, _name in NETWORK_LANGUAGES]


def counts():
    return {
        "pages": Page.objects.count(),
        "themes": Theme.objects.count(),
        "groups": Group.objects.count(),
        "locales": Locale.objects.count(),
        "group_page_permissions": GroupPagePermission.objects.count(),
        "group_permissions": Group.permissions.through.objects.count(),
        "workflows": Workflow.objects.count(),
        "workflow_pages": WorkflowPage.objects.count(),
        "branding": BrandingSettings.objects.count(),
    }


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("cities_cms_setup", *args, stdout=out)
    return out.getvalue()


def index_pages_under(parent):
    # A fresh instance: treebeard answers get_children() from the stale numchild otherwise.
    children = Page.objects.get(pk=parent.pk).get_children()
    return {
        model: children.type(model).count()
        for model in (CityIndexPage, SeminarIndexPage, PracticeModelIndexPage)
    }


def test_second_run_creates_nothing(ten):
    root_page = Site.objects.get(is_default_site=True).root_page
    before = counts()
    first = run()
    after_first = counts()
    # The three index pages, and in each of the nine other languages the site's root page (an
    # alias) and the three index pages (translated: their titles are the package's).
    assert after_first["pages"] == before["pages"] + 3 + 9 * 4
    assert after_first["themes"] == 9
    assert after_first["locales"] == 10
    # editors, reviewers, coordinators, and a translator group for each of the nine other locales
    assert after_first["groups"] == before["groups"] + 3 + 9
    assert after_first["group_page_permissions"] > before["group_page_permissions"]
    assert "created" in first

    second = run()
    assert counts() == after_first
    assert "0 created" in second
    assert index_pages_under(root_page) == dict.fromkeys(index_pages_under(root_page), 1)


def test_index_pages_are_titled_in_every_language(ten):
    run()
    cities = CityIndexPage.objects.get(locale=Locale.get_default())
    versions = {page.locale.language_code: page for page in cities.get_translations()}
    assert len(versions) == 9
    for code, page in versions.items():
        assert page.alias_of_id is None and page.live, code
        with translation.override(code):
            title = pgettext("title of the index page", "Cities")
        assert page.title == title
        assert page.slug.isascii() and page.slug == slugify(anyascii(title))
    assert versions["lv"].title != "Cities" and versions["pl"].title != "Cities"
    # The root page stays an alias (its text is the site's, for translators to translate).
    root = cities.get_parent()
    assert all(page.alias_of_id == root.pk for page in root.get_translations())


def test_plain_wagtail_root_page_gets_the_index_pages():
    # The default site of a fresh Wagtail install has a plain wagtailcore.Page as its root.
    root_page = Site.objects.get(is_default_site=True).root_page.specific
    assert type(root_page) is Page
    run()
    assert index_pages_under(root_page) == {
        CityIndexPage: 1,
        SeminarIndexPage: 1,
        PracticeModelIndexPage: 1,
    }
    for page in root_page.get_children().specific():
        assert page.live
        assert page.url_path.startswith(root_page.url_path)
    editors = Group.objects.get(name="City editors")
    granted = GroupPagePermission.objects.filter(group=editors, page=root_page)
    codenames = set(granted.values_list("permission__codename", flat=True))
    assert {"add_page", "change_page"} <= codenames


def _section_page():
    root_page = Site.objects.get(is_default_site=True).root_page
    section = Page(title="Network section", slug="network-section")
    root_page.add_child(instance=section)
    section.save_revision().publish()
    return root_page, section


def test_parent_by_id():
    root_page, section = _section_page()
    run("--parent", str(section.pk))
    assert sum(index_pages_under(section).values()) == 3
    assert sum(index_pages_under(root_page).values()) == 0


def test_parent_by_path():
    root_page, section = _section_page()
    run("--parent", "/network-section/")
    assert sum(index_pages_under(section).values()) == 3
    assert sum(index_pages_under(root_page).values()) == 0
    # Without slashes too, and a second time creates nothing.
    before = counts()
    run("--parent", "network-section")
    assert counts() == before


@pytest.mark.parametrize("parent", ["999999", "/no-such-page/"])
def test_missing_parent_is_a_clear_error_and_changes_nothing(parent):
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        run("--parent", parent)
    message = str(excinfo.value)
    assert message.startswith("Cannot set up cities_cms:")
    assert "does not exist" in message or "not" in message.lower()
    assert counts() == before


def test_no_default_site_is_a_clear_error():
    Site.objects.all().delete()
    before = counts()
    with pytest.raises(CommandError, match="There is no default site"):
        run()
    assert counts() == before


def test_options_skip_parts(ten):
    before = counts()
    run("--no-pages", "--no-groups", "--no-themes")
    after = counts()
    # No index page; the trees of the new languages hold an alias of the root page.
    assert after["pages"] == before["pages"] + 9
    assert not Page.objects.type(CityIndexPage, SeminarIndexPage, PracticeModelIndexPage)
    assert after["themes"] == before["themes"]
    assert after["groups"] == before["groups"]
    assert after["locales"] == 10


def test_network_home_site():
    # build_site() runs the setup under a NetworkHomePage; running it again creates nothing.
    site_tree = build_site()
    before = counts()
    output = run()
    assert counts() == before
    assert "0 created" in output
    assert index_pages_under(site_tree.home) == {
        CityIndexPage: 1,
        SeminarIndexPage: 1,
        PracticeModelIndexPage: 1,
    }
    assert set(site_tree.themes) >= {"strategic-planning", "housing", "climate"}


def test_run_setup_accepts_a_page_instance():
    # The Python API is documented as run_setup(parent); a page object is the natural argument.
    # str(page) is its title, so a page titled "Network section" must not be looked up as a path.
    from cities_cms.setup import run_setup

    _root_page, section = _section_page()
    run_setup(section)
    assert sum(index_pages_under(section).values()) == 3
