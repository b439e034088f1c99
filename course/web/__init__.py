"""The web layer: templates and their filters, error pages, headers, the loaded course, sorting."""
