"""async-timeout next to asyncio.TaskGroup and asyncio.timeout.

async-timeout cancels the task when its deadline passes.  On 3.11+ it is
built on asyncio.Timeout and takes that cancellation back (``uncancel()``);
on 3.8-3.10 it would not, and the task's ``cancelling()`` would stay
raised.  The package adapts it when it is imported (taskgroup_patch.adapters),
so the same tests pass on patched 3.8-3.10 and native 3.11+.  This file
also checks what the adaptation costs a program that never imports such a
library (nothing), and that a library it does not recognise is left alone
without a word.
"""

import asyncio
import textwrap

import pytest

async_timeout = pytest.importorskip("async_timeout")

from _asynciohelpers import no_asyncio_errors  # noqa: E402,F401
from conftest import (  # noqa: E402
    PATCHED, adaptation_status, assert_nothing_adapted, ctrl_c_program, fail,
    interrupt_when_ready, run_python, then_failing_taskgroup)



# Ways an async-timeout deadline fires; each returns what it reported.

async def _timeout():
    try:
        async with async_timeout.timeout(0.001) as deadline:
            await asyncio.sleep(10)
    except TimeoutError:
        return bool(deadline.expired)
    return None


async def _timeout_at():
    loop = asyncio.get_running_loop()
    try:
        async with async_timeout.timeout_at(loop.time() + 0.001) as deadline:
            await asyncio.sleep(10)
    except asyncio.TimeoutError:  # the same class as TimeoutError here
        return deadline.expired()
    return None


async def _timeout_moved_earlier():
    try:
        async with async_timeout.timeout(10) as deadline:
            deadline.shift(-10)
            await asyncio.sleep(10)
    except TimeoutError:
        return bool(deadline.expired)
    return None


DEADLINES = [_timeout, _timeout_at, _timeout_moved_earlier]
DEADLINE_IDS = [f.__name__.lstrip("_") for f in DEADLINES]


def test_issue_program_with_async_timeout():
    async def main():
        try:
            async with async_timeout.timeout(0.01):
                await asyncio.sleep(1)
        except TimeoutError:
            pass
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(fail("child"))
        except ExceptionGroup:
            await asyncio.sleep(0.01)
        return "ok"

    assert asyncio.run(main()) == "ok"


@pytest.mark.parametrize("deadline", DEADLINES, ids=DEADLINE_IDS)
def test_deadline_then_failing_taskgroup_in_the_same_task(deadline):
    async def main():
        expired = await deadline()
        return expired, asyncio.current_task().cancelling(), await then_failing_taskgroup()

    assert asyncio.run(main()) == (True, 0, "went on")


@pytest.mark.parametrize("deadline", DEADLINES, ids=DEADLINE_IDS)
def test_deadline_in_a_taskgroup_child(deadline):
    async def child():
        expired = await deadline()
        return expired, asyncio.current_task().cancelling(), await then_failing_taskgroup()

    async def main():
        async with asyncio.TaskGroup() as group:
            sibling = group.create_task(asyncio.sleep(0.01, "sibling"))
            result = group.create_task(child())
        return result.result(), sibling.result(), asyncio.current_task().cancelling()

    assert asyncio.run(main()) == ((True, 0, "went on"), "sibling", 0)


def test_deadline_not_reached_and_rejected():
    async def main():
        async with async_timeout.timeout(10) as unreached:
            await asyncio.sleep(0)
        async with async_timeout.timeout(0.001) as rejected:
            rejected.reject()
            await asyncio.sleep(0.01)
        return (bool(unreached.expired), bool(rejected.expired),
                asyncio.current_task().cancelling())

    assert asyncio.run(main()) == (False, False, 0)


def test_outside_cancel_in_the_same_iteration_as_the_deadline():
    # As on 3.11+: the deadline compares the task's cancelling() with its
    # value at entry, so a cancel() from elsewhere that lands together with
    # the deadline stays a CancelledError (3.10's async-timeout raised
    # TimeoutError and swallowed it).
    async def main():
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        try:
            async with async_timeout.timeout_at(loop.time()):
                task.cancel()  # the deadline's callback is already queued
                await asyncio.sleep(10)
        except asyncio.CancelledError:
            outcome = "CancelledError"
        except TimeoutError:
            outcome = "TimeoutError"
        left = task.cancelling()
        task.uncancel()
        return outcome, left

    assert asyncio.run(main()) == ("CancelledError", 1)


# Nested deadlines, each order; every case returns what each layer saw.

def _asyncio_expired(deadline):
    return deadline.expired()


def _async_timeout_expired(deadline):
    return bool(deadline.expired)


async def _inner_fires(outer_timeout, inner_timeout, expired):
    async with outer_timeout(10) as outer:
        try:
            async with inner_timeout(0.001):
                await asyncio.sleep(10)
        except TimeoutError:
            inner = "TimeoutError"
    return expired(outer), inner


async def _outer_fires(outer_timeout, inner_timeout, expired):
    try:
        async with outer_timeout(0.001):
            async with inner_timeout(10) as inner:
                await asyncio.sleep(10)
    except TimeoutError:
        return "TimeoutError", expired(inner)


