"""Eager tasks (3.12): asyncio.eager_task_factory, create_eager_task_factory()
and eager_start= -- with plain asyncio names, as 3.12+ code writes them."""

import asyncio
import contextvars
import sys

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401

pytestmark = pytest.mark.skipif(
    not hasattr(asyncio, "eager_task_factory"),
    reason="eager tasks are new in 3.12 (3.11 has them with TASKGROUP_PATCH=1)")

# create_task(coro, eager_start=True) without an eager factory: 3.14 passes
# every keyword on (3.12/3.13 take only name= and context=).
KEYWORDS_PASSED_ON = (sys.version_info >= (3, 14)
                      or asyncio.create_task.__module__ == "taskgroup_patch.backport.tasks")
keywords_skip = pytest.mark.skipif(
    not KEYWORDS_PASSED_ON,
    reason="create_task() passes eager_start= on since 3.14 (or TASKGROUP_PATCH=1)")
# 3.14 hands name= to the task factory; 3.12/3.13 name the task afterwards,
# once its eager step is over.
name_skip = pytest.mark.skipif(
    not KEYWORDS_PASSED_ON,
    reason="3.12/3.13 name a factory's task after its eager step; 3.14 before")

# gh-128550 (3.12.9, 3.13.2): a TaskGroup hears of a child that finished
# eagerly through its done callback, as of any other.
OURS = asyncio.TaskGroup.__module__ == "taskgroup_patch.backport.taskgroups"
gh128550_skip = pytest.mark.skipif(
    not OURS and sys.version_info < (3, 13, 2) and not (3, 12, 9) <= sys.version_info < (3, 13),
    reason="gh-128550, fixed in 3.12.9 and 3.13.2: a child that fails eagerly "
           "aborts its TaskGroup inside create_task()")
# gh-122332 (3.12.5): a task done in its eager step drops its coroutine.
gh122332_skip = pytest.mark.skipif(
    (3, 12) <= sys.version_info < (3, 12, 5),
    reason="gh-122332, fixed in 3.12.5: get_coro() of an eagerly finished task")
# 3.11's own asyncio.Task has no eager_start= (the factory makes tasks that do).
task_eager_skip = pytest.mark.skipif(
    sys.version_info[:2] == (3, 11),
    reason="3.11's asyncio.Task takes no eager_start= (its eager factories, with "
           "TASKGROUP_PATCH=1, make tasks that do)")
EAGER_ON_ANY_LOOP = sys.version_info >= (3, 12)

try:
    import uvloop
except ImportError:
    uvloop = None

var = contextvars.ContextVar("var", default="unset")


def run_eager(main, factory=None):
    """Run main() to completion in a new loop whose task factory is eager."""
    loop = asyncio.new_event_loop()
    loop.set_task_factory(factory or asyncio.eager_task_factory)
    try:
        return loop.run_until_complete(main())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def returns(value):
    return value


async def suspends(value):
    await asyncio.sleep(0)
    return value


async def steps_twice(steps, n):
    # Records n in its first step and again after suspending once.
    steps.append(n)
    await asyncio.sleep(0)
    steps.append(n)
    return n


# --- the first step runs inside create_task() -------------------------------

def test_a_coroutine_that_does_not_suspend_is_done_on_return():
    async def main():
        task = asyncio.create_task(returns("done"))
        assert task.done()
        assert task.result() == "done"
        assert isinstance(task, asyncio.Task)
        return await task

    assert run_eager(main) == "done"


def test_a_coroutine_that_suspends_goes_on_as_a_normal_task():
    steps = []

    async def child():
        steps.append("first step")
        await asyncio.sleep(0)
        steps.append("second step")
        return "later"

    async def main():
        task = asyncio.create_task(child())
        assert steps == ["first step"]
        assert not task.done()
        assert await task == "later"
        assert steps == ["first step", "second step"]

    run_eager(main)


def test_each_step_runs_once():
    steps = []

    async def child(n):
        steps.append(n)
        for _ in range(3):
            await asyncio.sleep(0)
            steps.append(n)

    async def main():
        tasks = [asyncio.create_task(child(n)) for n in range(5)]
        await asyncio.gather(*tasks)

    run_eager(main)
    assert sorted(steps) == sorted(list(range(5)) * 4)


