"""anyio (asyncio backend) next to asyncio.TaskGroup and asyncio.timeout.

anyio's task groups and cancel scopes cancel tasks with ``Task.cancel()``;
ours count those requests.  On 3.11+ anyio takes its requests back with
``Task.uncancel()``, but it decides that by reading ``sys.version_info``, so
on 3.8-3.10 it never does: after an anyio cancel scope has caught a
cancellation, the task's ``cancelling()`` stays raised.  README ("Works
with") says what that changes; ``test_anyio_leaves_cancel_requests_*``
check exactly that, and the workaround.
"""

import asyncio
import signal
import subprocess
import sys
import textwrap

import pytest

anyio = pytest.importorskip("anyio")

from _asynciohelpers import no_asyncio_errors  # noqa: E402,F401
from conftest import clean_env  # noqa: E402

PATCHED = sys.version_info < (3, 11)


async def _fail(message, delay=0.0):
    await asyncio.sleep(delay)
    raise ValueError(message)


def test_anyio_groups_and_scopes_next_to_ours():
    async def main():
        results = []

        async def anyio_worker(n):
            await anyio.sleep(0.001 * n)
            results.append(("anyio", n))

        async def asyncio_worker(n):
            await asyncio.sleep(0.001 * n)
            results.append(("asyncio", n))

        async with asyncio.TaskGroup() as ours:
            for n in range(3):
                ours.create_task(asyncio_worker(n))
            async with anyio.create_task_group() as theirs:
                for n in range(3):
                    theirs.start_soon(anyio_worker, n)
        assert sorted(results) == [(kind, n) for kind in ("anyio", "asyncio") for n in range(3)]

        # anyio's scopes, each in a task of its own (see the test below).
        async def move_on():
            with anyio.move_on_after(0.01) as scope:
                await anyio.sleep(10)
            return scope.cancelled_caught

        async def fail_after():
            try:
                with anyio.fail_after(0.01):
                    await anyio.sleep(10)
            except TimeoutError:
                return "TimeoutError"

        async def cancel_scope():
            with anyio.CancelScope() as scope:
                scope.cancel()
                await anyio.sleep(10)
            return scope.cancelled_caught

        async with asyncio.TaskGroup() as group:
            moved = group.create_task(move_on())
            failed = group.create_task(fail_after())
            cancelled = group.create_task(cancel_scope())
        assert (moved.result(), failed.result(), cancelled.result()) == (True, "TimeoutError", True)

        # Their group's error arrives as the same ExceptionGroup class as ours.
        try:
            async with anyio.create_task_group() as theirs:
                theirs.start_soon(_fail, "anyio child")
                await anyio.sleep(10)
        except ExceptionGroup as errors:
            assert [str(e) for e in errors.exceptions] == ["anyio child"]
        return "ok"

    assert anyio.run(main, backend="asyncio") == "ok"


def test_asyncio_taskgroup_inside_an_anyio_task():
    async def worker(log, *, task_status=anyio.TASK_STATUS_IGNORED):
        async with asyncio.TaskGroup() as group:
            blocked = group.create_task(asyncio.sleep(10))
            task_status.started()
            try:
                await asyncio.sleep(10)
            finally:
                log.append("body unwound")
        log.append("not reached: %r" % blocked)

    async def timeouts_and_errors():
        async with asyncio.timeout(0.01) as deadline:
            await asyncio.sleep(0)
        assert not deadline.expired()
        try:
            async with asyncio.timeout(0.01):
                await anyio.sleep(10)
        except TimeoutError:
            pass
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(_fail("in a group in an anyio task"))
        except ExceptionGroup as errors:
            return [str(e) for e in errors.exceptions]

    async def main():
        log = []
        async with anyio.create_task_group() as theirs:
            await theirs.start(worker, log)
            # anyio cancels its task, which is inside our TaskGroup: the group's
            # children are cancelled and the cancellation goes through.
            theirs.cancel_scope.cancel()
        assert log == ["body unwound"]

        async with anyio.create_task_group() as theirs:
            result = []

            async def run():
                result.append(await timeouts_and_errors())

            theirs.start_soon(run)
        assert result == [["in a group in an anyio task"]]
        return "ok"

    assert anyio.run(main, backend="asyncio") == "ok"


