"""Jinja templates, shipped inside the package as ``vger.templates``."""
