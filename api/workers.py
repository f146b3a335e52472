"""Query workers: separate processes, so that a query can be stopped for real.

Neither rdflib nor pyoxigraph can cancel a running query from Python. Each query therefore
runs in a worker process; one that overruns its time limit is killed and replaced. A
semaphore bounds the queries under way; waiting is done off the event loop.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass

_CTX = mp.get_context("forkserver")
_CTX.set_forkserver_preload(["plankg.graph.stores", "pyoxigraph", "rdflib"])


class QueryTimeout(Exception):
    pass


class Busy(Exception):
    pass


@dataclass
class StoreSpec:
    """How a worker opens the store: an Oxigraph folder (read-only), a graph file, or an endpoint."""

    kind: str  # oxigraph, file, endpoint
    location: str
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0


def _open(spec: StoreSpec):
    from plankg.graph.stores import OxigraphStore, RdflibStore, RemoteStore

    if spec.kind == "oxigraph":
        return OxigraphStore(spec.location, read_only=True)
    if spec.kind == "file":
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM <url> from the network
        return RdflibStore(path=spec.location)
    return RemoteStore(spec.location, user=spec.user, password=spec.password, timeout=spec.timeout)


def _worker(conn, spec: StoreSpec, max_rows: int) -> None:
    from plankg.graph.stores import StoreError

    store = _open(spec)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        kind, sparql = job
        try:
            if kind == "construct":
                conn.send(("ok", store.construct(sparql).serialize(format="nt", encoding="utf-8"), False))
                continue
            res = store.query(sparql)
            truncated = False
            rows = res.get("results", {}).get("bindings")
            if rows is not None and len(rows) > max_rows:
                res["results"]["bindings"] = rows[:max_rows]
                truncated = True
            conn.send(("ok", res, truncated))
        except StoreError as exc:
            conn.send(("error", str(exc), False))
        except Exception as exc:  # a bug or an engine error: report it, keep the worker alive
            conn.send(("error", f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}", False))


class _Worker:
    def __init__(self, spec: StoreSpec, max_rows: int):
        self.conn, child = _CTX.Pipe()
        self.proc = _CTX.Process(target=_worker, args=(child, spec, max_rows), daemon=True)
        self.proc.start()
        child.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()


class WorkerPool:
    def __init__(self, spec: StoreSpec, size: int, timeout: float, max_rows: int, queue_wait: float = 30.0):
        self.spec, self.size, self.timeout, self.max_rows, self.queue_wait = spec, size, timeout, max_rows, queue_wait
        self._idle: list[_Worker] = [_Worker(spec, max_rows) for _ in range(size)]
        self._lock = threading.Lock()
        self._sem = asyncio.Semaphore(size)

    async def run(self, kind: str, sparql: str):
        """Run a query in a worker; ``QueryTimeout`` if it overran (the worker is killed)."""
        try:
            await asyncio.wait_for(self._sem.acquire(), timeout=self.queue_wait)
        except asyncio.TimeoutError:
            raise Busy(f"all {self.size} query workers stayed busy for {self.queue_wait:.0f} s") from None
        try:
            with self._lock:
                worker = self._idle.pop()
            try:
                result = await asyncio.get_running_loop().run_in_executor(None, self._call, worker, kind, sparql)
            except BaseException:
                worker.kill()
                worker = _Worker(self.spec, self.max_rows)
                raise
            finally:
                with self._lock:
                    self._idle.append(worker)
            return result
        finally:
            self._sem.release()

    def _call(self, worker: _Worker, kind: str, sparql: str):
        worker.conn.send((kind, sparql))
        deadline = time.monotonic() + self.timeout
        while not worker.conn.poll(0.05):
            if time.monotonic() > deadline or not worker.proc.is_alive():
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped")
        return worker.conn.recv()

    def close(self) -> None:
        with self._lock:
            for w in self._idle:
                w.stop()
            self._idle.clear()

    async def exclusive(self, fn):
        """Run ``fn`` (in a thread) with every worker stopped, then start fresh ones.

        Workers hold the store open read-only; a write needs it to themselves.
        """
        for _ in range(self.size):
            await asyncio.wait_for(self._sem.acquire(), timeout=self.queue_wait)
        try:
            self.close()
            return await asyncio.get_running_loop().run_in_executor(None, fn)
        finally:
            with self._lock:
                self._idle = [_Worker(self.spec, self.max_rows) for _ in range(self.size)]
            for _ in range(self.size):
                self._sem.release()
