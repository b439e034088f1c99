"""Public pages: the home page, the language switch, the health check and the media files."""
