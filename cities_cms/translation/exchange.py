"""Exchange with translators outside the CMS: PO files, one per page, in a ZIP for a set.

Export writes each page's current translation (:mod:`.current`: the translated page itself,
or wagtail-localize's translation memory for pages translated with its editor), marks the
entries whose source changed since as ``fuzzy`` (with the old source as ``#| msgid``), holds
only pages the user may see and translate, and changes nothing in the database.

Import checks every file before changing anything: each must be a PO file exported here,
for the chosen language, of a page that still exists and that the user may translate, with
the same inline markup as the source in every entry. If any file fails, nothing is imported.
Each file then changes exactly the entries whose text differs from the page's current
translation, saved as a draft (:func:`.drafts.save_draft`): the same file imported twice,
or imported unchanged, changes nothing.
"""

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import polib
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Page
from wagtail_localize.models import Translation, TranslationSource

from . import language_name
from .current import PageTranslation
from .drafts import remember, save_draft

MAX_FILES = 500
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ZIP_BYTES = 20 * 1024 * 1024
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
# The source page a file translates: "<page id> <translation key>" (the key guards against a
# reused id after a deletion).
PAGE_HEADER = "X-CitiesCMS-Page"
LOCALIZE_HEADER = "X-WagtailLocalize-TranslationID"  # files exported by earlier versions


class ExchangeError(Exception):
    """A file that cannot be imported; the message is shown to the translator."""


@dataclass
class ImportReport:
    imported: list = field(default_factory=list)  # (page, number of entries changed)
    unchanged: list = field(default_factory=list)  # pages whose file changed nothing
    errors: list = field(default_factory=list)  # (file name, message)
    warnings: list = field(default_factory=list)  # (file name, message)


def po_filename(page, locale):
    return f"{page.pk}-{slugify(page.title)[:40] or 'page'}.{locale.language_code}.po"


# -- who may see and translate what -----------------------------------------------------------


def user_may_translate(user, source_page, locale):
    """Whether ``user`` may edit (or create) the translation of ``source_page`` into ``locale``."""
    if user is None:
        return True
    target = source_page.get_translation_or_none(locale)
    if target is not None:
        return target.permissions_for_user(user).can_edit()
    # A new translation goes under the nearest ancestor that exists in that language
    # (wagtail-localize creates the missing ones in between).
    for ancestor in source_page.get_ancestors(inclusive=False).filter(depth__gt=1).reverse():
        translated = ancestor.get_translation_or_none(locale)
        if translated is not None:
            return translated.permissions_for_user(user).can_add_subpage()
    return user.is_superuser  # no tree in that language yet: only an administrator starts one


def user_may_read(user, source_page):
    """Whether ``user`` may read the source's text anyway: it is public, or the user has a
    permission on it in the admin. A translator gets no draft or private page this way."""
    if user is None or user.is_superuser:
        return True
    if source_page.permissions_for_user(user).permissions:
        return True
    return source_page.live and not source_page.get_view_restrictions().exists()


def exportable(pages, locale, user=None):
    """The pages of ``pages`` (in the source language) that ``user`` may export into ``locale``."""
    return [
        page.specific
        for page in pages
        if page.locale_id != locale.pk
        and page.alias_of_id is None
        and user_may_read(user, page)
        and user_may_translate(user, page, locale)
    ]


# -- export ------------------------------------------------------------------------------------


def po_file(source_page, locale):
    """The PO file of ``source_page`` into ``locale``, filled with its current translation."""
    current = PageTranslation(source_page, locale)
    po = polib.POFile(wrapwidth=200)
    po.metadata = {
        "Project-Id-Version": source_page.get_admin_display_title(),
        "POT-Creation-Date": timezone.now().strftime("%Y-%m-%d %H:%M%z"),
        "Language": locale.language_code,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Transfer-Encoding": "8bit",
        PAGE_HEADER: f"{source_page.pk} {source_page.translation_key}",
    }
    if current.translation is not None:
        # wagtail-localize's own upload (in its editor) accepts the file too.
        po.metadata[LOCALIZE_HEADER] = str(current.translation.uuid)
    for entry in current.entries:
        po.append(
            polib.POEntry(
                msgctxt=entry.path,
                msgid=entry.source,
                msgstr=entry.text,
                flags=["fuzzy"] if entry.fuzzy else [],
                previous_msgid=entry.previous or None,
            )
        )
    return po


