"""Task.cancelling()/uncancel(), cancel(msg), context=, foreign tasks and Task
subclasses -- with plain asyncio names, as 3.11+ code writes them."""

import asyncio
import contextvars
import gc
import sys
import unittest

import pytest

from _asynciohelpers import no_asyncio_errors, run_in_new_loop  # noqa: F401

OLD_UNCANCEL = sys.version_info[:2] in ((3, 11), (3, 12))
old_uncancel_skip = pytest.mark.skipif(
    OLD_UNCANCEL,
    reason="3.11/3.12 bug fixed in 3.13: uncancel() to zero does not withdraw a "
           "cancel that has not reached the coroutine yet")

var = contextvars.ContextVar("var", default="unset")


async def forever():
    await asyncio.get_running_loop().create_future()


async def set_var(value):
    seen = var.get()
    var.set(value)
    assert asyncio.current_task().get_coro().cr_code is set_var.__code__
    return seen


def foreign_factory(loop, coro, **kwargs):
    """A task factory returning the interpreter's own task type."""
    if sys.version_info >= (3, 11):
        return asyncio.tasks._CTask(coro, loop=loop, **kwargs)
    return asyncio.tasks._CTask(coro, loop=loop)


# --- counting -------------------------------------------------------------

def test_cancel_counts_only_requests_that_return_true():
    async def main():
        task = asyncio.create_task(forever())
        assert task.cancelling() == 0
        assert task.cancel() is True
        assert task.cancelling() == 1
        assert task.cancel() is True
        assert task.cancelling() == 2
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        # A done task refuses: the count does not move.
        assert task.cancel() is False
        assert task.cancelling() == 2

    asyncio.run(main())


def test_cancel_of_finished_task_is_not_counted():
    async def main():
        task = asyncio.create_task(asyncio.sleep(0, result=7))
        assert await task == 7
        assert task.cancel() is False
        assert task.cancelling() == 0
        assert task.uncancel() == 0

    asyncio.run(main())


def test_uncancel_returns_remaining_count_and_never_goes_below_zero():
    async def main():
        task = asyncio.create_task(forever())
        await asyncio.sleep(0)
        assert task.uncancel() == 0
        task.cancel()
        task.cancel()
        task.cancel()
        assert task.uncancel() == 2
        assert task.cancelling() == 2
        assert task.uncancel() == 1
        assert task.uncancel() == 0
        assert task.uncancel() == 0
        assert task.cancelling() == 0
        # The first request cancelled the future the task waits on: that
        # cancellation arrives whatever the count says.
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_count_is_kept_while_the_task_handles_the_cancellation():
    seen = []

    async def worker():
        try:
            await forever()
        except asyncio.CancelledError:
            seen.append(asyncio.current_task().cancelling())
            await asyncio.sleep(0)
            seen.append(asyncio.current_task().cancelling())
            asyncio.current_task().uncancel()
            seen.append(asyncio.current_task().cancelling())
        return "recovered"

    async def main():
        task = asyncio.create_task(worker())
        await asyncio.sleep(0)
        task.cancel()
        assert await task == "recovered"
        assert not task.cancelled()

    asyncio.run(main())
    assert seen == [1, 1, 0]


@pytest.mark.parametrize("how", ["positional", "keyword"])
def test_cancel_accepts_a_message(how):
    seen = []

    async def worker():
        try:
            await forever()
        except asyncio.CancelledError as exc:
            seen.append(exc.args)
            raise

    async def main():
        task = asyncio.create_task(worker())
        await asyncio.sleep(0)
        if how == "positional":
            assert task.cancel("stop now") is True
        else:
            assert task.cancel(msg="stop now") is True
        assert task.cancelling() == 1
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    if sys.version_info >= (3, 9):
        assert seen == [("stop now",)]
    else:
        # 3.8's task cannot carry the message; it is accepted and dropped.
        assert len(seen) == 1


