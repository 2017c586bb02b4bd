"""Dash pages. Each module has ``layout(**query)`` and ``register(app)`` for its callbacks."""
