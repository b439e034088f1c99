"""What the loader says about a bad content file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContentError:
    """One problem in one file: where it is and why it is wrong."""

    path: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else self.path
        return f"{where}: {self.reason}"


class InvalidContentError(Exception):
    """The content could not be loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        count = len(errors)
        lines = "\n".join(f"  {error}" for error in errors)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the course content:\n{lines}")
