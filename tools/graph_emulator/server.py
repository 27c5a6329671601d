"""The HTTP(S) server and `GraphEmulator`, the in-process handle on it.

One port serves both: the first byte of each connection tells a TLS handshake (0x16)
from plain HTTP, so `https://127.0.0.1:7072` is what clients use and
`http://127.0.0.1:7072` still answers a human's curl. HTTP/1.1 with keep-alive.

    emulator = GraphEmulator(port=0, state_dir=tmp)   # 0: any free port
    base = emulator.start()                           # https://127.0.0.1:<port>
    ...
    emulator.stop()
"""

from __future__ import annotations

import logging
import secrets
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from .certs import CertificatePaths, ensure_certificates
from .control import ControlApi
from .graph import GraphApi
from .identity import IdentityApi
from .protocol import Headers, Request, Response, json_response
from .state import EmulatorState, Fault
from .tokens import TokenService

log = logging.getLogger("graph_emulator")

LOOPBACK = "127.0.0.1"
MAX_BODY = 4 * 1024 * 1024
KEEP_ALIVE_SECONDS = 120
SAVE_EVERY_SECONDS = 0.5


class Dispatcher:
    """Routes a request to the control API, Graph or the identity platform."""

    def __init__(self, state: EmulatorState, tokens: TokenService) -> None:
        self.control = ControlApi(state, tokens)
        self.graph = GraphApi(state, tokens)
        self.identity = IdentityApi(state, tokens)

    def handle(self, req: Request) -> Response:
        segs = req.segments()
        head = segs[0].lower() if segs else ""
        if head == "_emulator":
            return self.control.handle(req)
        if head == "v1.0":
            return self.graph.handle(req)
        answer = self.identity.handle(req, segs)
        if answer is not None:
            return answer
        payload = {"error": {"code": "NotFound", "message": f"Nothing at {req.method} {req.path}"}}
        return json_response(404, payload, {"Content-Type": "application/json"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "graph-emulator"
    sys_version = ""
    timeout = KEEP_ALIVE_SECONDS
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._send(Response(411, {"Content-Type": "text/plain"}, b"Content-Length required"))
            return
        size = int(length) if length and length.isdigit() else 0
        if size > MAX_BODY:
            self._send(Response(413, {"Content-Type": "text/plain"}, b"request body too large"))
            self.close_connection = True
            return
        body = self.rfile.read(size) if size else b""
        scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
        host = self.headers.get("Host") or f"{LOOPBACK}:{self.server.server_address[1]}"
        headers = Headers(dict(self.headers.items()))
        req = Request.from_target(self.command, self.path, headers, body, f"{scheme}://{host}")
        try:
            response = self.server.dispatcher.handle(req)
        except Exception:  # an emulator bug must not look like a Graph answer
            log.exception("error handling %s %s", self.command, self.path)
            response = Response(500, {"Content-Type": "text/plain"}, b"graph emulator error")
        log.info("%s %s -> %d", self.command, self.path, response.status)
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], dispatcher: Dispatcher, tls: ssl.SSLContext
    ) -> None:
        self.dispatcher = dispatcher
        self.tls = tls
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        sock: socket.socket = request
        with self.connections_lock:
            self.connections.add(sock)
        try:
            sock.settimeout(KEEP_ALIVE_SECONDS)
            # Headers and body go out as two writes: without this, delayed ACKs cost 40 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            first = sock.recv(1, socket.MSG_PEEK)
            if not first:
                return
            if first[0] == 0x16:  # a TLS handshake record
                sock = self.tls.wrap_socket(sock, server_side=True)
                with self.connections_lock:
                    self.connections.discard(request)
                    self.connections.add(sock)
            _Handler(sock, client_address, self)
        except (OSError, ssl.SSLError) as exc:
            log.debug("connection from %s ended: %s", client_address, exc)
        finally:
            with self.connections_lock:
                self.connections.discard(request)
                self.connections.discard(sock)
            if sock is not request:
                sock.close()

    def drop_connections(self) -> None:
        with self.connections_lock:
            for sock in list(self.connections):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _signing_key(folder: Path) -> bytes:
    path = folder / "token-signing.key"
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) >= 32:
            return key
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    path.write_text(key.hex(), encoding="ascii")
    path.chmod(0o600)
    return key