def test_current_task_is_the_new_task_in_its_first_step_and_the_creator_after():
    seen = []

    async def child():
        seen.append(asyncio.current_task())
        await asyncio.sleep(0)
        seen.append(asyncio.current_task())

    async def main():
        me = asyncio.current_task()
        task = asyncio.create_task(child())
        assert seen == [task]
        assert asyncio.current_task() is me
        await task
        assert seen == [task, task]

    run_eager(main)


def test_a_task_created_from_a_plain_callback_starts_eagerly_too():
    seen = []

    async def child():
        seen.append(asyncio.current_task())

    async def main():
        loop = asyncio.get_running_loop()
        made = loop.create_future()
        loop.call_soon(lambda: made.set_result(loop.create_task(child())))
        task = await made
        assert seen == [task]
        assert task.done()

    run_eager(main)


def test_all_tasks_holds_the_task_during_its_eager_step_only_while_pending():
    during = []

    async def child(blocker):
        during.append(asyncio.all_tasks())
        if blocker is not None:
            await blocker

    async def main():
        quick = asyncio.create_task(child(None))
        assert quick in during[0]
        assert quick not in asyncio.all_tasks()
        blocker = asyncio.get_running_loop().create_future()
        slow = asyncio.create_task(child(blocker))
        assert slow in during[1]
        assert slow in asyncio.all_tasks()
        blocker.set_result(None)
        await slow
        assert slow not in asyncio.all_tasks()

    run_eager(main)


def test_the_first_step_runs_in_a_copy_of_the_creators_context():
    async def child():
        assert var.get() == "creator"
        var.set("child")
        await asyncio.sleep(0)
        assert var.get() == "child"
        return "ok"

    async def main():
        var.set("creator")
        task = asyncio.create_task(child())
        assert var.get() == "creator"
        assert await task == "ok"
        assert var.get() == "creator"

    run_eager(main)


def test_the_first_step_runs_in_a_given_context():
    async def child():
        var.set("child")
        await asyncio.sleep(0)
        var.set("child again")

    async def main():
        ctx = contextvars.copy_context()
        task = asyncio.create_task(child(), context=ctx)
        assert ctx[var] == "child"
        await task
        assert ctx[var] == "child again"
        assert task.get_context() is ctx

    run_eager(main)


@name_skip
def test_the_task_has_its_name_in_its_first_step():
    names = []

    async def child():
        names.append(asyncio.current_task().get_name())

    async def main():
        task = asyncio.create_task(child(), name="eager one")
        assert names == ["eager one"]
        assert task.get_name() == "eager one"

    run_eager(main)


@gh122332_skip
def test_a_task_done_in_its_eager_step_lets_go_of_its_coroutine():
    async def main():
        quick = asyncio.create_task(returns(1))
        slow = asyncio.create_task(suspends(2))
        await asyncio.gather(quick, slow)
        assert quick.get_coro() is None
        assert slow.get_coro() is not None

    run_eager(main)


# --- errors and cancellation ---------------------------------------------------

def test_an_error_in_the_first_step_ends_the_task_with_it():
    async def child():
        raise ZeroDivisionError

    async def main():
        task = asyncio.create_task(child())
        assert task.done()
        assert isinstance(task.exception(), ZeroDivisionError)
        with pytest.raises(ZeroDivisionError):
            await task

    run_eager(main)


def test_cancel_after_an_eager_completion_changes_nothing():
    async def main():
        task = asyncio.create_task(returns("kept"))
        assert task.cancel() is False
        assert not task.cancelled()
        return await task

    assert run_eager(main) == "kept"


def test_cancel_after_an_eager_step_that_suspended():
    async def main():
        task = asyncio.create_task(suspends("never"))
        assert task.cancel()
        assert task.cancelling() == 1
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()

    run_eager(main)


def test_a_task_that_cancels_itself_in_its_first_step():
    reached = []

    async def child():
        asyncio.current_task().cancel()
        reached.append("after cancel")
        await asyncio.sleep(0)
        reached.append("never")

    async def main():
        task = asyncio.create_task(child())
        assert reached == ["after cancel"]
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()

    run_eager(main)
    assert reached == ["after cancel"]


