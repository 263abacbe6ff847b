"""System checks of the federation app: the key file exists and only its owner can read it."""

import os
import stat
from pathlib import Path

from django.core.checks import Tags, Warning, register
from django.utils.translation import gettext_lazy as _

from ..conf import settings


@register(Tags.security)
def check_key_file(app_configs=None, **kwargs):
    path = settings.CITIES_CMS_FEDERATION_KEY_FILE
    if not path:
        return [
            Warning(
                _("CITIES_CMS_FEDERATION_KEY_FILE is not set: this site cannot federate."),
                hint=_("Set it to a path outside the web root, then run cities_cms_setup."),
                id="cities_cms_federation.W001",
            )
        ]
    path = Path(path)
    if not path.exists():
        return [
            Warning(
                _("The federation key file %(path)s does not exist.") % {"path": path},
                hint=_("Run manage.py cities_cms_setup to create it."),
                id="cities_cms_federation.W002",
            )
        ]
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return [
            Warning(
                _("The federation key file %(path)s can be read by other users (mode %(mode)s).")
                % {"path": path, "mode": oct(mode)},
                hint=_("Run: chmod 600 %(path)s") % {"path": path},
                id="cities_cms_federation.W003",
            )
        ]
    return []
