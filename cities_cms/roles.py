"""Groups, permissions and moderation workflows that ``cities_cms_setup`` creates.

Roles:

- *City editors* write and change pages and snippets, and submit pages for review.
- *City reviewers* also publish: they approve the "City review" step.
- *Network coordinators* publish, manage themes and branding, and approve the
  "Network approval" step before a practice model is shared with the network.
- *Translators (xx)*, one group per language, edit pages of their language's tree and
  snippets in their language only, and start translations.

Every page goes through "City review" (assigned to the site's root in every language);
practice models go through "Network approval" (City review, then network approval, which
unshared practice models pass at once).
"""

from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .conf import settings
from .translation.groups import TranslatorGroup
from .workflows import NetworkApprovalTask

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "lock_page"]
REVIEWER_PAGE_PERMISSIONS = [*EDITOR_PAGE_PERMISSIONS, "publish_page", "unlock_page"]
EDITOR_SNIPPET_PERMISSIONS = [
    "add_organisation",
    "change_organisation",
    "add_person",
    "change_person",
]
COORDINATOR_PERMISSIONS = [
    "add_theme",
    "change_theme",
    "delete_theme",
    "delete_organisation",
    "delete_person",
    "change_brandingsettings",
    "add_brandingtext",
    "change_brandingtext",
    "delete_brandingtext",
]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _grant_pages(group, page, codenames):
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=_permission("wagtailcore", codename)
        )


def _grant_collections(group):
    root = Collection.get_first_root_node()
    for app_label, codename in COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root, permission=_permission(app_label, codename)
        )


def _group(name, report):
    group, created = Group.objects.get_or_create(name=name)
    report.add(created, f"group {name}")
    return group


def ensure_groups(parent, report):
    """Create the roles' groups with their permissions on ``parent`` (and its translations)."""
    admin_access = _permission("wagtailadmin", "access_admin")
    snippet_perms = Permission.objects.filter(
        content_type__app_label="cities_cms", codename__in=EDITOR_SNIPPET_PERMISSIONS
    )
    submit_translation = _permission("wagtail_localize", "submit_translation")
    roots = [parent, *parent.get_translations()]

    editors = _group(settings.CITIES_CMS_EDITOR_GROUP, report)
    reviewers = _group(settings.CITIES_CMS_REVIEWER_GROUP, report)
    coordinators = _group(settings.CITIES_CMS_COORDINATOR_GROUP, report)
    for group, page_perms in (
        (editors, EDITOR_PAGE_PERMISSIONS),
        (reviewers, REVIEWER_PAGE_PERMISSIONS),
        (coordinators, REVIEWER_PAGE_PERMISSIONS),
    ):
        group.permissions.add(admin_access, submit_translation, *snippet_perms)
        for root in roots:
            _grant_pages(group, root, page_perms)
        _grant_collections(group)
    coordinators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="cities_cms", codename__in=COORDINATOR_PERMISSIONS
        )
    )
    # The admin's "Federation" area, when the optional federation app is installed.
    coordinators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="cities_cms_federation", codename="manage_peers"
        )
    )

    default = Locale.get_default()
    translated_roots = {page.locale_id: page for page in roots}
    for locale in Locale.objects.exclude(pk=default.pk):
        name = settings.CITIES_CMS_TRANSLATOR_GROUP % {"code": locale.language_code}
        translators = _group(name, report)
        TranslatorGroup.objects.get_or_create(group=translators, defaults={"locale": locale})
        translators.permissions.add(admin_access, submit_translation)
        _grant_collections(translators)
        root = translated_roots.get(locale.pk)
        if root is not None:
            _grant_pages(translators, root, EDITOR_PAGE_PERMISSIONS)
        else:
            report.add(
                False,
                _(
                    "translators (%(code)s): no page tree in this language yet; "
                    "run the setup again after translating the home page"
                )
                % {"code": locale.language_code},
            )
    return {"editors": editors, "reviewers": reviewers, "coordinators": coordinators}


def _workflow(name, tasks, report):
    workflow, created = Workflow.objects.get_or_create(name=name)
    report.add(created, f"workflow {name}")
    for order, task in enumerate(tasks):
        WorkflowTask.objects.get_or_create(
            workflow=workflow, task=task, defaults={"sort_order": order}
        )
    return workflow


def ensure_workflows(parent, groups, report):
    """City review for every page, network approval for practice models, in every language.

    Names are looked up in the site's default language, whatever language the command runs
    in, so a second run finds what the first created.
    """
    with translation.override(django_settings.LANGUAGE_CODE):
        return _ensure_workflows(parent, groups, report)


def _ensure_workflows(parent, groups, report):
    from .pages import PracticeModelIndexPage

    review, created = GroupApprovalTask.objects.get_or_create(name=_("City review"))
    report.add(created, "task City review")
    review.groups.add(groups["reviewers"], groups["coordinators"])
    approval, created = NetworkApprovalTask.objects.get_or_create(name=_("Network approval"))
    report.add(created, "task Network approval")
    approval.groups.add(groups["coordinators"])

    city_review = _workflow(_("City review"), [review], report)
    network_approval = _workflow(_("Network approval"), [review, approval], report)
    for root in [parent, *parent.get_translations()]:
        WorkflowPage.objects.get_or_create(page=root, defaults={"workflow": city_review})
    indexes = PracticeModelIndexPage.objects.descendant_of(parent)
    for index in PracticeModelIndexPage.objects.filter(
        translation_key__in=indexes.values("translation_key")
    ):
        WorkflowPage.objects.get_or_create(page=index, defaults={"workflow": network_approval})
