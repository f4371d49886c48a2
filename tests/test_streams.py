"""asyncio streams: StreamWriter.start_tls() (3.11), readuntil() with a tuple of
separators (3.13), and ssl_shutdown_timeout= through open_connection/start_server
(3.11), over real sockets and real TLS."""

import asyncio
import ssl
import sys
import time

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from _tls import SilentTLSPeer, contexts

NATIVE_311 = sys.version_info[:2] == (3, 11)
NATIVE_311_312 = sys.version_info[:2] in ((3, 11), (3, 12))
needs_312 = pytest.mark.skipif(NATIVE_311, reason="new in 3.12; native 3.11 lacks it")
needs_313 = pytest.mark.skipif(NATIVE_311_312, reason="new in 3.13; native 3.11/3.12 lack it")


def read_until(data, separator, **options):
    """readuntil(separator) on a stream fed *data* then EOF; return (result, rest)."""
    async def main():
        stream = asyncio.StreamReader(**options)
        stream.feed_data(data)
        stream.feed_eof()
        result = await stream.readuntil(separator)
        return result, bytes(stream._buffer)
    return asyncio.run(main())


# -- readuntil() ----------------------------------------------------------

@needs_313
@pytest.mark.parametrize("separators, expected, rest", [
    ((b"\r", b"\n"), b"line 1\n", b"line 2\r"),
    ((b"\n", b"\r"), b"line 1\n", b"line 2\r"),
    # The match that ends first wins, even if it is the longer separator.
    ((b"2\r", b"line"), b"line", b" 1\nline 2\r"),
    ((b"1\nline", b" 1\nl"), b"line 1\nl", b"ine 2\r"),
    ((b"\n",), b"line 1\n", b"line 2\r"),
])
def test_readuntil_a_tuple_returns_the_shortest_match(separators, expected, rest):
    assert read_until(b"line 1\nline 2\r", separators) == (expected, rest)


@pytest.mark.parametrize("separator", [b"\n", bytearray(b"\n"), memoryview(b"\n")])
def test_readuntil_one_separator_as_before(separator):
    assert read_until(b"some data\nmore", separator) == (b"some data\n", b"more")


@needs_313
@pytest.mark.parametrize("separator, message", [
    (b"", "Separator should be at least one-byte string"),
    ((b"",), "Separator should be at least one-byte string"),
    ((b"a", b""), "Separator should be at least one-byte string"),
    ((), "Separator should contain at least one element"),
])
def test_readuntil_rejects_empty_separators(separator, message):
    with pytest.raises(ValueError, match=message):
        read_until(b"data", separator)


@needs_313
def test_readuntil_tuple_waits_for_more_data_across_chunks():
    async def main():
        stream = asyncio.StreamReader()
        stream.feed_data(b"data")
        # Long enough for the shortest separator, too short for the longest:
        # the search must resume at the start of what is buffered.
        reading = asyncio.ensure_future(stream.readuntil((b"A", b"long sep")))
        await asyncio.sleep(0)
        stream.feed_data(b"Z")
        await asyncio.sleep(0)
        assert not reading.done()
        stream.feed_data(b"Aaaa")
        return await reading, bytes(stream._buffer)

    assert asyncio.run(main()) == (b"dataZA", b"aaa")


@needs_313
def test_readuntil_tuple_separator_split_over_chunks():
    async def main():
        stream = asyncio.StreamReader()
        reading = asyncio.ensure_future(stream.readuntil((b"\r\n", b"END")))
        for chunk in (b"abc", b"E", b"N", b"Dxyz"):
            stream.feed_data(chunk)
            await asyncio.sleep(0)
        return await reading, bytes(stream._buffer)

    assert asyncio.run(main()) == (b"abcEND", b"xyz")


@needs_313
def test_readuntil_tuple_at_eof_raises_incomplete_read_with_everything():
    async def main():
        stream = asyncio.StreamReader()
        stream.feed_data(b"no separator here\r")
        stream.feed_eof()
        with pytest.raises(asyncio.IncompleteReadError) as caught:
            await stream.readuntil((b"\r\n", b"\n"))
        assert caught.value.partial == b"no separator here\r"
        assert caught.value.expected is None
        assert stream._buffer == b""

    asyncio.run(main())


@needs_313
def test_readuntil_tuple_over_the_limit():
    async def main():
        # Found, but the data before it is longer than the limit: it stays.
        stream = asyncio.StreamReader(limit=3)
        stream.feed_data(b"some dataA")
        with pytest.raises(asyncio.LimitOverrunError, match="is found") as caught:
            await stream.readuntil((b"A", b"ome dataA"))
        assert caught.value.consumed == 9
        assert stream._buffer == b"some dataA"

        # Not found, and what is buffered already exceeds the limit.
        stream = asyncio.StreamReader(limit=3)
        stream.feed_data(b"0123456789")
        with pytest.raises(asyncio.LimitOverrunError, match="not found"):
            await stream.readuntil((b"X", b"YY"))
        assert stream._buffer == b"0123456789"

    asyncio.run(main())


def test_readline_still_reads_lines():
    async def main():
        stream = asyncio.StreamReader()
        stream.feed_data(b"one\ntwo\nthree")
        stream.feed_eof()
        return [await stream.readline() for _ in range(4)]

    assert asyncio.run(main()) == [b"one\n", b"two\n", b"three", b""]


