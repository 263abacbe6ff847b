"""Previews of the blocks in the admin's block picker.

Every block of the library mixes in :class:`PreviewableBlock`: its preview is drawn with the
public stylesheet (``cities_cms/blocks/preview.html``), so that an editor sees what visitors
will see. Preview values are callables evaluated when the preview is drawn, in the editor's
language: texts come from the catalogues, facts from the network (fourteen cities, Poznań
leads it, the seminars of 2013-2015), and blocks that show things chosen from the site
(pages, images, documents, people, organisations) take a few real ones. On a site that has
none yet, the preview says so instead of showing an empty frame.
"""

from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

TEMPLATE = "cities_cms/blocks/preview.html"


class PreviewableBlock:
    """Mixin for blocks: a preview in the block picker, drawn like the public site."""

    def get_preview_template(self, value, context=None):
        return TEMPLATE

    def get_preview_context(self, value, parent_context=None):
        context = super().get_preview_context(value, parent_context)
        # A block that needs things chosen from the site (an image, people, pages ...) that
        # the site does not have yet shows a note instead of an empty frame.
        context["preview_empty"] = _lacks_required(self, value)
        return context


def _lacks_required(block, value):
    """True if a required part of a struct value is missing (None, or an empty list)."""
    from wagtail.blocks import ListBlock, StructBlock

    if not isinstance(block, StructBlock):
        return False
    for name, child in block.child_blocks.items():
        item = value.get(name)
        if isinstance(child, ListBlock):
            if (child.meta.min_num or 0) > 0 and not len(item or ()):
                return True
        elif item is None and (child.required or isinstance(child, StructBlock)):
            # Wagtail's ImageBlock is a struct that holds no image as None.
            return True
    return False


# --- objects from the site ---------------------------------------------------------------


def _in_editor_language(queryset):
    """The objects in the editor's language when there are any, else in any language."""
    from wagtail.models import Locale

    locale = Locale.objects.filter(language_code=get_language()).first()
    local = queryset.filter(locale=locale) if locale is not None else queryset.none()
    return local if local.exists() else queryset


def _images(count):
    """Photos of the site's practice models first (a logo makes a poor example), then any."""
    from wagtail.images import get_image_model

    from cities_cms.pages import PracticeModelPage

    images = get_image_model().objects.order_by("pk")
    used = PracticeModelPage.objects.exclude(listing_image=None).values("listing_image")
    photos = list(images.filter(pk__in=used)[:count])
    return photos or list(images[:count])


def _documents(count):
    from wagtail.documents import get_document_model

    return list(get_document_model().objects.order_by("pk")[:count])


def _image_value(image, alt_text):
    """The raw form of Wagtail's ImageBlock: the image with its alternative text."""
    return {"image": image, "alt_text": alt_text, "decorative": False}


def image_preview():
    images = _images(1)
    if not images:
        return {"image": None, "caption": "", "credit": ""}
    return {
        "image": _image_value(images[0], _("A street in a partner city")),
        "caption": _("Residents discuss the new plan for their district."),
        "credit": _("Photo: city archive"),
    }


def gallery_preview():
    return {
        "heading": _("Study visit to a harbour district"),
        "images": [
            {"image": _image_value(image, image.title), "caption": image.title}
            for image in _images(3)
        ],
    }


def document_list_preview():
    return {
        "heading": _("Materials of the seminar"),
        "documents": [{"document": doc, "title": "", "description": ""} for doc in _documents(3)],
    }


def page_cards_preview():
    from wagtail.models import Page

    from cities_cms.pages import CityPage, PracticeModelPage, SeminarPage

    pages = []
    for model in (PracticeModelPage, SeminarPage, CityPage):
        found = _in_editor_language(model.objects.live()).order_by("pk").first()
        if found is not None:
            pages.append(found)
    if not pages:  # a new site: its section pages (the site root's children)
        pages = list(_in_editor_language(Page.objects.live().filter(depth=3)).order_by("path")[:3])
    return {"heading": _("Read more"), "pages": pages}


