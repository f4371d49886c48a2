"""A TaskGroup keeps no reference cycles through what it raised, its errors
or its parent task (3.14: gh-124958, gh-128552), plain asyncio names.
Native 3.13.0 still keeps them, so there these tests are skipped."""

import asyncio
import gc
import sys
import weakref

import pytest

from _asynciohelpers import PATCHED, no_asyncio_errors  # noqa: F401

pytestmark = pytest.mark.skipif(
    not PATCHED and sys.version_info < (3, 14)
    and asyncio.TaskGroup.__module__ != "taskgroup_patch.backport.taskgroups",
    reason="3.14 broke these cycles (or TASKGROUP_PATCH=1)")


def referrers(obj, frame):
    """What refers to *obj*, apart from *frame*, whose local holds it (or,
    on 3.11+, the coroutine that owns the frame's locals)."""
    return [r for r in gc.get_referrers(obj)
            if r is not frame and getattr(r, "cr_frame", None) is not frame]


def test_raised_group_is_not_kept_by_the_taskgroup():
    async def main():
        exc = None
        try:
            async with asyncio.TaskGroup():
                raise ZeroDivisionError
        except ExceptionGroup as e:
            exc = e
        return referrers(exc, sys._getframe())

    gc.disable()
    try:
        assert asyncio.run(main()) == []
    finally:
        gc.enable()


def test_errors_and_parent_task_are_dropped():
    async def inner(tg):
        async with tg:
            raise ZeroDivisionError

    async def main():
        exc = task_ref = None
        try:
            async with asyncio.TaskGroup() as outer:
                task_ref = weakref.ref(outer.create_task(inner(asyncio.TaskGroup())))
        except ExceptionGroup as group:
            exc = group.exceptions[0].exceptions[0]
            del group
        return task_ref() is None, referrers(exc, sys._getframe())

    gc.disable()
    try:
        assert asyncio.run(main()) == (True, [])
    finally:
        gc.enable()


@pytest.mark.skipif(sys.version_info < (3, 11), reason=(
    "3.8-3.10's coroutine.throw() keeps its argument tuple, which holds the "
    "CancelledError, while the coroutine it resumed runs"))
def test_propagated_cancellation_is_not_kept():
    async def main():
        exc = None
        try:
            async with asyncio.timeout(-1):
                async with asyncio.TaskGroup():
                    await asyncio.sleep(0)
        except TimeoutError as e:
            exc = e.__cause__
        assert isinstance(exc, asyncio.CancelledError)
        return referrers(exc, sys._getframe())

    assert asyncio.run(main()) == []
