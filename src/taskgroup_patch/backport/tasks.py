"""A task that counts cancellation requests, as asyncio.Task does since 3.11.

``Task`` subclasses the interpreter's own (C) task, so it runs at C speed: the
count is a class attribute that becomes an instance attribute only once a
task is cancelled, and creating a task through ``loop.create_task`` never runs
Python code in the task itself.

Tasks that asyncio did not make (a user's task factory returning a plain
interpreter task, uvloop imported before the patch) cannot count outside
cancels, but TaskGroup and timeout count their own requests for them through
``request_cancel``/``cancelling``/``uncancel`` below.

``context=`` (3.11) and ``eager_start=`` (3.12) both start from one fact: the
C task of 3.8-3.10 schedules its first step in its constructor, and on
asyncio's own loops that step is then the last Handle of the loop's ready
queue.  For ``context=`` the Handle and the task are handed the given
Context in place of the copy the constructor made; for ``eager_start=`` the
step is taken off the queue and run at once, with the creating task switched
out of ``current_task()`` meanwhile, as 3.12's eager start does.  Loops that
keep their queue out of reach (uvloop) start eager tasks lazily, as 3.12
does for a loop that is not running, and run ``context=`` tasks through a
small wrapper coroutine.
"""

from __future__ import annotations

import asyncio.base_events
import asyncio.coroutines
import asyncio.events
import asyncio.futures
import asyncio.tasks
import builtins
import collections.abc
import concurrent.futures
import sys
import types
import warnings
import weakref

__all__ = ("Task", "create_task", "ensure_future", "gather",
           "create_eager_task_factory", "eager_task_factory")

# The interpreter's own task type: the C one wherever _asyncio exists.
_BaseTask = getattr(asyncio.tasks, "_CTask", None) or asyncio.tasks._PyTask
_iscoroutine = asyncio.coroutines.iscoroutine
_get_running_loop = asyncio.events.get_running_loop
_get_event_loop = asyncio.events.get_event_loop
_get_running_loop_or_none = asyncio.events._get_running_loop
_MethodType = types.MethodType
_CoroutineType = types.CoroutineType
_current_tasks = asyncio.tasks._current_tasks
_BaseEventLoop = asyncio.base_events.BaseEventLoop
_base_call_soon = _BaseEventLoop.call_soon
# What the interpreter's own task takes: context= since 3.11, eager_start= since 3.12.
_NATIVE_CONTEXT = sys.version_info >= (3, 11)  # and cancel counting
_NATIVE_EAGER = sys.version_info >= (3, 12)


class _CoroutineInContext(collections.abc.Coroutine):
    """A coroutine whose every step runs inside one contextvars.Context.

    The C task of 3.8-3.10 always runs its coroutine in a *copy* of the
    current context; ``Task(..., context=ctx)`` must run in ctx itself, so
    that what the task sets there is visible afterwards.  Only for loops
    whose ready queue is out of reach (see _first_step): elsewhere the task
    is given the context itself, and no frame of ours shows in tracebacks.
    """

    __slots__ = ("coro", "context")

    def __init__(self, coro, context):
        self.coro = coro
        self.context = context

    def send(self, value):
        return self.context.run(self.coro.send, value)

    def throw(self, *exc_info):
        return self.context.run(self.coro.throw, *exc_info)

    def close(self):
        self.coro.close()

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        # Not self.send(None): one frame of ours in tracebacks is enough.
        return self.context.run(self.coro.send, None)

    def __getattr__(self, name):
        # cr_frame, cr_code, __qualname__...: repr() and get_stack() read them.
        return getattr(self.coro, name)

    def __repr__(self):
        return repr(self.coro)


class _TaskType(type):
    """Makes every interpreter task pass ``isinstance(t, asyncio.Task)``."""

    def __instancecheck__(cls, obj):
        if cls is Task:
            return isinstance(obj, _BaseTask)
        return super().__instancecheck__(obj)

    def __subclasscheck__(cls, subclass):
        if cls is Task:
            return issubclass(subclass, _BaseTask)
        return super().__subclasscheck__(subclass)


