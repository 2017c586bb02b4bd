"""The quality view: data, figures, page and export side by side."""
