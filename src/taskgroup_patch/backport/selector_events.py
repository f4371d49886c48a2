"""What 3.11-3.13 added to asyncio.selector_events' event loop.

``sock_sendto()``, ``sock_recvfrom()`` and ``sock_recvfrom_into()`` (3.11),
and the bookkeeping behind ``Server.close_clients()``/``abort_clients()``
(3.13) and a server's ``ssl_shutdown_timeout`` (3.11): the loop makes every
transport of a server's connection, so it records them on the server.
"""

import functools
from asyncio import selector_events, sslproto

from taskgroup_patch.backport import interpreters

try:
    import ssl
except ImportError:  # pragma: no cover - an interpreter built without ssl
    ssl = None

_make_socket_transport = interpreters(
    selector_events.BaseSelectorEventLoop, "_make_socket_transport")


class BaseSelectorEventLoop:

    async def sock_recvfrom(self, sock, bufsize):
        """Receive a datagram of at most *bufsize* bytes from *sock*.

        Return (data, address): the datagram and where it came from.
        """
        _check_non_blocking(self, sock)
        try:
            return sock.recvfrom(bufsize)
        except (BlockingIOError, InterruptedError):
            pass
        return await _when_ready(self, sock, self._add_reader, self.remove_reader,
                                 "recvfrom", bufsize)

    async def sock_recvfrom_into(self, sock, buf, nbytes=0):
        """Receive a datagram from *sock* into the writable buffer *buf*.

        At most *nbytes* bytes are received (0, the default: len(buf)).
        Return (number of bytes received, address).
        """
        _check_non_blocking(self, sock)
        if not nbytes:
            nbytes = len(buf)
        try:
            return sock.recvfrom_into(buf, nbytes)
        except (BlockingIOError, InterruptedError):
            pass
        return await _when_ready(self, sock, self._add_reader, self.remove_reader,
                                 "recvfrom_into", buf, nbytes)

    async def sock_sendto(self, sock, data, address):
        """Send *data* to *address* from the unconnected socket *sock*.

        Return the number of bytes sent.
        """
        _check_non_blocking(self, sock)
        try:
            return sock.sendto(data, address)
        except (BlockingIOError, InterruptedError):
            pass
        return await _when_ready(self, sock, self._add_writer, self.remove_writer,
                                 "sendto", data, 0, address)

    def _make_socket_transport(self, sock, protocol, waiter=None, *,
                               extra=None, server=None):
        transport = _make_socket_transport(self, sock, protocol, waiter,
                                           extra=extra, server=server)
        if server is not None:
            add_client(server, transport)
        return transport

    def _make_ssl_transport(
            self, rawsock, protocol, sslcontext, waiter=None,
            *, server_side=False, server_hostname=None,
            extra=None, server=None,
            ssl_handshake_timeout=None):
        ssl_protocol = sslproto.SSLProtocol(
            self, protocol, sslcontext, waiter, server_side, server_hostname,
            ssl_handshake_timeout=ssl_handshake_timeout)
        # The server's connection is the socket's transport, under the TLS
        # layer, as in 3.13: close_clients() closes it without a TLS shutdown.
        transport = selector_events._SelectorSocketTransport(
            self, rawsock, ssl_protocol, extra=extra, server=server)
        if server is not None:
            add_client(server, transport)
            ssl_protocol._ssl_shutdown_timeout = getattr(server, "_ssl_shutdown_timeout", None)
        return ssl_protocol._app_transport


def add_client(server, transport):
    """Record *transport* as a connection of *server*, for close_clients()."""
    clients = getattr(server, "_clients", None)  # base_events.Server's, as 3.13's
    if clients is not None:
        clients.add(transport)


def check_not_ssl_socket(sock):
    if ssl is not None and isinstance(sock, ssl.SSLSocket):
        raise TypeError("Socket cannot be of type SSLSocket")


def _check_non_blocking(loop, sock):
    check_not_ssl_socket(sock)
    if loop._debug and sock.gettimeout() != 0:
        raise ValueError("the socket must be non-blocking")


async def _when_ready(loop, sock, add, remove, method, *args):
    """Return sock.<method>(*args) once *sock* is ready for it.

    *add* is the loop's _add_reader or _add_writer, *remove* what undoes it.
    """
    fd = sock.fileno()
    loop._ensure_fd_no_transport(fd)
    future = loop.create_future()
    handle = add(fd, _attempt, future, sock, method, args)
    future.add_done_callback(functools.partial(_stop_watching, remove, fd, handle))
    return await future


def _attempt(future, sock, method, args):
    if future.done():  # cancelled while the callback was scheduled
        return
    try:
        # Looked up each time, as the interpreter's sock_* methods do.
        result = getattr(sock, method)(*args)
    except (BlockingIOError, InterruptedError):
        return  # not ready after all: the next time
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        future.set_exception(exc)
    else:
        future.set_result(result)


def _stop_watching(remove, fd, handle, future):
    # The loop of 3.8 returns no handle.  A cancelled one was replaced by
    # another reader or writer of the same fd, which stays.
    if handle is None or not handle.cancelled():
        remove(fd)