@old_uncancel_skip
def test_uncancel_to_zero_withdraws_a_self_cancel():
    async def main():
        me = asyncio.current_task()
        assert me.cancel() is True
        assert me.cancelling() == 1
        assert me.uncancel() == 0
        await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        return "ran on"

    assert asyncio.run(main()) == "ran on"


@old_uncancel_skip
def test_uncancel_to_zero_withdraws_cancel_of_a_task_not_started_yet():
    async def main():
        task = asyncio.create_task(asyncio.sleep(0, result="done"))
        assert task.cancel() is True
        assert task.uncancel() == 0
        assert await task == "done"
        assert not task.cancelled()

    asyncio.run(main())


def test_uncancel_above_zero_keeps_the_pending_cancel():
    reached = []

    async def main():
        me = asyncio.current_task()
        me.cancel()
        me.cancel()
        assert me.uncancel() == 1
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            reached.append(me.cancelling())
            raise

    with pytest.raises(asyncio.CancelledError):
        run_in_new_loop(main)
    assert reached == [1]


def test_self_cancelled_task_that_returns_ends_cancelled():
    async def cancel_self_and_return():
        asyncio.current_task().cancel()
        return "result"

    async def main():
        task = asyncio.create_task(cancel_self_and_return())
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        assert task.cancelling() == 1

    asyncio.run(main())


@old_uncancel_skip
def test_self_cancelled_then_uncancelled_task_returns_its_result():
    async def cancel_self_uncancel_and_return():
        me = asyncio.current_task()
        me.cancel()
        me.uncancel()
        return "result"

    async def main():
        task = asyncio.create_task(cancel_self_uncancel_and_return())
        assert await task == "result"
        assert not task.cancelled()

    asyncio.run(main())


# --- every way asyncio makes tasks counts --------------------------------

def _check_counts(task):
    assert isinstance(task, asyncio.Task)
    assert task.cancelling() == 0
    assert task.cancel() is True
    assert task.cancelling() == 1


async def _check_pending(task):
    _check_counts(task)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.uncancel() == 0


@pytest.mark.parametrize("how", [
    "loop.create_task", "asyncio.create_task", "ensure_future",
    "ensure_future(loop=)", "TaskGroup.create_task", "gather"])
def test_tasks_asyncio_creates_count_cancellations(how):
    async def main():
        loop = asyncio.get_running_loop()
        if how == "loop.create_task":
            await _check_pending(loop.create_task(forever()))
        elif how == "asyncio.create_task":
            await _check_pending(asyncio.create_task(forever()))
        elif how == "ensure_future":
            await _check_pending(asyncio.ensure_future(forever()))
        elif how == "ensure_future(loop=)":
            await _check_pending(asyncio.ensure_future(forever(), loop=loop))
        elif how == "TaskGroup.create_task":
            async with asyncio.TaskGroup() as tg:
                task = tg.create_task(forever())
                _check_counts(task)
            # The group waited for its cancelled child and ignored it.
            assert task.cancelled()
            assert task.uncancel() == 0
            assert asyncio.current_task().cancelling() == 0
        elif how == "gather":
            children = []

            async def child():
                children.append(asyncio.current_task())
                return asyncio.current_task().cancelling()

            assert await asyncio.gather(child(), child()) == [0, 0]
            for task in children:
                assert isinstance(task, asyncio.Task)
                assert task.uncancel() == 0

    asyncio.run(main())


def test_asyncio_run_main_task_counts():
    async def main():
        me = asyncio.current_task()
        assert isinstance(me, asyncio.Task)
        assert me.cancelling() == 0
        assert me.uncancel() == 0
        try:
            me.cancel()
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            assert me.cancelling() == 1
            assert me.uncancel() == 0
        return "main done"

    assert asyncio.run(main()) == "main done"


