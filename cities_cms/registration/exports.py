"""CSV and XLSX exports of a seminar's registrations (personal data: admin only)."""

import csv
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe(value):
    # Spreadsheet programs run cells starting with these as formulas (CSV injection).
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def iso_8601(value):
    """``value`` as ISO 8601 in the site's time zone, with its offset: 2026-03-12T14:42:05+01:00.

    An export is read by programs and people in other countries: neither the editor's date
    order nor a time without its zone would be read right everywhere.
    """
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def rows(settings_obj, registrations):
    questions = [q.label for q in settings_obj.questions.all()]
    header = [
        _("Status"),
        _("Name"),
        _("Email"),
        _("Organisation"),
        _("City"),
        _("Role or job title"),
        _("People"),
        _("Dietary or access needs"),
        *questions,
        _("Language"),
        _("Registered"),
        _("Attended"),
    ]
    yield header
    for registration in registrations:
        answers = dict(registration.answer_pairs())
        attended = {True: _("yes"), False: _("no"), None: ""}[registration.attended]
        yield [
            registration.get_status_display(),
            registration.name,
            registration.email,
            registration.organisation,
            registration.city,
            registration.role,
            registration.party_size,
            registration.needs,
            *(answers.get(q, "") for q in questions),
            registration.language,
            iso_8601(registration.created_at),
            attended,
        ]


def csv_response(settings_obj, registrations, filename):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(settings_obj, registrations):
        writer.writerow([_safe(cell) for cell in row])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(settings_obj, registrations, filename):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Registrations")[:31])
    for row in rows(settings_obj, registrations):
        sheet.append([cell if isinstance(cell, int) else _safe(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
