"""asyncio.TaskGroup with the newest CPython semantics, plain asyncio names."""

import asyncio
import contextvars
import gc
import sys
import warnings
import weakref

import pytest

from _asynciohelpers import PATCHED, Recorder, no_asyncio_errors  # noqa: F401


class MyBaseError(BaseException):
    pass


async def forever():
    await asyncio.get_running_loop().create_future()


async def raise_after(delay, exc):
    await asyncio.sleep(delay)
    raise exc


async def raise_when_cancelled(exc, steps=0):
    try:
        await forever()
    except asyncio.CancelledError:
        for _ in range(steps):
            await asyncio.sleep(0)
        raise exc from None


def drive(loop, task):
    """Run *task* to the end although KeyboardInterrupt/SystemExit raised by
    a task stop the loop on their way out (they always have); return how
    many times the loop was stopped that way."""
    stops = 0
    while not task.done():
        try:
            loop.run_until_complete(task)
        except (KeyboardInterrupt, SystemExit):
            stops += 1
    return stops


# --- errors ------------------------------------------------------------------

def test_results_when_all_children_succeed():
    async def main():
        async with asyncio.TaskGroup() as tg:
            a = tg.create_task(asyncio.sleep(0.01, result="a"))
            b = tg.create_task(asyncio.sleep(0, result="b"))
        return a.result(), b.result()

    assert asyncio.run(main()) == ("a", "b")


def test_errors_collected_in_order_of_arrival():
    first = TypeError("first to arrive")
    second = ValueError("raised while being cancelled")
    third = KeyError("also raised while being cancelled")

    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(raise_when_cancelled(second))
            tg.create_task(raise_after(0.01, first))
            tg.create_task(raise_when_cancelled(third, steps=2))
            tg.create_task(forever())

    with pytest.raises(ExceptionGroup) as info:
        asyncio.run(main())
    eg = info.value
    assert type(eg) is ExceptionGroup
    assert eg.message == "unhandled errors in a TaskGroup"
    assert list(eg.exceptions) == [first, second, third]


def test_errors_of_one_iteration_all_collected():
    errors = [ValueError(i) for i in range(3)]

    async def main():
        async with asyncio.TaskGroup() as tg:
            for exc in errors:
                tg.create_task(raise_after(0, exc))

    with pytest.raises(ExceptionGroup) as info:
        asyncio.run(main())
    assert list(info.value.exceptions) == errors


def test_base_exception_makes_a_base_exception_group():
    base = MyBaseError()
    plain = ValueError()

    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(raise_after(0, base))
            tg.create_task(raise_when_cancelled(plain))

    with pytest.raises(BaseExceptionGroup) as info:
        asyncio.run(main())
    assert type(info.value) is BaseExceptionGroup
    assert not isinstance(info.value, Exception)
    assert list(info.value.exceptions) == [base, plain]


def test_body_error_comes_after_children_errors():
    child_error = ValueError("child")
    body_error = ZeroDivisionError("body")

    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(raise_when_cancelled(child_error))
            tg.create_task(forever())
            await asyncio.sleep(0)
            raise body_error

    with pytest.raises(ExceptionGroup) as info:
        asyncio.run(main())
    assert list(info.value.exceptions) == [child_error, body_error]


def test_body_error_alone_is_grouped():
    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(forever())
            await asyncio.sleep(0)
            raise KeyError("body")

    with pytest.raises(ExceptionGroup) as info:
        asyncio.run(main())
    assert [type(e) for e in info.value.exceptions] == [KeyError]


def test_children_errors_take_priority_over_outside_cancellation():
    error = ValueError("child")

    async def group():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(raise_when_cancelled(error))
            await forever()

    async def main():
        task = asyncio.create_task(group())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(ExceptionGroup) as info:
            await task
        assert list(info.value.exceptions) == [error]
        # Still cancelled from outside: the count is left for the caller.
        assert task.cancelling() == 1

    asyncio.run(main())


