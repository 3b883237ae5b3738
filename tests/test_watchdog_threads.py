"""The deadline watchdog ends the sockets of the call whose deadline passed, and only those.

Real sockets on loopback, real http.client connections (what botocore's connections are), each
call under :func:`pychamber.aws.bounded` as :func:`pychamber.aws.call` runs it. Before the fix
the watchdog shut down every socket noted in the process: one thread's cut ended another
thread's request running under a later deadline (and, every CUT_GRACE after, again)."""

from __future__ import annotations

import http.client
import socket
import threading
import time

from pychamber import aws

#: Generous bounds for a loaded 2-core machine; the trickle lasts far longer.
BOUND = 10.0
TRICKLE_BYTES = 300
TRICKLE = 0.1


class Server:
    """Loopback HTTP/1.1 with keep-alive: ``/slow`` answers after SLOW s, ``/fast`` at once,
    ``/trickle`` sends its body one byte per TRICKLE s."""

    SLOW = 2.0

    def __init__(self) -> None:
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        data = b""
        try:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                path = head.split(b" ")[1]
                if path == b"/slow":
                    time.sleep(self.SLOW)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                elif path == b"/fast":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % TRICKLE_BYTES)
                    for _ in range(TRICKLE_BYTES):
                        conn.sendall(b"x")
                        time.sleep(TRICKLE)
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self.srv.close()


def _get(conn: http.client.HTTPConnection, path: str) -> bytes:
    conn.request("GET", path)
    return conn.getresponse().read()


def _read_trickle(conn: http.client.HTTPConnection, seconds: float) -> tuple[float, BaseException | None]:
    """Read /trickle on ``conn`` under a deadline of ``seconds``: (time taken, error)."""
    start = time.monotonic()
    try:
        with aws.within(aws.Deadline(seconds)), aws.bounded(None):
            _get(conn, "/trickle")
    except (OSError, http.client.HTTPException) as e:
        return time.monotonic() - start, e
    return time.monotonic() - start, None


def test_a_cut_leaves_another_threads_request_alone():
    srv = Server()
    got: dict[str, object] = {}

    def patient() -> None:
        try:
            with aws.within(aws.Deadline(60)), aws.bounded(None):
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
                got["patient"] = _get(conn, "/slow")
        except (OSError, http.client.HTTPException) as e:
            got["patient"] = e

    def hasty() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        got["hasty"] = _read_trickle(conn, 0.3)

    try:
        threads = [threading.Thread(target=patient), threading.Thread(target=hasty)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(BOUND + Server.SLOW)
        elapsed, error = got["hasty"]  # type: ignore[misc]
        assert error is not None and elapsed < BOUND  # the trickle was cut at its deadline
        assert got["patient"] == b"ok"  # before the fix: RemoteDisconnected (shut down too)
    finally:
        srv.close()


def test_a_pooled_connection_made_outside_the_call_is_cut_too():
    """A keep-alive connection made before the call (by an earlier call, or another thread of a
    shared client) is the call's once it sends its request on it."""
    srv = Server()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        assert _get(conn, "/fast") == b"ok"  # connected outside any deadline
        elapsed, error = _read_trickle(conn, 0.3)
        assert error is not None
        assert elapsed < BOUND  # the trickle lasts TRICKLE_BYTES * TRICKLE = 30 s
    finally:
        srv.close()


def test_a_watch_interval_past_what_the_platform_can_time_is_waited_not_a_traceback():
    """``--watch-interval=9999999999h``: before, Event.wait's OverflowError killed the watcher
    thread with a traceback on stderr (and the watch stopped)."""
    from pychamber.watch import Watcher

    failures: list[BaseException] = []
    saved = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)  # type: ignore[assignment]
    try:
        w = Watcher(None, ["svc"], {}, interval=9999999999 * 3600.0, splay=0.0,
                    act=lambda summary: None, log=lambda line: None)
        w.start()
        time.sleep(0.5)
        assert w.is_alive() and failures == []
        w.stop()
        w.join(BOUND)
        assert not w.is_alive() and failures == []
    finally:
        threading.excepthook = saved
