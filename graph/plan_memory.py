"""In-memory copies of the plans a server reads again and again, for the queries of one plan.

On the on-disk Oxigraph store every step of a query is a RocksDB look-up, ~10 times dearer than in
Oxigraph's in-memory store on one plan and dearer still as the store grows: the text of one plan takes
~80 ms from a store of that plan alone, ~0.3 s from a store of 100 plans, ~20 ms from an in-memory copy
of the plan's graphs (the views of one plan are 10-30× faster there; benchmarks/RESULTS.md). Copying a
plan of ~80,000 quads takes ~0.9 s and holds ~55 MB.

So a read-only store (a server's worker; never a store that writes) keeps copies of at most
``capacity`` plans:

- A plan is copied the second time it is read, not the first: a one-off read costs no copy.
- A request copies one plan at most (``new_request``): a page that walks through many plans fills the
  copies over several requests, ~0.9 s more each, and no request nears the time limit.
- When the copies are full, a plan replaces the copy read least often only if it has been read
  ``MARGIN`` times more: a page that walks through more plans than fit keeps the same copies from one
  request to the next instead of copying plans over and over (tests/test_plan_memory.py).
- The counts halve every ``AGEING`` × capacity reads (64 at least), so plans read much a while ago give
  way to those read now.
- A copy that does not fit in memory is given up: that plan is read from disk.

Each worker process of the server counts and copies on its own. The copies are made from the store's
snapshot, which a read-only store never sees change (the server reopens the store, and so drops the
copies, when another process writes: api/jobs.py ``refresh``).
"""

from __future__ import annotations

from collections import OrderedDict


DEFAULT_CAPACITY = 8  # plankg serve's default: ~0.45 GB per REST API worker for plans of the sample's size
AGEING = 16  # the counts halve every AGEING × capacity reads (64 at least)
MARGIN = 2  # reads more than the copy it replaces that a plan needs: counts halved mid-walk differ by one
COPIES_PER_REQUEST = 1


class PlansInMemory:
    def __init__(self, store, capacity: int, ageing: int | None = None):
        self.store = store  # the pyoxigraph Store (read-only) the copies are made from
        self.capacity = capacity
        self.copies: OrderedDict[tuple, object] = OrderedDict()  # graphs -> in-memory Store, least recent first
        self.reads: dict[tuple, int] = {}  # graphs -> times read (halved every AGEING reads)
        self.ageing = ageing or max(64, AGEING * capacity)  # reads between two halvings
        self.until_ageing = self.ageing
        self.allowance = COPIES_PER_REQUEST  # copies left to the request under way
        self.too_large: set[tuple] = set()  # plans whose copy did not fit in memory

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
        if len(self.copies) >= self.capacity:
            victim = min(self.copies, key=lambda g: self.reads.get(g, 0))  # the least recent of the least read
            if self.reads[graphs] < self.reads.get(victim, 0) + MARGIN:
                return None
            del self.copies[victim]
        import pyoxigraph as ox

        copy = ox.Store()  # in memory
        try:
            for g in graphs:
                copy.bulk_extend(self.store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
        except MemoryError:  # best effort: this plan is read from disk from now on
            self.too_large.add(graphs)
            return None
        self.copies[graphs] = copy
        self.allowance -= 1
        return copy

    def _count(self, graphs: tuple) -> None:
        self.until_ageing -= 1
        if not self.until_ageing:
            self.until_ageing = self.ageing
            self.reads = {g: n // 2 for g, n in self.reads.items() if n // 2 or g in self.copies}
        self.reads[graphs] = self.reads.get(graphs, 0) + 1