async def _async_timeout_outside_asyncio_fires():
    return await _inner_fires(async_timeout.timeout, asyncio.timeout, _async_timeout_expired)


async def _async_timeout_fires_inside_asyncio():
    return await _inner_fires(asyncio.timeout, async_timeout.timeout, _asyncio_expired)


async def _asyncio_fires_outside_async_timeout():
    return await _outer_fires(asyncio.timeout, async_timeout.timeout, _async_timeout_expired)


async def _async_timeout_fires_outside_asyncio():
    return await _outer_fires(async_timeout.timeout, asyncio.timeout, _asyncio_expired)


async def _async_timeout_inner_fires():
    return await _inner_fires(async_timeout.timeout, async_timeout.timeout,
                              _async_timeout_expired)


async def _async_timeout_outer_fires():
    return await _outer_fires(async_timeout.timeout, async_timeout.timeout,
                              _async_timeout_expired)


NESTED = {
    _async_timeout_outside_asyncio_fires: (False, "TimeoutError"),
    _async_timeout_fires_inside_asyncio: (False, "TimeoutError"),
    _asyncio_fires_outside_async_timeout: ("TimeoutError", False),
    _async_timeout_fires_outside_asyncio: ("TimeoutError", False),
    _async_timeout_inner_fires: (False, "TimeoutError"),
    _async_timeout_outer_fires: ("TimeoutError", False),
}


@pytest.mark.parametrize("nested", list(NESTED), ids=[f.__name__.lstrip("_") for f in NESTED])
def test_nested_deadlines_and_asyncio_timeout(nested):
    async def main():
        seen = await nested()
        return seen, asyncio.current_task().cancelling(), await then_failing_taskgroup()

    assert asyncio.run(main()) == (NESTED[nested], 0, "went on")


CTRL_C_AFTER_DEADLINE = ctrl_c_program("""
    import asyncio
    import async_timeout

    async def main():
        try:
            async with async_timeout.timeout(0.001):
                await asyncio.sleep(10)
        except TimeoutError:
            pass
        print("ready", asyncio.current_task().cancelling(), flush=True)
        await asyncio.sleep(30)
""")


def test_ctrl_c_after_a_deadline_fired():
    # KeyboardInterrupt only if the main task's count is back to 0 once the
    # Runner has taken back its own request.
    assert interrupt_when_ready(CTRL_C_AFTER_DEADLINE) == (
        "ready 0\n", "KeyboardInterrupt\n", "", 0)


REPORT = """
    import asyncio
    import async_timeout

    async def main():
        try:
            async with async_timeout.timeout(0.001):
                await asyncio.sleep(10)
        except TimeoutError:
            pass
        return asyncio.current_task().cancelling()

    print(asyncio.run(main()))
    from taskgroup_patch import adapters
    print(*adapters.status(), sep="\\n")
"""


@pytest.mark.parametrize("switch", [None, "off"])
def test_adaptation_is_reported_and_can_be_switched_off(switch):
    left, *status = adaptation_status(REPORT, switch)
    if not PATCHED:
        assert left == "0"
        assert_nothing_adapted(status)
        return
    line, = [line for line in status if line.startswith("async-timeout ")]
    if switch is None:
        assert left == "0"
        assert "(async_timeout): adapted: Timeout is the 3.11 subclass" in line
    else:
        assert left == "1"
        assert line.endswith("left alone: TASKGROUP_PATCH_ADAPT=off")


def test_a_program_without_these_libraries_loads_nothing_for_them():
    code = """
        import asyncio
        import sys

        async def main():
            async with asyncio.timeout(1):
                async with asyncio.TaskGroup() as group:
                    group.create_task(asyncio.sleep(0))

        asyncio.run(main())
        print(sorted(m for m in sys.modules if m.startswith("taskgroup_patch.adapters")))
    """
    result = run_python(code=code)
    assert (result.stdout, result.stderr, result.returncode) == ("[]\n", "", 0)


@pytest.mark.skipif(not PATCHED, reason="nothing is adapted on 3.11+")
def test_an_unknown_layout_is_left_alone_silently(tmp_path):
    # A module named like the library, but not one of its known shapes: it
    # keeps its own code, nothing is printed, and status() says why.
    (tmp_path / "async_timeout.py").write_text(textwrap.dedent("""
        import sys
        __version__ = "9.0"
        if sys.version_info >= (3, 11):
            def timeout(delay):
                return "3.11 code"
        else:
            def timeout(delay):
                return "own code"
    """))
    code = """
        import asyncio
        import async_timeout
        print(async_timeout.timeout(1))
        from taskgroup_patch import adapters
        print(*[line for line in adapters.status() if "async_timeout" in line])
    """
    result = run_python(code=code, cwd=str(tmp_path))
    assert (result.stderr, result.returncode) == ("", 0)
    assert result.stdout == (
        "own code\nasync-timeout 9.0 (async_timeout): left alone: layout not recognised "
        "(version '9.0' with 1 comparisons with 3.11)\n")


def test_the_start_up_hook_watches_the_modules_adapters_know():
    from taskgroup_patch import _patch, adapters

    for name in adapters.ADAPTERS:
        assert _patch.ON_IMPORT[name] == "taskgroup_patch.adapters:adapt"
