"""Signals other features subscribe to (the certificates feature issues one on course completion)."""

from blinker import Namespace

_signals = Namespace()

#: Sent with ``member`` and ``completion`` inside the request that completed the course, before commit.
course_completed = _signals.signal("course-completed")
