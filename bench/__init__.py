"""Benchmarks of Gridsight: ``make bench`` runs ``python -m bench``."""
