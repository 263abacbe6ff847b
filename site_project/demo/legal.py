"""The demo's accessibility statement and privacy notice (``fixtures/demo/legal.json``).

The setup command leaves both as drafts with placeholders; the demo completes them with the
facts of a fictional network secretariat, publishes them and translates them into the
languages the demo writes (Latvian and Polish).
"""

from cities_cms.pages import AccessibilityStatementPage, PrivacyNoticePage

from .loader import read_json

LEGAL_PAGES = (
    (AccessibilityStatementPage, "accessibility", "accessibility statement"),
    (PrivacyNoticePage, "privacy", "privacy notice"),
)


def load_legal_pages(loader, home):
    """Complete, publish and translate both pages under ``home``; safe to run again."""
    data = read_json("legal.json")
    for model, key, kind in LEGAL_PAGES:
        item = data[key]
        page = model.objects.child_of(home).first()
        if page is None:  # the setup ran with pages=False, or an editor deleted it
            page = loader.ensure_page(home, model, item, kind)
        else:
            values = loader.page_values(model, item, skip=("slug",))
            loader._update_page(page, values, kind)
            if not page.live:  # a draft of the setup that already had these values
                page.save_revision().publish()
            page = model.objects.get(pk=page.pk)
        for code in item.get("translations", {}):
            loader.ensure_translation(page, model, item, code, kind)
