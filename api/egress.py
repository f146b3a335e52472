"""No egress from the processes that evaluate queries.

The parsed check (api/sparql.py) refuses SERVICE and LOAD; this is the second wall, for a
parser gap we do not know of. Oxigraph's SERVICE client is Rust code that a Python socket
patch cannot see, so a worker first moves itself into a new, empty network namespace
(``unshare(CLONE_NEWNET)``): no interface but a loopback that is down, so no connection to
anywhere can be opened, by any code in the process. That needs CAP_SYS_ADMIN, or an
unprivileged user namespace; where neither is allowed the worker keeps the parsed check
and a Python socket guard, and says so in the log.

Workers over a remote endpoint need the network to reach it: they get the socket guard only,
allowing that one host and port.
"""

from __future__ import annotations

import ctypes
import logging
import os
import socket

log = logging.getLogger("plankg.egress")

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def _unshare(flags: int) -> bool:
    if hasattr(os, "unshare"):  # Python 3.12+
        try:
            os.unshare(flags)
            return True
        except OSError:
            return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(flags) == 0


def drop_network() -> str:
    """Leave every network but an unusable loopback; the mechanism used, for the log and the tests."""
    if _unshare(CLONE_NEWNET):
        return "network namespace"
    uid, gid = os.getuid(), os.getgid()
    if _unshare(CLONE_NEWUSER | CLONE_NEWNET):
        # Map our own ids so that files keep their owner inside the user namespace.
        try:
            with open("/proc/self/setgroups", "w") as fh:
                fh.write("deny")
            with open("/proc/self/uid_map", "w") as fh:
                fh.write(f"{uid} {uid} 1")
            with open("/proc/self/gid_map", "w") as fh:
                fh.write(f"{gid} {gid} 1")
        except OSError:
            pass
        return "user and network namespace"
    guard_sockets(allowed=())
    log.warning("query workers cannot leave the network (no CAP_SYS_ADMIN, no user namespaces): "
                "SERVICE and LOAD are refused after parsing and Python sockets are guarded, but the "
                "embedded engine's own HTTP client is not walled off")
    return "socket guard"


def guard_sockets(allowed: tuple[tuple[str, int], ...]) -> None:
    """Refuse every outbound connection from Python code except to ``allowed`` (host, port) pairs."""
    permitted = set()
    for host, port in allowed:
        for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            permitted.add((info[4][0], port))
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def check(sock, address):
        if sock.family == getattr(socket, "AF_UNIX", None):
            return  # the pipe to the server process
        host, port = address[0], address[1]
        if (host, port) not in permitted:
            raise PermissionError(f"outbound connection to {host}:{port} refused: query workers have no network")

    def connect(sock, address):
        check(sock, address)
        return original_connect(sock, address)

    def connect_ex(sock, address):
        check(sock, address)
        return original_connect_ex(sock, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