# -- StreamWriter.start_tls() -----------------------------------------------

def test_start_tls_upgrades_both_ends_of_a_connection():
    server_context, client_context = contexts()
    upgraded = []

    async def handle(reader, writer):
        line = await reader.readline()
        writer.write(line)
        await writer.drain()
        upgraded.append(writer.get_extra_info("sslcontext"))
        await writer.start_tls(server_context)
        upgraded.append(writer.get_extra_info("sslcontext"))
        writer.write(b"secret: " + await reader.readline())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"plain\n")
            assert await reader.readline() == b"plain\n"
            assert writer.get_extra_info("sslcontext") is None
            await writer.start_tls(client_context, server_hostname="localhost")
            assert writer.get_extra_info("sslcontext") is client_context
            assert writer.get_extra_info("peercert")["subjectAltName"]
            writer.write(b"over tls\n")
            answer = await reader.readline()
            assert await reader.read() == b""
            writer.close()
            await writer.wait_closed()
            return answer

    assert asyncio.run(main()) == b"secret: over tls\n"
    assert upgraded == [None, server_context]


def test_start_tls_after_much_plain_data():
    server_context, client_context = contexts()

    async def handle(reader, writer):
        received = await reader.readexactly(1_000_000)
        # The client starts TLS on this word: nothing it sends after the
        # ClientHello may sit in this reader's buffer.
        writer.write(b"go\n")
        await writer.start_tls(server_context)
        writer.write(b"%d\n" % len(received))
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"x" * 1_000_000)  # more than the socket takes at once
            assert await reader.readline() == b"go\n"
            await writer.start_tls(client_context, server_hostname="localhost",
                                   ssl_handshake_timeout=10)
            answer = await reader.readline()
            writer.close()
            await writer.wait_closed()
            return answer

    assert asyncio.run(main()) == b"1000000\n"


def test_start_tls_failed_handshake_raises():
    server_context, _ = contexts()
    untrusting = ssl.create_default_context()  # does not trust the test authority
    server_saw = []

    async def handle(reader, writer):
        try:
            await writer.start_tls(server_context)
        except (ssl.SSLError, ConnectionError) as exc:
            server_saw.append(exc)
        finally:
            writer.close()
            handled.set_result(None)

    async def main():
        nonlocal handled
        handled = asyncio.get_running_loop().create_future()
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            with pytest.raises(ssl.SSLCertVerificationError):
                await writer.start_tls(untrusting, server_hostname="localhost")
            writer.close()
            await asyncio.wait_for(handled, 5)

    handled = None
    asyncio.run(main())
    assert len(server_saw) == 1


# -- ssl_shutdown_timeout= ---------------------------------------------------

def test_open_connection_ssl_shutdown_timeout_aborts_a_silent_peer():
    _, client_context = contexts()
    peer = SilentTLSPeer(server=True)

    async def main():
        reader, writer = await asyncio.open_connection(
            *peer.address, ssl=client_context, server_hostname="localhost",
            ssl_shutdown_timeout=0.2)
        started = time.monotonic()
        writer.close()
        # The peer never answers the close_notify: the wait ends with the timeout.
        with pytest.raises(TimeoutError, match="SSL shutdown timed out"):
            await writer.wait_closed()
        return time.monotonic() - started

    try:
        elapsed = asyncio.run(main())
    finally:
        peer.close()
    assert peer.error is None
    assert 0.15 < elapsed < 5


def test_start_server_ssl_shutdown_timeout_aborts_a_silent_peer():
    server_context, _ = contexts()
    outcome = []

    async def handle(reader, writer):
        writer.close()
        try:
            await writer.wait_closed()
        except TimeoutError as exc:
            outcome.append(str(exc))

    async def main():
        server = await asyncio.start_server(
            handle, "127.0.0.1", 0, ssl=server_context, ssl_shutdown_timeout=0.2)
        async with server:
            peer = SilentTLSPeer(server=False, address=server.sockets[0].getsockname())
            try:
                while not outcome:
                    await asyncio.sleep(0.02)
            finally:
                peer.close()
            assert peer.error is None

    asyncio.run(asyncio.wait_for(main(), 10))
    assert outcome == ["SSL shutdown timed out"]


def test_a_peer_that_answers_closes_cleanly_within_the_timeout():
    server_context, client_context = contexts()

    async def handle(reader, writer):
        await reader.read()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await asyncio.start_server(
            handle, "127.0.0.1", 0, ssl=server_context, ssl_shutdown_timeout=5)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=client_context, server_hostname="localhost",
                ssl_shutdown_timeout=5)
            writer.write(b"bye")
            writer.close()
            await writer.wait_closed()  # no TimeoutError

    asyncio.run(asyncio.wait_for(main(), 10))


@needs_312
def test_start_tls_takes_ssl_shutdown_timeout():
    server_context, client_context = contexts()

    async def handle(reader, writer):
        await writer.start_tls(server_context)
        await reader.read()
        writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await writer.start_tls(client_context, server_hostname="localhost",
                                   ssl_shutdown_timeout=5)
            writer.close()
            await writer.wait_closed()

    asyncio.run(asyncio.wait_for(main(), 10))