def test_isolated_asyncio_test_case_tasks_count():
    seen = {}

    class Case(unittest.IsolatedAsyncioTestCase):
        async def asyncSetUp(self):
            task = asyncio.current_task()
            seen["setup"] = (task.cancelling(), task.uncancel())

        async def test_it(self):
            task = asyncio.current_task()
            seen["test"] = (task.cancelling(), task.uncancel())
            child = asyncio.create_task(forever())
            await asyncio.sleep(0)
            child.cancel()
            seen["child"] = child.cancelling()
            with self.assertRaises(asyncio.CancelledError):
                await child
            async with asyncio.timeout(0.01):
                pass
            async with asyncio.TaskGroup() as tg:
                tg.create_task(asyncio.sleep(0))

    result = unittest.TestResult()
    Case("test_it").run(result)
    assert result.wasSuccessful(), result.errors + result.failures
    assert seen == {"setup": (0, 0), "test": (0, 0), "child": 1}


# --- tasks from a foreign task factory -----------------------------------

def test_plain_interpreter_task_is_an_asyncio_task():
    async def main():
        me = asyncio.current_task()
        assert isinstance(me, asyncio.Task)
        assert isinstance(me, asyncio.tasks.Task)
        child = asyncio.create_task(asyncio.sleep(0, result=3))
        assert isinstance(child, asyncio.Task)
        assert await child == 3
        assert issubclass(type(me), asyncio.Task)
        # Futures are still not tasks.
        fut = asyncio.get_running_loop().create_future()
        assert not isinstance(fut, asyncio.Task)
        assert not issubclass(asyncio.Future, asyncio.Task)
        fut.cancel()

    run_in_new_loop(main, task_factory=foreign_factory)


def test_taskgroup_works_inside_a_foreign_task():
    async def boom():
        await asyncio.sleep(0)
        raise ValueError("boom")

    async def main():
        async with asyncio.TaskGroup() as tg:
            first = tg.create_task(asyncio.sleep(0, result=1))
            second = tg.create_task(asyncio.sleep(0.01, result=2))
        assert (first.result(), second.result()) == (1, 2)

        body_cancelled = []
        with pytest.raises(ExceptionGroup) as info:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(boom())
                sleeper = tg.create_task(forever())
                try:
                    await forever()
                except asyncio.CancelledError:
                    body_cancelled.append(True)
                    raise
        assert body_cancelled == [True]
        assert [type(e) for e in info.value.exceptions] == [ValueError]
        assert sleeper.cancelled()
        # The group took its cancellation of this task back.
        await asyncio.sleep(0)
        await asyncio.sleep(0.001)
        return "after"

    assert run_in_new_loop(main, task_factory=foreign_factory) == "after"


def test_timeout_works_inside_a_foreign_task():
    async def main():
        async with asyncio.timeout(1) as cm:
            await asyncio.sleep(0)
        assert not cm.expired()

        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01) as cm:
                await forever()
        assert cm.expired()
        # No cancellation is left behind.
        await asyncio.sleep(0)
        await asyncio.sleep(0.001)

        async with asyncio.timeout(0.01):
            await asyncio.sleep(0)
        return "after"

    assert run_in_new_loop(main, task_factory=foreign_factory) == "after"


def test_outside_cancel_of_foreign_task_inside_timeout_is_a_cancellation():
    async def guarded():
        async with asyncio.timeout(10):
            await forever()

    async def main():
        task = asyncio.get_running_loop().create_task(guarded())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_in_new_loop(main, task_factory=foreign_factory)


# --- create_task(..., context=) --------------------------------------------

@pytest.mark.parametrize("how", [
    "loop.create_task", "asyncio.create_task", "asyncio.Task", "TaskGroup.create_task"])
