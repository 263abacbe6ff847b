"""Forms of the federation admin (peers.py does the work; these only validate input)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .peers import normalise_base_url
from .schema import ProtocolError


class AddPeerForm(forms.Form):
    base_url = forms.URLField(
        label=_("Address of the other site"),
        max_length=300,
        assume_scheme="https",
        help_text=_("For example https://daugavpils.example. Its descriptor is read from there."),
    )
    is_local = forms.BooleanField(
        label=_("Local peer"),
        required=False,
        help_text=_(
            "Allow a private or loopback address (only for instances on this machine or "
            "network, such as a demo's second instance)."
        ),
    )

    def __init__(self, *args, allow_local=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_local:
            # Reaching into the local network is a superuser's decision.
            del self.fields["is_local"]

    def clean_base_url(self):
        try:
            return normalise_base_url(self.cleaned_data["base_url"])
        except ProtocolError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class TrustMemberListForm(forms.Form):
    publishes_member_list = forms.BooleanField(
        label=_("Trust its member list"),
        required=False,
        help_text=_(
            "Approve the instances this coordinator lists, with the keys it gives, and pause "
            "those it removes."
        ),
    )
