"""asyncio.Server and the servers the loop makes: the public name (3.9),
close_clients()/abort_clients(), create_server(keep_alive=) and
create_unix_server(cleanup_socket=) (3.13), ssl_shutdown_timeout= (3.11), and
the defaults that stay as 3.8-3.10 had them."""

import asyncio
import inspect
import os
import socket
import sys
import tempfile

import pytest

from _asynciohelpers import PATCHED, no_asyncio_errors  # noqa: F401
from _tls import contexts

NATIVE_311_312 = sys.version_info[:2] in ((3, 11), (3, 12))
needs_313 = pytest.mark.skipif(NATIVE_311_312, reason="new in 3.13; native 3.11/3.12 lack it")
unix_only = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="unix sockets")


async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


def test_server_is_public():
    import asyncio.base_events

    assert asyncio.Server is asyncio.base_events.Server
    assert "Server" in asyncio.__all__
    assert "Server" in asyncio.base_events.__all__
    namespace = {}
    exec("from asyncio import *", namespace)
    assert namespace["Server"] is asyncio.Server
    assert issubclass(asyncio.Server, asyncio.AbstractServer)


@needs_313
def test_server_members_and_signatures():
    for name in ("close_clients", "abort_clients"):
        with pytest.raises(NotImplementedError):
            getattr(asyncio.AbstractServer(), name)()
        assert callable(getattr(asyncio.Server, name))
    assert "ssl_shutdown_timeout" in inspect.signature(asyncio.Server).parameters
    create_server = inspect.signature(asyncio.BaseEventLoop.create_server)
    assert {"keep_alive", "ssl_shutdown_timeout"} <= set(create_server.parameters)


async def start_echo_server(**options):
    """A server whose connections wait for the client's EOF; its handlers' writers."""
    writers = []

    async def handle(reader, writer):
        writers.append(writer)
        try:
            await reader.read()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, **options)
    return server, writers


@needs_313
def test_close_clients_closes_every_connection():
    async def main():
        server, writers = await start_echo_server()
        port = server.sockets[0].getsockname()[1]
        clients = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        while len(writers) < 3:
            await asyncio.sleep(0.01)

        waiting = asyncio.ensure_future(server.wait_closed())
        await settle()
        assert not waiting.done()
        server.close()
        await settle()
        assert not waiting.done()  # the clients are still connected

        server.close_clients()
        await asyncio.wait_for(waiting, 5)
        for reader, writer in clients:
            assert await reader.read() == b""  # the server closed its end
            writer.close()
            await writer.wait_closed()

    asyncio.run(main())


@needs_313
def test_close_clients_of_a_tls_server():
    server_context, client_context = contexts()

    async def main():
        server, writers = await start_echo_server(ssl=server_context)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_context, server_hostname="localhost")
        while not writers:
            await asyncio.sleep(0.01)
        waiting = asyncio.ensure_future(server.wait_closed())
        await settle()
        server.close()
        server.close_clients()
        await asyncio.wait_for(waiting, 5)
        try:
            assert await reader.read() == b""
        except ConnectionError:
            pass  # a TCP close without a TLS close_notify may read as a reset
        writer.close()

    asyncio.run(main())


@needs_313
def test_abort_clients_drops_what_is_not_sent():
    async def main():
        connected = asyncio.get_running_loop().create_future()

        async def handle(reader, writer):
            connected.set_result(writer)
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=4096)
        server_writer = await connected
        # The client does not read: fill the kernel's buffers until the
        # transport buffers too, so that close() alone would wait.
        for _ in range(100):
            server_writer.write(b"a" * 1_000_000)
            if server_writer.transport.get_write_buffer_size() > 0:
                break
            await asyncio.sleep(0)
        assert server_writer.transport.get_write_buffer_size() > 0

        waiting = asyncio.ensure_future(server.wait_closed())
        await settle()
        server.close()
        server.close_clients()
        await settle()
        assert not waiting.done()  # close() waits to send the buffer

        server.abort_clients()
        await asyncio.wait_for(waiting, 5)
        assert server_writer.transport.is_closing()
        writer.close()

    asyncio.run(main())


@needs_313
def test_close_clients_with_no_clients_and_after_they_left():
    async def main():
        server, writers = await start_echo_server()
        server.close_clients()
        server.abort_clients()
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write_eof()
        assert await reader.read() == b""
        writer.close()
        await writer.wait_closed()
        await settle()
        server.close_clients()  # the connection is gone: nothing to do
        server.abort_clients()
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)

    asyncio.run(main())


def test_wait_closed_after_close_keeps_the_old_behaviour():
    # 3.12.1 made wait_closed() after close() wait for the clients too; code
    # written for 3.8-3.10 calls it there, and must not hang on a client that
    # stays.  So on 3.8-3.10 it returns at once, as it always did.
    async def main():
        server, writers = await start_echo_server()
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not writers:
            await asyncio.sleep(0.01)
        server.close()
        waiting = asyncio.ensure_future(server.wait_closed())
        await settle()
        returned_at_once = waiting.done()
        writer.close()
        await writer.wait_closed()
        await asyncio.wait_for(waiting, 5)
        return returned_at_once

    assert asyncio.run(main()) is (PATCHED or sys.version_info < (3, 12, 1))


