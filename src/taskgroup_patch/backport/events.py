"""What 3.9-3.14 added to the classes of asyncio.events.

The abstract event loop and server take the newest signatures, which loops
written for them implement: ``context=`` for the call_* methods (3.7 for the
real loops), ``create_task(coro, **kwargs)`` (3.14), ``ssl_shutdown_timeout=``
(3.11), ``keep_alive=`` (3.13), and the methods added since 3.8.  A handle
tells the context its callback runs in (3.12).
"""


class Handle:

    def get_context(self):
        """Return the contextvars.Context the callback runs in."""
        return self._context


class AbstractServer:

    def close_clients(self):
        """Close all active connections."""
        raise NotImplementedError

    def abort_clients(self):
        """Close all active connections immediately."""
        raise NotImplementedError


class AbstractEventLoop:

    async def shutdown_default_executor(self):
        """Schedule the shutdown of the default executor."""
        raise NotImplementedError

    def call_soon(self, callback, *args, context=None):
        return self.call_later(0, callback, *args, context=context)

    def call_later(self, delay, callback, *args, context=None):
        raise NotImplementedError

    def call_at(self, when, callback, *args, context=None):
        raise NotImplementedError

    def create_task(self, coro, **kwargs):
        raise NotImplementedError

    def call_soon_threadsafe(self, callback, *args, context=None):
        raise NotImplementedError

    async def create_connection(
            self, protocol_factory, host=None, port=None,
            *, ssl=None, family=0, proto=0,
            flags=0, sock=None, local_addr=None,
            server_hostname=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None,
            happy_eyeballs_delay=None, interleave=None):
        raise NotImplementedError

    async def create_server(
            self, protocol_factory, host=None, port=None,
            *, family=0, flags=0,
            sock=None, backlog=100, ssl=None, reuse_address=None,
            reuse_port=None,
            keep_alive=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None,
            start_serving=True):
        """A coroutine which creates a TCP server bound to host and port.

        As in the interpreter's AbstractEventLoop, and: keep_alive set to
        True turns SO_KEEPALIVE on for the connections; ssl_shutdown_timeout
        is the time in seconds the server waits for a TLS shutdown to
        complete before aborting the connection (30 by default).
        """
        raise NotImplementedError

    async def start_tls(self, transport, protocol, sslcontext, *,
                        server_side=False,
                        server_hostname=None,
                        ssl_handshake_timeout=None,
                        ssl_shutdown_timeout=None):
        """Upgrade a transport to TLS.

        Return a new transport that *protocol* should start using
        immediately.
        """
        raise NotImplementedError

    async def create_unix_connection(
            self, protocol_factory, path=None, *,
            ssl=None, sock=None,
            server_hostname=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None):
        raise NotImplementedError

    async def create_unix_server(
            self, protocol_factory, path=None, *,
            sock=None, backlog=100, ssl=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None,
            start_serving=True):
        """A coroutine which creates a UNIX Domain Socket server.

        As in the interpreter's AbstractEventLoop, and: ssl_shutdown_timeout
        is the time in seconds the server waits for a TLS shutdown to complete
        before aborting the connection (30 by default).
        """
        raise NotImplementedError

    async def connect_accepted_socket(
            self, protocol_factory, sock,
            *, ssl=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None):
        """Handle an accepted connection.

        For servers that accept connections outside of asyncio and use
        asyncio to handle them.  Return a (transport, protocol) pair.
        """
        raise NotImplementedError

    async def sock_recvfrom(self, sock, bufsize):
        raise NotImplementedError

    async def sock_recvfrom_into(self, sock, buf, nbytes=0):
        raise NotImplementedError

    async def sock_sendto(self, sock, data, address):
        raise NotImplementedError