def contact_card_preview():
    from cities_cms.snippets import Person

    person = _in_editor_language(Person.objects.all()).order_by("pk").first()
    return {
        "person": person,
        "show_email": True,
        "show_phone": False,
        "note": _("Contact for study visits") if person else "",
    }


def partner_logos_preview():
    from cities_cms.snippets import Organisation

    partners = list(_in_editor_language(Organisation.objects.all()).order_by("pk")[:4])
    return {"heading": _("Partners of the network"), "partners": partners}


# --- written examples ----------------------------------------------------------------------


def heading_preview():
    return {"text": _("What the city learned"), "level": "h2", "anchor": ""}


def paragraph_preview():
    return format_html(
        "<p>{}</p>",
        _(
            "Fourteen cities from eleven countries compare how they plan, monitor and change "
            "their neighbourhoods. Poznań leads the network; Daugavpils is one of its partners."
        ),
    )


def quote_preview():
    return {
        "quote": _("We stopped planning for residents and started planning with them."),
        "attribution": _("A city planner"),
        "source": _("Workshop on participatory budgeting"),
    }


def notice_preview():
    return {
        "kind": "info",
        "title": _("Registration"),
        "text": format_html("<p>{}</p>", _("Places are limited to two people per partner city.")),
    }


def accordion_preview():
    return {
        "heading": _("Frequently asked questions"),
        "items": [
            {
                "title": _("Who can take part?"),
                "body": format_html(
                    "<p>{}</p>", _("Staff of the partner cities, universities and businesses.")
                ),
            },
            {
                "title": _("Is there a fee?"),
                "body": format_html(
                    "<p>{}</p>", _("No: the programme Europe for Citizens covers the costs.")
                ),
            },
        ],
    }


def call_to_action_preview():
    return {
        "title": _("Share your practice model"),
        "text": _("Tell the network how your city solved a planning problem."),
        "link": {"page": None, "url": "https://example.org/", "label": _("Read the guide")},
    }


def key_figures_preview():
    return {
        "heading": _("The network in numbers"),
        "figures": [
            {"value": "14", "unit": "", "label": _("partner cities")},
            {"value": "11", "unit": "", "label": _("countries")},
            {"value": "99 000", "unit": "EUR", "label": _("total budget")},
        ],
    }


def indicators_preview():
    return {
        "heading": _("Results"),
        "indicators": [
            {
                "name": _("Residents taking part in consultations"),
                "baseline": "120",
                "value": "860",
                "unit": _("people"),
                "year": 2015,
                "source": _("City survey"),
            },
        ],
    }


def timeline_preview():
    return {
        "heading": _("Milestones"),
        "entries": [
            {"date": _("June 2013"), "title": _("The network starts"), "text": ""},
            {"date": _("October 2013"), "title": _("Opening conference"), "text": ""},
            {"date": _("April 2015"), "title": _("Closing conference"), "text": ""},
        ],
    }


def embed_preview():
    return {
        "url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
        "title": _("Recording of the opening session"),
        "caption": "",
        "transcript": "",
    }


def table_preview():
    return {
        "table_caption": _("Participants per seminar"),
        "table_header_choice": "row",
        "first_row_is_table_header": True,
        "first_col_is_header": False,
        "data": [
            [_("Seminar"), _("Cities"), _("People")],
            [_("Opening conference"), "14", "38"],
            [_("Closing conference"), "13", "35"],
        ],
    }


def agenda_session_preview():
    return {
        "start_time": "09:30",
        "end_time": "10:15",
        "title": _("Indicators that tell a city it is changing"),
        "kind": "talk",
        "description": "",
        "location": _("Main hall"),
        "speakers": [{"name": "Anna Nowak", "role": _("Urban planner"), "organisation": ""}],
    }


def agenda_day_preview():
    session = {"description": "", "location": "", "speakers": []}
    return {
        "date": "2013-10-16",
        "title": _("Day one: how do we know our city is changing?"),
        "sessions": [
            {
                **session,
                "start_time": "09:30",
                "end_time": "10:00",
                "title": _("Welcome"),
                "kind": "talk",
            },
            {
                **session,
                "start_time": "10:00",
                "end_time": "12:00",
                "title": _("Walk through a changing district"),
                "kind": "visit",
            },
        ],
    }
