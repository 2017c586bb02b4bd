"""Dash assets (CSS, JS), shipped inside the package as ``vger.static``."""
