"""What 3.10 added for async code that cannot come on first use, for 3.8 and 3.9.

The builtins aiter() and anext(), and two changes to classes contextlib
already has: ``async with nullcontext()``, and @asynccontextmanager's
managers as decorators of coroutine functions.  Nothing announces their
first use (a builtin is looked up by the compiler's code, a method by the
class), so taskgroup_patch._patch makes these CHANGES when asyncio is
imported: the async code that uses them runs under it.  One module for both,
because each module imported then costs ``import asyncio`` some 0.13 % more
instructions; in the start-up module they would cost every start of every
interpreter, 3.10+ included, 0.12 % more.
"""

import builtins
import contextlib
from functools import wraps

_NO_DEFAULT = object()


def aiter(async_iterable, /):
    """Return an asynchronous iterator for an asynchronous iterable: its __aiter__()."""
    try:
        method = type(async_iterable).__aiter__
    except AttributeError:
        raise TypeError("'%s' object is not an async iterable"
                        % type(async_iterable).__name__) from None
    iterator = method(async_iterable)
    if not hasattr(type(iterator), "__anext__"):
        raise TypeError("aiter() returned not an async iterator of type '%s'"
                        % type(iterator).__name__)
    return iterator


def anext(async_iterator, default=_NO_DEFAULT, /):
    """Return an awaitable for the next item of an asynchronous iterator.

    Once the iterator is exhausted, awaiting it returns *default* if given,
    else raises StopAsyncIteration.
    """
    try:
        method = type(async_iterator).__anext__
    except AttributeError:
        raise TypeError("'%s' object is not an async iterator"
                        % type(async_iterator).__name__) from None
    if default is _NO_DEFAULT:
        return method(async_iterator)
    return _next_or_default(method(async_iterator), default)


async def _next_or_default(awaitable, default):
    try:
        return await awaitable
    except StopAsyncIteration:
        return default


async def _nullcontext_aenter(self):
    return self.enter_result


async def _nullcontext_aexit(self, *exc_info):
    return None


def _decorate(self, func):
    # contextlib.AsyncContextDecorator.__call__
    @wraps(func)
    async def inner(*args, **kwds):
        async with self._recreate_cm():
            return await func(*args, **kwds)
    return inner


def _recreate_cm(self):
    # A manager per call of the decorated function: each is one-shot.
    return self.__class__(self.func, self.args, self.kwds)


CHANGES = [
    (builtins, "aiter", aiter),
    (builtins, "anext", anext),
    (contextlib.nullcontext, "__aenter__", _nullcontext_aenter),
    (contextlib.nullcontext, "__aexit__", _nullcontext_aexit),
    (contextlib._AsyncGeneratorContextManager, "__call__", _decorate),
    (contextlib._AsyncGeneratorContextManager, "_recreate_cm", _recreate_cm),
]
