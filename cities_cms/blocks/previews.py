"""Preview values for blocks that point at pages, images or documents.

Block previews in the admin's block picker need real objects for choosers, so these callables
pick a few from the site when the preview is drawn (never at import time).
"""

from django.utils.translation import gettext as _


def _images(count):
    from wagtail.images import get_image_model

    return list(get_image_model().objects.order_by("pk")[:count])


def _documents(count):
    from wagtail.documents import get_document_model

    return list(get_document_model().objects.order_by("pk")[:count])


def _image_value(image, alt_text):
    """The raw form of Wagtail's ImageBlock: the image with its alternative text."""
    return {"image": image, "alt_text": alt_text, "decorative": False}


def image_preview():
    images = _images(1)
    return {
        "image": _image_value(images[0] if images else None, _("A street in a partner city")),
        "caption": _("Residents discuss the new plan for their district."),
        "credit": _("Photo: city archive"),
    }


def gallery_preview():
    return {
        "images": [
            {"image": _image_value(image, image.title), "caption": image.title}
            for image in _images(3)
        ]
    }


def document_list_preview():
    return {
        "heading": _("Materials"),
        "documents": [{"document": doc, "description": ""} for doc in _documents(3)],
    }


def page_cards_preview():
    from wagtail.models import Page

    return {"heading": _("Read more"), "pages": list(Page.objects.live().filter(depth=3)[:3])}


def contact_card_preview():
    from cities_cms.snippets import Person

    return {"person": Person.objects.order_by("pk").first(), "show_email": True, "note": ""}


def partner_logos_preview():
    from cities_cms.snippets import Organisation

    return {"heading": _("Partners"), "partners": list(Organisation.objects.order_by("pk")[:4])}
