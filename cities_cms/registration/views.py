"""Public views, served by the seminar page's routes ``register/`` and ``cancel/<token>/``."""

import logging

from django.apps import apps
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect

from ..conf import settings as conf
from ..tasks import enqueue_on_commit, prompt
from . import ratelimit, services, tasks
from .forms import RegistrationForm
from .models import Registration, RegistrationSettings
from .tokens import read_cancel_token

logger = logging.getLogger(__name__)


def refusal_message(reason):
    return {
        "closed": _("Registration for this seminar is closed."),
        "not_yet": _("Registration for this seminar has not opened yet."),
        "deadline": _("The registration deadline for this seminar has passed."),
        "past": _("This seminar has already taken place."),
        "full": _("This seminar is full and has no waiting list."),
        "duplicate": _(
            "This email address is already registered for this seminar. Your confirmation "
            "email has a link to cancel if your plans change."
        ),
        "party_size": _("Too many people for one registration."),
        "unpublished": _("This seminar is not open for registration."),
        "rate": _("Too many attempts from your address. Please try again later."),
        "bot": _("Your registration could not be accepted. Please try again."),
    }[reason]


REFUSAL_STATUS = {"rate": 429, "bot": 400, "party_size": 400, "unpublished": 404}


def _settings_or_404(page):
    if not apps.is_installed("cities_cms.registration"):
        raise Http404
    settings = RegistrationSettings.for_seminar(page)
    if settings is None:
        raise Http404
    return settings


def _queue_email(kind, registration, page):
    # The task worker sends it: the visitor does not wait for the mail server, and the
    # registration is stored and valid whether or not the mail (or the queue) works now.
    try:
        enqueue_on_commit(prompt(tasks.send_email), kind, registration.pk, page.pk)
    except Exception:
        logger.exception("Could not queue a registration email")


def box_context(page):
    """What the seminar page shows about registration (None: nothing)."""
    settings = RegistrationSettings.for_seminar(page)
    if settings is None:
        return None
    state = settings.state()
    if state == "past":
        return None
    counts = settings.counts() if state == "open" else None
    return {"settings": settings, "state": state, "counts": counts}


def _render(request, page, template, context, status=200):
    context = {"page": page, "self": page, **context}
    return TemplateResponse(
        request, f"cities_cms_registration/{template}.html", context, status=status
    )


def register(page, request):
    """The ``register/`` route of a seminar page."""
    return _register(request, page)


@csrf_protect
def _register(request, page):
    settings = _settings_or_404(page)
    if request.method not in ("GET", "HEAD", "POST"):
        response = _render(request, page, "register", {"refusal": None}, status=405)
        response["Allow"] = "GET, HEAD, POST"
        return response
    done = request.GET.get("done")
    if request.method != "POST" and done in (
        Registration.Status.CONFIRMED,
        Registration.Status.WAITING,
    ):
        return _render(request, page, "registered", {"status": done, "reg_settings": settings})
    state = settings.state()
    form = None
    status = 200
    refusal = None
    if request.method == "POST":
        if not ratelimit.hit(request):
            refusal = "rate"
        elif state != "open":
            refusal = state
        else:
            form = RegistrationForm(request.POST, settings=settings)
            if form.is_bot:
                refusal = "bot"
            elif form.is_valid():
                try:
                    registration = services.register(
                        settings.pk,
                        form.registration_data(),
                        page=page,
                        language=settings.message_language(page.locale.language_code),
                    )
                except services.RegistrationRefused as refused:
                    refusal = refused.reason
                else:
                    _queue_email(tasks.REGISTERED, registration, page)
                    url = page.url + page.reverse_subpage("register")
                    return redirect(f"{url}?done={registration.status}")
            else:
                status = 400
        if refusal:
            status = REFUSAL_STATUS.get(refusal, 409)
    elif state != "open":
        refusal = state
    elif not settings.waiting_list and settings.counts()["places_left"] == 0:
        refusal = "full"
    if form is None and state == "open" and refusal != "full":
        form = RegistrationForm(settings=settings)
    if form is not None:
        form.describe()
    context = {
        "form": form,
        "reg_settings": settings,
        "retention": conf.CITIES_CMS_REGISTRATION_RETENTION_DAYS,
        "state": state,
        "counts": settings.counts() if state == "open" else None,
        "refusal": refusal_message(refusal) if refusal else None,
    }
    return _render(request, page, "register", context, status=status)


def cancel(page, request, token):
    """The ``cancel/<token>/`` route of a seminar page."""
    return _cancel(request, page, token)


@csrf_protect
def _cancel(request, page, token):
    _settings_or_404(page)
    registration = read_cancel_token(token)
    if registration is None or (
        registration.settings.seminar.translation_key != page.translation_key
    ):
        message = _(
            "This cancel link is not valid or has expired. Nothing was changed. If you "
            "still want to cancel, please contact the organisers."
        )
        return _render(request, page, "cancel", {"invalid": message}, status=400)
    context = {"registration": registration, "token": token}
    if registration.status == Registration.Status.CANCELLED:
        return _render(request, page, "cancel", {**context, "already": True})
    if registration.settings.seminar.end < services.timezone.now():
        return _render(request, page, "cancel", {**context, "past": True}, status=409)
    if request.method == "POST":
        outcome = services.cancel(registration.pk)
        _queue_email(tasks.CANCELLED, outcome.registration, page)
        return _render(request, page, "cancel", {**context, "done": True})
    return _render(request, page, "cancel", context)
