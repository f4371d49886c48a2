"""3.11's ssl_shutdown_timeout, on the TLS layer of 3.8-3.10 (asyncio.sslproto).

3.11 rewrote the TLS layer; the old one closes a connection by sending its
close_notify and waiting for the peer's, for as long as the peer keeps the
connection open without answering.  Here a closing TLS connection gets a
timer, as in 3.11: when the shutdown has not completed after
ssl_shutdown_timeout seconds (30 unless the connection was made with another
value), the connection is aborted and the protocol's connection_lost()
receives TimeoutError("SSL shutdown timed out").
"""

from asyncio import sslproto

from taskgroup_patch.backport import interpreters

# 3.11's default (asyncio.constants.SSL_SHUTDOWN_TIMEOUT).
SSL_SHUTDOWN_TIMEOUT = 30.0

_start_shutdown = interpreters(sslproto.SSLProtocol, "_start_shutdown")
_connection_lost = interpreters(sslproto.SSLProtocol, "connection_lost")


def check_shutdown_timeout(ssl, ssl_shutdown_timeout):
    """Raise ValueError where 3.11 rejects an ssl_shutdown_timeout argument."""
    if ssl_shutdown_timeout is None:
        return
    if not ssl:
        raise ValueError("ssl_shutdown_timeout is only meaningful with ssl")
    if ssl_shutdown_timeout <= 0:
        raise ValueError(
            f"ssl_shutdown_timeout should be a positive number, got {ssl_shutdown_timeout}")


def set_shutdown_timeout(transport, ssl_shutdown_timeout):
    """Give a TLS transport of the old layer its ssl_shutdown_timeout."""
    if ssl_shutdown_timeout is not None:
        transport._ssl_protocol._ssl_shutdown_timeout = ssl_shutdown_timeout


class SSLProtocol:

    def _start_shutdown(self):
        # Timed as 3.11 does: from close() (the buffered data is flushed
        # first) until the peer's close_notify arrives.  A handshake in
        # progress is aborted at once instead, and a connection already lost
        # has nothing to wait for.
        if not (self._in_shutdown or self._in_handshake or self._transport is None
                or self._loop.is_closed()):
            timeout = getattr(self, "_ssl_shutdown_timeout", None) or SSL_SHUTDOWN_TIMEOUT
            self._shutdown_timeout_handle = self._loop.call_later(
                timeout, _abort_shutdown, self)
        _start_shutdown(self)

    def connection_lost(self, exc):
        # The timer goes with the connection (not when the shutdown completes:
        # then it finds no TLS pipe, and does nothing).
        _cancel_shutdown_timeout(self)
        _connection_lost(self, exc)


class _SSLProtocolTransport:

    def get_write_buffer_limits(self):
        """Return the (low, high) water limits of the underlying transport."""
        return self._ssl_protocol._transport.get_write_buffer_limits()


def _abort_shutdown(protocol):
    protocol._shutdown_timeout_handle = None
    # Unless the shutdown completed (or the connection was aborted), which
    # drops the TLS pipe, and the socket is closing on its own.
    if protocol._sslpipe is not None and protocol._transport is not None:
        protocol._transport._force_close(TimeoutError("SSL shutdown timed out"))


def _cancel_shutdown_timeout(protocol):
    handle = getattr(protocol, "_shutdown_timeout_handle", None)
    if handle is not None:
        handle.cancel()
        protocol._shutdown_timeout_handle = None
