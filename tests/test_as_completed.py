"""asyncio.as_completed() as an asynchronous iterator (3.13), and still as a plain one."""

import asyncio
import inspect
import sys

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import PATCHED, run_python

NEEDS_313 = pytest.mark.skipif(
    (3, 11) <= sys.version_info < (3, 13),
    reason="3.13 API: native 3.11/3.12 lack it, and the package patches 3.8-3.10 by default")


async def value_after(delay, value):
    await asyncio.sleep(delay)
    return value


async def fail_after(delay, error):
    await asyncio.sleep(delay)
    raise error


@NEEDS_313
def test_async_for_yields_the_original_tasks_in_completion_order():
    async def main():
        slow = asyncio.create_task(value_after(0.03, "slow"))
        fast = asyncio.create_task(value_after(0.01, "fast"))
        seen = []
        async for task in asyncio.as_completed([slow, fast]):
            assert task.done()
            seen.append(task)
        assert seen == [fast, slow]

    asyncio.run(main())


@NEEDS_313
def test_async_for_makes_tasks_of_coroutines_and_yields_failures_too():
    async def main():
        done = []
        async for task in asyncio.as_completed(
                [value_after(0.02, 2), fail_after(0.01, KeyError("k"))]):
            assert isinstance(task, asyncio.Task)
            done.append(task)
        with pytest.raises(KeyError):
            done[0].result()
        assert done[1].result() == 2

    asyncio.run(main())


def test_plain_for_yields_awaitables_of_the_outcomes():
    async def main():
        outcomes = []
        for next_done in asyncio.as_completed(
                [value_after(0.03, "c"), value_after(0.01, "a"), fail_after(0.02, KeyError("b"))]):
            assert inspect.isawaitable(next_done)
            try:
                outcomes.append(await next_done)
            except KeyError as error:
                outcomes.append(error.args[0])
        assert outcomes == ["a", "b", "c"]

    asyncio.run(main())


@NEEDS_313
def test_timeout_ends_async_iteration():
    async def main():
        never = asyncio.get_running_loop().create_future()
        quick = asyncio.ensure_future(value_after(0, "quick"))
        iterator = asyncio.as_completed([never, quick], timeout=0.02)
        assert await iterator.__anext__() is quick
        with pytest.raises(asyncio.TimeoutError):
            await iterator.__anext__()
        with pytest.raises(TimeoutError):  # the same class, since 3.11
            raise asyncio.TimeoutError
        never.cancel()

    asyncio.run(main())


def test_timeout_raises_where_the_next_outcome_is_awaited():
    async def main():
        never = asyncio.get_running_loop().create_future()
        with pytest.raises(asyncio.TimeoutError):
            for next_done in asyncio.as_completed([never], timeout=0.01):
                await next_done
        never.cancel()

    asyncio.run(main())


@NEEDS_313
def test_one_iterator_both_ways_and_the_same_task_once():
    async def main():
        task = asyncio.create_task(value_after(0, 1))
        other = asyncio.create_task(value_after(0.01, 2))
        iterator = asyncio.as_completed([task, task, other])
        assert iter(iterator) is iterator and iterator.__aiter__() is iterator
        assert await iterator.__anext__() is task
        assert await next(iterator) == 2
        with pytest.raises(StopIteration):
            next(iterator)
        with pytest.raises(StopAsyncIteration):
            await iterator.__anext__()

    asyncio.run(main())


def test_empty_input():
    async def main():
        assert list(asyncio.as_completed([])) == []
        if sys.version_info >= (3, 13) or sys.version_info < (3, 11):
            assert [t async for t in asyncio.as_completed([])] == []

    asyncio.run(main())


@pytest.mark.parametrize("make", ["coroutine", "future"])
def test_a_single_awaitable_is_refused(make):
    async def main():
        if make == "coroutine":
            awaitable = value_after(0, 1)
        else:
            awaitable = asyncio.get_running_loop().create_future()
        with pytest.raises(TypeError, match="iterable"):
            # Iterated, for the generator that 3.8-3.12 return: the newest
            # refuses it at once, and so does the package's.
            for _ in asyncio.as_completed(awaitable):
                pass
        if make == "coroutine":
            awaitable.close()

    asyncio.run(main())


@NEEDS_313
def test_when_the_work_starts():
    # 3.13 starts it when as_completed() is called.  On 3.8-3.10 it starts at
    # the first step, as their as_completed() did: code written for them may
    # make the iterator before the loop it will run in is set.
    async def main():
        started = []

        async def job():
            started.append(1)

        iterator = asyncio.as_completed([job(), job()])
        await asyncio.sleep(0)
        assert started == ([] if PATCHED else [1, 1])
        async for _ in iterator:
            pass
        assert started == [1, 1]

    asyncio.run(main())


@pytest.mark.skipif(not PATCHED, reason="3.8-3.10's own as_completed(): the package's keeps it")
def test_made_before_the_loop_is_set():
    loop = asyncio.new_event_loop()
    try:
        iterator = asyncio.as_completed([value_after(0, 1)])
        asyncio.set_event_loop(loop)
        assert [loop.run_until_complete(f) for f in iterator] == [1]
    finally:
        asyncio.set_event_loop(None)
        loop.close()


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="loop= was removed in 3.10")
def test_loop_argument_keeps_working_on_38_and_39():
    loop = asyncio.new_event_loop()
    try:
        async def main():
            return [await f for f in asyncio.as_completed([value_after(0, 5)], loop=loop)]

        with pytest.warns(DeprecationWarning):
            assert loop.run_until_complete(main()) == [5]
    finally:
        loop.close()


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="the package is inactive by default on 3.11+")
@pytest.mark.parametrize("lookup", ["asyncio.as_completed", "getattr(asyncio, 'as_completed')"])
def test_loaded_on_first_use(lookup):
    # Looked up in asyncio; asyncio.tasks gets the same function then.
    result = run_python(code="""
        import sys, asyncio, asyncio.tasks
        print("taskgroup_patch.backport.as_completed" in sys.modules)
        function = %s
        print(function is asyncio.as_completed is asyncio.tasks.as_completed,
              function.__module__)
    """ % lookup)
    assert (result.stdout, result.stderr) == (
        "False\nTrue taskgroup_patch.backport.as_completed\n", "")
