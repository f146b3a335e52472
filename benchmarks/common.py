"""Helpers the benchmark scripts share: median timings, a free port, waiting for a server."""

from __future__ import annotations

import socket
import statistics
import time


def median_time(fn, repeat: int = 3) -> float:
    """The median of ``repeat`` wall-clock timings of ``fn()``, in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, seconds: float = 120) -> None:
    """Until ``url`` answers with anything but a server error (a starting server refuses connections)."""
    import httpx

    for _ in range(int(seconds * 2)):
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")
