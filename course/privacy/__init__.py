"""Personal data: access requests, erasure, retention and the public privacy page."""
