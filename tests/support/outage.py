"""A TCP relay in front of a real service that can be switched into an outage.

Down, it still accepts connections but never answers: the worst kind of outage (a
black-holed endpoint), where only a client's own timeouts end the wait. Up, it relays
bytes both ways to the service behind it.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class SwitchableRelay:
    """Listens on a free loopback port and relays to `127.0.0.1:target` while up."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.up = True
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> SwitchableRelay:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop listening and drop every connection."""
        self._stopped.set()
        self._server.close()
        for held in self._held:
            held.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self.up:
                self._held.append(client)  # silence: the caller waits for its timeout
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