if _BaseTask is asyncio.tasks._PyTask:
    def _withdraw_cancel(task):
        task._must_cancel = False

    def _task_context(task):
        return task._context

    def _knows_context_slot():
        return True

    def _set_task_context(task, context, current):
        task._context = context
        return True
else:
    # _ctask is imported on first use, not with asyncio: few programs ever
    # take back a cancel that is still pending, or ask for a task's context.
    def _withdraw_cancel(task):
        from taskgroup_patch.backport import _ctask

        _ctask.clear_must_cancel(task)

    def _task_context(task):
        from taskgroup_patch.backport import _ctask

        return _ctask.task_context(task)

    def _knows_context_slot():
        from taskgroup_patch.backport import _ctask

        return _ctask.knows_context_slot()

    def _set_task_context(task, context, current):
        from taskgroup_patch.backport import _ctask

        return _ctask.set_task_context(task, context, current)


def _first_step(loop, task):
    """Return the Handle of *task*'s first step, or None if out of reach.

    The task's constructor has just scheduled it: on asyncio's own loops it
    is the last Handle of the ready queue.  Anything else (another loop, a
    call_soon() of a subclass) is left alone.
    """
    if isinstance(loop, _BaseEventLoop) and type(loop).call_soon is _base_call_soon:
        ready = loop._ready
        if ready:
            handle = ready[-1]
            if getattr(handle._callback, "__self__", None) is task:
                return handle
    return None


def _can_run_in_context(loop):
    # Checked before the task exists: afterwards it is too late to wrap.
    return (isinstance(loop, _BaseEventLoop) and type(loop).call_soon is _base_call_soon
            and _knows_context_slot())


def _run_in_context(task, loop, context):
    handle = _first_step(loop, task)
    if handle is None or not _set_task_context(task, context, handle._context):
        # _can_run_in_context() said yes: the probe of the C task's layout
        # and this task disagree, which must not pass unnoticed.
        raise RuntimeError("cannot run %r in the given context" % (task,))
    handle._context = context


def _start_eagerly(task, loop):
    """Run *task*'s first step now, taking it back off the ready queue.

    Where _init_eagerly() cannot keep the step from the queue: debug mode,
    a call_soon set on the loop object, a task given context=.
    """
    handle = _first_step(loop, task)
    if handle is None:
        return  # the loop will run it: a lazy start
    loop._ready.pop()  # that handle: it runs here, never in the loop too
    _run_first_step(task, loop, handle._callback, handle._context)


def _run_first_step(task, loop, step, context):
    """Run *task*'s first step now, as 3.12's eager start does.

    Inside the step, current_task() is *task*: the creating task is switched
    out meanwhile (the step itself enters and leaves *task*).
    """
    previous = _current_tasks.pop(loop, None)
    try:
        context.run(step)
    finally:
        if previous is not None:
            _current_tasks[loop] = previous
    if task.done():
        # As 3.13 (gh-122332): a task done in its eager step lets go of its
        # coroutine; the C task keeps it, so get_coro() hides it.
        task._coro_released = True


# The usual eager start never lets the first step become a Handle.  The C
# task looks call_soon up on the loop object each time it schedules, so
# while its constructor runs, an instance attribute of the loop shadows the
# method and keeps the step, with the context the constructor made, in a
# list of the task's own: threads, and a constructor that a finalizer of the
# garbage collector runs inside another one, never mix their steps up.


def _keep_first_step(kept, callback, *args, context=None):
    """Stand in for ``loop.call_soon`` while a task's constructor runs.

    *kept* is ``[task, loop]``; the task's first step and its context are
    appended to it.
    """
    if not args and getattr(callback, "__self__", None) is kept[0]:
        kept.append(callback)
        kept.append(context)
        return None
    # Someone else's call meanwhile (a finalizer): the loop takes it.
    return _base_call_soon(kept[1], callback, *args, context=context)


