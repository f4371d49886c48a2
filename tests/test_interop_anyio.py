"""anyio (asyncio backend) next to asyncio.TaskGroup and asyncio.timeout.

anyio's task groups and cancel scopes cancel tasks with ``Task.cancel()``;
ours count those requests.  On 3.11+ anyio takes its requests back with
``Task.uncancel()``, deciding so by ``sys.version_info``; on 3.8-3.10 the
package adapts anyio's backend when it is imported (taskgroup_patch.adapters)
so that it does the same.  The tests from "anyio takes its cancellations
back" on check that: after an anyio deadline or cancel scope has caught its
cancellation, the task's ``cancelling()`` is back where it was, so a later
failing TaskGroup in the same task, nested timeouts and Ctrl-C behave as on
3.11+.
"""

import asyncio
import sys

import pytest

anyio = pytest.importorskip("anyio")

from _asynciohelpers import no_asyncio_errors  # noqa: E402,F401
from conftest import (  # noqa: E402
    PATCHED, adaptation_status, assert_nothing_adapted, clean_env, ctrl_c_program, fail,
    interrupt_when_ready, run_python, then_failing_taskgroup)



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
                theirs.start_soon(fail, "anyio child")
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
                group.create_task(fail("in a group in an anyio task"))
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
                group.create_task(fail("sibling", 0.01))
        assert [str(e) for e in caught.value.exceptions] == ["sibling"]
        assert victim.cancelled()
        assert log == ["anyio group unwound"]

        # asyncio.timeout around anyio's group and scopes.
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                async with anyio.create_task_group() as theirs:
                    theirs.start_soon(anyio.sleep, 10)

        async def move_on():
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


# --- anyio takes its cancellations back (issue 14) -------------------------

# Ways an anyio scope cancels the task it runs in and catches that
# cancellation; each returns what the scope reported.

async def _move_on_after():
    with anyio.move_on_after(0.001) as scope:
        await asyncio.sleep(10)
    return scope.cancelled_caught


async def _fail_after():
    try:
        with anyio.fail_after(0.001):
            await asyncio.sleep(10)
    except TimeoutError:
        return True
    return False


async def _cancel_scope_deadline():
    with anyio.CancelScope(deadline=anyio.current_time() + 0.001) as scope:
        await anyio.sleep(10)
    return scope.cancelled_caught


async def _cancel_scope_cancel():
    with anyio.CancelScope() as scope:
        asyncio.get_running_loop().call_later(0.001, scope.cancel)
        await asyncio.sleep(10)
    return scope.cancelled_caught


async def _task_group_cancel():
    async with anyio.create_task_group() as theirs:
        theirs.start_soon(anyio.sleep, 10)
        await anyio.sleep(0.001)
        theirs.cancel_scope.cancel()
        await asyncio.sleep(10)
    return theirs.cancel_scope.cancelled_caught


async def _task_group_child_fails():
    try:
        async with anyio.create_task_group() as theirs:
            theirs.start_soon(fail, "anyio child", 0.001)
            await asyncio.sleep(10)
    except ExceptionGroup as errors:
        return [str(e) for e in errors.exceptions] == ["anyio child"]
    return False


SCOPES = [_move_on_after, _fail_after, _cancel_scope_deadline, _cancel_scope_cancel,
          _task_group_cancel, _task_group_child_fails]
SCOPE_IDS = [f.__name__.lstrip("_") for f in SCOPES]


@pytest.mark.skipif(not PATCHED, reason="nothing is adapted on 3.11+")
def test_anyio_is_adapted_under_pytest():
    # pytest's assertion rewriter sits in front of sys.meta_path and claims
    # every package that ships a pytest plugin (anyio does): the start-up
    # hook must still see anyio's backend being imported.
    anyio.run(anyio.sleep, 0, backend="asyncio")
    from taskgroup_patch import adapters

    line, = [line for line in adapters.status() if line.startswith("anyio ")]
    assert "(anyio._backends._asyncio): adapted: CancelScope." in line


def test_issue_program():
    # The program of issue 14, as a new user wrote it.
    async def main():
        with anyio.move_on_after(0.01):
            await asyncio.sleep(1)
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(fail("child"))
        except ExceptionGroup:
            await asyncio.sleep(0.01)
        return "ok"

    assert asyncio.run(main()) == "ok"


@pytest.mark.parametrize("scope", SCOPES, ids=SCOPE_IDS)
def test_scope_then_failing_taskgroup_in_the_same_task(scope):
    async def main():
        task = asyncio.current_task()
        caught = await scope()
        return caught, task.cancelling(), await then_failing_taskgroup()

    assert asyncio.run(main()) == (True, 0, "went on")


@pytest.mark.parametrize("scope", SCOPES, ids=SCOPE_IDS)
def test_scope_in_a_taskgroup_child(scope):
    async def child():
        caught = await scope()
        left = asyncio.current_task().cancelling()
        return caught, left, await then_failing_taskgroup()

    async def main():
        async with asyncio.TaskGroup() as group:
            sibling = group.create_task(asyncio.sleep(0.01, "sibling"))
            result = group.create_task(child())
        return result.result(), sibling.result(), asyncio.current_task().cancelling()

    assert asyncio.run(main()) == ((True, 0, "went on"), "sibling", 0)


def test_fail_after_in_a_child_is_the_groups_error():
    async def slow():
        with anyio.fail_after(0.001):
            await asyncio.sleep(10)

    async def main():
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(slow())
                # (One deadline only: a second child's could fire after the
                # group has cancelled it, which makes it a CancelledError.)
                group.create_task(asyncio.sleep(0))
        except ExceptionGroup as errors:
            return [type(e) for e in errors.exceptions]

    assert asyncio.run(main()) == [TimeoutError]


