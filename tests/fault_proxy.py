"""A TCP proxy for fault tests: the app talks to PostgreSQL, Redis or SMTP through it, and the test cuts the
line without touching the real server (other processes keep using it).

    with FaultProxy(("127.0.0.1", 5432)) as proxy:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/shop"
        proxy.cut()          # live connections closed, new ones refused (reset at once)
        proxy.black_hole()   # live connections stall, new ones are accepted and never answered
        proxy.restore()      # forwards again

It listens on a free local port for its whole life, so a restored proxy is found at the same address.
"""

import select
import socket
import threading
from types import TracebackType

FORWARD = "forward"
CUT = "cut"
BLACK_HOLE = "black-hole"


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a refused or dropped connection looks to the client."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    sock.close()


class FaultProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = FORWARD
        self.accepted = 0  # connections accepted since the start, in any mode
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket | None]] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    # --- faults -------------------------------------------------------------------------------------

    def cut(self) -> None:
        """The server is gone: every live connection is reset, every new one reset on arrival."""
        with self._lock:
            self.mode = CUT
        self._drop_all()

    def _drop_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        self._close_pairs(pairs)

    @staticmethod
    def _close_pairs(pairs: list[tuple[socket.socket, socket.socket | None]]) -> None:
        for client, upstream in pairs:
            _reset(client)
            if upstream is not None:
                upstream.close()

    def black_hole(self) -> None:
        """The server stops answering: bytes sent on live connections vanish, new connections are
        accepted (the TCP handshake completes) and never hear a word back."""
        with self._lock:
            self.mode = BLACK_HOLE

    def restore(self) -> None:
        """Forward again. After a black hole every live connection is reset: bytes were lost on them, so
        they could only hang (as a real network's connections do until TCP gives up on them)."""
        with self._lock:
            after_black_hole = self.mode == BLACK_HOLE
            self.mode = FORWARD
            lost = self._pairs if after_black_hole else []
            if after_black_hole:
                self._pairs = []
        self._close_pairs(lost)

    # --- plumbing -----------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            with self._lock:
                mode = self.mode
            if mode == CUT:
                _reset(client)
            elif mode == BLACK_HOLE:
                with self._lock:
                    self._pairs.append((client, None))
            else:
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        pair = (client, upstream)
        with self._lock:
            cut_meanwhile = self.mode == CUT
            if not cut_meanwhile:
                self._pairs.append(pair)
        if cut_meanwhile:
            self._close_pairs([pair])
            return
        ends = {client: upstream, upstream: client}
        try:
            while not self._closed.is_set():
                with self._lock:
                    if pair not in self._pairs:
                        return  # cut
                    mode = self.mode
                readable, _, _ = select.select(list(ends), [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if mode == FORWARD:
                        ends[sock].sendall(data)
                    # a black hole swallows what either side says
        except (OSError, ValueError):  # a socket cut() closed under us
            return
        finally:
            with self._lock:
                if pair in self._pairs:
                    self._pairs.remove(pair)
            client.close()
            upstream.close()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self.cut()
        self._thread.join(timeout=2)

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