@pytest.mark.parametrize("base", [KeyboardInterrupt, SystemExit])
def test_base_error_of_a_child_propagates_bare(base):
    base_error = base()
    sibling_error = ValueError("sibling")
    recorder = Recorder()
    body_saw = []

    async def parent():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(raise_after(0, base_error))
            tg.create_task(raise_when_cancelled(sibling_error))
            try:
                await forever()
            except asyncio.CancelledError:
                body_saw.append(asyncio.current_task().cancelling())
                raise

    loop = asyncio.new_event_loop()
    loop.set_exception_handler(recorder)
    try:
        task = loop.create_task(parent())
        stops = drive(loop, task)
        assert task.exception() is base_error
        # The child's error stopped the loop on its way out, then the parent's.
        assert stops == 2
    finally:
        loop.close()
    assert body_saw == [1]
    if PATCHED:
        # Newest-CPython rule: the errors the bare one displaced are reported.
        assert recorder.exceptions == [sibling_error]
    else:
        assert recorder.exceptions in ([], [sibling_error])


def test_keyboard_interrupt_in_body_propagates_bare():
    recorder = Recorder()
    child_error = ValueError("child")

    async def parent():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(raise_when_cancelled(child_error))
            await asyncio.sleep(0)
            raise KeyboardInterrupt

    loop = asyncio.new_event_loop()
    loop.set_exception_handler(recorder)
    try:
        task = loop.create_task(parent())
        drive(loop, task)
        assert type(task.exception()) is KeyboardInterrupt
    finally:
        loop.close()
    if PATCHED:
        assert recorder.exceptions == [child_error]
    else:
        assert recorder.exceptions in ([], [child_error])


# --- cancellation of the parent ---------------------------------------------------

def test_parent_cancelled_once_and_count_restored():
    seen = []

    async def main():
        me = asyncio.current_task()
        before = me.cancelling()
        with pytest.raises(ExceptionGroup) as info:
            async with asyncio.TaskGroup() as tg:
                # Two children fail in the same loop iteration.
                tg.create_task(raise_after(0, ValueError(1)))
                tg.create_task(raise_after(0, ValueError(2)))
                try:
                    await forever()
                except asyncio.CancelledError:
                    seen.append(me.cancelling())
                    raise
        assert len(info.value.exceptions) == 2
        seen.append(me.cancelling())
        assert me.cancelling() == before
        # Nothing is pending against the parent any more.
        await asyncio.sleep(0.001)
        return "after"

    assert asyncio.run(main()) == "after"
    assert seen == [1, 0]


def test_cancelling_count_restored_when_already_cancelled_before():
    async def main():
        me = asyncio.current_task()
        me.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.sleep(0)
        assert me.cancelling() == 1
        async with asyncio.TaskGroup() as tg:
            tg.create_task(asyncio.sleep(0))
        assert me.cancelling() == 1
        assert me.uncancel() == 0
        await asyncio.sleep(0)

    asyncio.run(main())


def test_outside_cancellation_propagates_and_cancels_children():
    children = []

    async def group():
        async with asyncio.TaskGroup() as tg:
            children.append(tg.create_task(forever()))
            children.append(tg.create_task(asyncio.sleep(10)))
            await forever()

    async def main():
        task = asyncio.create_task(group())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        assert task.cancelling() == 1
        assert all(child.cancelled() for child in children)

    asyncio.run(main())


def test_outside_cancellation_while_waiting_for_children_in_exit():
    children = []

    async def slow_to_die():
        try:
            await forever()
        finally:
            await asyncio.sleep(0.01)

    async def group():
        async with asyncio.TaskGroup() as tg:
            children.append(tg.create_task(slow_to_die()))
        # Body done, waiting in __aexit__ when the cancel comes.

    async def main():
        task = asyncio.create_task(group())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert children[0].cancelled()

    asyncio.run(main())