def _can_keep_first_step(loop):
    # asyncio's own call_soon only, neither overridden nor already shadowed
    # (by a test's mock, or by _keep_first_step for another constructor):
    # those, and debug mode, whose call_soon() checks the calling thread,
    # keep the Handle and _start_eagerly().
    return (isinstance(loop, _BaseEventLoop) and type(loop).call_soon is _base_call_soon
            and "call_soon" not in loop.__dict__ and not loop._debug)


def _init_eagerly(task, coro, loop, name):
    """Initialise *task* (made by __new__) on a running *loop*; start it eagerly.

    The caller has checked _can_keep_first_step(loop).
    """
    attrs = loop.__dict__
    kept = [task, loop]
    attrs["call_soon"] = _MethodType(_keep_first_step, kept)
    try:
        _init_task(task, coro, loop=loop, name=name)
    finally:
        # Also when the constructor raised (TypeError: not a coroutine).
        attrs.pop("call_soon", None)
    if len(kept) == 4:
        # _run_first_step(), inlined: this is the hot path of eager tasks.
        previous = _current_tasks.pop(loop, None)
        try:
            kept[3].run(kept[2])
        finally:
            if previous is not None:
                _current_tasks[loop] = previous
        if task.done():
            task._coro_released = True
    # Otherwise another thread replaced the attribute meanwhile: the step
    # went to the loop's queue, and the task starts lazily.


# Called directly rather than through super(): cancel() is on the hot path
# of every TaskGroup and timeout that cancels.
_cancel_task = _BaseTask.cancel


class Task(_BaseTask, metaclass=_TaskType):
    """A coroutine wrapped in a Future that counts its cancellation requests."""

    # Set only on a task that its eager step finished.  A slot: as an
    # instance attribute it gave each such task a dictionary of its own.
    __slots__ = ("_coro_released",)

    def __init__(self, coro, *, loop=None, name=None, context=None, eager_start=False):
        if eager_start and context is None:
            running = loop if loop is not None else _get_running_loop_or_none()
            if (running is not None and _can_keep_first_step(running)
                    and running.is_running()):
                _init_eagerly(self, coro, running, name)
                return
        if context is None:
            super().__init__(coro, loop=loop, name=name)
        elif _NATIVE_CONTEXT:
            super().__init__(coro, loop=loop, name=name, context=context)
        else:
            if loop is None:
                loop = _get_event_loop()  # what the interpreter's task would take
            if _can_run_in_context(loop):
                super().__init__(coro, loop=loop, name=name)
                _run_in_context(self, loop, context)
            else:
                if _iscoroutine(coro):
                    coro = _CoroutineInContext(coro, context)
                super().__init__(coro, loop=loop, name=name)
        if eager_start and self._loop.is_running():
            _start_eagerly(self, self._loop)

    # From 3.11 the interpreter's own task counts (this class then only adds
    # eager_start=, on 3.11, and get_context()).
    if not _NATIVE_CONTEXT:
        _num_cancels_requested = 0

        # Even a finished task's cancel() goes to the interpreter's: that is
        # what stops the "exception was never retrieved" log of a task nobody
        # will await.
        if sys.version_info >= (3, 9):
            def cancel(self, msg=None):
                """Request that the task be cancelled; count the request."""
                if not self.done():
                    self._num_cancels_requested += 1
                return _cancel_task(self, msg)
        else:
            def cancel(self, msg=None):
                """Request that the task be cancelled; count the request.

                *msg* is accepted for 3.9+ compatibility; 3.8 cannot carry it.
                """
                if not self.done():
                    self._num_cancels_requested += 1
                return _cancel_task(self)

        def cancelling(self):
            """Return the number of pending cancellation requests."""
            return self._num_cancels_requested

        def uncancel(self):
            """Take back one cancellation request; return how many remain.

            When none remain, a cancel that has not reached the coroutine
            yet is withdrawn.
            """
            count = self._num_cancels_requested
            if count > 0:
                count -= 1
                self._num_cancels_requested = count
                if count == 0 and self._must_cancel:
                    _withdraw_cancel(self)
            return count

        def _repr_info(self):
            # The C task's repr() calls this method: say "cancelling" while
            # cancel requests are pending, as 3.11+ does.
            info = super()._repr_info()
            if self._num_cancels_requested and not self.done():
                info[0] = "cancelling"
            return info

    def get_coro(self):
        if getattr(self, "_coro_released", False):
            return None
        coro = super().get_coro()
        if type(coro) is _CoroutineInContext:
            return coro.coro
        return coro

    def get_context(self):
        """Return the contextvars.Context the task runs in (3.12)."""
        coro = super().get_coro()
        if type(coro) is _CoroutineInContext:
            return coro.context
        return _task_context(self)


