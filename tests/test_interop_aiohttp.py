"""aiohttp's own timeouts next to asyncio.TaskGroup and asyncio.timeout.

aiohttp enforces ``ClientTimeout`` by cancelling the task that makes the
request: ``total`` through helpers.TimerContext, ``connect`` through
helpers.ceil_timeout.  On 3.11+ both take that cancellation back with
``uncancel()``; they decide so by ``sys.version_info``, and the package
adapts aiohttp.helpers on 3.8-3.10 (taskgroup_patch.adapters) so that they
do there too.  A real server on 127.0.0.1; a resolver that never answers
makes the connect timeout fire without touching the network.
"""

import asyncio
import sys

import pytest

aiohttp = pytest.importorskip("aiohttp")
from aiohttp import web  # noqa: E402

from _asynciohelpers import no_asyncio_errors  # noqa: E402,F401
from conftest import (  # noqa: E402
    PATCHED, adaptation_status, assert_nothing_adapted, ctrl_c_program, fail,
    interrupt_when_ready, then_failing_taskgroup)

HOST = "127.0.0.1"
QUICKLY = 0.05  # a deadline that fires


class Server:
    """An aiohttp server: /fast answers, /slow waits until released."""

    def __init__(self):
        self.released = asyncio.Event()

    async def fast(self, request):
        return web.Response(text="fast")

    async def slow(self, request):
        await self.released.wait()
        return web.Response(text="slow")

    async def __aenter__(self):
        app = web.Application()
        app.router.add_get("/fast", self.fast)
        app.router.add_get("/slow", self.slow)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, HOST, 0)
        await site.start()
        self.base = "http://%s:%d" % (HOST, self.runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc_info):
        self.released.set()
        await self.runner.cleanup()


class UnansweringResolver(aiohttp.abc.AbstractResolver):
    """A DNS resolver that never answers: the connect timeout must fire."""

    async def resolve(self, host, port=0, family=0):
        await asyncio.Event().wait()

    async def close(self):
        pass


async def _total_timeout(server):
    """A request the server is slow to answer, under ClientTimeout(total=)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=QUICKLY)) as session:
        try:
            async with session.get(server.base + "/slow") as response:
                await response.text()
        except TimeoutError:
            return "TimeoutError"
        finally:
            server.released.set()
        return "answered"


async def _connect_timeout(server):
    """A connection that is never made, under ClientTimeout(connect=)."""
    connector = aiohttp.TCPConnector(resolver=UnansweringResolver())
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(connect=QUICKLY)) as session:
        try:
            async with session.get("http://unanswered.invalid/"):
                pass
        except TimeoutError:
            return "TimeoutError"
        return "connected"


REQUESTS = [_total_timeout, _connect_timeout]
REQUEST_IDS = ["total", "connect"]


def test_issue_program_with_aiohttp():
    async def main():
        async with Server() as server:
            assert await _total_timeout(server) == "TimeoutError"
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(fail("child"))
            except ExceptionGroup:
                await asyncio.sleep(0.01)
        return "ok"

    assert asyncio.run(main()) == "ok"


@pytest.mark.parametrize("request_", REQUESTS, ids=REQUEST_IDS)
def test_timeout_then_failing_taskgroup_in_the_same_task(request_):
    async def main():
        async with Server() as server:
            outcome = await request_(server)
            left = asyncio.current_task().cancelling()
            # The session still works afterwards, in this task.
            async with aiohttp.ClientSession() as session:
                async with session.get(server.base + "/fast") as response:
                    text = await response.text()
            return outcome, left, text, await then_failing_taskgroup()

    assert asyncio.run(main()) == ("TimeoutError", 0, "fast", "went on")


@pytest.mark.parametrize("request_", REQUESTS, ids=REQUEST_IDS)
def test_timeout_in_a_taskgroup_child(request_):
    async def child(server):
        outcome = await request_(server)
        return outcome, asyncio.current_task().cancelling(), await then_failing_taskgroup()

    async def main():
        async with Server() as server:
            async with asyncio.TaskGroup() as group:
                sibling = group.create_task(asyncio.sleep(0.01, "sibling"))
                result = group.create_task(child(server))
        return result.result(), sibling.result(), asyncio.current_task().cancelling()

    assert asyncio.run(main()) == (("TimeoutError", 0, "went on"), "sibling", 0)


def test_ceil_timeout_is_asyncio_timeout():
    # aiohttp on 3.11+ takes its deadlines from asyncio itself.
    async def main():
        deadline = aiohttp.helpers.ceil_timeout(10)
        async with deadline:
            await asyncio.sleep(0)
        return type(deadline) is asyncio.Timeout, deadline.expired()

    assert asyncio.run(main()) == (True, False)


def test_outside_cancel_in_the_same_iteration_as_the_total_timeout():
    # As on 3.11+: TimerContext compares cancelling() with its value on
    # entry, so a cancel() from elsewhere that lands together with the
    # timeout stays a CancelledError instead of becoming TimeoutError.
    async def main():
        task = asyncio.current_task()
        timer = aiohttp.helpers.TimerContext(asyncio.get_running_loop())
        try:
            with timer:
                timer.timeout()  # what ClientTimeout(total=) calls when it passes
                task.cancel()
                await asyncio.sleep(10)
        except asyncio.CancelledError:
            outcome = "CancelledError"
        except TimeoutError:
            outcome = "TimeoutError"
        left = task.cancelling()
        task.uncancel()
        return outcome, left

    assert asyncio.run(main()) == ("CancelledError", 1)


def _foreign_factory(loop, coro, **kwargs):
    """A task factory returning the interpreter's own task type."""
    if sys.version_info >= (3, 11):
        return asyncio.tasks._CTask(coro, loop=loop, **kwargs)
    return asyncio.tasks._CTask(coro, loop=loop)