def test_group_in_a_timeout_that_expires():
    children = []

    async def main():
        me = asyncio.current_task()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01) as cm:
                async with asyncio.TaskGroup() as tg:
                    children.append(tg.create_task(forever()))
                    children.append(tg.create_task(asyncio.sleep(10)))
        assert cm.expired()
        assert all(child.cancelled() for child in children)
        assert me.cancelling() == 0

    asyncio.run(main())


def test_timeout_expiring_while_group_waits_in_exit():
    async def main():
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                async with asyncio.TaskGroup() as tg:
                    child = tg.create_task(forever())
        assert child.cancelled()
        assert asyncio.current_task().cancelling() == 0

    asyncio.run(main())


def test_nested_groups():
    inner_error = ValueError("inner")
    outer_error = KeyError("outer")

    async def main():
        me = asyncio.current_task()
        with pytest.raises(ExceptionGroup) as outer_info:
            async with asyncio.TaskGroup() as outer:
                sibling = outer.create_task(raise_when_cancelled(outer_error))
                with pytest.raises(ExceptionGroup) as inner_info:
                    async with asyncio.TaskGroup() as inner:
                        inner.create_task(raise_after(0, inner_error))
                        await forever()
                assert list(inner_info.value.exceptions) == [inner_error]
                assert me.cancelling() == 0
                assert not sibling.done()
                # The outer group goes on working.
                ok = outer.create_task(asyncio.sleep(0, result="ok"))
                await ok
                raise RuntimeError("outer body")
        assert ok.result() == "ok"
        errors = list(outer_info.value.exceptions)
        assert [type(e) for e in errors] == [KeyError, RuntimeError]
        assert errors[0] is outer_error
        assert me.cancelling() == 0

    asyncio.run(main())


def test_inner_group_error_reaches_outer_group():
    async def main():
        async with asyncio.TaskGroup() as outer:
            async def nested():
                async with asyncio.TaskGroup() as inner:
                    inner.create_task(raise_after(0, ValueError("deep")))
            outer.create_task(nested())
            outer.create_task(forever())

    with pytest.raises(ExceptionGroup) as info:
        asyncio.run(main())
    (inner_group,) = info.value.exceptions
    assert isinstance(inner_group, ExceptionGroup)
    assert [str(e) for e in inner_group.exceptions] == ["deep"]


# --- create_task ----------------------------------------------------------------

async def never_started():
    pass  # pragma: no cover


refusal_closes_skip = pytest.mark.skipif(
    sys.version_info[:2] in ((3, 11), (3, 12)),
    reason="3.11/3.12 bug fixed in 3.13: TaskGroup.create_task() does not close "
           "the coroutine it refuses ('never awaited' warning)")


def _assert_refused(tg, match):
    coro = never_started()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match=match):
            tg.create_task(coro)
        assert coro.cr_frame is None  # closed
        del coro
        gc.collect()
    assert [str(w.message) for w in caught] == []


@refusal_closes_skip
def test_create_task_before_enter_closes_the_coroutine():
    _assert_refused(asyncio.TaskGroup(), "has not been entered")


@refusal_closes_skip
def test_create_task_after_exit_closes_the_coroutine():
    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(asyncio.sleep(0))
        _assert_refused(tg, "is finished")

    asyncio.run(main())


@refusal_closes_skip
def test_create_task_while_shutting_down_closes_the_coroutine():
    async def main():
        with pytest.raises(ExceptionGroup):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(raise_after(0, ValueError()))
                try:
                    await forever()
                except asyncio.CancelledError:
                    _assert_refused(tg, "is shutting down")
                    raise

    asyncio.run(main())


@refusal_closes_skip
def test_create_task_from_a_child_while_shutting_down():
    refused = []

    async def child(tg):
        try:
            await forever()
        except asyncio.CancelledError:
            coro = never_started()
            try:
                tg.create_task(coro)
            except RuntimeError as exc:
                refused.append((str(exc), coro.cr_frame))
            raise

    async def main():
        with pytest.raises(ExceptionGroup):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(child(tg))
                await asyncio.sleep(0)
                raise ValueError

    asyncio.run(main())
    assert len(refused) == 1
    assert "is shutting down" in refused[0][0]
    assert refused[0][1] is None


