"""Background tasks (django_tasks) of the translation workflow, run by the task worker.

``machine_draft_task``: the bulk action "machine-draft a subtree" calls a machine translator
(DeepL: HTTP to a third party) for every page and language, far too slow for the editor's
request; the admin view queues it and the drafts appear in the translation status.
"""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def machine_draft_task(pairs, user_id):
    """Machine-draft ``pairs`` (``[[page_id, locale_id], ...]``) as ``user_id`` would.

    Returns:
        The counts of the run and the reason of each page not drafted.
    """
    from django.contrib.auth import get_user_model
    from wagtail.models import Locale, Page

    from .machine import draft_pairs

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    pages = Page.objects.in_bulk([page_id for page_id, _locale_id in pairs])
    locales = Locale.objects.in_bulk([locale_id for _page_id, locale_id in pairs])
    # Pages or languages deleted since the work was queued are left out.
    found = [
        (pages[page_id].specific, locales[locale_id])
        for page_id, locale_id in pairs
        if page_id in pages and locale_id in locales
    ]
    result = draft_pairs(found, user)
    for page, locale, reason in result.skipped:
        logger.warning(
            "Machine draft of page %s into %s skipped: %s", page.pk, locale.language_code, reason
        )
    return {
        "drafted": len(result.drafted),
        "unchanged": len(result.unchanged),
        "skipped": [
            [page.pk, locale.language_code, str(reason)] for page, locale, reason in result.skipped
        ],
    }
