"""What contextlib gained in 3.10 and 3.11, for 3.8-3.10.

``contextlib.aclosing`` and ``contextlib.AsyncContextDecorator`` (3.10) and
``contextlib.chdir`` (3.11).  contextlib is imported by nearly every program,
so nothing here is loaded with it: the start-up module gives contextlib a
``__getattr__``, and taskgroup_patch._patch loads this module when a program
first looks one of these names up.

And 3.10's changes to classes contextlib has, on 3.8 and 3.9: ``async with
nullcontext()``, and @asynccontextmanager's managers as decorators of
coroutine functions.  _patch puts them in place on their first lookup (its
LAZY_MEMBERS), from the classes of the same names at the end of this module.
"""

import os
import sys
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from functools import wraps

# The names this interpreter lacks.
if sys.version_info < (3, 10):
    GAINED = ("aclosing", "AsyncContextDecorator", "chdir")
elif sys.version_info < (3, 11):
    GAINED = ("chdir",)
else:
    GAINED = ()


class aclosing(AbstractAsyncContextManager):
    """Async context manager that calls ``await thing.aclose()`` on exit.

    For an asynchronous generator (or anything with an ``aclose()``
    coroutine method) that must be finalized when the block ends, however
    it ends::

        async with aclosing(fetch(url)) as pages:
            async for page in pages:
                ...
    """

    __module__ = "contextlib"

    def __init__(self, thing):
        self.thing = thing

    async def __aenter__(self):
        return self.thing

    async def __aexit__(self, *exc_info):
        await self.thing.aclose()


class AsyncContextDecorator(object):
    """A base class or mixin that lets async context managers decorate coroutine functions."""

    __module__ = "contextlib"

    def _recreate_cm(self):
        """Return the manager to use for one call; self, unless overridden."""
        return self

    def __call__(self, func):
        @wraps(func)
        async def inner(*args, **kwds):
            async with self._recreate_cm():
                return await func(*args, **kwds)
        return inner


class chdir(AbstractContextManager):
    """Context manager that changes the current working directory for its block.

    Not thread-safe: the working directory belongs to the whole process.
    """

    __module__ = "contextlib"

    def __init__(self, path):
        self.path = path
        self._old_cwd = []

    def __enter__(self):
        self._old_cwd.append(os.getcwd())
        os.chdir(self.path)

    def __exit__(self, *exc_info):
        os.chdir(self._old_cwd.pop())


# Members of contextlib's own classes (3.10), each in a class of the same
# name as the one it goes to.

class nullcontext:
    async def __aenter__(self):
        return self.enter_result

    async def __aexit__(self, *exc_info):
        return None


class _AsyncGeneratorContextManager:
    # 3.10 makes AsyncContextDecorator its base.
    __call__ = AsyncContextDecorator.__call__

    def _recreate_cm(self):
        # A manager per call of the decorated function: each is one-shot.
        return self.__class__(self.func, self.args, self.kwds)