# --- how eager tasks are asked for ----------------------------------------------

@task_eager_skip
def test_create_eager_task_factory_calls_the_given_constructor():
    made = []

    class RecordingTask(asyncio.Task):
        def __init__(self, coro, *, loop=None, **kwargs):
            made.append(kwargs.get("eager_start"))
            super().__init__(coro, loop=loop, **kwargs)

    async def main():
        task = asyncio.create_task(returns(3))
        assert type(task) is RecordingTask
        assert task.done()
        return await task

    assert run_eager(main, asyncio.create_eager_task_factory(RecordingTask)) == 3
    assert made[0] is True


@keywords_skip
def test_eager_start_false_through_the_eager_factory_starts_lazily():
    async def main():
        task = asyncio.create_task(returns(4), eager_start=False)
        assert not task.done()
        return await task

    assert run_eager(main) == 4


@keywords_skip
@pytest.mark.parametrize("how", ["asyncio.create_task", "loop.create_task",
                                 "TaskGroup.create_task"])
def test_eager_start_through_the_create_task_family(how):
    async def main():
        coro = returns(how)
        if how == "asyncio.create_task":
            task = asyncio.create_task(coro, eager_start=True)
        elif how == "loop.create_task":
            task = asyncio.get_running_loop().create_task(coro, eager_start=True)
        else:
            async with asyncio.TaskGroup() as tg:
                task = tg.create_task(coro, eager_start=True)
                assert task.done()
        assert task.done()
        assert await asyncio.create_task(suspends(1), eager_start=False) == 1
        return await task

    assert asyncio.run(main()) == how


@task_eager_skip
def test_task_constructor_takes_eager_start():
    async def main():
        loop = asyncio.get_running_loop()
        task = asyncio.Task(returns(5), loop=loop, eager_start=True)
        assert task.done()
        lazy = asyncio.Task(returns(6), loop=loop, eager_start=False)
        assert not lazy.done()
        return await task + await lazy

    assert asyncio.run(main()) == 11


def test_a_loop_that_is_not_running_starts_the_task_lazily():
    loop = asyncio.new_event_loop()
    loop.set_task_factory(asyncio.eager_task_factory)
    try:
        task = loop.create_task(returns(7))
        assert not task.done()
        assert loop.run_until_complete(task) == 7
    finally:
        loop.close()


def test_gather_of_eager_tasks():
    async def main():
        return await asyncio.gather(returns(1), suspends(2), returns(3))

    assert run_eager(main) == [1, 2, 3]


@pytest.mark.skipif(sys.version_info[:2] == (3, 11),
                    reason="3.11's gather() waits a loop iteration for children already done")
def test_gather_of_children_all_done_eagerly_is_done_on_return():
    async def fails():
        raise KeyError("eager")

    async def main():
        everything = asyncio.gather(returns(1), returns(2))
        assert everything.done()
        first_error = asyncio.gather(returns(1), fails())
        assert first_error.done()
        listed = asyncio.gather(fails(), returns(3), return_exceptions=True)
        assert listed.done()
        with pytest.raises(KeyError):
            await first_error
        results = await listed
        assert isinstance(results[0], KeyError) and results[1] == 3
        return await everything

    assert run_eager(main) == [1, 2]


@pytest.mark.skipif(sys.version_info[:2] == (3, 11),
                    reason="3.11's gather() waits a loop iteration for children already done")
def test_gather_of_children_done_eagerly_with_cancels_repeats_and_errors():
    async def cancelled():
        raise asyncio.CancelledError

    async def fails(error):
        raise error

    async def main():
        one = asyncio.create_task(returns(1))
        assert one.done()
        repeated = asyncio.gather(one, one, returns(2))
        assert repeated.done() and repeated.result() == [1, 1, 2]
        listed = asyncio.gather(cancelled(), returns(3), return_exceptions=True)
        assert listed.done()
        results = listed.result()
        assert isinstance(results[0], asyncio.CancelledError) and results[1] == 3
        stopped = asyncio.gather(returns(4), cancelled(), fails(KeyError("later")))
        assert stopped.done()
        with pytest.raises(asyncio.CancelledError):
            stopped.result()
        first = asyncio.gather(fails(KeyError("first")), fails(ValueError("second")))
        with pytest.raises(KeyError):
            await first
        # no_asyncio_errors: the ValueError counts as retrieved, and is not logged

    run_eager(main)


