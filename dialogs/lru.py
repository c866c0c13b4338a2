"""Bounded memos that forget their least recently used entry (the dialog layer's, the web
chat's)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Lru(Generic[V]):
    """At most `size` entries; a hit makes its entry the most recently used."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._entries[key] = value
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class ByIdentity(Generic[V]):
    """Values by a key plus the identity of the objects they were made from.

    Each entry keeps its objects alive, so an id in a key is never reused by another object
    while the entry exists (and a hit is checked with `is` all the same). Only for objects
    that cannot change: the same object then stands for the same content.
    """

    def __init__(self, size: int) -> None:
        self._entries: Lru[tuple[tuple[object, ...], V]] = Lru(size)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, objects: tuple[object, ...]) -> V | None:
        entry = self._entries.get((key, tuple(map(id, objects))))
        if entry is not None and all(a is b for a, b in zip(entry[0], objects, strict=True)):
            return entry[1]
        return None

    def put(self, key: Hashable, objects: tuple[object, ...], value: V) -> None:
        self._entries.put((key, tuple(map(id, objects))), (objects, value))

    def clear(self) -> None:
        self._entries.clear()
