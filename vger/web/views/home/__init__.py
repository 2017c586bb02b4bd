"""The home view: data, figures, page and export side by side."""
