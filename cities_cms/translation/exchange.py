"""Exchange with translators outside the CMS: PO files, one per page, in a ZIP for a set.

Export creates (or refreshes) the wagtail-localize translation of each page into the chosen
language and writes its PO file. Import checks every file before changing anything: each must
be a valid PO file of a translation into the chosen language, of a page that still exists,
with the same inline markup as the source in every entry. If any file fails, nothing is
imported. Imported translations are saved as drafts, to be published through the workflow.
"""

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import polib
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail_localize.models import Translation, TranslationSource

from . import language_name

MAX_FILES = 500
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ZIP_BYTES = 20 * 1024 * 1024
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


class ExchangeError(Exception):
    """A file that cannot be imported; the message is shown to the translator."""


@dataclass
class ImportReport:
    imported: list = field(default_factory=list)  # (page, number of entries)
    errors: list = field(default_factory=list)  # (file name, message)
    warnings: list = field(default_factory=list)  # (file name, message)


def po_filename(page, locale):
    return f"{page.pk}-{slugify(page.title)[:40] or 'page'}.{locale.language_code}.po"


def export_zip(pages, locale, user=None):
    """A ZIP of PO files: one per page, translated (so far) into ``locale``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for page in pages:
            page = page.specific
            if page.locale_id == locale.pk:
                continue
            source, _created = TranslationSource.update_or_create_from_instance(page)
            translation, _created = Translation.objects.get_or_create(
                source=source, target_locale=locale
            )
            archive.writestr(po_filename(page, locale), str(translation.export_po()))
    return buffer.getvalue()


def markup(text):
    """The inline tags of a segment, as a multiset."""
    return Counter(TAG.findall(text or ""))


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


def check_po(po, locale, name, user=None):
    """The Translation a parsed PO file belongs to, or ExchangeError saying what is wrong."""
    uuid = po.metadata.get("X-WagtailLocalize-TranslationID")
    if not uuid:
        raise ExchangeError(_("%(file)s was not exported from this site.") % {"file": name})
    try:
        translation = Translation.objects.select_related("source", "target_locale").get(uuid=uuid)
    except (Translation.DoesNotExist, ValueError) as exc:
        raise ExchangeError(
            _(
                "%(file)s belongs to a translation that no longer exists: its page or the "
                "translation was deleted."
            )
            % {"file": name}
        ) from exc
    if translation.target_locale_id != locale.pk:
        raise ExchangeError(
            _("%(file)s is a translation into another language (%(other)s, not %(language)s).")
            % {
                "file": name,
                "other": language_name(translation.target_locale),
                "language": language_name(locale),
            }
        )
    try:
        source_page = translation.source.get_source_instance()
    except ObjectDoesNotExist as exc:
        raise ExchangeError(
            _("The page that %(file)s translates has been deleted.") % {"file": name}
        ) from exc
    if not user_may_translate(user, source_page, locale):
        raise ExchangeError(
            _("%(file)s: you may not edit the translation of “%(page)s” (%(language)s).")
            % {"language": language_name(locale), "page": source_page.title, "file": name}
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
    return translation


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
            for name, po, translation in checked:
                warnings = translation.import_po(po, user=user, tool_name="PO file")
                report.warnings += [(name, str(warning)) for warning in warnings]
                try:
                    # (a savepoint, so that a database error leaves the transaction usable)
                    with transaction.atomic():
                        translation.save_target(user=user, publish=False)
                except DatabaseError as exc:
                    # e.g. a translated slug longer than the column: PostgreSQL refuses it
                    raise ExchangeError(
                        _(
                            "%(file)s gives an invalid page: a translation is too long or "
                            "malformed for its field."
                        )
                        % {"file": name}
                    ) from exc
                except ValidationError as exc:
                    problems = "; ".join(
                        f"{field}: {' '.join(str(m) for m in messages)}"
                        for field, messages in getattr(
                            exc, "message_dict", {"": exc.messages}
                        ).items()
                    )
                    raise ExchangeError(
                        _("%(file)s gives an invalid page: %(problems)s")
                        % {"file": name, "problems": problems}
                    ) from exc
                page = translation.get_target_instance()
                entries = len([e for e in po if e.msgstr and not e.obsolete])
                report.imported.append((page, entries))
    except ExchangeError as exc:
        # Everything above was rolled back: report the file, import nothing.
        report.imported = []
        report.warnings = []
        report.errors.append(("", str(exc)))
    return report
