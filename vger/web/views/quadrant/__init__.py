"""The quadrant view: data, figures, page and export side by side."""
