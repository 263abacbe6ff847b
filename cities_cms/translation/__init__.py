"""Translation workflow on top of wagtail-localize: status, machine drafts, exchange."""
