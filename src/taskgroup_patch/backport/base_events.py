"""What 3.9-3.13 added to asyncio.base_events' event loop and server.

- ``shutdown_default_executor(timeout=None)`` (3.9; the timeout 3.12);
  on 3.8, run_in_executor() then refuses to start a new default executor.
- ``create_connection(all_errors=True)`` (3.12): an ExceptionGroup of every
  attempt's error when no address could be connected to.
- ``ssl_shutdown_timeout=`` (3.11) for create_connection, create_server,
  connect_accepted_socket, start_tls and Server; see backport.sslproto for
  what it does on the old TLS layer.
- ``create_server(keep_alive=True)`` (3.13): SO_KEEPALIVE on the listening
  sockets, which the accepted connections inherit.
- ``Server.close_clients()`` and ``Server.abort_clients()`` (3.13), for the
  connections of selector event loops (backport.selector_events tracks them).

What 3.12.1 changed in ``Server.wait_closed()`` (it also waits for the
clients of a server that is already closed) is left out: code written for
3.8-3.10 calls it after close() and does not expect to wait for clients.
"""

import functools
import socket
import sys
import threading
import warnings
import weakref
from asyncio import base_events, staggered, tasks
from asyncio.log import logger

from exceptiongroup import ExceptionGroup

from taskgroup_patch.backport import interpreters, timeouts
from taskgroup_patch.backport.selector_events import check_not_ssl_socket
from taskgroup_patch.backport.sslproto import check_shutdown_timeout, set_shutdown_timeout

_create_server = interpreters(base_events.BaseEventLoop, "create_server")
_connect_accepted_socket = interpreters(base_events.BaseEventLoop, "connect_accepted_socket")
_start_tls = interpreters(base_events.BaseEventLoop, "start_tls")
_server_init = interpreters(base_events.Server, "__init__")
if sys.version_info < (3, 9):
    _run_in_executor = interpreters(base_events.BaseEventLoop, "run_in_executor")


class BaseEventLoop:

    async def shutdown_default_executor(self, timeout=None):
        """Schedule the shutdown of the default executor.

        *timeout* is how long the executor's threads get to finish, in
        seconds; None (the default) waits for as long as they take.  When it
        expires, a RuntimeWarning says so and the threads are left to finish
        on their own.
        """
        self._executor_shutdown_called = True
        executor = self._default_executor
        if executor is None:
            return
        joined = self.create_future()
        thread = threading.Thread(target=_join_executor, args=(self, executor, joined))
        thread.start()
        try:
            async with timeouts.timeout(timeout):
                await joined
        except TimeoutError:
            warnings.warn("The executor did not finishing joining its threads "
                          f"within {timeout} seconds.", RuntimeWarning, stacklevel=2)
            executor.shutdown(wait=False)
        else:
            thread.join()

    if sys.version_info < (3, 9):
        def run_in_executor(self, executor, func, *args):
            if executor is None and getattr(self, "_executor_shutdown_called", False):
                self._check_closed()
                raise RuntimeError("Executor shutdown has been called")
            return _run_in_executor(self, executor, func, *args)

    async def create_connection(
            self, protocol_factory, host=None, port=None,
            *, ssl=None, family=0,
            proto=0, flags=0, sock=None,
            local_addr=None, server_hostname=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None,
            happy_eyeballs_delay=None, interleave=None,
            all_errors=False):
        """Connect to a TCP server; return a (transport, protocol) pair.

        The connection is made to *host* and *port* (AF_INET or AF_INET6 as
        the host resolves, unless *family* says which), or on the connected
        socket *sock*.  When every address fails, all_errors=True raises an
        ExceptionGroup of each attempt's error; otherwise that one error, or
        an OSError that lists them all.
        """
        if server_hostname is not None and not ssl:
            raise ValueError("server_hostname is only meaningful with ssl")
        if server_hostname is None and ssl:
            # The host is the name the certificate must match, unless the
            # caller says otherwise; server_hostname='' skips the check.
            if not host:
                raise ValueError("You must set server_hostname when using ssl without a host")
            server_hostname = host
        if ssl_handshake_timeout is not None and not ssl:
            raise ValueError("ssl_handshake_timeout is only meaningful with ssl")
        check_shutdown_timeout(ssl, ssl_shutdown_timeout)
        if sock is not None:
            check_not_ssl_socket(sock)
        if happy_eyeballs_delay is not None and interleave is None:
            # Happy eyeballs alternates address families by default.
            interleave = 1

        if host is not None or port is not None:
            if sock is not None:
                raise ValueError("host/port and sock can not be specified at the same time")
            sock = await _connect_to_any(self, host, port, family, proto, flags, local_addr,
                                         happy_eyeballs_delay, interleave, all_errors)
        elif sock is None:
            raise ValueError("host and port was not specified and no sock specified")
        elif sock.type != socket.SOCK_STREAM:
            # AF_UNIX stream sockets are welcome too, as they always were.
            raise ValueError(f"A Stream Socket was expected, got {sock!r}")

        transport, protocol = await self._create_connection_transport(
            sock, protocol_factory, ssl, server_hostname,
            ssl_handshake_timeout=ssl_handshake_timeout)
        set_shutdown_timeout(transport, ssl_shutdown_timeout)
        if self._debug:
            # The transport's socket: TLS replaced the one connected.
            logger.debug("%r connected to %s:%r: (%r, %r)",
                         transport.get_extra_info("socket"), host, port, transport, protocol)
        return transport, protocol

    async def create_server(
            self, protocol_factory, host=None, port=None,
            *,
            family=socket.AF_UNSPEC,
            flags=socket.AI_PASSIVE,
            sock=None,
            backlog=100,
            ssl=None,
            reuse_address=None,
            reuse_port=None,
            keep_alive=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None,
            start_serving=True):
        """Create a TCP server bound to *host* and *port*, or serving on *sock*.

        As the interpreter's create_server(), and: keep_alive=True turns
        SO_KEEPALIVE on for the connections (for the sockets it creates, not
        for *sock*); ssl_shutdown_timeout is how long a TLS connection's
        shutdown may take before it is aborted (30 seconds by default).
        """
        check_shutdown_timeout(ssl, ssl_shutdown_timeout)
        server = await _create_server(
            self, protocol_factory, host, port, family=family, flags=flags, sock=sock,
            backlog=backlog, ssl=ssl, reuse_address=reuse_address, reuse_port=reuse_port,
            ssl_handshake_timeout=ssl_handshake_timeout, start_serving=False)
        if keep_alive and sock is None:
            # Before listening: accepted connections inherit the option.
            for listener in server._sockets:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, True)
        server._ssl_shutdown_timeout = ssl_shutdown_timeout
        if start_serving:
            await _start_serving(server)
        return server

    async def connect_accepted_socket(
            self, protocol_factory, sock,
            *, ssl=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None):
        """Handle a connection accepted outside asyncio; return (transport, protocol)."""
        check_shutdown_timeout(ssl, ssl_shutdown_timeout)
        transport, protocol = await _connect_accepted_socket(
            self, protocol_factory, sock, ssl=ssl, ssl_handshake_timeout=ssl_handshake_timeout)
        set_shutdown_timeout(transport, ssl_shutdown_timeout)
        return transport, protocol

    async def start_tls(self, transport, protocol, sslcontext, *,
                        server_side=False,
                        server_hostname=None,
                        ssl_handshake_timeout=None,
                        ssl_shutdown_timeout=None):
        """Upgrade *transport* to TLS.

        Return the new transport, which *protocol* should use from now on.
        """
        check_shutdown_timeout(True, ssl_shutdown_timeout)
        ssl_transport = await _start_tls(
            self, transport, protocol, sslcontext, server_side=server_side,
            server_hostname=server_hostname, ssl_handshake_timeout=ssl_handshake_timeout)
        set_shutdown_timeout(ssl_transport, ssl_shutdown_timeout)
        return ssl_transport


