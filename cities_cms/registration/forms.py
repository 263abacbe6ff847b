"""The public registration form, built from a seminar's registration settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Ask

HONEYPOT = "website"
ANSWER_MAX_LENGTH = 1000

STANDARD_FIELDS = {
    "organisation": (_("Organisation"), 200, forms.TextInput, "organization"),
    "city": (_("City"), 100, forms.TextInput, "address-level2"),
    "role": (_("Role or job title"), 100, forms.TextInput, "organization-title"),
    "needs": (_("Dietary or access needs"), 1000, forms.Textarea, "off"),
}


class RegistrationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send your confirmation and a link to cancel to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_("I agree that my data is used to organise this seminar, as described above."),
        error_messages={"required": _("Please agree to the use of your data to register.")},
    )
    # Hidden from people (and assistive technology); bots that fill every field fill it.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    about_fields = ("name", "email", "organisation", "city", "role")
    participation_fields = ("party_size", "needs")

    def __init__(self, *args, settings, **kwargs):
        super().__init__(*args, **kwargs)
        self.settings = settings
        for name, (label, max_length, widget, autocomplete) in STANDARD_FIELDS.items():
            ask = getattr(settings, f"ask_{name}")
            if ask == Ask.NO:
                continue
            attrs = {"autocomplete": autocomplete}
            if widget is forms.Textarea:
                attrs["rows"] = 3
            self.fields[name] = forms.CharField(
                label=label,
                max_length=max_length,
                required=ask == Ask.REQUIRED,
                widget=widget(attrs=attrs),
            )
        if settings.max_party_size > 1:
            self.fields["party_size"] = forms.IntegerField(
                label=_("Number of people"),
                min_value=1,
                max_value=settings.max_party_size,
                initial=1,
                help_text=_("You included; at most %(max)s.") % {"max": settings.max_party_size},
            )
        self.questions = list(settings.questions.all())
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = forms.CharField(
                label=question.label,
                help_text=question.help_text,
                required=question.required,
                max_length=ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.order_fields(
            [
                *self.about_fields,
                *self.participation_fields,
                *(f"q_{q.pk}" for q in self.questions),
            ]
        )

    @property
    def is_bot(self):
        return bool(self.data.get(HONEYPOT))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def registration_data(self):
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "email": data["email"],
            "organisation": data.get("organisation", "").strip(),
            "city": data.get("city", "").strip(),
            "role": data.get("role", "").strip(),
            "needs": data.get("needs", "").strip(),
            "party_size": data.get("party_size") or 1,
            "answers": [
                {"id": q.pk, "q": q.label, "a": data.get(f"q_{q.pk}", "").strip()}
                for q in self.questions
            ],
        }

    def groups(self):
        """Fields in fieldsets: (legend, bound fields)."""
        about = [self[name] for name in self.about_fields if name in self.fields]
        participation = [self[name] for name in self.participation_fields if name in self.fields]
        participation += [self[f"q_{q.pk}"] for q in self.questions]
        return [(_("About you"), about), (_("Your participation"), participation)]

    def describe(self):
        """Link help texts and errors to their fields for assistive technology."""
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}-help")
            if self.is_bound and bound.errors:
                ids.append(f"{bound.auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
