"""Small TCP servers on 127.0.0.1 that stand in for a database server at the wire."""

from __future__ import annotations

import socket
import threading


class TcpServer:
    """Listens on a free port and hands each connection to `handle` (in the accepting thread)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self.sock.accept()[0]
            except TimeoutError:
                continue
            self.accepted.append(conn)
            self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        """Say nothing: the client waits for an answer that never comes."""

    def close(self) -> None:
        """Stop listening and hang up on every client."""
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
        for conn in self.accepted:
            conn.close()
