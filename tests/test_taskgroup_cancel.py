"""TaskGroup.cancel() (3.15), plain asyncio names.  Native 3.11-3.13 lack it,
so there these tests are skipped; the newest CPython's sources are the
reference."""

import asyncio
import sys

import pytest

from _asynciohelpers import PATCHED, no_asyncio_errors  # noqa: F401

pytestmark = pytest.mark.skipif(
    not PATCHED and not hasattr(asyncio.TaskGroup, "cancel"),
    reason="TaskGroup.cancel() is new in 3.15 (or TASKGROUP_PATCH=1)")


async def forever():
    await asyncio.get_running_loop().create_future()


def test_cancel_stops_children_and_body_and_exits_quietly():
    steps = []

    async def main():
        async with asyncio.timeout(1):  # must not fire
            async with asyncio.TaskGroup() as tg:
                children = [tg.create_task(forever()) for _ in range(2)]
                await asyncio.sleep(0)
                tg.cancel()
                steps.append("cancelled")
                await asyncio.sleep(0)
                steps.append("not reached")
        assert all(child.cancelled() for child in children)
        assert asyncio.current_task().cancelling() == 0
        await asyncio.sleep(0)  # no cancel is left pending on the parent
        return "done"

    assert asyncio.run(main()) == "done"
    assert steps == ["cancelled"]


@pytest.mark.skipif(sys.version_info[:2] in ((3, 11), (3, 12)), reason=(
    "3.11/3.12 bug fixed in 3.13: uncancel() to zero does not withdraw the cancel "
    "of a body that never awaited"))
def test_cancel_is_idempotent_and_refuses_new_tasks():
    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.cancel()
            tg.cancel()
            coro = asyncio.sleep(1)
            with pytest.raises(RuntimeError, match="is shutting down"):
                tg.create_task(coro)
            assert coro.cr_frame is None  # closed, not left unawaited
        assert asyncio.current_task().cancelling() == 0

    asyncio.run(main())


def test_cancel_before_enter_cancels_on_entry():
    async def main():
        tg = asyncio.TaskGroup()
        tg.cancel()
        steps = []
        async with tg:
            steps.append("entered")
            await asyncio.sleep(0)
            steps.append("not reached")
        return steps

    assert asyncio.run(main()) == ["entered"]


def test_cancel_after_exit_does_nothing():
    async def main():
        async with asyncio.TaskGroup() as tg:
            task = tg.create_task(asyncio.sleep(0, "ok"))
        tg.cancel()
        await asyncio.sleep(0)
        return task.result(), asyncio.current_task().cancelling()

    assert asyncio.run(main()) == ("ok", 0)


def test_cancel_while_exiting_stops_the_children():
    async def main():
        async with asyncio.TaskGroup() as tg:
            child = tg.create_task(forever())
            asyncio.get_running_loop().call_later(0.01, tg.cancel)
        return child.cancelled()

    assert asyncio.run(main()) is True


@pytest.mark.parametrize("when", ["before", "after"])
def test_error_of_a_child_still_propagates(when):
    async def child(tg):
        if when == "before":
            tg.cancel()
            raise ZeroDivisionError
        try:
            raise ZeroDivisionError
        finally:
            tg.cancel()

    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(child(tg))
            await asyncio.sleep(1)

    with pytest.raises(ExceptionGroup) as info:
        asyncio.run(main())
    assert [type(e) for e in info.value.exceptions] == [ZeroDivisionError]


def test_error_of_the_body_still_propagates():
    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.cancel()
            raise ZeroDivisionError

    with pytest.raises(ExceptionGroup) as info:
        asyncio.run(main())
    assert [type(e) for e in info.value.exceptions] == [ZeroDivisionError]


def test_first_result_wins():
    async def main():
        outcome = []

        async def run(delay, value):
            await asyncio.sleep(delay)
            outcome.append(value)
            tg.cancel()

        async with asyncio.TaskGroup() as tg:
            for delay, value in ((0.02, "slow"), (0.001, "fast"), (0.05, "slower")):
                tg.create_task(run(delay, value))
        return outcome

    assert asyncio.run(main()) == ["fast"]


def test_outside_cancellation_during_cancel_is_not_swallowed():
    # gh-155433: a timeout that expires while the children are still
    # unwinding after cancel() must still end in TimeoutError.
    async def slow_to_stop():
        try:
            await forever()
        finally:
            await asyncio.sleep(0.05)

    async def main():
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(slow_to_stop())
                    await asyncio.sleep(0)
                    tg.cancel()
        assert asyncio.current_task().cancelling() == 0

    asyncio.run(main())


def test_outside_cancel_during_cancel_propagates():
    async def slow_to_stop():
        try:
            await forever()
        finally:
            await asyncio.sleep(0.02)

    async def body():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(slow_to_stop())
            await asyncio.sleep(0)
            tg.cancel()

    async def main():
        task = asyncio.create_task(body())
        await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()

    asyncio.run(main())


def test_task_created_while_the_group_is_cancelled_is_cancelled_too():
    # gh-155418: with an eager task factory a new task can run, and cancel
    # its group, before it has joined the group.  This factory does the
    # same, without eager tasks (3.12+).
    tg = asyncio.TaskGroup()

    def cancelling_factory(loop, coro, **kwargs):
        task = asyncio.Task(coro, loop=loop, **kwargs)
        tg.cancel()
        return task

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_task_factory(cancelling_factory)
        rescued = []

        def rescue(child):
            # Without the fix nothing stops the child, and the group hangs.
            rescued.append(child)
            child.cancel()

        async with tg:
            child = tg.create_task(forever())
            watchdog = loop.call_later(0.5, rescue, child)
        watchdog.cancel()
        return child.cancelled(), rescued

    assert asyncio.run(main()) == (True, [])