class GraphEmulator:
    """A running emulator: `start()` returns its base URL, `stop()` ends it.

    `state_dir` holds the certificates, the token signing key and state.json (the
    directory as last changed). A saved state is loaded at start unless `fresh`;
    otherwise the directory is `seed` ("demo" or "none").
    """

    def __init__(
        self,
        port: int = 7072,
        state_dir: str | Path = ".local/graph-emulator",
        *,
        seed: str = "demo",
        fresh: bool = False,
        persist: bool = True,
        host: str = LOOPBACK,
        default_tenant: str = "contoso",
    ) -> None:
        self.requested_port = port
        self.state_dir = Path(state_dir)
        self.seed = seed
        self.fresh = fresh
        self.persist = persist
        self.host = host
        self.state = EmulatorState(seed, default_tenant)
        self.certificates: CertificatePaths | None = None
        self.tokens: TokenService | None = None
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._saved_version = -1

    # Lifecycle

    def start(self) -> str:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.certificates = ensure_certificates(self.state_dir)
        self.tokens = TokenService(_signing_key(self.state_dir))
        if self.persist and not self.fresh and self.state.load(self.state_file):
            log.info("loaded %s", self.state_file)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.certificates.server_cert, self.certificates.server_key)
        self._server = _Server(
            (self.host, self.requested_port), Dispatcher(self.state, self.tokens), tls
        )
        serve = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="graph-emulator", daemon=True
        )
        self._threads = [serve]
        if self.persist:
            self._threads.append(
                threading.Thread(target=self._save_loop, name="graph-emulator-save", daemon=True)
            )
        for thread in self._threads:
            thread.start()
        log.info("graph emulator listening on %s (state in %s)", self.base_url, self.state_dir)
        return self.base_url

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.drop_connections()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        if self.persist:
            self.save()
        self._server = None

    def __enter__(self) -> GraphEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _save_loop(self) -> None:
        while not self._stopping.wait(SAVE_EVERY_SECONDS):
            self.save()

    def save(self) -> None:
        """Write state.json if the directory changed since the last save."""
        with self.state.lock:
            if self.state.version == self._saved_version:
                return
            version = self.state.version
            self.state.save(self.state_file)
        self._saved_version = version

    # Where it is

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def ca_cert(self) -> Path:
        return self.state_dir / "ca.pem"

    @property
    def ca_bundle(self) -> Path:
        return self.state_dir / "ca-bundle.pem"

    # Direct control (the same as the /_emulator API)

    def reset(self, seed: str | None = None) -> None:
        self.state.reset(seed or self.seed)

    def put_tenant(self, doc: dict[str, Any], key: str | None = None) -> None:
        self.state.put_tenant(doc, key)

    def tenant_doc(self, tenant: str) -> dict[str, Any]:
        with self.state.lock:
            found = self.state.find_tenant(tenant)
            if found is None:
                raise KeyError(tenant)
            return found.to_doc()

    def user_licenses(self, tenant: str, user: str) -> dict[str, Any]:
        """assignedLicenses and licenseAssignmentStates of a user (by id or UPN)."""
        from .licensing import assigned_licenses

        with self.state.lock:
            found = self.state.find_tenant(tenant)
            person = found.find_user(user) if found else None
            if person is None:
                raise KeyError(f"{tenant}/{user}")
            return {
                "assignedLicenses": assigned_licenses(person),
                "licenseAssignmentStates": [a.state_doc() for a in person.assignments],
            }

    def add_fault(
        self,
        kind: str,
        count: int | None = 1,
        retry_after: int = 1,
        *,
        tenant: str | None = None,
        target: str = "graph",
    ) -> Fault:
        return self.state.add_fault(kind, count, retry_after, tenant, target)

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    def stats(self) -> dict[str, Any]:
        return self.state.stats_doc()

    def reset_stats(self) -> None:
        with self.state.lock:
            self.state.stats.clear()

    def token(self, tenant: str = "contoso", roles: list[str] | None = None) -> str:
        """A Graph access token for `tenant` (every role unless `roles`), as /_emulator/token."""
        from .state import ALL_ROLES

        if self.tokens is None:
            raise RuntimeError("start the emulator first")
        with self.state.lock:
            found = self.state.find_tenant(tenant)
            if found is None:
                raise KeyError(tenant)
            key = found.key
        return self.tokens.mint(
            key, "emulator-admin", list(roles or ALL_ROLES), "Graph emulator", "1"
        )
