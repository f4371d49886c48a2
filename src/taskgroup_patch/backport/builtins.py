"""The builtins aiter() and anext() of 3.10, for 3.8 and 3.9.

Nothing announces a builtin's first use (the compiler's code looks it up), so
taskgroup_patch._patch puts small stand-ins into builtins when asyncio is
imported; the first call of one loads this module and puts these in place.
"""

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
