"""The pull-request stages view (``/pr-stages``)."""
