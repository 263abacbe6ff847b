"""Placeholder; see the module docstrings."""
