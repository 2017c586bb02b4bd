"""The scatter view: data, figures, page and export side by side."""
