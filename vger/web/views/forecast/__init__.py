"""The forecast view: data, figures, page and export side by side."""
