"""Seminar registrations (owned by the registration work)."""
