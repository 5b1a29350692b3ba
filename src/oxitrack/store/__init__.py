"""Everything that speaks SQL. Nothing outside this package writes a query."""

from oxitrack.store.core import Store

__all__ = ["Store"]
