"""Site-wide pages and behaviour: health check, language switch, media, errors, security headers."""