def test_task_runs_in_the_given_context(how):
    async def main():
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        ctx.run(var.set, "preset")
        if how == "loop.create_task":
            first = loop.create_task(set_var("first"), context=ctx)
            await first
            second = loop.create_task(set_var("second"), context=ctx)
            await second
        elif how == "asyncio.create_task":
            first = asyncio.create_task(set_var("first"), context=ctx)
            await first
            second = asyncio.create_task(set_var("second"), context=ctx)
            await second
        elif how == "asyncio.Task":
            first = asyncio.Task(set_var("first"), loop=loop, context=ctx)
            await first
            second = asyncio.Task(set_var("second"), loop=loop, context=ctx)
            await second
        else:
            async with asyncio.TaskGroup() as tg:
                first = tg.create_task(set_var("first"), context=ctx)
            async with asyncio.TaskGroup() as tg:
                second = tg.create_task(set_var("second"), context=ctx)
        # Each task saw what was in ctx, and left its value there.
        assert first.result() == "preset"
        assert second.result() == "first"
        assert ctx[var] == "second"
        assert var.get() == "unset"
        assert first.cancelling() == 0

    asyncio.run(main())


def test_without_context_a_task_runs_in_a_copy():
    async def main():
        var.set("caller")
        task = asyncio.create_task(set_var("task"))
        assert await task == "caller"
        assert var.get() == "caller"

    asyncio.run(main())


def test_tasks_sharing_a_context_interleave():
    async def step_and_set(value):
        await asyncio.sleep(0)
        var.set(value)
        await asyncio.sleep(0)
        return var.get()

    async def main():
        ctx = contextvars.Context()
        one = asyncio.create_task(step_and_set("one"), context=ctx)
        two = asyncio.create_task(step_and_set("two"), context=ctx)
        assert await asyncio.gather(one, two) == ["two", "two"]
        assert ctx[var] == "two"

    asyncio.run(main())


def test_get_coro_and_repr_with_context():
    async def main():
        ctx = contextvars.copy_context()
        coro = set_var("x")
        task = asyncio.get_running_loop().create_task(coro, context=ctx, name="named")
        assert task.get_coro() is coro
        assert task.get_name() == "named"
        assert "set_var" in repr(task)
        await task
        assert task.get_coro() is coro

        coro = set_var("y")
        task = asyncio.create_task(coro, context=ctx)
        assert task.get_coro() is coro
        await task

    asyncio.run(main())


def test_cancel_of_task_with_context():
    async def main():
        ctx = contextvars.copy_context()
        task = asyncio.create_task(forever(), context=ctx)
        await asyncio.sleep(0)
        assert task.cancel() is True
        assert task.cancelling() == 1
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_exception_from_task_with_context():
    async def fail():
        var.set("failed")
        raise LookupError("in context")

    async def main():
        ctx = contextvars.copy_context()
        task = asyncio.create_task(fail(), context=ctx)
        with pytest.raises(LookupError, match="in context"):
            await task
        assert ctx[var] == "failed"

    asyncio.run(main())


# --- user subclasses of asyncio.Task ---------------------------------------

class MyTask(asyncio.Task):
    made = 0

    def __init__(self, coro, *, loop=None, name=None, context=None):
        super().__init__(coro, loop=loop, name=name, context=context)
        type(self).made += 1


def test_task_subclass_passing_context_to_super():
    async def main():
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        task = MyTask(set_var("sub"), loop=loop, name="mine", context=ctx)
        assert isinstance(task, asyncio.Task)
        assert task.get_name() == "mine"
        assert await task == "unset"
        assert ctx[var] == "sub"
        assert var.get() == "unset"

        task = MyTask(forever(), loop=loop)
        await asyncio.sleep(0)
        assert task.cancel() is True
        assert task.cancelling() == 1
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.uncancel() == 0

    MyTask.made = 0
    asyncio.run(main())
    assert MyTask.made == 2


def test_task_subclass_as_task_factory():
    def factory(loop, coro, **kwargs):
        return MyTask(coro, loop=loop, **kwargs)

    async def main():
        me = asyncio.current_task()
        assert type(me) is MyTask
        ctx = contextvars.copy_context()
        task = asyncio.create_task(set_var("factory"), context=ctx, name="from factory")
        assert type(task) is MyTask
        assert task.get_name() == "from factory"
        await task
        assert ctx[var] == "factory"
        async with asyncio.TaskGroup() as tg:
            child = tg.create_task(asyncio.sleep(0))
        assert type(child) is MyTask
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await forever()
        assert me.cancelling() == 0

    MyTask.made = 0
    run_in_new_loop(main, task_factory=factory)
    assert MyTask.made == 4


