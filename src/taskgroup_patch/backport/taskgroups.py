"""asyncio.TaskGroup with the semantics of the newest CPython."""

from __future__ import annotations

import asyncio.events
import asyncio.exceptions
import asyncio.tasks
from typing import Any, Coroutine, Optional, TypeVar
from contextvars import Context

from exceptiongroup import BaseExceptionGroup

from taskgroup_patch.backport import tasks

__all__ = ("TaskGroup",)

_T = TypeVar("_T")
_CancelledError = asyncio.exceptions.CancelledError
_current_task = asyncio.tasks.current_task
_get_running_loop = asyncio.events.get_running_loop


class TaskGroup:
    """Asynchronous context manager that runs tasks and waits for all of them.

        async with asyncio.TaskGroup() as group:
            task1 = group.create_task(some_coroutine(...))
            task2 = group.create_task(other_coroutine(...))
        print("Both tasks have completed now.")

    If a task fails with anything but CancelledError, the remaining tasks
    are cancelled, and once all are done the errors are raised together as
    an ExceptionGroup (BaseExceptionGroup if one is not an Exception).
    KeyboardInterrupt and SystemExit propagate as they are.  cancel() stops
    the tasks and the body, and the group then ends quietly (3.15).
    """

    # Set by a cancel() that comes before __aenter__; a class attribute
    # until then, so that an empty group costs nothing more.
    _cancel_on_enter = False

    def __init__(self) -> None:
        self._entered = False
        self._exiting = False
        self._aborting = False
        self._loop = None
        self._parent_task = None
        self._parent_cancel_requested = False
        self._tasks = set()
        self._errors = []
        self._base_error = None
        self._on_completed_fut = None
        self._on_task_done_callback = None

    def __repr__(self) -> str:
        info = [""]
        if self._tasks:
            info.append("tasks=%d" % len(self._tasks))
        if self._errors:
            info.append("errors=%d" % len(self._errors))
        if self._aborting:
            info.append("cancelling")
        elif self._entered:
            info.append("entered")
        return "<TaskGroup%s>" % " ".join(info)

    async def __aenter__(self) -> "TaskGroup":
        if self._entered:
            raise RuntimeError("TaskGroup %r has already been entered" % self)
        if self._loop is None:
            self._loop = _get_running_loop()
        self._parent_task = _current_task(self._loop)
        if self._parent_task is None:
            raise RuntimeError("TaskGroup %r cannot determine the parent task" % self)
        self._entered = True
        # One bound method for all children rather than one per create_task().
        self._on_task_done_callback = self._on_task_done
        if self._cancel_on_enter:
            self.cancel()
        return self

    async def __aexit__(self, et, exc, tb) -> Optional[bool]:
        # What we raise holds this frame and _aexit's in its traceback: no
        # local may lead back to it (gh-124958), so the traceback goes now
        # and the rest in the finally clauses.  Two frames, as in 3.12+:
        # tracebacks and the call graph show __aexit__ and _aexit.
        tb = None
        try:
            return await self._aexit(et, exc)
        finally:
            self._parent_task = None
            self._on_task_done_callback = None
            self._errors = None
            self._base_error = None
            exc = None

    async def _aexit(self, et, exc):
        # Every exit path stays flat (no raise from inside an except block
        # that handles another exception): 3.8 can loop forever walking
        # exception contexts otherwise (bpo-25782).
        self._exiting = True
        if exc is not None and _is_base_error(exc) and self._base_error is None:
            self._base_error = exc
        if et is not None and issubclass(et, _CancelledError):
            propagate_cancellation = exc
        else:
            propagate_cancellation = None
        if et is not None and not self._aborting:
            self._abort()

        # The last cancellation the wait below was interrupted by: ours, or
        # one from outside that arrived while we were already aborting.
        pending_cancellation = None
        while self._tasks:
            if self._on_completed_fut is None:
                self._on_completed_fut = self._loop.create_future()
            try:
                await self._on_completed_fut
            except _CancelledError as ex:
                pending_cancellation = ex
                if not self._aborting:
                    # The parent task is being cancelled from outside while
                    # we wait: stop the children and propagate it afterwards.
                    propagate_cancellation = ex
                    self._abort()
            self._on_completed_fut = None

        try:
            if self._base_error is not None:
                self._report_suppressed_errors()
                raise self._base_error

            if self._parent_cancel_requested:
                # Take back the cancel we sent the parent; if nobody else
                # asked to cancel it, the CancelledError ends here.
                if tasks.uncancel(self._parent_task) == 0:
                    propagate_cancellation = None
                elif propagate_cancellation is None:
                    # Someone else's cancel is still pending, one that came
                    # while cancel() or a child's error had us aborting
                    # (gh-155433): it must not be lost.
                    propagate_cancellation = pending_cancellation

            # Errors of the children take priority over a cancellation.
            if propagate_cancellation is not None and not self._errors:
                raise propagate_cancellation

            if et is not None and not issubclass(et, _CancelledError):
                self._errors.append(exc)

            if self._errors:
                if tasks.cancelling(self._parent_task):
                    # Someone else still wants the parent cancelled: keep
                    # the count stable and make sure it is cancelled at its
                    # next await, since the group swallowed the CancelledError.
                    tasks.uncancel(self._parent_task)
                    tasks.request_cancel(self._parent_task)
                if et is not None and issubclass(et, GeneratorExit) and len(self._errors) == 1:
                    # Only the body failed, by being closed (an async
                    # generator's aclose()): let GeneratorExit through bare.
                    raise exc
                # Named and raised as 3.13 does, so that tracebacks show its line.
                me = BaseExceptionGroup("unhandled errors in a TaskGroup", self._errors)
                raise me from None
        finally:
            exc = propagate_cancellation = pending_cancellation = me = None
        # Whatever deserved to propagate was raised above.
        return True

    def create_task(
        self,
        coro: Coroutine[Any, Any, _T],
        *,
        name: Optional[str] = None,
        context: Optional[Context] = None,
        **kwargs: Any,
    ) -> "asyncio.Task[_T]":
        """Create a new task in this group and return it.

        Like asyncio.create_task(), but the task belongs to the group.
        """
        if not self._entered:
            coro.close()
            raise RuntimeError("TaskGroup %r has not been entered" % self)
        if self._exiting and not self._tasks:
            coro.close()
            raise RuntimeError("TaskGroup %r is finished" % self)
        if self._aborting:
            coro.close()
            raise RuntimeError("TaskGroup %r is shutting down" % self)
        if context is None and not kwargs:
            task = self._loop.create_task(coro, name=name)
        else:
            task = tasks.loop_create_task(self._loop, coro, name, context, kwargs)
        # Even a task that finished inside create_task (an eager task
        # factory) reports through the callback, so that its error cannot
        # cancel the parent before the body reaches its next await.
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done_callback)
        if self._aborting and not task.done():
            # An eager task aborted the group before it joined _tasks
            # (gh-155418).
            task.cancel()
        try:
            return task
        finally:
            # An eagerly failed task's traceback holds this frame
            # (gh-128552).
            del task

    def cancel(self) -> None:
        """Cancel the group: its tasks and its body.

        The ``async with`` then ends without raising CancelledError.
        Called before the group is entered, it cancels the group on entry;
        after the group has exited it does nothing.  It is idempotent.
        """
        if not self._entered:
            self._cancel_on_enter = True
            return
        if self._exiting and not self._tasks:
            return
        if not self._aborting:
            self._abort()
            if self._parent_task is not None and not self._parent_cancel_requested:
                self._parent_cancel_requested = True
                tasks.request_cancel(self._parent_task)

    def _abort(self):
        self._aborting = True
        for task in self._tasks:
            if not task.done():
                task.cancel()

    def _report_suppressed_errors(self):
        # KeyboardInterrupt/SystemExit propagate alone; do not lose the
        # other errors the children raised meanwhile.
        for error in self._errors:
            if error is not self._base_error:
                self._loop.call_exception_handler({
                    "message": "TaskGroup error not raised because %s propagates"
                               % type(self._base_error).__name__,
                    "exception": error,
                })

    def _on_task_done(self, task):
        self._tasks.discard(task)
        if self._on_completed_fut is not None and not self._tasks:
            if not self._on_completed_fut.done():
                self._on_completed_fut.set_result(True)

        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return

        self._errors.append(exc)
        if _is_base_error(exc) and self._base_error is None:
            self._base_error = exc

        if self._parent_task.done():
            # Nobody is left to raise it to: report it.
            self._loop.call_exception_handler({
                "message": "Task %r has errored out but its parent task %r "
                           "is already completed" % (task, self._parent_task),
                "exception": exc,
                "task": task,
            })
            return

        if not self._aborting and not self._parent_cancel_requested:
            # Wake the parent up from whatever it awaits in the group's body,
            # so that __aexit__ can stop the other children.
            self._abort()
            self._parent_cancel_requested = True
            tasks.request_cancel(self._parent_task)


def _is_base_error(exc):
    return isinstance(exc, (SystemExit, KeyboardInterrupt))
