"""A set of update ids that holds a big day in little memory: a sorted int64 array (8 bytes an id)
plus a Python set of the ids added since the last merge.

A Python set of ints costs ~60-70 bytes an id (its table and the int objects): 10 M updates a day
would be ~700 MB of ids alone, the ETL's 1,024 MB nearly gone. Lookups are vectorized over a batch
(numpy.searchsorted), so the array costs no Python object per id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

# The recent set is merged into the array when it holds this many ids, or an eighth of the array if
# that is more: ~40 merges for 10 M ids, each a copy of the array (~30 ms at 10 M), and a recent set
# of at most ~1.25 M ids (~85 MB) at 10 M.
MIN_MERGE = 65_536
MERGE_FRACTION = 8


class UpdateIds:
    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._sorted = np.unique(np.fromiter(ids, dtype=np.int64))
        self.recent: set[int] = set()  # added since the last merge; read it directly in hot loops

    def __len__(self) -> int:
        return len(self._sorted) + len(self.recent)

    def __contains__(self, update_id: int) -> bool:
        return update_id in self.recent or bool(self._in_sorted(np.array([update_id], dtype=np.int64))[0])

    def contains_many(self, update_ids: Sequence[int]) -> np.ndarray:
        """A bool per id: whether the set holds it (the array's part vectorized, then the recent set)."""
        found = self._in_sorted(np.fromiter(update_ids, dtype=np.int64, count=len(update_ids)))
        if self.recent:
            recent = self.recent
            found |= np.fromiter((i in recent for i in update_ids), dtype=bool, count=len(update_ids))
        return found

    def add(self, update_id: int) -> None:
        self.recent.add(update_id)

    def discard(self, update_id: int) -> None:
        """Only ids added since the last merge can be taken back (the ETL does so within a batch)."""
        if update_id in self.recent:
            self.recent.discard(update_id)
        elif update_id in self:
            raise ValueError(f"update id {update_id} was merged: call discard() before merge()")

    def merge_if_large(self) -> None:
        if len(self.recent) >= max(MIN_MERGE, len(self._sorted) // MERGE_FRACTION):
            self.merge()

    def merge(self) -> None:
        if not self.recent:
            return
        added = np.fromiter(self.recent, dtype=np.int64, count=len(self.recent))
        merged = np.concatenate((self._sorted, added))
        merged.sort(kind="stable")  # timsort: the array is one sorted run already
        distinct = np.empty(len(merged), dtype=bool)
        distinct[0] = True
        np.not_equal(merged[1:], merged[:-1], out=distinct[1:])
        self._sorted = merged if distinct.all() else merged[distinct]
        self.recent = set()

    @property
    def array_bytes(self) -> int:
        return int(self._sorted.nbytes)

    def _in_sorted(self, ids: np.ndarray) -> np.ndarray:
        if not len(self._sorted):
            return np.zeros(len(ids), dtype=bool)
        positions = np.searchsorted(self._sorted, ids)
        positions[positions == len(self._sorted)] = 0
        return self._sorted[positions] == ids