# --- TaskGroup (gh-128550) ------------------------------------------------------

def test_taskgroup_with_children_that_finish_eagerly():
    async def main():
        async with asyncio.TaskGroup() as tg:
            quick = tg.create_task(returns("quick"))
            assert quick.done()
            slow = tg.create_task(suspends("slow"))
        return quick.result(), slow.result()

    assert run_eager(main) == ("quick", "slow")


@gh128550_skip
def test_an_eagerly_failed_child_does_not_cancel_the_body_before_its_next_await():
    events = []

    async def fails():
        raise ValueError("eager failure")

    async def main():
        with pytest.raises(ExceptionGroup) as caught:
            async with asyncio.TaskGroup() as tg:
                failed = tg.create_task(fails())
                assert failed.done()
                # The body goes on until it awaits: the group has not heard
                # of the failure yet, so it still takes tasks.
                other = tg.create_task(suspends("other"))
                events.append("body went on")
                await asyncio.sleep(1)
                events.append("never")
        assert other.cancelled()
        return caught.value

    group = run_eager(main)
    assert events == ["body went on"]
    assert [type(e) for e in group.exceptions] == [ValueError]


# --- edges of the eager start ----------------------------------------------------

def test_an_eager_task_creating_eager_tasks_in_its_first_step():
    seen = []

    async def nest(depth):
        me = asyncio.current_task()
        seen.append((depth, me))
        if depth < 3:
            inner = asyncio.create_task(nest(depth + 1))
            assert inner.done()
            assert asyncio.current_task() is me
            return [depth] + inner.result()
        return [depth]

    async def main():
        me = asyncio.current_task()
        outer = asyncio.create_task(nest(0))
        assert outer.done()
        assert asyncio.current_task() is me
        assert [depth for depth, _ in seen] == [0, 1, 2, 3]
        assert len({task for _, task in seen}) == 4 and outer is seen[0][1]
        return outer.result()

    assert run_eager(main) == [0, 1, 2, 3]


def test_a_constructor_error_leaves_the_loop_as_it_was():
    ran = []

    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(TypeError):
            loop.create_task(42)
        with pytest.raises(TypeError):
            asyncio.create_task("not a coroutine")
        if KEYWORDS_PASSED_ON or sys.version_info >= (3, 12):
            with pytest.raises(TypeError):
                asyncio.Task(None, eager_start=True)
        assert "call_soon" not in vars(loop)
        loop.call_soon(ran.append, "callback")
        task = asyncio.create_task(returns("after"))
        assert task.done()
        await asyncio.sleep(0)
        assert ran == ["callback"]
        return task.result()

    assert run_eager(main) == "after"


def test_a_loop_whose_call_soon_is_overridden_keeps_its_calls():
    class RecordingLoop(asyncio.SelectorEventLoop):
        def __init__(self):
            super().__init__()
            self.calls = 0

        def call_soon(self, callback, *args, context=None):
            self.calls += 1
            return super().call_soon(callback, *args, context=context)

    steps = []

    async def main():
        quick = asyncio.create_task(returns("quick"))
        # 3.12+ starts eagerly on any running loop; the package leaves a
        # loop whose call_soon() is its own alone, and starts lazily there.
        assert quick.done() is EAGER_ON_ANY_LOOP
        results = await asyncio.gather(
            *[asyncio.create_task(steps_twice(steps, n)) for n in range(3)])
        return await quick, results

    loop = RecordingLoop()
    loop.set_task_factory(asyncio.eager_task_factory)
    try:
        quick, results = loop.run_until_complete(main())
    finally:
        loop.close()
    assert (quick, results) == ("quick", [0, 1, 2])
    assert sorted(steps) == [0, 0, 1, 1, 2, 2]
    assert loop.calls > 0