@needs_313
@pytest.mark.parametrize("keep_alive", [True, False, None])
def test_keep_alive(keep_alive):
    async def main():
        accepted = asyncio.get_running_loop().create_future()

        async def handle(reader, writer):
            accepted.set_result(writer.get_extra_info("socket"))
            await reader.read()
            writer.close()

        options = {} if keep_alive is None else {"keep_alive": keep_alive}
        server = await asyncio.start_server(handle, "127.0.0.1", 0, **options)
        async with server:
            listening = server.sockets[0]
            port = listening.getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            sock = await accepted
            result = (listening.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
                      sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0)
            writer.close()
            await writer.wait_closed()
        return result

    assert asyncio.run(main()) == (bool(keep_alive), bool(keep_alive))


@needs_313
def test_keep_alive_leaves_a_given_socket_alone():
    async def main():
        sock = socket.create_server(("127.0.0.1", 0))
        server = await asyncio.start_server(lambda r, w: None, sock=sock, keep_alive=True)
        async with server:
            return sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)

    assert asyncio.run(main()) == 0


@unix_only
@needs_313
def test_cleanup_socket_true_removes_the_file_on_close():
    async def main(path):
        server = await asyncio.start_unix_server(lambda r, w: None, path, cleanup_socket=True)
        assert os.path.exists(path)
        server.close()
        await server.wait_closed()
        return os.path.exists(path)

    with tempfile.TemporaryDirectory() as directory:
        assert asyncio.run(main(os.path.join(directory, "sock"))) is False


@unix_only
@needs_313
def test_cleanup_socket_of_a_bound_socket():
    async def main(path):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.bind(path)
            server = await asyncio.start_unix_server(lambda r, w: None, sock=sock,
                                                     cleanup_socket=True)
            server.close()
            await server.wait_closed()
            return os.path.exists(path)

    with tempfile.TemporaryDirectory() as directory:
        assert asyncio.run(main(os.path.join(directory, "sock"))) is False


@unix_only
@needs_313
@pytest.mark.parametrize("options", [{"cleanup_socket": False}, {}])
def test_cleanup_socket_false_and_the_default(options):
    # 3.13 removes the file by default; on 3.8-3.10 the default stays as it
    # was: code written for them removes the file itself, or counts on it.
    async def main(path):
        server = await asyncio.start_unix_server(lambda r, w: None, path, **options)
        server.close()
        await server.wait_closed()
        return os.path.exists(path)

    removed_by_default = sys.version_info >= (3, 13)
    with tempfile.TemporaryDirectory() as directory:
        exists = asyncio.run(main(os.path.join(directory, "sock")))
    assert exists is (bool(options) or not removed_by_default)


@unix_only
@needs_313
def test_cleanup_socket_leaves_a_file_that_replaced_it():
    async def main(path):
        server = await asyncio.start_unix_server(lambda r, w: None, path, cleanup_socket=True)
        os.unlink(path)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as other:
            other.bind(path)  # someone else's socket file now
            server.close()
            await server.wait_closed()
            return os.path.exists(path)

    with tempfile.TemporaryDirectory() as directory:
        assert asyncio.run(main(os.path.join(directory, "sock"))) is True


@unix_only
@needs_313
def test_cleanup_socket_when_the_file_is_already_gone():
    async def main(path):
        server = await asyncio.start_unix_server(lambda r, w: None, path, cleanup_socket=True)
        os.unlink(path)
        server.close()  # no error
        await server.wait_closed()

    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(main(os.path.join(directory, "sock")))


@unix_only
@needs_313
def test_cleanup_socket_of_an_abstract_socket():
    if not sys.platform.startswith("linux"):
        pytest.skip("abstract unix sockets are Linux's")

    async def main():
        server = await asyncio.start_unix_server(
            lambda r, w: None, "\0taskgroup-patch-%d" % os.getpid(), cleanup_socket=True)
        server.close()
        await server.wait_closed()

    asyncio.run(main())


@pytest.mark.parametrize("unix", [False, pytest.param(True, marks=unix_only)])
def test_ssl_shutdown_timeout_needs_ssl(unix):
    async def main(path):
        loop = asyncio.get_running_loop()
        if unix:
            make = loop.create_unix_server(asyncio.Protocol, path, ssl_shutdown_timeout=1)
        else:
            make = loop.create_server(asyncio.Protocol, "127.0.0.1", 0, ssl_shutdown_timeout=1)
        with pytest.raises(ValueError, match="ssl_shutdown_timeout is only meaningful with ssl"):
            await make

    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(main(os.path.join(directory, "sock")))
