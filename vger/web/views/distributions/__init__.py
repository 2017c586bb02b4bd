"""The distributions view (lead-time and weekly-throughput histograms): data, figures, page and export."""
