import os

from .base import *

DEBUG = True
SECRET_KEY = "dev-only-not-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

WAGTAILLOCALIZE_MACHINE_TRANSLATOR = machine_translator_setting(
    os.environ.get("DEEPL_AUTH_KEY"), offline_fallback=True
)
