"""Admin views of the federation: peers (list, add, detail, actions) and detaching copies.

Peers are managed by users with ``cities_cms_federation.manage_peers`` (superusers and the
Network coordinators group); everyone else gets 403. Every action is a POST with Django's
CSRF check; removing a peer asks for confirmation first. Detaching a received practice model
needs permission to edit the page.
"""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from . import peers as peer_actions
from .forms import AddPeerForm, TrustMemberListForm
from .identity import current_identity, format_fingerprint
from .models import CopyKind, FederatedCopy, Peer, PeerStatus
from .schema import ProtocolError
from .signing import key_id_of

MANAGE_PERMISSION = "cities_cms_federation.manage_peers"
EVENTS_PER_PAGE = 25


def can_manage_peers(user) -> bool:
    return user.is_active and user.has_perm(MANAGE_PERMISSION)


def forbidden(request, message):
    """A 403 inside the admin (Wagtail would turn PermissionDenied into a redirect home)."""
    return TemplateResponse(
        request,
        "cities_cms_federation/admin/forbidden.html",
        {"page_title": _("Not allowed"), "message": message},
        status=403,
    )


class ManagePeersMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_manage_peers(request.user):
            return forbidden(request, _("Only network coordinators may manage federation peers."))
        return super().dispatch(request, *args, **kwargs)

    def index_breadcrumbs(self):
        return [
            *WagtailAdminTemplateMixin.breadcrumbs_items,
            {"url": reverse("cities_cms_federation:peers"), "label": _("Federation")},
        ]


def own_identity_context():
    try:
        own = current_identity()
    except (ImproperlyConfigured, OSError, ValueError):
        return {"own_fingerprint": None, "own_base_url": None}
    try:
        base = peer_actions.own_base_url()
    except Exception:  # an unconfigured site still shows its key
        base = None
    return {"own_fingerprint": own.fingerprint, "own_base_url": base}


def pinned_fingerprint(peer):
    try:
        return format_fingerprint(key_id_of(peer.public_key)) if peer.public_key else ""
    except ValueError:
        return ""


class PeerIndexView(ManagePeersMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cities_cms_federation/admin/peer_index.html"
    page_title = gettext_lazy("Federation")
    header_icon = "site"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        peers = list(Peer.objects.order_by("status", "name", "base_url"))
        for peer in peers:
            peer.pinned_fingerprint = pinned_fingerprint(peer)
        context.update(own_identity_context())
        context["peers"] = peers
        context["add_url"] = reverse("cities_cms_federation:add_peer")
        return context


class AddPeerView(ManagePeersMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "cities_cms_federation/admin/peer_add.html"
    page_title = gettext_lazy("Add a peer")
    header_icon = "site"
    form_class = AddPeerForm

    def get_breadcrumbs_items(self):
        return [*self.index_breadcrumbs(), {"url": "", "label": self.page_title}]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "allow_local": self.request.user.is_superuser}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **own_identity_context()}

    def form_valid(self, form):
        try:
            peer = peer_actions.add_peer(
                form.cleaned_data["base_url"], is_local=form.cleaned_data.get("is_local", False)
            )
        except ProtocolError as exc:
            form.add_error("base_url", exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "%(peer)s was added. Compare its key fingerprint with the one its team gives "
                "you before approving it."
            )
            % {"peer": peer},
        )
        return redirect("cities_cms_federation:peer", peer.pk)


