"""The event loop's API of 3.9-3.14, on real sockets and threads:
shutdown_default_executor() and its timeout, sock_sendto/sock_recvfrom(_into),
create_connection(all_errors=), ssl_shutdown_timeout= checks, Handle.get_context(),
the abstract loop's and transport's signatures, Executor.shutdown(cancel_futures=)."""

import asyncio
import concurrent.futures
import contextvars
import inspect
import socket
import ssl
import sys
import threading
import time
import warnings

import pytest

from _asynciohelpers import PATCHED, no_asyncio_errors  # noqa: F401
from _tls import contexts

NATIVE_311 = sys.version_info[:2] == (3, 11)
NATIVE_311_312 = sys.version_info[:2] in ((3, 11), (3, 12))
needs_312 = pytest.mark.skipif(NATIVE_311, reason="new in 3.12; native 3.11 lacks it")
needs_313 = pytest.mark.skipif(NATIVE_311_312, reason="new in 3.13; native 3.11/3.12 lack it")
needs_314 = pytest.mark.skipif(not PATCHED and sys.version_info < (3, 14),
                               reason="new in 3.14; native 3.11-3.13 lack it")


def parameters(function):
    return inspect.signature(function).parameters


# -- the abstract loop, server and transport ------------------------------

@pytest.mark.parametrize("method", ["call_soon", "call_later", "call_at", "call_soon_threadsafe"])
def test_abstract_call_methods_take_a_context(method):
    assert parameters(getattr(asyncio.AbstractEventLoop, method))["context"].default is None


@needs_314
def test_abstract_create_task_takes_any_keyword():
    kinds = [p.kind for p in parameters(asyncio.AbstractEventLoop.create_task).values()]
    assert kinds[-1] is inspect.Parameter.VAR_KEYWORD


@pytest.mark.parametrize("method", [
    "create_connection", "create_server", "start_tls", "create_unix_connection",
    "create_unix_server", "connect_accepted_socket"])
def test_abstract_methods_take_ssl_shutdown_timeout(method):
    assert "ssl_shutdown_timeout" in parameters(getattr(asyncio.AbstractEventLoop, method))


@needs_313
def test_abstract_create_server_takes_keep_alive():
    assert "keep_alive" in parameters(asyncio.AbstractEventLoop.create_server)


def test_the_abstract_methods_are_abstract():
    loop = asyncio.AbstractEventLoop()
    sock = object()

    async def calls():
        yield loop.shutdown_default_executor()
        yield loop.sock_recvfrom(sock, 1)
        yield loop.sock_recvfrom_into(sock, bytearray(1))
        yield loop.sock_sendto(sock, b"", ("127.0.0.1", 1))
        yield loop.connect_accepted_socket(asyncio.Protocol, sock)

    async def main():
        async for call in calls():
            with pytest.raises(NotImplementedError):
                await call

    asyncio.run(main())
    # The call_* methods all come down to call_later()/call_at().
    with pytest.raises(NotImplementedError):
        loop.call_soon(print, context=contextvars.copy_context())
    with pytest.raises(NotImplementedError):
        loop.create_task(None, name="x", context=None)
    with pytest.raises(NotImplementedError):
        asyncio.WriteTransport().get_write_buffer_limits()


def test_transports_give_their_write_buffer_limits():
    server_context, client_context = contexts()

    async def main():
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0,
                                            ssl=server_context)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.transport.set_write_buffer_limits(high=4096, low=1024)
            assert writer.transport.get_write_buffer_limits() == (1024, 4096)
            writer.close()
            await writer.wait_closed()
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=client_context, server_hostname="localhost")
            low, high = writer.transport.get_write_buffer_limits()
            assert 0 <= low <= high
            writer.close()
            await writer.wait_closed()

    asyncio.run(main())


# -- Handle.get_context() -----------------------------------------------------

@needs_312
def test_handles_tell_their_context():
    variable = contextvars.ContextVar("variable")

    async def main():
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        context.run(variable.set, "given")
        handles = [
            loop.call_soon(print, context=context),
            loop.call_later(10, print, context=context),
            loop.call_at(loop.time() + 10, print, context=context),
            loop.call_soon_threadsafe(print, context=context),
        ]
        assert isinstance(handles[1], asyncio.TimerHandle)
        assert all(handle.get_context() is context for handle in handles)

        variable.set("current")
        default = loop.call_soon(print)
        # By default, a copy of the context the callback was scheduled in.
        assert default.get_context() is not contextvars.copy_context()
        assert default.get_context()[variable] == "current"
        for handle in handles + [default]:
            handle.cancel()

    asyncio.run(main())


