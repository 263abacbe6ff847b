"""cities_cms: Wagtail building blocks for networks of European cities."""

VERSION = (0, 1, 0, "alpha", 0)
__version__ = "0.1.0a0"