@old_uncancel_skip
@pytest.mark.parametrize("kind", ["subclass", "context"])
def test_uncancel_withdraws_for_subclass_and_context_tasks(kind):
    async def cancel_self_then_take_it_back():
        me = asyncio.current_task()
        me.cancel()
        assert me.uncancel() == 0
        await asyncio.sleep(0)
        return "ran on"

    async def main():
        loop = asyncio.get_running_loop()
        if kind == "subclass":
            task = MyTask(cancel_self_then_take_it_back(), loop=loop)
        else:
            task = asyncio.create_task(cancel_self_then_take_it_back(),
                                       context=contextvars.copy_context())
        assert await task == "ran on"

    asyncio.run(main())


def test_nested_timeouts_inside_a_foreign_task():
    inner_saw = []

    async def main():
        loop = asyncio.get_running_loop()
        when = loop.time() + 0.01
        with pytest.raises(TimeoutError):
            async with asyncio.timeout_at(when) as outer:
                try:
                    async with asyncio.timeout_at(when) as inner:
                        await forever()
                except asyncio.CancelledError:
                    inner_saw.append(True)
                    raise
        assert outer.expired() and inner.expired()

        async with asyncio.timeout(10) as outer:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.01):
                    await forever()
            await asyncio.sleep(0)
        assert not outer.expired()
        await asyncio.sleep(0.001)
        return "after"

    assert run_in_new_loop(main, task_factory=foreign_factory) == "after"
    assert inner_saw == [True]


# --- create_task(coro, **kwargs) (3.14), get_context() (3.12), repr ----------

newer_create_task_skip = pytest.mark.skipif(
    sys.version_info[:2] in ((3, 11), (3, 12), (3, 13))
    and asyncio.create_task.__module__ != "taskgroup_patch.backport.tasks",
    reason="create_task() passes any keyword on since 3.14 (or TASKGROUP_PATCH=1)")

CREATE_TASK_WAYS = ["loop.create_task", "asyncio.create_task", "TaskGroup.create_task"]


async def create_with(how, coro, **kwargs):
    """Create a task the way *how* says, await it, return it.

    If creating it fails, the coroutine is closed (asyncio leaves that to
    the caller) and the error raised as it is.
    """
    failure = None
    try:
        if how == "loop.create_task":
            task = asyncio.get_running_loop().create_task(coro, **kwargs)
        elif how == "asyncio.create_task":
            task = asyncio.create_task(coro, **kwargs)
        else:
            async with asyncio.TaskGroup() as tg:
                try:
                    task = tg.create_task(coro, **kwargs)
                except TypeError as exc:
                    failure = exc  # raised here, it would come out in a group
            if failure is not None:
                raise failure
    except TypeError:
        coro.close()
        raise
    finally:
        failure = None
    await task
    return task


@newer_create_task_skip
@pytest.mark.parametrize("how", CREATE_TASK_WAYS)
def test_create_task_passes_keywords_to_the_task_factory(how):
    received = []

    def factory(loop, coro, **kwargs):
        if "flavour" in kwargs:  # not the loop's own tasks at shutdown
            received.append(sorted(kwargs))
            del kwargs["flavour"]
        return asyncio.Task(coro, loop=loop, **kwargs)

    async def main():
        asyncio.get_running_loop().set_task_factory(factory)
        ctx = contextvars.copy_context()
        task = await create_with(how, set_var("x"), name="n", context=ctx, flavour="mint")
        assert task.get_name() == "n"
        assert ctx[var] == "x"

    asyncio.run(main())
    assert received == [["context", "flavour", "name"]]


