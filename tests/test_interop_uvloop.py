"""uvloop: every way of running it, with TaskGroup, timeout and uncancel.

``scenario()`` is one program that checks the 3.11 semantics that matter on
a uvloop loop.  It runs under ``asyncio.run(loop_factory=...)``,
``asyncio.Runner(loop_factory=...)``, ``uvloop.install()`` + ``asyncio.run``
and ``uvloop.run`` here, and in a subprocess where uvloop was imported
*before* asyncio was patched.  Then uvloop keeps the interpreter's own task
type and makes tasks without ``cancelling()``/``uncancel()``: README ("Works
with", "Known differences") says what that changes, and
``test_uvloop_imported_before_the_patch`` checks exactly that.
"""

import asyncio
import contextvars
import os
import sys
import warnings

import pytest

uvloop = pytest.importorskip("uvloop")

from _asynciohelpers import no_asyncio_errors  # noqa: E402,F401
from conftest import clean_env, interrupt_when_ready, run_python  # noqa: E402

PATCHED = sys.version_info < (3, 11)
HERE = os.path.dirname(os.path.abspath(__file__))

var = contextvars.ContextVar("var", default="unset")


async def _child(delay, fail=False):
    await asyncio.sleep(delay)
    if fail:
        raise ValueError("child failed")
    return delay


async def _race_timeout_with_outside_cancel():
    """A timeout expires and an outside cancel() arrives in one loop iteration.

    3.11+: the outside cancel wins (CancelledError), as the task counts both
    requests.  A task that cannot count reports TimeoutError.
    """
    loop = asyncio.get_running_loop()

    async def body():
        async with asyncio.timeout(None) as deadline:
            def expire_and_cancel():
                deadline.reschedule(loop.time() - 1)  # expires at the next iteration
                loop.call_soon(task.cancel)           # ... and so does this, after it
            loop.call_soon(expire_and_cancel)
            await asyncio.sleep(10)

    task = asyncio.create_task(body())
    try:
        await task
    except asyncio.CancelledError:
        assert task.cancelled()
        return "CancelledError"
    except TimeoutError:
        return "TimeoutError"
    return "no error"


async def recovers():
    """Cancel the current task, handle it, take the request back."""
    me = asyncio.current_task()
    me.cancel()
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        assert me.cancelling() == 1
        assert me.uncancel() == 0
    await asyncio.sleep(0)  # no cancel is left pending
    return "recovered"


async def scenario(children_count=True):
    """Return what differs from a 3.11+ asyncio on a uvloop loop (nothing: "ok")."""
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
    main = asyncio.current_task()
    assert isinstance(main, asyncio.Task)
    assert hasattr(main, "uncancel") is children_count

    # TaskGroup: results, then a failure that cancels the sibling.  (In a
    # task of its own: 3.11 and 3.12 leave the parent's cancelling() raised.)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_child(0.001 * n)) for n in range(3)]
    assert [t.result() for t in tasks] == [0, 0.001, 0.002]

    async def group_failure():
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(_child(0.001, fail=True))
                sibling = group.create_task(_child(10))
        except ExceptionGroup as errors:
            assert [str(e) for e in errors.exceptions] == ["child failed"]
        else:
            raise AssertionError("no ExceptionGroup")
        assert sibling.cancelled()
        return "ok"

    assert await asyncio.create_task(group_failure()) == "ok"

    # Tasks asyncio makes on this loop.
    child = asyncio.create_task(_child(0))
    assert isinstance(child, asyncio.Task)
    assert hasattr(child, "uncancel") is children_count
    await child

    # timeout: expiry, reschedule.
    try:
        async with asyncio.timeout(10) as deadline:
            deadline.reschedule(asyncio.get_running_loop().time() + 0.01)
            await asyncio.sleep(10)
    except TimeoutError:
        assert deadline.expired()
    else:
        raise AssertionError("no TimeoutError")

    # Outside cancellation through a timeout and a TaskGroup.
    started = asyncio.Event()

    async def victim():
        async with asyncio.timeout(10):
            async with asyncio.TaskGroup() as group:
                inner = group.create_task(_child(10))
                started.set()
                await asyncio.sleep(10)
        raise AssertionError("not cancelled: %r" % inner)

    task = asyncio.create_task(victim())
    await started.wait()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    assert task.cancelled()

    # uncancel(): a task takes back a cancellation it handled.
    if children_count:
        assert await recovers() == "recovered"
        assert await asyncio.create_task(recovers()) == "recovered"

    # create_task(context=) runs the task in that very context.
    context = contextvars.copy_context()

    async def set_var():
        var.set("set in task")

    await asyncio.create_task(set_var(), context=context)
    assert context[var] == "set in task"
    assert var.get() == "unset"

    race = await _race_timeout_with_outside_cancel()
    assert race == ("CancelledError" if children_count else "TimeoutError"), race
    return "ok"