def _foreign_factory(loop, coro, **kwargs):
    """A task factory returning the interpreter's own task type."""
    if sys.version_info >= (3, 11):
        return asyncio.tasks._CTask(coro, loop=loop, **kwargs)
    return asyncio.tasks._CTask(coro, loop=loop)


def test_scopes_in_a_task_from_a_foreign_factory():
    # Such a task has no cancelling()/uncancel() on 3.8-3.10: anyio's own
    # pre-3.11 code runs for it, and its scopes work as they always did.
    async def body():
        caught = [await scope() for scope in SCOPES]
        async with anyio.create_task_group() as theirs:
            theirs.start_soon(_move_on_after)
        return caught

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_task_factory(_foreign_factory)
        try:
            return await loop.create_task(body())
        finally:
            loop.set_task_factory(None)

    assert asyncio.run(main()) == [True] * len(SCOPES)


# Nested deadlines, each order; every case returns what each layer saw.

async def _anyio_outside_asyncio_fires():
    with anyio.move_on_after(10) as outer:
        try:
            async with asyncio.timeout(0.001):
                await asyncio.sleep(10)
        except TimeoutError:
            inner = "TimeoutError"
    return outer.cancelled_caught, inner


async def _anyio_fires_inside_asyncio():
    async with asyncio.timeout(10) as outer:
        with anyio.move_on_after(0.001) as inner:
            await asyncio.sleep(10)
    return outer.expired(), inner.cancelled_caught


async def _asyncio_fires_outside_anyio():
    try:
        async with asyncio.timeout(0.001):
            with anyio.move_on_after(10) as inner:
                await asyncio.sleep(10)
    except TimeoutError:
        return "TimeoutError", inner.cancelled_caught


async def _anyio_fires_outside_asyncio():
    with anyio.move_on_after(0.001) as outer:
        async with asyncio.timeout(10) as inner:
            await asyncio.sleep(10)
    return outer.cancelled_caught, inner.expired()


async def _anyio_inner_fires():
    with anyio.move_on_after(10) as outer:
        with anyio.fail_after(10):
            with anyio.move_on_after(0.001) as inner:
                await asyncio.sleep(10)
    return outer.cancelled_caught, inner.cancelled_caught


async def _anyio_outer_fires():
    with anyio.move_on_after(0.001) as outer:
        with anyio.move_on_after(10) as inner:
            with anyio.CancelScope():
                await asyncio.sleep(10)
    return outer.cancelled_caught, inner.cancelled_caught


NESTED = {
    _anyio_outside_asyncio_fires: (False, "TimeoutError"),
    _anyio_fires_inside_asyncio: (False, True),
    _asyncio_fires_outside_anyio: ("TimeoutError", False),
    _anyio_fires_outside_asyncio: (True, False),
    _anyio_inner_fires: (False, True),
    _anyio_outer_fires: (True, False),
}


@pytest.mark.parametrize("nested", list(NESTED), ids=[f.__name__.lstrip("_") for f in NESTED])
def test_nested_scopes_and_asyncio_timeout(nested):
    async def main():
        seen = await nested()
        return seen, asyncio.current_task().cancelling(), await then_failing_taskgroup()

    assert asyncio.run(main()) == (NESTED[nested], 0, "went on")


CTRL_C_AFTER_ANYIO_SCOPE = ctrl_c_program("""
    import asyncio
    import anyio

    async def main():
        with anyio.move_on_after(0.001):
            await anyio.sleep(10)
        try:
            with anyio.fail_after(0.001):
                await asyncio.sleep(10)
        except TimeoutError:
            pass
        print("ready", asyncio.current_task().cancelling(), flush=True)
        await asyncio.sleep(30)
""")


def test_ctrl_c_after_anyio_scopes_fired():
    # Runner raises KeyboardInterrupt only if its uncancel() brings the main
    # task's count to 0: anyio must have taken its own requests back.
    assert interrupt_when_ready(CTRL_C_AFTER_ANYIO_SCOPE) == (
        "ready 0\n", "KeyboardInterrupt\n", "", 0)


ADAPTATION_REPORT = """
    import asyncio
    import anyio

    async def main():
        with anyio.move_on_after(0.001):
            await anyio.sleep(10)
        return asyncio.current_task().cancelling()

    print(anyio.run(main))
    from taskgroup_patch import adapters
    print(*adapters.status(), sep="\\n")
"""


@pytest.mark.parametrize("switch", [None, "0"])
def test_adaptation_is_reported_and_can_be_switched_off(switch):
    left, *status = adaptation_status(ADAPTATION_REPORT, switch)
    if not PATCHED:
        assert left == "0"
        assert_nothing_adapted(status)
        return
    anyio_line, = [line for line in status if line.startswith("anyio ")]
    if switch is None:
        assert left == "0"
        assert "(anyio._backends._asyncio): adapted: CancelScope." in anyio_line
    else:
        # Left alone: anyio's request stays counted, as before the adaptation.
        assert left == "1"
        assert anyio_line.endswith("left alone: TASKGROUP_PATCH_ADAPT=0")


def test_nothing_adapted_and_nothing_loaded_when_the_patch_is_off():
    code = """
        import sys
        import anyio

        async def main():
            with anyio.move_on_after(0.001):
                await anyio.sleep(10)

        anyio.run(main)
        print(sorted(m for m in sys.modules if m.startswith("taskgroup_patch.")))
    """
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr, result.returncode) == ("[]\n", "", 0)
