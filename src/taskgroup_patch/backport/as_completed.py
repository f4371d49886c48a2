"""asyncio.as_completed() that also iterates asynchronously (3.13), on 3.8-3.12.

CPython keeps as_completed() in tasks.py.  Here it is a module of its own,
which taskgroup_patch._patch loads only when a program first looks
as_completed up: the function and its iterator class in backport.tasks,
which ``import asyncio`` always loads, would cost every program about
0.1 % more instructions on that import.
"""

import asyncio.events
import asyncio.tasks
import inspect
import sys
import warnings
from asyncio.queues import Queue

from taskgroup_patch.backport.tasks import TimeoutError

__all__ = ("as_completed",)

# The loop as the interpreter's own as_completed() finds it: 3.10 and 3.11 do
# not warn where 3.12 does, and 3.14 would raise without a running loop.
_get_event_loop = getattr(asyncio.events, "_get_event_loop", asyncio.events.get_event_loop)


class _AsCompletedIterator:
    """What as_completed() returns: an iterator and an asynchronous iterator.

    ``async for`` yields the futures and tasks themselves, each once done;
    ``for`` yields coroutines, each returning (or raising) the outcome of
    the next one to finish, as before 3.13.
    """

    def __init__(self, aws, timeout, loop):
        self._aws = aws
        self._timeout = timeout
        self._loop = loop
        self._todo_left = None  # until started

    def _start(self):
        # At the first step, as the generator of 3.8-3.12 did (3.13 starts
        # at the call): code written for them may make the iterator before
        # the loop it runs in is set.
        loop, aws = self._loop, self._aws
        self._aws = None
        done = Queue() if loop is None else Queue(loop=loop)
        if loop is None:
            loop = _get_event_loop()
        ensure_future = asyncio.tasks.ensure_future
        todo = {ensure_future(aw, loop=loop) for aw in set(aws)}
        timeout_handle = None

        # Closures over locals, as in the interpreter's own as_completed():
        # a done callback per future is its hot path, and a bound method
        # with attribute lookups cost it 4 % more.
        def on_completion(future):
            if not todo:
                return  # the timeout came first
            todo.remove(future)
            done.put_nowait(future)
            if not todo and timeout_handle is not None:
                timeout_handle.cancel()

        def on_timeout():
            # One None per future still pending: each waiting consumer raises.
            for future in todo:
                future.remove_done_callback(on_completion)
                done.put_nowait(None)
            todo.clear()

        for future in todo:
            future.add_done_callback(on_completion)
        if todo and self._timeout is not None:
            timeout_handle = loop.call_later(self._timeout, on_timeout)
        self._done = done
        self._todo_left = len(todo)

    def __aiter__(self):
        return self

    def __iter__(self):
        return self

    async def __anext__(self):
        if self._todo_left is None:
            self._start()
        if not self._todo_left:
            raise StopAsyncIteration
        self._todo_left -= 1
        done = self._done
        # What get() would return at once, without making its coroutine
        # (3 % of a step over futures already done, by instruction count).
        future = await done.get() if done.empty() else done.get_nowait()
        if future is None:
            raise TimeoutError
        return future

    def __next__(self):
        if self._todo_left is None:
            self._start()
        if not self._todo_left:
            raise StopIteration
        self._todo_left -= 1
        return self._next_outcome()

    async def _next_outcome(self):
        done = self._done
        future = await done.get() if done.empty() else done.get_nowait()
        if future is None:
            raise TimeoutError
        return future.result()


def _check(fs):
    if inspect.isawaitable(fs):
        raise TypeError("expects an iterable of awaitables, not %s" % type(fs).__name__)


if sys.version_info >= (3, 10):
    def as_completed(fs, *, timeout=None):
        """Run the awaitables *fs* concurrently; iterate over them as they finish.

        ``async for`` yields each task or future as it completes (a task
        made for each coroutine).  ``for`` yields coroutines to await, each
        giving the result of the next one to finish.  After *timeout*
        seconds, TimeoutError is raised where the next one is awaited.
        """
        _check(fs)
        return _AsCompletedIterator(fs, timeout, None)
else:
    def as_completed(fs, *, loop=None, timeout=None):
        """Run the awaitables *fs* concurrently; iterate over them as they finish.

        ``async for`` yields each task or future as it completes (a task
        made for each coroutine).  ``for`` yields coroutines to await, each
        giving the result of the next one to finish.  After *timeout*
        seconds, TimeoutError is raised where the next one is awaited.
        *loop* is deprecated, as 3.8 and 3.9 say.
        """
        _check(fs)
        if loop is not None:
            warnings.warn("The loop argument is deprecated since Python 3.8, "
                          "and scheduled for removal in Python 3.10.",
                          DeprecationWarning, stacklevel=2)
        return _AsCompletedIterator(fs, timeout, loop)


# asyncio.as_completed is put in place on first use; asyncio.tasks' name too.
CHANGES = [(asyncio.tasks, "as_completed", as_completed)]