def test_create_task_name_and_context():
    var = contextvars.ContextVar("var", default="unset")

    async def setter():
        var.set("set in task")
        return asyncio.current_task().get_name()

    async def main():
        ctx = contextvars.copy_context()
        async with asyncio.TaskGroup() as tg:
            named = tg.create_task(setter(), name="the name", context=ctx)
            unnamed = tg.create_task(asyncio.sleep(0))
        assert named.result() == "the name"
        assert named.get_name() == "the name"
        assert unnamed.get_name() != "the name"
        assert ctx[var] == "set in task"
        assert var.get() == "unset"

    asyncio.run(main())


def test_create_task_from_children_while_running():
    async def spawner(tg, depth):
        if depth:
            tg.create_task(spawner(tg, depth - 1))
        await asyncio.sleep(0)
        return depth

    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(spawner(tg, 5))
        assert "tasks" not in repr(tg)

    asyncio.run(main())


# --- GeneratorExit -----------------------------------------------------------

@pytest.mark.skipif(
    not PATCHED,
    reason="newest-CPython rule (gh-135736, after 3.13.0): CPython 3.11-3.13.0 wrap "
           "the body's GeneratorExit in a BaseExceptionGroup")
def test_generator_exit_of_the_body_is_reraised_bare():
    children = []
    closed = []

    async def agen():
        async with asyncio.TaskGroup() as tg:
            children.append(tg.create_task(forever()))
            try:
                yield 1
                yield 2
            except GeneratorExit:
                closed.append(True)
                raise

    async def main():
        gen = agen()
        assert await gen.__anext__() == 1
        await gen.aclose()  # GeneratorExit comes back out: aclose() is quiet
        assert closed == [True]
        assert children[0].cancelled()

    asyncio.run(main())


def test_generator_exit_with_child_errors_is_grouped():
    error = ValueError("child")

    async def agen():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(raise_when_cancelled(error))
            await asyncio.sleep(0)
            yield 1

    async def main():
        gen = agen()
        assert await gen.__anext__() == 1
        with pytest.raises(BaseExceptionGroup) as info:
            await gen.aclose()
        assert [type(e) for e in info.value.exceptions] == [ValueError, GeneratorExit]

    asyncio.run(main())


# --- misuse and repr -------------------------------------------------------------

def test_entering_twice():
    async def main():
        tg = asyncio.TaskGroup()
        async with tg:
            with pytest.raises(RuntimeError, match="has already been entered"):
                async with tg:
                    pass  # pragma: no cover
        with pytest.raises(RuntimeError, match="has already been entered"):
            async with tg:
                pass  # pragma: no cover

    asyncio.run(main())


def test_entering_without_a_task():
    outcome = []

    def callback():
        tg = asyncio.TaskGroup()
        enter = tg.__aenter__()
        try:
            enter.send(None)
        except RuntimeError as exc:
            outcome.append(str(exc))
        finally:
            enter.close()
        coro = never_started()
        try:
            tg.create_task(coro)
        except RuntimeError as exc:
            outcome.append(str(exc))
        finally:
            coro.close()  # 3.11/3.12 leave it open

    async def main():
        asyncio.get_running_loop().call_soon(callback)
        await asyncio.sleep(0.01)

    asyncio.run(main())
    assert len(outcome) == 2
    assert "cannot determine the parent task" in outcome[0]
    assert "has not been entered" in outcome[1]


