"""Real network programs on 127.0.0.1: asyncio streams and aiohttp.

An echo server that keeps its connections in a TaskGroup, a TaskGroup per
connection and a timeout per request, with a crowd of clients and one slow
client that times out; then an aiohttp server and client driven from
TaskGroups.  Counts and durations are bounded; the autouse fixture fails a
test on anything left pending or unretrieved.
"""

import asyncio
import collections
import contextlib

import aiohttp
import pytest
from aiohttp import web

from _asynciohelpers import no_asyncio_errors  # noqa: F401

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 0.5
CLIENTS = 20
LINES = 5

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is in tests/requirements.txt
    uvloop = None


# --- asyncio streams ------------------------------------------------------

async def serve_connection(reader, writer, stats):
    """One connection: a reader and a writer task in a TaskGroup of their own."""
    replies = asyncio.Queue()

    async def read_requests():
        while True:
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    line = await reader.readline()
            except TimeoutError:
                stats["timeouts"] += 1
                await replies.put(b"timeout\n")
                break
            if not line.endswith(b"\n"):  # EOF
                break
            stats["requests"] += 1
            await replies.put(line)
        await replies.put(None)

    async def write_replies():
        while (reply := await replies.get()) is not None:
            writer.write(reply)
            await writer.drain()

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(read_requests())
            group.create_task(write_replies())
    except ExceptionGroup as errors:
        # A client that vanishes is no server error; anything else is.
        _, others = errors.split(ConnectionError)
        if others is not None:
            raise others
        stats["connection errors"] += 1
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        stats["closed"] += 1


async def echo_client(port, n):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        for i in range(LINES):
            request = b"client %d line %d\n" % (n, i)
            writer.write(request)
            await writer.drain()
            async with asyncio.timeout(5):
                assert await reader.readline() == request
    finally:
        writer.close()
        await writer.wait_closed()
    return n


async def slow_client(port):
    """Starts a request and never finishes it: the server gives up on it."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(b"half a requ")
        await writer.drain()
        async with asyncio.timeout(5):
            reply = await reader.readline()
            at_eof = await reader.read() == b""
    finally:
        writer.close()
        await writer.wait_closed()
    return reply, at_eof


async def echo_program():
    stats = collections.Counter()
    # Every connection is a task of this group: none can outlive the server.
    async with asyncio.TaskGroup() as connections:
        def on_connect(reader, writer):
            connections.create_task(serve_connection(reader, writer, stats))

        server = await asyncio.start_server(on_connect, HOST, 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with asyncio.TaskGroup() as clients:
                slow = clients.create_task(slow_client(port))
                done = [clients.create_task(echo_client(port, n)) for n in range(CLIENTS)]
        finally:
            server.close()
            await server.wait_closed()
    assert sorted(t.result() for t in done) == list(range(CLIENTS))
    assert slow.result() == (b"timeout\n", True)
    return dict(stats)


def _run(main, loop_factory):
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(main())


LOOPS = [pytest.param(None, id="asyncio")]
if uvloop is not None:
    LOOPS.append(pytest.param(uvloop.new_event_loop, id="uvloop"))


@pytest.mark.parametrize("loop_factory", LOOPS)
def test_echo_server_taskgroups_and_request_timeouts(loop_factory):
    stats = _run(echo_program, loop_factory)
    assert stats == {"requests": CLIENTS * LINES, "timeouts": 1, "closed": CLIENTS + 1}


# --- aiohttp --------------------------------------------------------------

async def lookup(kind, n):
    await asyncio.sleep(0.001)
    return "%s-%d" % (kind, n)


def make_app(release_slow):
    routes = web.RouteTableDef()

    @routes.get("/item/{n}")
    async def item(request):
        n = int(request.match_info["n"])
        # A handler that fans out, under a deadline of its own.
        async with asyncio.timeout(2):
            async with asyncio.TaskGroup() as group:
                name = group.create_task(lookup("name", n))
                price = group.create_task(lookup("price", n))
        return web.json_response({"n": n, "name": name.result(), "price": price.result()})

    @routes.get("/slow")
    async def slow(request):
        await release_slow.wait()
        return web.Response(text="late")

    app = web.Application()
    app.add_routes(routes)
    return app


async def aiohttp_program():
    release_slow = asyncio.Event()
    runner = web.AppRunner(make_app(release_slow))
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        port = runner.addresses[0][1]
        base = "http://%s:%d" % (HOST, port)
        async with aiohttp.ClientSession() as session:

            async def get_json(path):
                async with session.get(base + path) as response:
                    response.raise_for_status()
                    return await response.json()

            async with asyncio.TaskGroup() as group:
                items = [group.create_task(get_json("/item/%d" % n)) for n in range(10)]
            assert [t.result()["name"] for t in items] == ["name-%d" % n for n in range(10)]

            # One failed request cancels the others; the session stays usable.
            try:
                async with asyncio.TaskGroup() as group:
                    group.create_task(get_json("/missing"))
                    group.create_task(get_json("/slow"))
            except ExceptionGroup as errors:
                assert [type(e) for e in errors.exceptions] == [aiohttp.ClientResponseError]
                assert errors.exceptions[0].status == 404

            # asyncio.timeout around a request the server is slow to answer.
            timed_out = False
            try:
                async with asyncio.timeout(0.05):
                    await get_json("/slow")
            except TimeoutError:
                timed_out = True
            release_slow.set()
            assert (await get_json("/item/7"))["price"] == "price-7"

            # aiohttp's own ClientTimeout: caught by `except TimeoutError`.
            async def with_client_timeout():
                release_slow.clear()
                try:
                    async with session.get(base + "/slow",
                                           timeout=aiohttp.ClientTimeout(total=0.05)):
                        pass
                except TimeoutError:
                    return "TimeoutError"
                finally:
                    release_slow.set()

            client_timeout = await asyncio.create_task(with_client_timeout())
    finally:
        await runner.cleanup()
    return timed_out, client_timeout


@pytest.mark.parametrize("loop_factory", LOOPS)
def test_aiohttp_client_and_server_from_taskgroups(loop_factory):
    assert _run(aiohttp_program, loop_factory) == (True, "TimeoutError")
