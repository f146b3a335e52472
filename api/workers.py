"""Query workers: separate processes, so that a query can be stopped for real, and cannot reach the network.

Neither rdflib nor pyoxigraph can cancel a running query from Python. Each job (parse, check,
evaluate, serialise) therefore runs in a worker process; one that overruns its time limit, or
dies, is killed and replaced before its slot is given to the next request. Workers leave the
network when they start (api/egress.py). The event loop only waits: it reads and writes the workers'
pipes as asyncio streams (no thread hop per query: issue 19), and every blocking call (process starts
and kills, unpickling a large answer) runs in the pool's own threads.

Slots are the idle workers themselves, in an asyncio queue: a request takes one and always gives
one back (the same worker, or a fresh one if it failed), whatever happens: time limit, worker
death, cancellation of the request. An update takes every slot, and gives every one back.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import pickle
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger("plankg.workers")


def _context():
    # Worker processes import the installed plankg, not a folder named plankg in the current directory:
    # the forkserver is a new interpreter (``python -c``) that would put the cwd first on its sys.path
    # (Python 3.11 ignores the parent's path there). PYTHONSAFEPATH keeps the cwd out.
    os.environ["PYTHONSAFEPATH"] = "1"
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["plankg.api.preload", "pyoxigraph", "rdflib"])
    return ctx


_CTX = _context()


class QueryTimeout(Exception):
    pass


class WorkerDied(Exception):
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


def _main(conn, spec: StoreSpec, limits: dict, writer: bool) -> None:
    """A worker process: leave the network, open the store, answer jobs until told to stop."""
    from plankg.api import egress, jobs

    if spec.kind == "endpoint":
        url = urlsplit(spec.location)
        egress.guard_sockets(((url.hostname or "", url.port or (443 if url.scheme == "https" else 80)),))
        mechanism = "socket guard (remote endpoint)"
    else:
        mechanism = egress.drop_network()
    runner = jobs.Runner(spec, limits, writer=writer, egress=mechanism)
    runner.open()  # before the first job: loading a graph file must not count against a query's time
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(runner.run(job))


LARGE_ANSWER = 256 * 1024  # bytes of a pickled answer that are unpickled in a pool thread, not on the loop


class _Worker:
    def __init__(self, spec: StoreSpec, limits: dict, writer: bool = False):
        self.conn, child = _CTX.Pipe()
        self.proc = _CTX.Process(target=_main, args=(child, spec, limits, writer), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False
        self.reader: asyncio.StreamReader | None = None  # the pipe as asyncio streams (ask), made on first use
        self.writer: asyncio.StreamWriter | None = None

    async def ask(self, job, timeout: float, threads) -> tuple:
        """In the event loop: send a job, wait for its answer; ``QueryTimeout`` past ``timeout``,
        ``WorkerDied`` if the process ends. The framing is multiprocessing's, which the worker's
        ``conn.recv`` and ``conn.send`` use: a 4-byte length (or -1 and an 8-byte one), then a pickle."""
        if self.reader is None:
            sock = socket.socket(fileno=os.dup(self.conn.fileno()))  # closed with the streams; conn stays
            self.reader, self.writer = await asyncio.open_connection(sock=sock, limit=LARGE_ANSWER)
        if not self.ready:  # a fresh worker opens its store first, whatever that takes
            try:
                await self._read()
            except (asyncio.IncompleteReadError, ConnectionError):
                raise WorkerDied("the query worker stopped while opening the store") from None
            self.ready = True
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.writer.write(struct.pack("!i", len(data)) + data)
            async with asyncio.timeout(timeout):
                await self.writer.drain()  # a large job waits here for the worker to read it, not the loop
                answer = await self._read()
        except TimeoutError:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped") from None
        except (asyncio.IncompleteReadError, ConnectionError):
            raise WorkerDied("the query worker stopped (killed, or out of memory) while answering") from None
        if len(answer) > LARGE_ANSWER:
            return await asyncio.get_running_loop().run_in_executor(threads, pickle.loads, answer)
        return pickle.loads(answer)

    async def _read(self) -> bytes:
        (size,) = struct.unpack("!i", await self.reader.readexactly(4))
        if size == -1:
            (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return await self.reader.readexactly(size)

    def detach(self) -> None:
        """In the event loop: close the streams (not the pipe), before a thread stops or kills the worker."""
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

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
            self.kill()

    def call(self, job, timeout: float, cancelled: threading.Event):
        """Send a job, wait for its answer: ``QueryTimeout`` past ``timeout``, ``WorkerDied`` if the process ends."""
        if not self.ready:  # a fresh worker opens its store first, whatever that takes
            while not self.conn.poll(0.05):
                if cancelled.is_set():
                    raise asyncio.CancelledError()
                if not self.proc.is_alive():
                    raise WorkerDied("the query worker stopped while opening the store")
            try:
                self.conn.recv()
            except (EOFError, OSError):
                raise WorkerDied("the query worker stopped while opening the store") from None
            self.ready = True
        if not self.proc.is_alive():
            raise WorkerDied("the query worker had stopped")
        try:
            self.conn.send(job)
        except (BrokenPipeError, OSError):
            raise WorkerDied("the query worker had stopped") from None
        deadline = time.monotonic() + timeout
        while not self.conn.poll(0.05):
            if cancelled.is_set():
                raise asyncio.CancelledError()
            if time.monotonic() > deadline:
                raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
            if not self.proc.is_alive():
                raise WorkerDied("the query worker stopped (killed, or out of memory) while answering")
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            raise WorkerDied("the query worker stopped (killed, or out of memory) while answering") from None


class WorkerPool:
    def __init__(self, spec: StoreSpec, size: int, timeout: float, limits: dict, queue_wait: float = 30.0):
        self.spec, self.size, self.timeout, self.limits, self.queue_wait = spec, size, timeout, limits, queue_wait
        self.generation = 0  # counts updates: answers cached for one generation are stale after
        self._threads = ThreadPoolExecutor(max_workers=size + 2, thread_name_prefix="plankg-pool")
        self._idle: asyncio.Queue = asyncio.Queue()
        for _ in range(size):
            self._idle.put_nowait(_Worker(spec, limits))

    def version(self) -> tuple:
        """What an answer cached in this process depends on: this server's updates, and the store's own
        generation stamp (a ``plankg load`` in another process); one stat."""
        from plankg.graph.stores import store_generation

        return self.generation, store_generation(self.spec.location) if self.spec.kind == "oxigraph" else None

    def _give_back(self, loop, worker: _Worker) -> None:
        try:
            loop.call_soon_threadsafe(self._idle.put_nowait, worker)
        except RuntimeError:  # the loop is closed: the server is stopping
            worker.stop()

    def _renew(self, worker: _Worker) -> _Worker:
        """In a pool thread: kill the worker (if it still runs), and start a fresh one."""
        worker.kill()
        return _Worker(self.spec, self.limits)

    def _replace(self, loop, worker: _Worker) -> None:
        """In a pool thread: the worker renewed, and the fresh one put in the queue."""
        self._give_back(loop, self._renew(worker))

    async def _take(self) -> _Worker:
        if not self._idle.empty():
            return self._idle.get_nowait()
        try:
            async with asyncio.timeout(self.queue_wait):  # no task around get(): woken as soon as a slot is put back
                return await self._idle.get()
        except TimeoutError:
            raise Busy(f"all {self.size} query workers stayed busy for {self.queue_wait:g} s") from None

    async def run(self, job, timeout: float | None = None):
        """Run a job in a worker; ``QueryTimeout``, ``WorkerDied`` or ``Busy`` (all answered 503).

        The slot always goes back: the same worker once it has answered, else (time limit, death,
        cancellation of the request) a fresh one, started in a pool thread once the old one is killed."""
        worker = await self._take()
        loop = asyncio.get_running_loop()
        if not worker.proc.is_alive():  # killed while idle: replace it before it is used
            worker.detach()
            fresh = loop.run_in_executor(self._threads, self._renew, worker)
            try:
                worker = await asyncio.shield(fresh)
            except asyncio.CancelledError:  # the fresh worker still takes the slot
                fresh.add_done_callback(lambda f: f.cancelled() or f.exception() or self._idle.put_nowait(f.result()))
                raise
        try:
            answer = await worker.ask(job, timeout or self.timeout, self._threads)
        except BaseException:
            worker.detach()
            loop.run_in_executor(self._threads, self._replace, loop, worker)
            raise
        self._idle.put_nowait(worker)
        await asyncio.sleep(0)  # a request waiting for the slot sends its job now; this answer is written after
        return answer

    async def exclusive(self, job, timeout: float | None = None, others: tuple = ()):
        """Run ``job`` in a writer process while no reader (of this pool or ``others``) holds the store,
        then start fresh readers. Workers hold the store open read-only; a write needs it to itself."""
        loop = asyncio.get_running_loop()
        pools = (self, *others)
        taken: list[tuple[WorkerPool, _Worker]] = []
        try:
            deadline = loop.time() + self.queue_wait
            for pool in pools:
                for _ in range(pool.size):
                    left = deadline - loop.time()
                    try:
                        if left <= 0:
                            raise asyncio.TimeoutError
                        worker = await asyncio.wait_for(pool._idle.get(), timeout=left)
                        worker.detach()  # the writer's thread stops it
                        taken.append((pool, worker))
                    except asyncio.TimeoutError:
                        raise Busy(f"queries kept the store busy for {self.queue_wait:g} s; "
                                   "the update was not applied") from None
        except BaseException:
            for pool, w in taken:  # every slot taken is given back, on every path
                pool._idle.put_nowait(w)
            raise
        return await asyncio.shield(loop.run_in_executor(self._threads, self._write, loop, taken, job,
                                                         timeout or self.timeout))

    def _write(self, loop, taken: list, job, timeout: float):
        try:
            for _, w in taken:
                w.stop()
            writer = _Worker(self.spec, self.limits, writer=True)
            try:
                return writer.call(job, timeout, threading.Event())
            finally:
                writer.stop()
        finally:
            for pool, _ in taken:
                pool.generation += 1
                pool._give_back(loop, _Worker(pool.spec, pool.limits))

    def close(self) -> None:
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            worker.detach()
            worker.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)
