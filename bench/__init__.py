"""Benchmarks of cities_cms: ``make bench`` (``python -m bench``)."""
