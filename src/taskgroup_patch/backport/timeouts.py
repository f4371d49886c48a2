"""asyncio.timeout(), asyncio.timeout_at() and asyncio.Timeout, as in 3.13."""

from __future__ import annotations

import asyncio.events
import asyncio.exceptions
import asyncio.tasks
from types import TracebackType
from typing import Optional, Type

from exceptiongroup import ExceptionGroup

from taskgroup_patch.backport import tasks

__all__ = ("Timeout", "timeout", "timeout_at")

# The class both raise on 3.8-3.10 (see tasks.py); the builtin on 3.11+.
TimeoutError = tasks.TimeoutError

_CancelledError = asyncio.exceptions.CancelledError
_current_task = asyncio.tasks.current_task
_get_running_loop = asyncio.events.get_running_loop


# A Timeout's states, named as CPython's repr shows them.  Plain strings, not
# an Enum: creating an Enum class costs ~45 us at every ``import asyncio`` on
# 3.8-3.10, and looking up a member costs more than the rest of an empty
# ``async with timeout()``.  They are only ever compared by identity.
_CREATED = "created"
_ENTERED = "active"
_EXPIRING = "expiring"
_EXPIRED = "expired"
_EXITED = "finished"


class Timeout:
    """Asynchronous context manager that cancels the block it guards when
    the deadline passes, and turns that cancellation into TimeoutError.

    Use timeout() or timeout_at() rather than instantiating this class.
    """

    __slots__ = ("_state", "_timeout_handler", "_task", "_when", "_cancelling")

    def __init__(self, when: Optional[float]) -> None:
        """Schedule a timeout at loop time *when*; None means never."""
        self._state = _CREATED
        self._timeout_handler = None
        self._task = None
        self._when = when

    def when(self) -> Optional[float]:
        """Return the current deadline, in loop time, or None."""
        return self._when

    def reschedule(self, when: Optional[float]) -> None:
        """Move the deadline to *when* (loop time); None cancels it."""
        if self._state is not _ENTERED:
            if self._state is _CREATED:
                raise RuntimeError("Timeout has not been entered")
            raise RuntimeError("Cannot change state of %s Timeout" % self._state)
        self._when = when
        if self._timeout_handler is not None:
            self._timeout_handler.cancel()
        self._schedule(_get_running_loop())

    def _schedule(self, loop):
        if self._when is None:
            self._timeout_handler = None
            return
        if self._when <= loop.time():
            self._timeout_handler = loop.call_soon(self._on_timeout)
        else:
            self._timeout_handler = loop.call_at(self._when, self._on_timeout)

    def expired(self) -> bool:
        """Return True if the deadline passed while the block ran."""
        return self._state is _EXPIRING or self._state is _EXPIRED

    def __repr__(self) -> str:
        info = ""
        if self._state is _ENTERED:
            when = round(self._when, 3) if self._when is not None else None
            info = " when=%s" % (when,)
        return "<Timeout [%s]%s>" % (self._state, info)

    async def __aenter__(self) -> "Timeout":
        if self._state is not _CREATED:
            raise RuntimeError("Timeout has already been entered")
        loop = _get_running_loop()
        task = _current_task(loop)
        if task is None:
            raise RuntimeError("Timeout should be used inside a task")
        self._state = _ENTERED
        self._task = task
        try:
            self._cancelling = task.cancelling()
        except AttributeError:
            # A task that asyncio did not create counts through tasks.py.
            self._cancelling = tasks.cancelling(task)
        self._schedule(loop)
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> Optional[bool]:
        assert self._state is _ENTERED or self._state is _EXPIRING
        if self._timeout_handler is not None:
            self._timeout_handler.cancel()
            self._timeout_handler = None

        if self._state is _EXPIRING:
            self._state = _EXPIRED
            # Only a cancellation that nobody but us requested is ours to
            # turn into TimeoutError.
            if tasks.uncancel(self._task) <= self._cancelling and exc_type is not None:
                if issubclass(exc_type, _CancelledError):
                    raise TimeoutError from exc_val
                if exc_val is not None:
                    # The block turned our CancelledError into another
                    # error: record the timeout in that error's context.
                    _insert_timeout_error(exc_val)
                    if isinstance(exc_val, ExceptionGroup):
                        for exc in exc_val.exceptions:
                            _insert_timeout_error(exc)
        elif self._state is _ENTERED:
            self._state = _EXITED
        return None

    def _on_timeout(self) -> None:
        assert self._state is _ENTERED
        tasks.request_cancel(self._task)
        self._state = _EXPIRING
        self._timeout_handler = None


def _insert_timeout_error(exc_val: BaseException) -> None:
    # Put a TimeoutError between the first CancelledError in the context
    # chain and what it led to.  The seen set guards against a cyclic
    # chain, which 3.8 can produce.
    seen = set()
    while exc_val.__context__ is not None and id(exc_val) not in seen:
        seen.add(id(exc_val))
        context = exc_val.__context__
        if isinstance(context, _CancelledError):
            timeout_error = TimeoutError()
            timeout_error.__context__ = timeout_error.__cause__ = context
            exc_val.__context__ = timeout_error
            return
        exc_val = context


def timeout(delay: Optional[float]) -> Timeout:
    """Return a context manager that times out the block after *delay* seconds.

        async with asyncio.timeout(10):
            await long_running_task()

    When the delay passes, the block is cancelled and the outermost timeout
    that expired raises TimeoutError.  None means no timeout.
    """
    loop = _get_running_loop()
    return Timeout(loop.time() + delay if delay is not None else None)


def timeout_at(when: Optional[float]) -> Timeout:
    """Like timeout(), with an absolute deadline in loop.time() terms."""
    return Timeout(when)