def export_zip(pages, locale, user=None):
    """A ZIP of PO files, one per page that ``user`` may see and translate into ``locale``.

    Reads only: no wagtail-localize source or translation is created or refreshed.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for page in exportable(pages, locale, user):
            archive.writestr(po_filename(page, locale), str(po_file(page, locale)))
    return buffer.getvalue()


# -- import ------------------------------------------------------------------------------------


def markup(text):
    """The inline tags of a segment, as a multiset."""
    return Counter(TAG.findall(text or ""))


def _source_page(po, name):
    """The source page a parsed PO file translates, and the language it says it is in."""
    header = po.metadata.get(PAGE_HEADER, "")
    uuid = po.metadata.get(LOCALIZE_HEADER)
    if header:
        page_id, _space, key = header.partition(" ")
        page = None
        if page_id.isdigit():
            page = Page.objects.filter(pk=int(page_id), translation_key=key.strip()).first()
        return page, po.metadata.get("Language", "")
    if uuid:
        translation = (
            Translation.objects.filter(uuid=uuid).select_related("target_locale").first()
            if re.fullmatch(r"[0-9a-fA-F-]{32,36}", uuid)
            else None
        )
        if translation is None:
            return None, ""
        try:
            page = translation.source.get_source_instance()
        except ObjectDoesNotExist:
            page = None
        return page, translation.target_locale.language_code
    raise ExchangeError(_("%(file)s was not exported from this site.") % {"file": name})


def check_po(po, locale, name, user=None):
    """The source page a parsed PO file translates, or ExchangeError saying what is wrong."""
    page, language = _source_page(po, name)
    if page is None:
        raise ExchangeError(
            _("The page that %(file)s translates has been deleted.") % {"file": name}
        )
    page = page.specific
    if page.alias_of_id is not None or page.locale_id == locale.pk:
        raise ExchangeError(_("%(file)s was not exported from this site.") % {"file": name})
    if language and language != locale.language_code:
        from wagtail.models import Locale

        other = Locale.objects.filter(language_code=language).first()
        raise ExchangeError(
            _("%(file)s is a translation into another language (%(other)s, not %(language)s).")
            % {
                "file": name,
                "other": language_name(other) if other else language,
                "language": language_name(locale),
            }
        )
    if not user_may_read(user, page):
        # (without the page's title: the user may not know it)
        raise ExchangeError(
            _("%(file)s is for a page that you may not translate.") % {"file": name}
        )
    if not user_may_translate(user, page, locale):
        raise ExchangeError(
            _("%(file)s: you may not edit the translation of “%(page)s” (%(language)s).")
            % {"language": language_name(locale), "page": page.title, "file": name}
        )
    for number, entry in enumerate(po, start=1):
        if entry.obsolete or not entry.msgstr:
            continue
        if markup(entry.msgid) != markup(entry.msgstr):
            raise ExchangeError(
                _(
                    "%(file)s, entry %(number)d: the translation's markup does not match the "
                    "source (%(source)s)."
                )
                % {
                    "file": name,
                    "number": number,
                    "source": " ".join(TAG.findall(entry.msgid)) or _("no markup"),
                }
            )
    return page


def _parse(name, data):
    if len(data) > MAX_FILE_BYTES:
        raise ExchangeError(_("%(file)s is larger than 2 MB.") % {"file": name})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExchangeError(_("%(file)s is not UTF-8 text.") % {"file": name}) from exc
    try:
        return polib.pofile(text)
    except (OSError, ValueError) as exc:
        raise ExchangeError(_("%(file)s is not a valid PO file.") % {"file": name}) from exc


def read_upload(upload):
    """``[(name, bytes)]`` from an uploaded .po file or a ZIP of them."""
    data = upload.read(MAX_ZIP_BYTES + 1)
    if len(data) > MAX_ZIP_BYTES:
        raise ExchangeError(_("The upload is larger than 20 MB."))
    name = upload.name or "upload"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [(name, data)]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES:
            raise ExchangeError(_("The ZIP file holds more than 500 files."))
        files = []
        for member in members:
            if not member.filename.endswith(".po"):
                continue
            if member.file_size > MAX_FILE_BYTES:
                raise ExchangeError(_("%(file)s is larger than 2 MB.") % {"file": member.filename})
            files.append((member.filename, archive.read(member)))
    if not files:
        raise ExchangeError(_("The ZIP file holds no .po files."))
    return files


def edited_entries(po, current):
    """What a file changes: ``({(path, source): text}, confirmed, unknown)``.

    An entry changes the translation if its text differs from the current one, or if the
    current one is fuzzy and the translator removed the flag (confirmed). Entries whose
    source text is no longer in the page are counted in ``unknown``.
    """
    entries = {entry.key: entry for entry in current.entries}
    texts, confirmed, unknown = {}, False, 0
    for entry in po:
        if entry.obsolete or not entry.msgstr:
            continue
        mine = entries.get((entry.msgctxt or "", entry.msgid))
        if mine is None:
            unknown += 1
        elif entry.msgstr != mine.text:
            texts[mine.key] = entry.msgstr
        elif mine.fuzzy and not entry.fuzzy:
            texts[mine.key] = entry.msgstr
            confirmed = True
    return texts, confirmed, unknown


def _invalid(name, exc):
    problems = "; ".join(
        f"{field}: {' '.join(str(m) for m in messages)}"
        for field, messages in getattr(exc, "message_dict", {"": exc.messages}).items()
    )
    return ExchangeError(
        _("%(file)s gives an invalid page: %(problems)s") % {"file": name, "problems": problems}
    )


def _import_one(name, po, source_page, locale, user, report):
    current = PageTranslation(source_page, locale)
    texts, confirmed, unknown = edited_entries(po, current)
    if unknown:
        report.warnings.append(
            (
                name,
                ngettext(
                    "%(count)d entry translates text that is no longer on the page; it was "
                    "left out.",
                    "%(count)d entries translate text that is no longer on the page; they "
                    "were left out.",
                    unknown,
                )
                % {"count": unknown},
            )
        )
    if not texts:
        report.unchanged.append(source_page)
        return
    if current.is_alias and current.translation is None:
        # A first translation: make it a wagtail-localize translation, so that the draft
        # opens in its editor. (An existing source is not refreshed: that would change the
        # state of the other languages.)
        source, _created = TranslationSource.get_or_create_from_instance(source_page)
        Translation.objects.update_or_create(
            source=source, target_locale=locale, defaults={"enabled": True}
        )
        current = PageTranslation(source_page, locale)
    if current.translation is not None:
        remember(current, texts, user, tool_name="PO file")
    try:
        # (a savepoint, so that a database error leaves the transaction usable)
        with transaction.atomic():
            result = save_draft(current, texts, user, force=confirmed)
    except DatabaseError as exc:
        # e.g. a translated slug longer than the column: PostgreSQL refuses it
        raise ExchangeError(
            _(
                "%(file)s gives an invalid page: a translation is too long or malformed for "
                "its field."
            )
            % {"file": name}
        ) from exc
    except ValidationError as exc:
        raise _invalid(name, exc) from exc
    if result.skipped:
        report.warnings.append(
            (
                name,
                ngettext(
                    "%(count)d entry could not be placed: the page's structure changed since "
                    "it was translated. Translate it in the editor.",
                    "%(count)d entries could not be placed: the page's structure changed "
                    "since it was translated. Translate them in the editor.",
                    len(result.skipped),
                )
                % {"count": len(result.skipped)},
            )
        )
    if result.revision is None:
        report.unchanged.append(source_page)
    else:
        report.imported.append((current.target, len(result.changed)))


def import_files(files, locale, user=None):
    """Check every file, then import all of them, or none if any is wrong."""
    report = ImportReport()
    checked = []
    for name, data in files:
        try:
            po = _parse(name, data)
            checked.append((name, po, check_po(po, locale, name, user)))
        except ExchangeError as exc:
            report.errors.append((name, str(exc)))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for name, po, source_page in checked:
                _import_one(name, po, source_page, locale, user, report)
    except ExchangeError as exc:
        # Everything above was rolled back: report the file, import nothing.
        report.imported, report.unchanged, report.warnings = [], [], []
        report.errors.append(("", str(exc)))
    return report
