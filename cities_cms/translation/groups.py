"""Translator groups: a Django group whose members translate into one locale only."""

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale
from wagtail.permission_policies import ModelPermissionPolicy


class TranslatorGroup(models.Model):
    group = models.OneToOneField(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="translator_of"
    )
    locale = models.ForeignKey(
        Locale, verbose_name=_("locale"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("translator group")
        verbose_name_plural = _("translator groups")

    def __str__(self):
        return f"{self.group} → {self.locale}"


def translator_locale_ids(user):
    """Ids of the locales the user translates into (cached on the user object)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_cities_cms_translator_locales", None)
    if cached is None:
        cached = set(
            TranslatorGroup.objects.filter(group__user=user).values_list("locale_id", flat=True)
        )
        user._cities_cms_translator_locales = cached
    return cached


class LocalePermissionPolicy(ModelPermissionPolicy):
    """Model permissions as usual, plus: translators may change snippets in their locale."""

    def _model_perm(self, user, actions):
        return any(ModelPermissionPolicy.user_has_permission(self, user, a) for a in actions)

    def _translates(self, user, actions):
        return "change" in actions and bool(translator_locale_ids(user))

    def user_has_permission(self, user, action):
        return self._model_perm(user, [action]) or self._translates(user, [action])

    def user_has_any_permission(self, user, actions):
        return self._model_perm(user, actions) or self._translates(user, actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if self._model_perm(user, [action]):
            return True
        return action == "change" and instance.locale_id in translator_locale_ids(user)

    def instances_user_has_any_permission_for(self, user, actions):
        if self._model_perm(user, actions):
            return self.model._default_manager.all()
        if self._translates(user, actions):
            return self.model._default_manager.filter(locale_id__in=translator_locale_ids(user))
        return self.model._default_manager.none()

    def users_with_any_permission(self, actions):
        users = super().users_with_any_permission(actions)
        if "change" in actions:
            from django.contrib.auth import get_user_model

            translators = get_user_model().objects.filter(
                groups__translator_of__isnull=False, is_active=True
            )
            users = (users | translators).distinct()
        return users
