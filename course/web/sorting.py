"""Tables sorted by one column at a time: the links and ARIA state of their column headers."""

from __future__ import annotations

from typing import Any


class ColumnSorting:
    """For a frozen dataclass with ``sort`` (a column key), ``is_descending`` and ``args(**changes)`` giving
    the query string of a link to the same view with ``changes`` applied."""

    __slots__ = ()
    sort: str
    is_descending: bool

    def args(self, **changes: Any) -> dict[str, str]:
        raise NotImplementedError

    def sort_args(self, key: str) -> dict[str, str]:
        """The link of a column header: sort by it, or turn the order round when it is sorted by it."""
        return self.args(sort=key, is_descending=not self.is_descending if self.sort == key else False)

    def aria_sort(self, key: str) -> str | None:
        if self.sort != key:
            return None
        return "descending" if self.is_descending else "ascending"