def test_repr():
    async def main():
        tg = asyncio.TaskGroup()
        assert repr(tg) == "<TaskGroup>"
        async with tg:
            assert repr(tg) == "<TaskGroup entered>"
            tg.create_task(asyncio.sleep(0))
            assert repr(tg) == "<TaskGroup tasks=1 entered>"
            tg.create_task(asyncio.sleep(0))
            assert repr(tg) == "<TaskGroup tasks=2 entered>"
        assert repr(tg) == "<TaskGroup entered>"

        tg = asyncio.TaskGroup()
        with pytest.raises(ExceptionGroup):
            async with tg:
                tg.create_task(forever())
                tg.create_task(raise_after(0, ValueError()))
                try:
                    await forever()
                except asyncio.CancelledError:
                    assert repr(tg) == "<TaskGroup tasks=1 errors=1 cancelling>"
                    raise
        assert repr(tg) == "<TaskGroup cancelling>"

    asyncio.run(main())


# --- no reference cycles ------------------------------------------------------

def _no_cycles_skip():
    return pytest.mark.skipif(
        not PATCHED and sys.version_info < (3, 13, 1),
        reason="CPython fixed TaskGroup's traceback refcycles after 3.13.0 (gh-124958)")


class _Probe:
    """Hung on an exception: it dies with the exception (exceptions
    themselves cannot be weakly referenced)."""


def _probed(exc):
    probe = _Probe()
    exc.probe = probe
    return exc, weakref.ref(probe)


class ProbedError(ValueError):
    def __init__(self, name, refs):
        super().__init__(name)
        self.probe = _Probe()
        refs[name] = weakref.ref(self.probe)


async def fail_probed(name, refs):
    await asyncio.sleep(0)
    raise ProbedError(name, refs)  # no local refers to it: no cycle of our own


@_no_cycles_skip()
@pytest.mark.parametrize("where", ["child", "body", "both"])
def test_group_and_exception_freed_without_gc(where):
    refs = {}

    async def main():
        tg = asyncio.TaskGroup()
        refs["group"] = weakref.ref(tg)
        try:
            async with tg:
                if where in ("child", "both"):
                    tg.create_task(fail_probed("child error", refs))
                    tg.create_task(forever())
                if where in ("body", "both"):
                    await asyncio.sleep(0)
                    await asyncio.sleep(0)
                    raise ProbedError("body error", refs)
                await forever()
        except ExceptionGroup as eg:
            refs["group error"] = _probed(eg)[1]
        del tg
        await asyncio.sleep(0)

    gc.collect()
    gc.disable()
    try:
        asyncio.run(main())
        alive = [name for name, ref in refs.items() if ref() is not None]
    finally:
        gc.enable()
    assert "group error" in refs
    assert alive == []


@_no_cycles_skip()
def test_cancelled_error_not_kept_alive():
    refs = {}

    async def group():
        tg = asyncio.TaskGroup()
        refs["group"] = weakref.ref(tg)
        async with tg:
            tg.create_task(forever())
            await forever()

    async def main():
        task = asyncio.create_task(group())
        await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError as exc:
            refs["exc"] = _probed(exc)[1]
        del task
        await asyncio.sleep(0)

    gc.collect()
    gc.disable()
    try:
        asyncio.run(main())
        alive = [name for name, ref in refs.items() if ref() is not None]
    finally:
        gc.enable()
    assert "exc" in refs
    assert alive == []


def test_names_where_311_code_looks():
    import asyncio.taskgroups
    from asyncio import taskgroups

    assert taskgroups is asyncio.taskgroups
    assert asyncio.taskgroups.TaskGroup is asyncio.TaskGroup
    assert "ExceptionGroup" in dir(__import__("builtins"))
    assert issubclass(ExceptionGroup, BaseExceptionGroup)
    assert issubclass(ExceptionGroup, Exception)


@pytest.mark.skipif(sys.version_info[:2] == (3, 11),
                    reason="3.11 bug fixed in 3.12: 'TaskGroup' missing from asyncio.__all__")
def test_taskgroup_in_asyncio_all():
    assert "TaskGroup" in asyncio.__all__
    namespace = {}
    exec("from asyncio import *", namespace)
    assert namespace["TaskGroup"] is asyncio.TaskGroup