# -- shutdown_default_executor() ------------------------------------------

def test_shutdown_default_executor_joins_its_threads():
    finished = threading.Event()

    def work():
        time.sleep(0.05)
        finished.set()
        return threading.current_thread()

    async def main():
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, work)
        await asyncio.sleep(0)
        await loop.shutdown_default_executor()
        assert finished.is_set()
        thread = await future
        assert not thread.is_alive()
        # No new default executor; an explicit one still works.
        with pytest.raises(RuntimeError, match="Executor shutdown has been called"):
            await loop.run_in_executor(None, work)
        with concurrent.futures.ThreadPoolExecutor(1) as executor:
            assert (await loop.run_in_executor(executor, work)).is_alive() in (True, False)

    asyncio.run(main())


def test_shutdown_default_executor_without_an_executor():
    async def main():
        loop = asyncio.get_running_loop()
        await loop.shutdown_default_executor()
        with pytest.raises(RuntimeError, match="Executor shutdown has been called"):
            await loop.run_in_executor(None, print)

    asyncio.run(main())


@pytest.mark.skipif(NATIVE_311_312, reason="new in 3.12, where it waits for the threads "
                    "all the same before it warns (fixed in 3.13); native 3.11 lacks it")
def test_shutdown_default_executor_timeout_warns_and_moves_on():
    release = threading.Event()

    async def main():
        loop = asyncio.get_running_loop()
        busy = loop.run_in_executor(None, release.wait, 10)
        await asyncio.sleep(0)
        started = time.monotonic()
        with pytest.warns(RuntimeWarning, match="The executor did not finishing joining "
                                                "its threads within 0.1 seconds"):
            await loop.shutdown_default_executor(timeout=0.1)
        elapsed = time.monotonic() - started
        release.set()
        await busy
        return elapsed

    assert 0.09 < asyncio.run(main()) < 5


@needs_312
def test_shutdown_default_executor_timeout_not_reached():
    async def main():
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, time.sleep, 0.01)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            await loop.shutdown_default_executor(timeout=5)

    asyncio.run(main())


def test_asyncio_run_shuts_the_default_executor_down():
    threads = []

    async def main():
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: threads.append(threading.current_thread()))

    asyncio.run(main())
    assert len(threads) == 1 and not threads[0].is_alive()


# -- sock_sendto(), sock_recvfrom(), sock_recvfrom_into() ---------------------

def udp_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


def test_datagrams_both_ways():
    async def main():
        loop = asyncio.get_running_loop()
        with udp_socket() as a, udp_socket() as b:
            # The receiver waits first: its reader is registered, then removed.
            receiving = asyncio.ensure_future(loop.sock_recvfrom(b, 100))
            await asyncio.sleep(0)
            assert not receiving.done()
            assert await loop.sock_sendto(a, b"ping", b.getsockname()) == 4
            assert await receiving == (b"ping", a.getsockname())

            buffer = bytearray(10)
            await loop.sock_sendto(a, memoryview(b"hello world"), b.getsockname())
            assert await loop.sock_recvfrom_into(b, buffer, 5) == (5, a.getsockname())
            assert buffer == b"hello" + bytes(5)

            receiving = asyncio.ensure_future(loop.sock_recvfrom_into(b, buffer))
            await asyncio.sleep(0)
            await loop.sock_sendto(a, b"0123456789abc", b.getsockname())
            assert await receiving == (10, a.getsockname())
            assert buffer == b"0123456789"

    asyncio.run(main())


def test_cancelled_receive_lets_the_socket_be_read_again():
    async def main():
        loop = asyncio.get_running_loop()
        with udp_socket() as a, udp_socket() as b:
            receiving = asyncio.ensure_future(loop.sock_recvfrom(b, 100))
            await asyncio.sleep(0)
            receiving.cancel()
            with pytest.raises(asyncio.CancelledError):
                await receiving
            receiving = asyncio.ensure_future(loop.sock_recvfrom(b, 100))
            await asyncio.sleep(0)
            await loop.sock_sendto(a, b"again", b.getsockname())
            assert (await asyncio.wait_for(receiving, 5))[0] == b"again"

    asyncio.run(main())