def _set_task_name(task, name):
    # A task factory's tasks need not have set_name().
    if name is not None:
        set_name = getattr(task, "set_name", None)
        if set_name is not None:
            set_name(name)


# Creating tasks without running Task.__init__: the common case pays nothing.
_new_task = _BaseTask.__new__
_init_task = _BaseTask.__init__


def _loop_create_task(self, coro, *, name=None, context=None, **kwargs):
    """Schedule a coroutine object; return a task (BaseEventLoop.create_task).

    Keywords other than name= and context= go to the task factory or the
    Task as they are (3.14); the Task raises TypeError for those it lacks.
    """
    self._check_closed()
    factory = self._task_factory
    if factory is not None:
        if (factory is eager_task_factory and context is None and not kwargs
                and asyncio.tasks.Task is Task):
            # What the eager factory would do, without its two Python calls:
            # the common way to ask for eager tasks.
            task = _new_task(Task)
            if (self.is_running() and type(self).call_soon is _base_call_soon
                    and "call_soon" not in self.__dict__ and not self._debug):
                _init_eagerly(task, coro, self, name)  # _can_keep_first_step(), inlined
            else:
                _init_task(task, coro, loop=self, name=name)
                if self.is_running():
                    _start_eagerly(task, self)
            return task
        return _factory_task(factory, self, coro, name, context, kwargs)
    # Looked up on each call, as CPython does: some runners swap it for a
    # while (backports.asyncio.runner, used by pytest-asyncio).
    task_class = asyncio.tasks.Task
    if context is not None or kwargs:
        if "eager_start" in kwargs and task_class is _BaseTask and not _NATIVE_EAGER:
            task_class = Task  # 3.11's own task lacks eager_start=
        task = task_class(coro, loop=self, name=name, context=context, **kwargs)
    elif task_class is Task:
        task = _new_task(Task)
        _init_task(task, coro, loop=self, name=name)
    else:
        task = task_class(coro, loop=self, name=name)
    if task._source_traceback:
        del task._source_traceback[-1]
    return task


def _factory_task(factory, loop, coro, name, context, kwargs):
    if kwargs or getattr(factory, "__code__", None) is _EAGER_FACTORY_CODE:
        # Only a factory written for 3.14's (loop, coro, **kwargs) can take
        # other keywords: hand it everything.  The eager factories are, and
        # get the name too, so that an eager task has it in its first step
        # (3.14); 3.13 names it afterwards.
        if name is not None:
            kwargs["name"] = name
        if context is not None:
            kwargs["context"] = context
        return factory(loop, coro, **kwargs)
    # 3.13.4's compromise (gh-133745): a factory written as (loop, coro)
    # keeps working when only name= or context= is given.
    if context is None:
        task = factory(loop, coro)
    else:
        task = factory(loop, coro, context=context)
    _set_task_name(task, name)
    return task


