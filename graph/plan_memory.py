"""In-memory copies of the plans a server reads again and again, for the queries of one plan.

On the on-disk Oxigraph store every step of a query is a RocksDB look-up, ~10 times dearer than in
Oxigraph's in-memory store on one plan and dearer still as the store grows: the text of one plan takes
~80 ms from a store of that plan alone, ~0.3 s from a store of 100 plans, ~20 ms from an in-memory copy
of the plan's graphs (the views of one plan are 10-30× faster there; benchmarks/RESULTS.md). Copying a
plan of ~80,000 quads takes ~0.9 s and holds ~35 MB (the first copy ~100 MB: it fills the store's read
caches too).

So a read-only store (a server's worker; never a store that writes) keeps copies of at most ``capacity``
plans, holding at most ``capacity`` × ``QUADS_PER_PLAN`` quads together (~45 MB per 100,000): the memory
they hold is bounded whatever the plans' sizes.

- A plan is copied the second time it is read, not the first: a one-off read costs no copy.
- A request copies one plan at most (``new_request``): a page that walks through many plans fills the
  copies over several requests, ~0.9 s more each, and no request nears the time limit.
- When the copies are full (by count or by quads), a plan replaces the copies read least often only if
  it has been read at least ``MARGIN`` more times than each: a page that walks through more plans than
  fit keeps the same copies from one request to the next instead of copying plans over and over
  (tests/test_plan_memory.py).
- The counts halve every ``AGEING`` × capacity reads (64 at least), so plans read much a while ago give
  way to those read now.
- A plan's size is known once it has been copied. The room is made before a copy, and the copy stops
  one quad past it: the copies never hold more than the budget, even while one is made, and a plan too
  large for the room costs no more than the room to find out. Its size is then known to be at least
  that: it is tried again once the copies that would make room for it may go; a plan larger than the
  whole budget is read from disk from then on. pyoxigraph's own allocations do not raise MemoryError:
  the budget, not a caught error, is what bounds a worker's memory.

Each worker process of the server counts and copies on its own. The copies are made from the store's
snapshot, which a read-only store never sees change (the server reopens the store, and so drops the
copies, when another process writes: api/jobs.py ``refresh``).
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import chain, islice


DEFAULT_CAPACITY = 8  # plankg serve's default: ~0.35-0.45 GB per REST API worker
QUADS_PER_PLAN = 100_000  # quads a plan may hold on average (the sample and the vocabulary: 81,037; ~430 bytes each in a copy)
AGEING = 16  # the counts halve every AGEING × capacity reads (64 at least)
MARGIN = 2  # reads more than the copy it replaces that a plan needs: counts halved mid-walk differ by one
COPIES_PER_REQUEST = 1


class PlansInMemory:
    def __init__(self, store, capacity: int, ageing: int | None = None, max_quads: int | None = None):
        self.store = store  # the pyoxigraph Store (read-only) the copies are made from
        self.capacity = capacity
        self.max_quads = capacity * QUADS_PER_PLAN if max_quads is None else max_quads
        self.copies: OrderedDict[tuple, object] = OrderedDict()  # graphs -> in-memory Store, least recent first
        self.sizes: dict[tuple, int] = {}  # graphs -> quads, once copied (kept after the copy goes)
        self.reads: dict[tuple, int] = {}  # graphs -> times read (halved every AGEING reads)
        self.ageing = ageing or max(64, AGEING * capacity)  # reads between two halvings
        self.until_ageing = self.ageing
        self.allowance = COPIES_PER_REQUEST  # copies left to the request under way
        self.too_large: set[tuple] = set()  # plans whose copy did not fit in the budget or in memory
        self.copied = 0  # quads copied, kept or not: what the copies cost

    def new_request(self) -> None:
        self.allowance = COPIES_PER_REQUEST

    def store_for(self, graphs: tuple[str, ...]):
        """The in-memory copy of these graphs (a plan's graphs and the vocabulary) if one is kept or made
        now; None: read them from disk."""
        if self.capacity <= 0:
            return None
        self._count(graphs)
        copy = self.copies.get(graphs)
        if copy is not None:
            self.copies.move_to_end(graphs)
            return copy
        if self.reads[graphs] < 2 or self.allowance <= 0 or graphs in self.too_large:
            return None
        drop = self._to_drop(graphs, self.sizes.get(graphs, 0))
        if drop is None:
            return None
        for victim in drop:  # room first: the copies never hold more than the budget, even while copying
            del self.copies[victim]
        room = self.max_quads - self._held()
        import pyoxigraph as ox

        copy = ox.Store()  # in memory
        self.allowance -= 1
        try:  # no more than the room and one quad: a plan larger than the room costs no more than it
            copy.bulk_extend(islice(chain.from_iterable(
                self.store.quads_for_pattern(None, None, None, ox.NamedNode(g)) for g in graphs), room + 1))
        except MemoryError:  # should Python's side run out; pyoxigraph's own allocations end the process
            self.too_large.add(graphs)
            return None
        size = self.sizes[graphs] = len(copy)  # exact, or (cut off) a bound from below
        self.copied += size
        if size > room:
            if not self.copies:  # larger than the whole budget
                self.too_large.add(graphs)
            return None
        self.copies[graphs] = copy
        return copy

    def _to_drop(self, graphs: tuple, size: int) -> list[tuple] | None:
        """The copies to drop so that a copy of ``size`` quads fits both the count and the quads, the least
        read first (of those, the least recent); None if one of them has not been read at least ``MARGIN``
        times fewer than ``graphs``: then it stays on disk."""
        held, kept = self._held(), len(self.copies)
        drop = []
        for victim in sorted(self.copies, key=lambda g: self.reads.get(g, 0)):  # stable: least recent first
            if kept < self.capacity and held + size <= self.max_quads:
                break
            if self.reads[graphs] < self.reads.get(victim, 0) + MARGIN:
                return None
            drop.append(victim)
            kept, held = kept - 1, held - self.sizes[victim]
        return drop  # all dropped: it fits, as a plan larger than the budget is never tried again

    def _held(self) -> int:
        return sum(self.sizes[g] for g in self.copies)  # quads the copies hold

    def _count(self, graphs: tuple) -> None:
        self.until_ageing -= 1
        if not self.until_ageing:
            self.until_ageing = self.ageing
            self.reads = {g: n // 2 for g, n in self.reads.items() if n // 2 or g in self.copies}
        self.reads[graphs] = self.reads.get(graphs, 0) + 1
