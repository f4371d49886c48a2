"""Real TLS for the loop and stream tests: a certificate authority of their own.

``contexts()`` returns (server_context, client_context): the server presents
a certificate for "localhost" and 127.0.0.1 that the client trusts.
"""

import functools
import socket
import ssl
import threading
import warnings


@functools.lru_cache(maxsize=None)
def contexts():
    with warnings.catch_warnings():
        # cryptography warns that it will drop 3.8; the suite runs with -W error.
        warnings.simplefilter("ignore")
        import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    return server, client


class SilentTLSPeer:
    """A blocking TLS peer in a thread that completes the handshake, then
    neither reads nor closes until told to: it never answers a close_notify.

    As a server: ``SilentTLSPeer(server=True)``, then connect to ``.address``.
    As a client: ``SilentTLSPeer(server=False, address=...)``.
    """

    def __init__(self, server, address=None):
        server_context, client_context = contexts()
        self.release = threading.Event()
        self.handshaken = threading.Event()
        self.error = None
        if server:
            self._listener = socket.create_server(("127.0.0.1", 0))
            self.address = self._listener.getsockname()
            target = self._serve
            self._context = server_context
        else:
            self._listener = None
            self.address = address
            target = self._connect
            self._context = client_context
        self._thread = threading.Thread(target=target, daemon=True)
        self._thread.start()

    def _serve(self):
        try:
            raw, _ = self._listener.accept()
            with self._context.wrap_socket(raw, server_side=True) as conn:
                self._hold(conn)
        except OSError as exc:
            self.error = exc
        finally:
            self._listener.close()

    def _connect(self):
        try:
            raw = socket.create_connection(self.address)
            with self._context.wrap_socket(raw, server_hostname="localhost") as conn:
                self._hold(conn)
        except OSError as exc:
            self.error = exc

    def _hold(self, conn):
        self.handshaken.set()
        self.release.wait(10)
        # Then the socket closes, without a close_notify (only unwrap() sends one).

    def close(self):
        self.release.set()
        self._thread.join(10)
