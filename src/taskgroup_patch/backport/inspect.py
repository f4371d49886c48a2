"""inspect.markcoroutinefunction() (3.12), and iscoroutinefunction() honouring it.

inspect is imported by nearly every program: the start-up module gives it a
``__getattr__``, and taskgroup_patch._patch loads this module when a program
first looks markcoroutinefunction up.  Only then can a function be marked, so
only then must iscoroutinefunction() look for the mark: CHANGES gives the
interpreter's function the code below.  The function object stays the same,
so the copies libraries took at import (``from inspect import
iscoroutinefunction``: anyio, tenacity...) honour marks too; replacing the
module's name would leave those behind.
"""

import functools
import inspect
import sys

GAINED = ("markcoroutinefunction",) if sys.version_info < (3, 12) else ()  # what it lacks
__all__ = ("markcoroutinefunction",)

# The mark: CPython 3.12+ keeps the same object under the same name.
_is_coroutine_mark = object()


def _has_coroutine_mark(f):
    # Looks through bound methods and functools.partial, as the flag test does.
    while inspect.ismethod(f):
        f = f.__func__
    f = functools._unwrap_partial(f)
    return getattr(f, "_is_coroutine_marker", None) is _is_coroutine_mark


def markcoroutinefunction(func):
    """Decorator: have inspect.iscoroutinefunction() report *func* as a coroutine function.

    For a function that returns an awaitable without being ``async def``.
    """
    if hasattr(func, "__func__"):
        func = func.__func__
    func._is_coroutine_marker = _is_coroutine_mark
    return func


def iscoroutinefunction(obj):
    # Runs as the interpreter's inspect.iscoroutinefunction, with inspect's
    # globals: _has_code_flag and CO_COROUTINE are its own, the other two
    # CHANGES puts there.
    return _has_code_flag(obj, CO_COROUTINE) or _has_coroutine_mark(obj)  # noqa: F821


CHANGES = [
    (inspect, "_is_coroutine_mark", _is_coroutine_mark),
    (inspect, "_has_coroutine_mark", _has_coroutine_mark),
    (inspect.iscoroutinefunction, "__code__", iscoroutinefunction.__code__),
]
