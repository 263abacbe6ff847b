"""Forms of the registration admin."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_QUESTIONS, RegistrationQuestion, RegistrationSettings


class SettingsForm(forms.ModelForm):
    class Meta:
        model = RegistrationSettings
        fields = [
            "is_open",
            "opens_at",
            "closes_at",
            "capacity",
            "max_party_size",
            "waiting_list",
            "ask_organisation",
            "ask_city",
            "ask_role",
            "ask_needs",
            "confirmation_languages",
            "privacy_notice",
            "data_groups",
        ]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "data_groups": forms.CheckboxSelectMultiple,
        }

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Registration must close after it opens."))
        return cleaned


QuestionFormSet = forms.inlineformset_factory(
    RegistrationSettings,
    RegistrationQuestion,
    fields=["label", "help_text", "required", "sort_order"],
    extra=2,
    max_num=MAX_QUESTIONS,
    validate_max=True,
    can_delete=True,
)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        from .models import Registration

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *Registration.Status.choices]


class EraseForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    confirm = forms.BooleanField(
        label=_("I understand that this erases every registration of this address for good.")
    )