def test_send_to_a_closed_port_reports_the_error():
    async def main():
        loop = asyncio.get_running_loop()
        with udp_socket() as a, udp_socket() as gone:
            address = gone.getsockname()
            gone.close()
            a.connect(address)  # ICMP errors reach a connected datagram socket
            await loop.sock_sendto(a, b"x", address)
            with pytest.raises(ConnectionRefusedError):
                await asyncio.wait_for(loop.sock_recvfrom(a, 10), 5)

    asyncio.run(main())


def test_sendto_waits_while_the_socket_cannot_send(tmp_path):
    # A real full queue: a unix datagram socket whose reader does not read.
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("unix sockets")

    async def main():
        loop = asyncio.get_running_loop()
        a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with a, b:
            b.bind(str(tmp_path / "b"))
            a.setblocking(False)
            b.setblocking(False)
            sent = 0
            while True:
                try:
                    a.sendto(b"x" * 1024, b.getsockname())
                    sent += 1
                except BlockingIOError:
                    break
            sending = asyncio.ensure_future(loop.sock_sendto(a, b"last", b.getsockname()))
            await asyncio.sleep(0.05)
            assert not sending.done()  # waiting for room
            for _ in range(sent):
                await loop.sock_recvfrom(b, 2048)
            assert await asyncio.wait_for(sending, 5) == 4
            assert (await loop.sock_recvfrom(b, 2048))[0] == b"last"

    asyncio.run(main())


def test_sock_methods_refuse_what_they_refuse():
    async def main():
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blocking:
            for call in (loop.sock_recvfrom(blocking, 1),
                         loop.sock_recvfrom_into(blocking, bytearray(1)),
                         loop.sock_sendto(blocking, b"x", ("127.0.0.1", 9))):
                with pytest.raises(ValueError, match="the socket must be non-blocking"):
                    await call
        tls = ssl.create_default_context().wrap_socket(
            socket.socket(), server_hostname="localhost", do_handshake_on_connect=False)
        with tls:
            with pytest.raises(TypeError, match="Socket cannot be of type SSLSocket"):
                await loop.sock_recvfrom(tls, 1)

    asyncio.run(main())


# -- create_connection(all_errors=) ---------------------------------------------

def refused_ports(count):
    """Ports on 127.0.0.1 that nothing listens on (bound, never listening)."""
    holders = [socket.socket() for _ in range(count)]
    for holder in holders:
        holder.bind(("127.0.0.1", 0))
    return holders, [holder.getsockname()[1] for holder in holders]


class ResolvingLoop(asyncio.SelectorEventLoop):
    """A loop whose resolver answers 127.0.0.1 with each of *ports*, for any name."""

    def __init__(self, ports):
        super().__init__()
        self.ports = ports

    async def getaddrinfo(self, host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", p))
                for p in self.ports]


@needs_312
def test_all_errors_of_one_address():
    holders, (port,) = refused_ports(1)

    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(ConnectionRefusedError):
            await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        with pytest.raises(ExceptionGroup) as caught:  # noqa: F821 (3.11 builtin)
            await loop.create_connection(asyncio.Protocol, "127.0.0.1", port, all_errors=True)
        return caught.value

    try:
        group = asyncio.run(main())
    finally:
        for holder in holders:
            holder.close()
    assert str(group).startswith("create_connection failed")
    assert [type(error) for error in group.exceptions] == [ConnectionRefusedError]


