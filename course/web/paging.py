"""Long lists shown a page at a time: which page is asked for, and the links to the others."""

from __future__ import annotations

from dataclasses import dataclass

from course.web.inputs import parse_id

#: Rows per page of the roster and the dashboard's table.
PER_PAGE = 50
#: The longest search text a list takes (more is cut off, not refused).
MAX_SEARCH = 100


def parse_page(value: object) -> int:
    """The page number asked for in the query string; anything that is not a page number is page 1."""
    return parse_id(value) or 1


def clean_search(value: object) -> str:
    """The text to search for: trimmed, bounded, without control characters (else empty)."""
    if not isinstance(value, str):
        return ""
    # Whitespace (a tab pasted with a name) separates words; other unprintable characters go.
    words = ("".join(char for char in word if char.isprintable()) for word in value.split())
    return " ".join(word for word in words if word)[:MAX_SEARCH]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list of ``total`` rows; ``number`` is kept within the pages there are."""

    number: int
    total: int
    per_page: int = PER_PAGE

    @classmethod
    def of(cls, asked: int, total: int, per_page: int = PER_PAGE) -> Page:
        pages = max(1, -(-total // per_page))
        return cls(min(max(asked, 1), pages), total, per_page)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def first(self) -> int:
        """The position of the page's first row, counted from 1 (0 on an empty list)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.per_page, self.total)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def slice(self, rows: list) -> list:
        return rows[self.offset : self.offset + self.per_page]