class PeerDetailView(ManagePeersMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cities_cms_federation/admin/peer_detail.html"
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        self.peer = get_object_or_404(Peer, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return str(self.peer)

    def get_breadcrumbs_items(self):
        return [*self.index_breadcrumbs(), {"url": "", "label": str(self.peer)}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        peer = self.peer
        paginator = Paginator(peer.events.all(), EVENTS_PER_PAGE)
        context.update(
            peer=peer,
            pinned_fingerprint=pinned_fingerprint(peer),
            offered_fingerprint=(
                format_fingerprint(key_id_of(peer.offered_public_key))
                if peer.offered_public_key
                else ""
            ),
            events=paginator.get_page(self.request.GET.get("p")),
            copies_count=peer.copies.exclude(kind=CopyKind.SEMINAR).count(),
            seminars_count=peer.copies.filter(kind=CopyKind.SEMINAR).count(),
            trust_form=TrustMemberListForm(
                initial={"publishes_member_list": peer.publishes_member_list}
            ),
            can_trust=self.request.user.is_superuser and peer.status == PeerStatus.APPROVED,
            # The model's own label, so the screen and the model say it in the same words.
            relay_label=Peer._meta.get_field("relay_url").verbose_name,
            **own_identity_context(),
        )
        return context


class _Forbidden(Exception):
    pass


class PeerActionView(ManagePeersMixin, View):
    """POST approve / pause / resume / sync / trust on one peer."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        peer = get_object_or_404(Peer, pk=pk)
        try:
            handler = getattr(self, f"do_{action.replace('-', '_')}")
        except AttributeError:
            raise Http404 from None
        try:
            handler(request, peer)
        except _Forbidden as exc:
            return forbidden(request, str(exc))
        except ProtocolError as exc:
            messages.error(request, exc.message)
        return redirect("cities_cms_federation:peer", peer.pk)

    def do_approve(self, request, peer):
        if peer.status != PeerStatus.PENDING:
            raise ProtocolError("not-pending", _("This peer is not waiting for approval."))
        peer_actions.approve(peer, request.user)
        messages.success(request, _("%(peer)s is approved; its key is pinned.") % {"peer": peer})

    def do_pause(self, request, peer):
        peer_actions.pause(peer, request.user)
        messages.success(request, _("%(peer)s is paused.") % {"peer": peer})

    def do_resume(self, request, peer):
        if peer.status != PeerStatus.PAUSED:
            raise ProtocolError("not-paused", _("This peer is not paused."))
        peer_actions.resume(peer, request.user)
        messages.success(request, _("%(peer)s is resumed.") % {"peer": peer})

    def do_sync(self, request, peer):
        if peer.status != PeerStatus.APPROVED:
            raise ProtocolError("not-approved", _("Only an approved peer can be synchronised."))
        from ..tasks import enqueue_on_commit, prompt
        from .tasks import sync_peer_task

        enqueue_on_commit(prompt(sync_peer_task), peer.pk)
        messages.success(request, _("A sync of %(peer)s was started.") % {"peer": peer})

    def do_trust(self, request, peer):
        if not request.user.is_superuser:
            raise _Forbidden(_("Only a superuser may trust a member list."))
        if peer.status != PeerStatus.APPROVED:
            raise ProtocolError(
                "not-approved", _("Only an approved peer's member list can be trusted.")
            )
        form = TrustMemberListForm(request.POST)
        form.is_valid()
        peer.publishes_member_list = bool(form.cleaned_data.get("publishes_member_list"))
        peer.save(update_fields=["publishes_member_list"])
        if peer.publishes_member_list:
            message = _("The member list of %(peer)s is trusted from its next sync.")
        else:
            message = _("The member list of %(peer)s is no longer trusted.")
        messages.success(request, message % {"peer": peer})


class RemovePeerView(ManagePeersMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cities_cms_federation/admin/peer_remove.html"
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        self.peer = get_object_or_404(Peer, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Remove %(peer)s") % {"peer": self.peer}

    def get_breadcrumbs_items(self):
        return [
            *self.index_breadcrumbs(),
            {
                "url": reverse("cities_cms_federation:peer", args=[self.peer.pk]),
                "label": str(self.peer),
            },
            {"url": "", "label": _("Remove")},
        ]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "peer": self.peer,
            "copies_count": self.peer.copies.count(),
        }

    def post(self, request, pk):
        name = str(self.peer)
        kept = peer_actions.remove(self.peer)
        messages.success(
            request,
            ngettext(
                "%(peer)s was removed. The %(count)s item received from it stays on this "
                "site, with its attribution.",
                "%(peer)s was removed. The %(count)s items received from it stay on this site, "
                "with their attribution.",
                kept,
            )
            % {"peer": name, "count": kept},
        )
        return redirect("cities_cms_federation:peers")


# --- Received practice models --------------------------------------------------------------


def copy_of(page) -> FederatedCopy | None:
    """The FederatedCopy behind ``page`` (any of its locales), or None."""
    from ..pages import PracticeModelPage, SeminarPage

    if page is None or not getattr(page, "translation_key", None):
        return None
    if not issubclass(page.specific_class or type(page), (PracticeModelPage, SeminarPage)):
        return None  # only practice models and seminars travel; no query for other pages
    return FederatedCopy.objects.filter(global_id=page.translation_key).first()


def is_read_only_copy(page) -> bool:
    copy = copy_of(page)
    return copy is not None and not copy.detached


class DetachCopyView(WagtailAdminTemplateMixin, TemplateView):
    """Confirm (GET) and detach (POST) a received practice model: updates stop, credit stays."""

    template_name = "cities_cms_federation/admin/detach_copy.html"
    header_icon = "link-external"

    def dispatch(self, request, *args, **kwargs):
        self.page = get_object_or_404(Page, pk=kwargs["page_id"]).specific
        if not self.page.permissions_for_user(request.user).can_edit():
            return forbidden(request, _("You may not edit this page, so you may not detach it."))
        self.copy = copy_of(self.page)
        if self.copy is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Detach “%(title)s”") % {"title": self.page.get_admin_display_title()}

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "page": self.page, "copy": self.copy}

    def post(self, request, page_id):
        if not self.copy.detached:
            self.copy.detached = True
            self.copy.detached_at = timezone.now()
            self.copy.detached_by = request.user
            self.copy.save(update_fields=["detached", "detached_at", "detached_by"])
            messages.success(
                request,
                _(
                    "“%(title)s” is detached: you can edit it now, and updates from "
                    "%(city)s no longer change it. It still credits %(city)s."
                )
                % {"title": self.page.get_admin_display_title(), "city": self.copy.origin_city},
            )
        return redirect("wagtailadmin_pages:edit", self.page.pk)
