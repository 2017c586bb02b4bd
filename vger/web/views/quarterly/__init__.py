"""The quarterly view: data, figures, page and export side by side."""