@needs_312
@pytest.mark.parametrize("happy_eyeballs_delay", [None, 0.01])
def test_all_errors_of_every_address(happy_eyeballs_delay):
    holders, ports = refused_ports(2)

    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(OSError, match="Multiple exceptions: ") as caught:
            await loop.create_connection(asyncio.Protocol, "example.invalid", 80,
                                         happy_eyeballs_delay=happy_eyeballs_delay)
        assert not isinstance(caught.value, ExceptionGroup)  # noqa: F821
        with pytest.raises(ExceptionGroup) as caught:  # noqa: F821
            await loop.create_connection(asyncio.Protocol, "example.invalid", 80,
                                         happy_eyeballs_delay=happy_eyeballs_delay,
                                         all_errors=True)
        return caught.value

    try:
        group = asyncio.run(main(), loop_factory=lambda: ResolvingLoop(ports))
    finally:
        for holder in holders:
            holder.close()
    assert [type(error) for error in group.exceptions] == [ConnectionRefusedError] * 2
    assert {str(error) for error in group.exceptions} == {
        "[Errno 111] Connect call failed ('127.0.0.1', %d)" % port for port in ports}


@needs_312
def test_all_errors_then_a_connection():
    async def main():
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            transport, _ = await asyncio.get_running_loop().create_connection(
                asyncio.Protocol, "127.0.0.1", port, all_errors=True)
            transport.close()

    asyncio.run(main())


@pytest.mark.parametrize("method", ["create_connection", "create_unix_connection"])
def test_ssl_shutdown_timeout_is_checked(method):
    async def main():
        loop = asyncio.get_running_loop()
        connect = getattr(loop, method)
        where = {"host": "127.0.0.1", "port": 1} if method == "create_connection" else {"path": "/nonexistent"}
        with pytest.raises(ValueError, match="ssl_shutdown_timeout is only meaningful with ssl"):
            await connect(asyncio.Protocol, ssl_shutdown_timeout=1, **where)

    asyncio.run(main())


def test_ssl_shutdown_timeout_must_be_positive():
    _, client_context = contexts()

    async def main():
        loop = asyncio.get_running_loop()
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            transport, protocol = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
            for timeout in (0, -1):
                with pytest.raises(ValueError, match="should be a positive number, got %s" % timeout):
                    await loop.start_tls(transport, protocol, client_context,
                                         server_hostname="localhost",
                                         ssl_shutdown_timeout=timeout)
            transport.close()

    asyncio.run(main())


# -- concurrent.futures: Executor.shutdown(cancel_futures=) -------------------

def test_executor_shutdown_signature():
    assert parameters(concurrent.futures.Executor.shutdown)["cancel_futures"].default is False


@pytest.mark.parametrize("cancel_futures", [True, False])
def test_thread_pool_shutdown_cancel_futures(cancel_futures):
    release = threading.Event()
    executor = concurrent.futures.ThreadPoolExecutor(1)
    running = executor.submit(release.wait, 10)
    pending = [executor.submit(time.sleep, 0) for _ in range(3)]
    threading.Timer(0.05, release.set).start()
    executor.shutdown(wait=True, cancel_futures=cancel_futures)
    assert running.result() is True
    assert [future.cancelled() for future in pending] == [cancel_futures] * 3
    with pytest.raises(RuntimeError):
        executor.submit(print)


def test_process_pool_shutdown_cancel_futures():
    import multiprocessing
    import os

    executor = concurrent.futures.ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn"))
    first = executor.submit(time.sleep, 0.5)
    # A few are handed to the worker process at once (and run); the rest wait.
    pending = [executor.submit(os.getpid) for _ in range(20)]
    executor.shutdown(wait=True, cancel_futures=True)
    assert first.cancelled() or first.result() is None
    assert any(future.cancelled() for future in pending)
    for future in pending:
        assert future.cancelled() or isinstance(future.result(), int)


def test_datagram_transport_sendto_empty_keeps_the_old_behaviour():
    # 3.13 sends an empty datagram for sendto(b""); 3.8-3.10 sent nothing, and
    # patched they still do: peers of code written for them never saw one.
    async def main():
        loop = asyncio.get_running_loop()
        with udp_socket() as receiver:
            transport, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, remote_addr=receiver.getsockname())
            transport.sendto(b"")
            transport.sendto(b"after")
            await asyncio.sleep(0.05)
            received = [(await loop.sock_recvfrom(receiver, 100))[0]]
            if received == [b""]:
                received.append((await loop.sock_recvfrom(receiver, 100))[0])
            transport.close()
            return received

    empty_sent = not PATCHED and sys.version_info >= (3, 13)
    assert asyncio.run(main()) == ([b"", b"after"] if empty_sent else [b"after"])
