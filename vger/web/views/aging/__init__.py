"""The aging work-in-progress view: data, figures, page and export side by side."""