@pytest.mark.parametrize("how", CREATE_TASK_WAYS)
def test_create_task_keeps_old_two_argument_factories_working(how):
    # gh-133745: a (loop, coro) factory still works with name= or context=.
    made = []

    def factory(loop, coro):
        task = asyncio.Task(coro, loop=loop)
        made.append(task)
        return task

    async def main():
        asyncio.get_running_loop().set_task_factory(factory)
        task = await create_with(how, set_var("x"), name="named")
        assert task.get_name() == "named"
        if sys.version_info >= (3, 11) or isinstance(asyncio.get_running_loop(),
                                                     asyncio.BaseEventLoop):
            with pytest.raises(TypeError):
                # Context needs a factory that takes it.
                await create_with(how, set_var("y"), context=contextvars.copy_context())
        return task

    task = asyncio.run(main())
    assert made[0] is task


@newer_create_task_skip
@pytest.mark.parametrize("how", CREATE_TASK_WAYS)
def test_unknown_keyword_of_the_default_task_is_a_type_error(how):
    async def main():
        with pytest.raises(TypeError):
            await create_with(how, set_var("x"), flavour="mint")
        task = await create_with(how, set_var("x"), name="n")
        assert task.get_name() == "n"

    asyncio.run(main())


@pytest.mark.skipif(sys.version_info[:2] == (3, 11),
                    reason="Task.get_context() is new in 3.12 (the 3.11 C task cannot be given it)")
def test_get_context_is_the_context_the_task_runs_in():
    async def main():
        ctx = contextvars.copy_context()
        given = asyncio.create_task(set_var("given"), context=ctx)
        copied = asyncio.create_task(set_var("copied"))
        await asyncio.gather(given, copied)
        assert given.get_context() is ctx
        assert copied.get_context()[var] == "copied"
        assert copied.get_context() is copied.get_context()
        assert var.get() == "unset"

    asyncio.run(main())


def test_repr_says_cancelling_while_requests_are_pending():
    async def main():
        task = asyncio.create_task(forever())
        await asyncio.sleep(0)
        assert repr(task).startswith("<Task pending ")
        task.cancel()
        assert repr(task).startswith("<Task cancelling ")
        task.uncancel()
        assert repr(task).startswith("<Task pending ")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert repr(task).startswith("<Task cancelled ")

    asyncio.run(main())


def test_cancel_of_a_failed_task_silences_its_unretrieved_error(no_asyncio_errors):
    async def fail():
        raise ZeroDivisionError

    async def main():
        task = asyncio.create_task(fail())
        await asyncio.sleep(0.01)
        assert task.done()
        assert task.cancel() is False
        assert task.cancelling() == 0

    asyncio.run(main())
    gc.collect()
    assert no_asyncio_errors.records == []


# --- gather(): each argument as ensure_future() would make it ---------------------

async def returns(value):
    return value


def test_gather_closes_a_coroutine_its_loop_refuses(no_asyncio_errors):
    refused = returns("refused")

    def refusing_factory(loop, coro, **kwargs):
        if coro is refused:
            raise RuntimeError("no more tasks")
        return asyncio.Task(coro, loop=loop, **kwargs)

    async def main():
        asyncio.get_running_loop().set_task_factory(refusing_factory)
        first = returns("first")
        with pytest.raises(RuntimeError, match="no more tasks"):
            asyncio.gather(first, refused)
        # As ensure_future() leaves it (3.10+): closed, so never "never awaited".
        assert refused.cr_frame is None
        await asyncio.sleep(0)  # the task gather() made of the first one ends

    asyncio.run(main())


def test_gather_takes_only_futures_of_the_loop_of_its_first_child():
    other_loop = asyncio.new_event_loop()
    try:
        async def main():
            loop = asyncio.get_running_loop()
            mine, theirs = loop.create_future(), other_loop.create_future()
            with pytest.raises(ValueError, match="different loop"):
                asyncio.gather(mine, theirs)
            task = asyncio.create_task(returns(2))
            mine.set_result(1)
            assert await asyncio.gather(mine, task, returns(3), mine) == [1, 2, 3, 1]

        asyncio.run(main())
    finally:
        other_loop.close()