@pytest.mark.skipif(sys.version_info[:2] == (3, 11),
                    reason="asyncio.run() has no loop_factory on 3.11 (new in 3.12)")
def test_run_with_loop_factory():
    assert asyncio.run(scenario(), loop_factory=uvloop.new_event_loop) == "ok"


def test_runner_with_loop_factory():
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        assert runner.run(scenario()) == "ok"
        # One loop and one context for every run().
        runner.run(_set_var("first run"))
        assert runner.run(_get_var()) == "first run"
        assert isinstance(runner.get_loop(), uvloop.Loop)


async def _set_var(value):
    var.set(value)


async def _get_var():
    return var.get()


def test_uvloop_install_then_asyncio_run():
    with warnings.catch_warnings():
        # uvloop.install() is deprecated from 3.12 on, still supported.
        warnings.simplefilter("ignore", DeprecationWarning)
        uvloop.install()
    try:
        assert asyncio.run(scenario()) == "ok"
    finally:
        asyncio.set_event_loop_policy(None)


def test_uvloop_run():
    # On 3.8-3.10 uvloop.run() is uvloop's own copy of the 3.10 asyncio.run.
    assert uvloop.run(scenario()) == "ok"


BEFORE_PATCH = """
    import asyncio
    import sys

    import uvloop  # imports asyncio: the interpreter's own, not patched

    assert not hasattr(asyncio, "TaskGroup")
    import taskgroup_patch
    taskgroup_patch.install()  # patches that asyncio in place

    sys.path.insert(0, {here!r})
    import test_interop_uvloop as t

    async def main():
        # Runner's main task is made by the patch and counts ...
        assert await t.recovers() == "recovered"
        # ... the tasks uvloop makes are plain interpreter tasks.
        child = asyncio.get_running_loop().create_task(asyncio.sleep(0))
        assert isinstance(child, asyncio.Task)
        assert not hasattr(child, "uncancel") and not hasattr(child, "cancelling")
        await child
        # TaskGroup and timeout still work inside such a task.
        return await asyncio.create_task(t.scenario(children_count=False))

    print(asyncio.run(main(), loop_factory=uvloop.new_event_loop))
"""


@pytest.mark.skipif(not PATCHED, reason="3.11+: asyncio is never patched, nothing to import first")
def test_uvloop_imported_before_the_patch():
    result = run_python("-W", "error", code=BEFORE_PATCH.format(here=HERE),
                        env=clean_env(TASKGROUP_PATCH="0"))
    assert result.stderr == ""
    assert result.stdout == "ok\n"


CTRL_C = """
    import asyncio

    import uvloop
    if {before_patch}:
        assert not hasattr(asyncio, "TaskGroup")  # uvloop saw the unpatched asyncio
        import taskgroup_patch
        taskgroup_patch.install()

    async def main():
        async with asyncio.TaskGroup() as group:
            group.create_task(asyncio.sleep(30))
            try:
                print("ready", flush=True)
                await asyncio.sleep(30)
            finally:
                print("cleaned up", flush=True)

    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())
    except KeyboardInterrupt:
        print("KeyboardInterrupt")
"""


@pytest.mark.parametrize("before_patch", [False, True], ids=["after", "before-patch"])
def test_ctrl_c_under_runner(before_patch):
    if before_patch and not PATCHED:
        pytest.skip("3.11+: asyncio is never patched, nothing to import first")
    env = clean_env(TASKGROUP_PATCH="0") if before_patch else clean_env()
    output = interrupt(CTRL_C.format(before_patch=before_patch), env)
    assert output == "ready\ncleaned up\nKeyboardInterrupt\n"


def interrupt(code, env):
    """Run *code*, send SIGINT once it prints "ready"; return all it printed."""
    first, rest, errors, returncode = interrupt_when_ready(code, env)
    assert first == "ready\n", first + errors
    assert errors == ""
    assert returncode == 0
    return first + rest
