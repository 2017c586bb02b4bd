"""Vger: a lean-metrics dashboard for software teams."""

__version__ = "0.1.0"