def create_task(coro, *, name=None, context=None, **kwargs):
    """Schedule the execution of a coroutine object; return a Task."""
    loop = _get_running_loop()
    if context is not None or kwargs:
        return loop_create_task(loop, coro, name, context, kwargs)
    if name is None:
        return loop.create_task(coro)
    if isinstance(loop, _BaseEventLoop):
        # Through the loop, which hands the name to a task factory (3.14).
        return loop.create_task(coro, name=name)
    task = loop.create_task(coro)
    _set_task_name(task, name)
    return task


def loop_create_task(loop, coro, name, context, kwargs):
    """``loop.create_task(coro, name=name, context=context, **kwargs)`` on any loop.

    Before 3.11 only asyncio's own loops (patched above) take context=
    and other keywords (eager_start=); for others, such as uvloop's, such
    a task is made here, honouring the loop's task factory as 3.11's
    create_task() does.
    """
    if sys.version_info >= (3, 11) or isinstance(loop, asyncio.base_events.BaseEventLoop):
        return loop.create_task(coro, name=name, context=context, **kwargs)
    if context is None and not kwargs:
        if name is None:
            return loop.create_task(coro)
        return loop.create_task(coro, name=name)
    factory = loop.get_task_factory()
    if factory is None:
        return Task(coro, loop=loop, name=name, context=context, **kwargs)
    return _factory_task(factory, loop, coro, name, context, kwargs)


def create_eager_task_factory(custom_task_constructor):
    """Return a task factory that starts each task eagerly (3.12).

    *custom_task_constructor* is called as ``Task(coro, loop=loop,
    eager_start=True, **kwargs)``; the task's first step then runs inside
    ``create_task()`` while the loop runs, and a coroutine that finishes
    without suspending is done on return, never scheduled.
    ``create_task(coro, eager_start=False)`` still starts one lazily.
    """
    def factory(loop, coro, *, eager_start=True, **kwargs):
        return custom_task_constructor(coro, loop=loop, eager_start=eager_start, **kwargs)

    return factory


eager_task_factory = create_eager_task_factory(Task)
# Every factory create_eager_task_factory() makes runs this code.
_EAGER_FACTORY_CODE = eager_task_factory.__code__


_stdlib_ensure_future = asyncio.tasks.ensure_future
_isfuture = asyncio.futures.isfuture
_get_loop = asyncio.futures._get_loop


def ensure_future(coro_or_future, *, loop=None):
    """Wrap a coroutine or an awaitable in a future (3.8/3.9 replacement).

    The stdlib version of 3.8 and 3.9 reads ``_source_traceback`` from what
    a task factory returns, which need not have one (3.10 fixed that).
    """
    if _iscoroutine(coro_or_future):
        if loop is None:
            loop = asyncio.events.get_event_loop()
        task = loop.create_task(coro_or_future)
        source_traceback = getattr(task, "_source_traceback", None)
        if source_traceback:
            del source_traceback[-1]
        return task
    # Futures are answered here rather than by the stdlib version: gather()
    # passes every task it is given through ensure_future(), and a second
    # call per task cost 5% of creating and gathering trivial tasks.
    if _isfuture(coro_or_future):
        if loop is not None and loop is not _get_loop(coro_or_future):
            raise ValueError("The future belongs to a different loop than "
                             "the one specified as the loop argument")
        return coro_or_future
    return _stdlib_ensure_future(coro_or_future, loop=loop)


_stdlib_gather = asyncio.tasks.gather
# Futures of asyncio's own types, whose loop gather() reads itself (_loop)
# where ensure_future() would call get_loop().
_PLAIN_FUTURES = (Task, _BaseTask, asyncio.futures.Future)
_GatheringFuture = asyncio.tasks._GatheringFuture
_CancelledError = asyncio.exceptions.CancelledError

if sys.version_info >= (3, 9):
    def _cancelled_error(fut):
        return fut._make_cancelled_error()

    def _cancelled_result(fut):
        # Only the message: the error is listed, not raised.
        message = fut._cancel_message
        return _CancelledError("" if message is None else message)
else:
    def _cancelled_error(fut):
        return _CancelledError()  # 3.8 has no cancel messages

    _cancelled_result = _cancelled_error


