"""The flow-efficiency view: data, figures, page and export side by side."""