class Server:

    def __init__(self, loop, sockets, protocol_factory, ssl_context, backlog,
                 ssl_handshake_timeout, ssl_shutdown_timeout=None):
        _server_init(self, loop, sockets, protocol_factory, ssl_context, backlog,
                     ssl_handshake_timeout)
        self._ssl_shutdown_timeout = ssl_shutdown_timeout
        # The transports of the connections, which the selector event loop
        # adds as it makes them (backport.selector_events).  Weak: a
        # connection is forgotten with its transport (the old transports do
        # not say which of them detaches).
        self._clients = weakref.WeakSet()

    def close_clients(self):
        """Close all active connections."""
        for transport in list(self._clients):
            transport.close()

    def abort_clients(self):
        """Close all active connections immediately."""
        for transport in list(self._clients):
            transport.abort()


async def _start_serving(server):
    server._start_serving()
    # One loop iteration, as the interpreter's own create_server() does, so
    # that the listening sockets' readers are in place when it returns.
    await tasks.sleep(0)


async def _connect_to_any(loop, host, port, family, proto, flags, local_addr,
                          happy_eyeballs_delay, interleave, all_errors):
    """Return a socket connected to one of *host*'s addresses."""
    infos = await loop._ensure_resolved(
        (host, port), family=family, type=socket.SOCK_STREAM, proto=proto, flags=flags,
        loop=loop)
    if not infos:
        raise OSError("getaddrinfo() returned empty list")
    local_infos = None
    if local_addr is not None:
        local_infos = await loop._ensure_resolved(
            local_addr, family=family, type=socket.SOCK_STREAM, proto=proto, flags=flags,
            loop=loop)
        if not local_infos:
            raise OSError("getaddrinfo() returned empty list")
    if interleave:
        infos = base_events._interleave_addrinfos(infos, interleave)

    # One list per attempt, which _connect_sock() appends its errors to.
    errors = []
    sock = None
    if happy_eyeballs_delay is None:
        for info in infos:
            try:
                sock = await loop._connect_sock(errors, info, local_infos)
                break
            except OSError:
                continue
    else:
        sock, _, _ = await staggered.staggered_race(
            (functools.partial(loop._connect_sock, errors, info, local_infos)
             for info in infos),
            happy_eyeballs_delay, loop=loop)
    if sock is not None:
        return sock

    errors = [error for attempt in errors for error in attempt]
    try:
        if all_errors:
            raise ExceptionGroup("create_connection failed", errors)
        if len(errors) == 1 or all(str(error) == str(errors[0]) for error in errors):
            raise errors[0]
        # Different errors: one OSError that shows them all.
        raise OSError("Multiple exceptions: {}".format(", ".join(str(error) for error in errors)))
    finally:
        errors = None  # the raised error's traceback refers to this frame


def _join_executor(loop, executor, joined):
    # In a thread of its own: the loop runs on while the executor's threads
    # finish.  A loop closed meanwhile (the timeout expired) hears nothing.
    try:
        executor.shutdown(wait=True)
    except Exception as exc:
        if not loop.is_closed():
            loop.call_soon_threadsafe(_set_exception_unless_done, joined, exc)
    else:
        if not loop.is_closed():
            loop.call_soon_threadsafe(_set_result_unless_done, joined)


def _set_result_unless_done(future):
    if not future.done():
        future.set_result(None)


def _set_exception_unless_done(future, exc):
    if not future.done():
        future.set_exception(exc)