def gather(*coros_or_futures, return_exceptions=False):
    """Return a future aggregating results from the given coroutines/futures.

    As in 3.12+: children that are already done when gather() is called (an
    eager task factory finishes many tasks inside create_task()) are
    counted at once, rather than through a callback the loop runs later;
    if all of them are, the returned future is done on return.  Otherwise
    the interpreter's gather(), whose docstring tells the rest.
    """
    if not coros_or_futures:
        return _stdlib_gather(return_exceptions=return_exceptions)

    def _child_done(child):
        nonlocal finished
        finished += 1
        if outer is None or outer.done():
            if not child.cancelled():
                child.exception()  # retrieved: nobody will log it
            return
        if not return_exceptions:
            if child.cancelled():
                outer.set_exception(_cancelled_error(child))
                return
            error = child.exception()
            if error is not None:
                outer.set_exception(error)
                return
        if finished == len(futures_of):
            results = []
            for child in children:
                if child.cancelled():
                    results.append(_cancelled_result(child))
                else:
                    error = child.exception()
                    results.append(child.result() if error is None else error)
            if outer._cancel_requested:
                # gather() itself was cancelled: that wins (bpo-32684).
                outer.set_exception(_cancelled_error(child))
            else:
                outer.set_result(results)

    ensure = asyncio.tasks.ensure_future
    futures_of = {}  # each argument once -> its future
    children = []
    already_done = []
    finished = 0
    loop = None
    outer = None
    for arg in coros_or_futures:
        child = futures_of.get(arg)
        if child is None:
            # Once the loop is known, what ensure_future() answers for a
            # coroutine or a future of asyncio's own, without its call (two
            # on 3.10) for each child.
            if loop is None:
                child = ensure(arg)
                loop = _get_loop(child)
            elif type(arg) is _CoroutineType:
                try:
                    child = loop.create_task(arg)
                except RuntimeError:
                    arg.close()  # no "never awaited" warning (3.10+)
                    raise
            elif type(arg) in _PLAIN_FUTURES and arg._loop is loop:
                child = arg
            else:
                child = ensure(arg, loop=loop)
            if child is not arg:
                # Made here for a coroutine: its caller cannot await it.
                child._log_destroy_pending = False
            futures_of[arg] = child
            if child.done():
                already_done.append(child)
            else:
                child.add_done_callback(_child_done)
        children.append(child)
    outer = _GatheringFuture(children, loop=loop)
    if len(already_done) == len(futures_of):
        # All done already (eager tasks that finished inside create_task()):
        # what _child_done() would conclude child by child, in one pass.
        _settle(outer, children, already_done, return_exceptions)
    else:
        for child in already_done:
            _child_done(child)
    return outer


def _settle(outer, children, unique, return_exceptions):
    """Set *outer*, the gather() of *children*, which are all done."""
    results = []
    for child in children:
        if child.cancelled():
            if not return_exceptions:
                outer.set_exception(_cancelled_error(child))
                break
            results.append(_cancelled_result(child))
        else:
            error = child.exception()
            if error is None:
                results.append(child.result())
            elif return_exceptions:
                results.append(error)
            else:
                outer.set_exception(error)
                break
    else:
        outer.set_result(results)
        return
    for child in unique:
        if not child.cancelled():
            child.exception()  # retrieved: nobody will log it


if sys.version_info < (3, 10):
    _gather = gather

    def gather(*coros_or_futures, loop=None, return_exceptions=False):  # noqa: F811
        # 3.8 and 3.9 still take a loop (3.10 removed it): the interpreter's
        # own gather() serves those calls, warnings and all.
        if loop is not None:
            return _stdlib_gather(*coros_or_futures, loop=loop,
                                  return_exceptions=return_exceptions)
        return _gather(*coros_or_futures, return_exceptions=return_exceptions)

    gather.__doc__ = _gather.__doc__


