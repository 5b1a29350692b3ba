"""``Record``: a typed named tuple that does not import ``typing`` when the program runs.

``class Day(Record): date: date; start: int; end: int`` is, to the type checker, exactly a
``typing.NamedTuple`` (fields, defaults, methods and properties are checked as such). At run
time it is the plain ``collections.namedtuple`` that ``typing.NamedTuple`` would have built:
``import typing`` alone costs ~3.5 ms, a tenth of ``oxitrack today``'s 40 ms budget, and nothing
else that command loads needs it.

``TYPE_CHECKING = False`` (rather than ``typing.TYPE_CHECKING``) is the same constant that
type checkers treat as true, for modules that import names only for their annotations.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    # What a class statement puts in its namespace that is not a field or a method.
    _CLASS_MACHINERY = frozenset({"__module__", "__qualname__", "__annotations__", "__doc__"})

    class _RecordMeta(type):
        def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, object]):
            if not bases:  # ``Record`` itself
                return super().__new__(mcs, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[field] for field in fields if field in namespace]
            record = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            record.__qualname__ = namespace["__qualname__"]
            if namespace.get("__doc__"):
                record.__doc__ = namespace["__doc__"]
            for key, value in namespace.items():
                if key not in fields and key not in _CLASS_MACHINERY:
                    setattr(record, key, value)
            return record

    class Record(metaclass=_RecordMeta):
        """Base class of typed named tuples (``typing.NamedTuple`` to the type checker)."""


__all__ = ["TYPE_CHECKING", "Record"]