def test_anyio_inside_an_asyncio_taskgroup_task():
    async def anyio_user(log):
        async with anyio.create_task_group() as theirs:
            theirs.start_soon(anyio.sleep, 10)
            try:
                await anyio.sleep(10)
            finally:
                log.append("anyio group unwound")

    async def main():
        log = []
        # A sibling's error cancels the task running anyio's group.
        with pytest.raises(ExceptionGroup) as caught:
            async with asyncio.TaskGroup() as group:
                victim = group.create_task(anyio_user(log))
                group.create_task(_fail("sibling", 0.01))
        assert [str(e) for e in caught.value.exceptions] == ["sibling"]
        assert victim.cancelled()
        assert log == ["anyio group unwound"]

        # asyncio.timeout around anyio's group and scopes.
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                async with anyio.create_task_group() as theirs:
                    theirs.start_soon(anyio.sleep, 10)

        async def move_on():
            # In a task of its own: see test_anyio_leaves_cancel_requests_*.
            async with asyncio.timeout(1):
                with anyio.move_on_after(0.01) as scope:
                    await asyncio.sleep(10)
            return scope.cancelled_caught

        assert await asyncio.create_task(move_on())

        # anyio.fail_after inside a group's child: its TimeoutError is the group's error.
        async def slow():
            with anyio.fail_after(0.01):
                await asyncio.sleep(10)

        with pytest.raises(ExceptionGroup) as caught:
            async with asyncio.TaskGroup() as group:
                group.create_task(slow())
        assert [type(e) for e in caught.value.exceptions] == [TimeoutError]
        return "ok"

    assert asyncio.run(main()) == "ok"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_anyio_pytest_plugin_runs_asyncio_taskgroup():
    # anyio's own pytest plugin (asyncio backend) running a 3.11-style test.
    task = asyncio.current_task()
    assert task.cancelling() == 0
    async with asyncio.TaskGroup() as group:
        a = group.create_task(asyncio.sleep(0, "a"))
        b = group.create_task(asyncio.sleep(0.001, "b"))
    assert (a.result(), b.result()) == ("a", "b")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await anyio.sleep(10)


# --- the documented difference (README: "Works with", anyio) -------------

async def _anyio_scope_then_asyncio_group():
    """An anyio scope catches a cancel; then the same task's TaskGroup fails."""
    task = asyncio.current_task()
    with anyio.move_on_after(0.001):
        await anyio.sleep(10)
    left = task.cancelling()
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(_fail("child"))
            await asyncio.sleep(10)
    except ExceptionGroup:
        pass
    try:
        await asyncio.sleep(0)
    except asyncio.CancelledError:
        return left, "cancelled again"
    return left, "went on"


def test_anyio_leaves_cancel_requests_counted_on_3_8_to_3_10():
    left, then = asyncio.run(_anyio_scope_then_asyncio_group())
    if PATCHED:
        # anyio did not uncancel(): the TaskGroup takes the count for an
        # outside cancellation still pending, and (as 3.13 does for those)
        # cancels the task again after raising its ExceptionGroup.
        assert (left, then) == (1, "cancelled again")
    else:
        assert (left, then) == (0, "went on")


def test_anyio_leftover_cancel_requests_workarounds():
    async def in_own_task():
        # anyio's scope in a task of its own leaves this task's count alone.
        async def with_deadline():
            with anyio.move_on_after(0.001):
                await anyio.sleep(10)

        await asyncio.create_task(with_deadline())
        return asyncio.current_task().cancelling()

    async def take_back():
        task = asyncio.current_task()
        before = task.cancelling()
        with anyio.move_on_after(0.001):
            await anyio.sleep(10)
        while task.cancelling() > before:  # nothing to do on 3.11+
            task.uncancel()
        return task.cancelling()

    async def main():
        assert await in_own_task() == 0
        assert await take_back() == 0
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(_fail("child"))
                await asyncio.sleep(10)
        except ExceptionGroup:
            pass
        await asyncio.sleep(0)  # not cancelled again
        return "ok"

    assert asyncio.run(main()) == "ok"


CTRL_C_AFTER_ANYIO_SCOPE = """
    import asyncio
    import anyio

    async def main():
        with anyio.move_on_after(0.001):
            await anyio.sleep(10)
        print("ready", flush=True)
        await asyncio.sleep(30)

    try:
        with asyncio.Runner() as runner:
            runner.run(main())
    except KeyboardInterrupt:
        print("KeyboardInterrupt")
    except asyncio.CancelledError:
        print("CancelledError")
"""


def test_anyio_leftover_cancel_requests_and_ctrl_c():
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CTRL_C_AFTER_ANYIO_SCOPE)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env())
    try:
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert (err, proc.returncode) == ("", 0)
    # Runner raises KeyboardInterrupt only if its uncancel() brings the main
    # task's count to 0; the request anyio left behind keeps it at 1.
    assert out == ("CancelledError\n" if PATCHED else "KeyboardInterrupt\n")