if sys.version_info >= (3, 11):
    TimeoutError = builtins.TimeoutError
else:
    # 3.11 made asyncio.TimeoutError and concurrent.futures.TimeoutError
    # aliases of the builtin; _patch makes them so on 3.8-3.10.  Code may still
    # hold the old classes (``from concurrent.futures import TimeoutError``
    # in a module imported before asyncio), so what asyncio and
    # concurrent.futures raise on a timeout (wait_for() below, timeout(),
    # Future.result(timeout=)) is this class, which derives from the builtin
    # and from both old ones: every ``except`` clause catches it.
    class TimeoutError(builtins.TimeoutError, asyncio.exceptions.TimeoutError,
                       concurrent.futures.TimeoutError):
        """Timeout expired."""

        # Named as the builtin, so tracebacks read "TimeoutError: ..." as on
        # 3.11; it is not reachable under that name, so it pickles (and
        # copies) as the builtin, which every reader of the pickle has.
        __module__ = "builtins"

        def __reduce__(self):
            return (builtins.TimeoutError,) + super().__reduce__()[1:]


async def wait_for(fut, timeout):
    """Wait for a future or coroutine to complete, at most *timeout* seconds.

    As in 3.12+, built on asyncio.timeout(): a coroutine runs in the calling
    task.  On timeout the awaited object is cancelled and TimeoutError
    raised; if the wait itself is cancelled, so is the awaited object.  If
    it swallows the cancellation and returns a value, that value is returned.
    """
    if timeout is not None and timeout <= 0:
        fut = asyncio.tasks.ensure_future(fut)
        if fut.done():
            return fut.result()
        await _cancel_and_wait(fut)
        try:
            return fut.result()
        except _CancelledError as exc:
            raise TimeoutError from exc

    # asyncio.timeouts is looked up as CPython's wait_for() looks it up (a
    # mock of it applies), and loaded by the first wait, not by every
    # program that imports asyncio.
    async with asyncio.timeouts.timeout(timeout):
        return await fut


if sys.version_info < (3, 10):
    _wait_for = wait_for

    async def wait_for(fut, timeout, *, loop=None):  # noqa: F811
        # 3.8 and 3.9 still take a loop, with a DeprecationWarning; 3.10
        # removed it.  The running loop is the only one a wait can use.
        if loop is not None:
            warnings.warn("The loop argument is deprecated since Python 3.8, "
                          "and scheduled for removal in Python 3.10.",
                          DeprecationWarning, stacklevel=2)
        return await _wait_for(fut, timeout)

    wait_for.__doc__ = _wait_for.__doc__


async def _cancel_and_wait(fut):
    """Cancel *fut* and wait until it is done, whatever it makes of that."""
    done = fut.get_loop().create_future()

    def wake_up(_):
        if not done.done():
            done.set_result(None)

    fut.add_done_callback(wake_up)
    try:
        fut.cancel()
        await done
    finally:
        fut.remove_done_callback(wake_up)


# Cancel counting that also works for tasks that cannot count themselves.

_foreign_counts = weakref.WeakKeyDictionary()


def request_cancel(task):
    """Cancel *task* on behalf of a TaskGroup or timeout, counting it."""
    if hasattr(task, "uncancel"):
        return task.cancel()
    if task.cancel():
        _foreign_counts[task] = _foreign_counts.get(task, 0) + 1
        return True
    return False


def cancelling(task):
    """Return *task*'s count of pending cancellation requests."""
    if hasattr(task, "cancelling"):
        return task.cancelling()
    return _foreign_counts.get(task, 0)


def uncancel(task):
    """Take back one cancellation request from *task*; return how many remain."""
    if hasattr(task, "uncancel"):
        return task.uncancel()
    count = _foreign_counts.get(task, 0)
    if count > 0:
        count -= 1
        if count:
            _foreign_counts[task] = count
        else:
            del _foreign_counts[task]
            if task._must_cancel:
                _withdraw_cancel(task)
    return count