@pytest.mark.parametrize("request_", REQUESTS, ids=REQUEST_IDS)
def test_timeout_in_a_task_from_a_foreign_factory(request_):
    # Such a task has no cancelling()/uncancel() on 3.8-3.10: aiohttp's own
    # pre-3.11 code runs for it, and its timeouts work as they always did.
    async def main():
        loop = asyncio.get_running_loop()
        async with Server() as server:
            loop.set_task_factory(_foreign_factory)
            try:
                return await loop.create_task(request_(server))
            finally:
                loop.set_task_factory(None)

    assert asyncio.run(main()) == "TimeoutError"


# Nested deadlines, each order.

async def _asyncio_timeout_outside_client_timeout(server):
    async with asyncio.timeout(10) as outer:
        inner = await _total_timeout(server)
    return outer.expired(), inner


async def _slow_then_fast(server, get_slow):
    """In a session with a long total timeout: /slow by *get_slow*, then /fast."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        try:
            await get_slow(session, server.base + "/slow")
        except TimeoutError:
            inner = "TimeoutError"
        finally:
            server.released.set()
        async with session.get(server.base + "/fast") as response:
            return await response.text(), inner


async def _asyncio_timeout_inside_client_timeout(server):
    async def get_slow(session, url):
        async with asyncio.timeout(QUICKLY):
            async with session.get(url) as response:
                await response.text()

    return await _slow_then_fast(server, get_slow)


async def _client_timeout_inside_client_timeout(server):
    async def get_slow(session, url):
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=QUICKLY)) as response:
            await response.text()

    return await _slow_then_fast(server, get_slow)


NESTED = {
    _asyncio_timeout_outside_client_timeout: (False, "TimeoutError"),
    _asyncio_timeout_inside_client_timeout: ("fast", "TimeoutError"),
    _client_timeout_inside_client_timeout: ("fast", "TimeoutError"),
}


@pytest.mark.parametrize("nested", list(NESTED), ids=[f.__name__.lstrip("_") for f in NESTED])
def test_nested_client_timeouts_and_asyncio_timeout(nested):
    async def main():
        async with Server() as server:
            seen = await nested(server)
        return seen, asyncio.current_task().cancelling(), await then_failing_taskgroup()

    assert asyncio.run(main()) == (NESTED[nested], 0, "went on")


CTRL_C_AFTER_CLIENT_TIMEOUT = ctrl_c_program("""
    import asyncio
    import aiohttp
    from aiohttp import web

    async def slow(request):
        await asyncio.sleep(30)

    async def main():
        app = web.Application()
        app.router.add_get("/slow", slow)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = "http://127.0.0.1:%d/slow" % runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.05)) as s:
                try:
                    async with s.get(url):
                        pass
                except TimeoutError:
                    pass
            print("ready", asyncio.current_task().cancelling(), flush=True)
            await asyncio.sleep(30)
        finally:
            await runner.cleanup()
""")


def test_ctrl_c_after_a_client_timeout_fired():
    assert interrupt_when_ready(CTRL_C_AFTER_CLIENT_TIMEOUT) == (
        "ready 0\n", "KeyboardInterrupt\n", "", 0)


REPORT = """
    import aiohttp
    from taskgroup_patch import adapters
    print(*adapters.status(), sep="\\n")
"""


@pytest.mark.parametrize("switch", [None, "no"])
def test_adaptation_is_reported_and_can_be_switched_off(switch):
    status = adaptation_status(REPORT, switch)
    if not PATCHED:
        assert_nothing_adapted(status)
        return
    line, = [line for line in status if line.startswith("aiohttp ")]
    expected = ("adapted: TimerContext.__enter__, TimerContext.__exit__ recompiled as on 3.11;"
                " ceil_timeout uses asyncio.timeout_at")
    if switch is None:
        assert line == "aiohttp %s (aiohttp.helpers): %s" % (aiohttp.__version__, expected)
    else:
        assert line.endswith("left alone: TASKGROUP_PATCH_ADAPT=no")
