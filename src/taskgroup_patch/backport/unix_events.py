"""What 3.11-3.13 added to asyncio.unix_events' event loop.

``ssl_shutdown_timeout=`` (3.11) for create_unix_connection and
create_unix_server, and create_unix_server's ``cleanup_socket=`` (3.13):
with cleanup_socket=True, closing the server removes its socket file, unless
another file took its place meanwhile.

3.13 makes that the default.  Here the default stays False, as 3.8-3.10
behaved: code written for them may remove the file itself after close() and
fail when it is already gone, or count on it staying.
"""

import os
from asyncio import selector_events, unix_events
from asyncio.log import logger

from taskgroup_patch.backport import interpreters
from taskgroup_patch.backport.base_events import _start_serving
from taskgroup_patch.backport.sslproto import check_shutdown_timeout, set_shutdown_timeout

_loop_class = unix_events._UnixSelectorEventLoop
_create_unix_connection = interpreters(_loop_class, "create_unix_connection")
_create_unix_server = interpreters(_loop_class, "create_unix_server")


class _UnixSelectorEventLoop:

    async def create_unix_connection(
            self, protocol_factory, path=None, *,
            ssl=None, sock=None,
            server_hostname=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None):
        check_shutdown_timeout(ssl, ssl_shutdown_timeout)
        transport, protocol = await _create_unix_connection(
            self, protocol_factory, path, ssl=ssl, sock=sock,
            server_hostname=server_hostname, ssl_handshake_timeout=ssl_handshake_timeout)
        set_shutdown_timeout(transport, ssl_shutdown_timeout)
        return transport, protocol

    async def create_unix_server(
            self, protocol_factory, path=None, *,
            sock=None, backlog=100, ssl=None,
            ssl_handshake_timeout=None,
            ssl_shutdown_timeout=None,
            start_serving=True, cleanup_socket=False):
        check_shutdown_timeout(ssl, ssl_shutdown_timeout)
        server = await _create_unix_server(
            self, protocol_factory, path, sock=sock, backlog=backlog, ssl=ssl,
            ssl_handshake_timeout=ssl_handshake_timeout, start_serving=False)
        server._ssl_shutdown_timeout = ssl_shutdown_timeout
        if cleanup_socket:
            listener = server._sockets[0]
            path = listener.getsockname()
            # Not an abstract socket (str or bytes), which has no file.
            if path and path[0] not in (0, "\x00"):
                try:
                    inode = os.stat(path).st_ino
                except FileNotFoundError:
                    pass
                else:
                    # The inode tells whether the file is still this server's.
                    _cleanups(self)[listener] = inode
        if start_serving:
            await _start_serving(server)
        return server

    def _stop_serving(self, sock):
        inode = _cleanups(self).pop(sock, None)
        path = sock.getsockname() if inode is not None else None
        selector_events.BaseSelectorEventLoop._stop_serving(self, sock)
        if path is None:
            return
        try:
            if os.stat(path).st_ino == inode:
                os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.error("Unable to clean up listening UNIX socket %r: %r", path, exc)


def _cleanups(loop):
    """The loop's {listening socket: inode of its file} to remove on close."""
    try:
        return loop._unix_server_sockets
    except AttributeError:
        loop._unix_server_sockets = {}
        return loop._unix_server_sockets
