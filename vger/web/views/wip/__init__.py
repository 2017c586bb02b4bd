"""The WIP and net-flow view: data, figures, page and export side by side."""