def test_a_call_soon_set_on_the_loop_object_stays_and_is_called():
    calls = []

    async def main():
        loop = asyncio.get_running_loop()
        loop_call_soon = loop.call_soon

        def recording_call_soon(callback, *args, context=None):
            calls.append(callback)
            return loop_call_soon(callback, *args, context=context)

        loop.call_soon = recording_call_soon  # as a test's mock.patch.object does
        try:
            task = asyncio.create_task(suspends("value"))
            assert vars(loop)["call_soon"] is recording_call_soon
            result = await task
        finally:
            del loop.call_soon
        return result

    assert run_eager(main) == "value"
    assert calls  # the task's steps, and on 3.8-3.10 its first one too


def test_eager_tasks_in_debug_mode():
    async def main():
        asyncio.get_running_loop().set_debug(True)
        quick = asyncio.create_task(returns(1))
        assert quick.done()
        slow = asyncio.create_task(suspends(2))
        assert not slow.done()
        return quick.result(), await slow

    assert run_eager(main) == (1, 2)


def test_loops_in_two_threads_start_their_eager_tasks_apart():
    import threading

    results = {}

    def run(name):
        async def main():
            made = [asyncio.create_task(returns((name, n))) for n in range(2000)]
            assert all(task.done() for task in made)
            return [task.result() for task in made]

        results[name] = run_eager(main)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=run, args=(name,)) for name in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    for name in "ab":
        assert results[name] == [(name, n) for n in range(2000)]


def test_what_a_finalizer_schedules_while_a_task_is_made_runs_once():
    import gc

    ran = []
    made_inside = []

    async def main():
        loop = asyncio.get_running_loop()
        inside = False

        def on_collection(phase, info):
            # The garbage collector runs this at any allocation, also inside
            # the constructor of an eager task.
            if inside and phase == "start" and len(ran) + len(made_inside) < 200:
                loop.call_soon(ran.append, "scheduled")
                made_inside.append(loop.create_task(returns("inner")))

        thresholds = gc.get_threshold()
        gc.callbacks.append(on_collection)
        gc.set_threshold(1)
        try:
            inside = True
            made = [asyncio.create_task(returns(n)) for n in range(50)]
            inside = False
        finally:
            gc.set_threshold(*thresholds)
            gc.callbacks.remove(on_collection)
        assert [task.result() for task in made] == list(range(50))
        await asyncio.sleep(0)
        return await asyncio.gather(*made_inside)

    inner = run_eager(main)
    assert ran == ["scheduled"] * len(made_inside)
    assert inner == ["inner"] * len(made_inside) and inner


# --- loops whose ready queue is out of reach ---------------------------------------

@pytest.mark.skipif(uvloop is None, reason="uvloop is not installed (not for Windows)")
@pytest.mark.skipif((3, 12) <= sys.version_info < (3, 14),
                    reason="uvloop hands the task factory eager_start=, which the eager "
                           "factory of 3.12/3.13 does not take")
def test_on_uvloop_eager_tasks_work_and_each_step_runs_once():
    steps = []

    async def main():
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
        quick = asyncio.create_task(returns("quick"))
        # 3.12+ starts it eagerly on any loop; the package cannot reach
        # uvloop's queue and starts it lazily, as 3.12 does for a loop that
        # is not running.
        assert quick.done() is EAGER_ON_ANY_LOOP
        results = await asyncio.gather(
            *[asyncio.create_task(steps_twice(steps, n)) for n in range(3)])
        asyncio.get_running_loop().set_task_factory(None)
        if KEYWORDS_PASSED_ON:
            # Asked for one by one; uvloop's create_task() takes no eager_start=.
            one = asyncio.create_task(steps_twice(steps, 3), eager_start=True)
            assert one.done() is False
            results.append(await one)
        return await quick, results

    loop = uvloop.new_event_loop()
    try:
        quick, results = loop.run_until_complete(main())
    finally:
        loop.close()
    assert quick == "quick"
    assert results[:3] == [0, 1, 2]
    assert sorted(steps) == sorted(results * 2)
