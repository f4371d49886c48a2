"""asyncio.Runner and asyncio.run() as in 3.14."""

from __future__ import annotations

import asyncio.base_events
import asyncio.coroutines
import asyncio.events
import asyncio.exceptions
import asyncio.tasks
import contextvars
import inspect
import signal
import sys
import threading
from typing import Awaitable, Callable, Optional, TypeVar

from taskgroup_patch.backport import tasks

__all__ = ("Runner", "run")

_T = TypeVar("_T")

# How long, in seconds, closing waits for the default executor's threads
# (3.12's asyncio.constants.THREAD_JOIN_TIMEOUT).  3.11's
# shutdown_default_executor() takes no timeout.
THREAD_JOIN_TIMEOUT = 300
_JOIN_TAKES_TIMEOUT = sys.version_info[:2] != (3, 11)


# A Runner's states.  Plain strings, not an Enum, for the reason given in
# timeouts.py: an Enum class costs ~45 us at every ``import asyncio``.
_CREATED = "created"
_INITIALIZED = "initialized"
_CLOSED = "closed"


class Runner:
    """A context manager that owns an event loop for the code it runs.

        with asyncio.Runner() as runner:
            runner.run(first())
            runner.run(second())

    Each run() runs a coroutine to completion in the same loop and the same
    contextvars.Context.  On exit, remaining tasks are cancelled, async
    generators and the default executor are shut down and the loop closed.
    Ctrl-C in the main thread cancels the running coroutine; KeyboardInterrupt
    is raised once it has unwound, unless it swallowed the cancellation.
    """

    def __init__(
        self,
        *,
        debug: Optional[bool] = None,
        loop_factory: Optional[Callable[[], asyncio.AbstractEventLoop]] = None,
    ) -> None:
        self._state = _CREATED
        self._debug = debug
        self._loop_factory = loop_factory
        self._loop = None
        self._context = None
        self._interrupt_count = 0
        self._set_event_loop = False

    def __enter__(self) -> "Runner":
        self._lazy_init()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        self.close()

    def close(self) -> None:
        """Shut down and close the event loop; a second call does nothing."""
        if self._state is not _INITIALIZED:
            return
        try:
            loop = self._loop
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            _shutdown_default_executor(loop)
        finally:
            if self._set_event_loop:
                asyncio.events.set_event_loop(None)
            loop.close()
            self._loop = None
            self._state = _CLOSED

    def get_loop(self) -> asyncio.AbstractEventLoop:
        """Return the runner's event loop, creating it if needed."""
        self._lazy_init()
        return self._loop

    def run(self, coro: Awaitable[_T], *,
            context: Optional[contextvars.Context] = None) -> _T:
        """Run a coroutine, or any awaitable, in the runner's event loop.

        Return its result.
        """
        if asyncio.events._get_running_loop() is not None:
            # Fail fast, with a short traceback.
            raise RuntimeError("Runner.run() cannot be called from a running event loop")
        self._lazy_init()

        if not asyncio.coroutines.iscoroutine(coro):
            if not inspect.isawaitable(coro):
                raise TypeError("An asyncio.Future, a coroutine or an awaitable is required")
            coro = _await(coro)
        if context is None:
            context = self._context
        task = tasks.loop_create_task(self._loop, coro, None, context, {})

        sigint_handler = None
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            # A plain function, not functools.partial(..., task): signal.py
            # of 3.8-3.10 repr()s handlers, and a task's repr shows its
            # result (gh-112559).
            def sigint_handler(signum, frame):
                self._on_sigint(task)

            try:
                signal.signal(signal.SIGINT, sigint_handler)
            except ValueError:
                # The "main thread" may not handle signals (an embedded
                # interpreter, gh-91880).
                sigint_handler = None

        self._interrupt_count = 0
        try:
            return self._loop.run_until_complete(task)
        except asyncio.exceptions.CancelledError:
            if self._interrupt_count > 0:
                uncancel = getattr(task, "uncancel", None)
                if uncancel is not None and uncancel() == 0:
                    raise KeyboardInterrupt()
            raise
        finally:
            if (sigint_handler is not None
                    and signal.getsignal(signal.SIGINT) is sigint_handler):
                signal.signal(signal.SIGINT, signal.default_int_handler)

    def _lazy_init(self):
        if self._state is _CLOSED:
            raise RuntimeError("Runner is closed")
        if self._state is _INITIALIZED:
            return
        if self._loop_factory is None:
            self._loop = asyncio.events.new_event_loop()
            if not self._set_event_loop:
                # Only once: set_event_loop() attaches child watchers.
                asyncio.events.set_event_loop(self._loop)
                self._set_event_loop = True
        else:
            self._loop = self._loop_factory()
        if self._debug is not None:
            self._loop.set_debug(self._debug)
        self._context = contextvars.copy_context()
        self._state = _INITIALIZED

    def _on_sigint(self, main_task):
        self._interrupt_count += 1
        if self._interrupt_count == 1 and not main_task.done():
            main_task.cancel()
            # Wake the loop up if select() is blocked with a long timeout.
            self._loop.call_soon_threadsafe(lambda: None)
            return
        raise KeyboardInterrupt()


def run(main: Awaitable[_T], *, debug: Optional[bool] = None,
        loop_factory: Optional[Callable[[], asyncio.AbstractEventLoop]] = None) -> _T:
    """Run a coroutine, or any awaitable, in a new event loop; close the loop.

    Return the result.

    Cannot be called while another event loop runs in the same thread.
    """
    if asyncio.events._get_running_loop() is not None:
        # Fail fast, with a short traceback.
        raise RuntimeError("asyncio.run() cannot be called from a running event loop")
    with Runner(debug=debug, loop_factory=loop_factory) as runner:
        return runner.run(main)


async def _await(awaitable):
    # Tasks run coroutines only; this one runs any awaitable (3.14).
    return await awaitable


def _cancel_all_tasks(loop):
    to_cancel = asyncio.tasks.all_tasks(loop)
    if not to_cancel:
        return
    for task in to_cancel:
        task.cancel()
    loop.run_until_complete(asyncio.tasks.gather(*to_cancel, return_exceptions=True))
    for task in to_cancel:
        if task.cancelled():
            continue
        if task.exception() is not None:
            loop.call_exception_handler({
                "message": "unhandled exception during asyncio.run() shutdown",
                "exception": task.exception(),
                "task": task,
            })


def _shutdown_default_executor(loop):
    if isinstance(loop, asyncio.base_events.BaseEventLoop):
        if loop._default_executor is None:
            return  # never made, nothing to wait for (and the loop closes next)
        if _JOIN_TAKES_TIMEOUT:
            # As 3.12+: past the timeout, a warning, and the threads are
            # left to finish on their own.
            loop.run_until_complete(loop.shutdown_default_executor(THREAD_JOIN_TIMEOUT))
        else:
            loop.run_until_complete(loop.shutdown_default_executor())
        return
    shutdown = getattr(type(loop), "shutdown_default_executor", None)
    # A loop written for 3.8 may not have it (or inherit the abstract one).
    if shutdown not in (None, asyncio.events.AbstractEventLoop.shutdown_default_executor):
        loop.run_until_complete(loop.shutdown_default_executor())
