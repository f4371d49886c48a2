"""Exception classes that 3.11 changed or added in asyncio."""

import asyncio.exceptions
import builtins
import concurrent.futures

__all__ = ("TimeoutError", "BrokenBarrierError")


def _timeout_error_class():
    # 3.11 made asyncio.TimeoutError and concurrent.futures.TimeoutError
    # aliases of the builtin.  Aliasing on 3.8-3.10 would break code that took
    # the old classes before the patch (``from asyncio import TimeoutError``
    # in a module imported early, or asyncio's own internals), so instead one
    # class derives from all three: every ``except`` clause, old or new,
    # catches what asyncio raises.
    bases = [builtins.TimeoutError]
    for old in (asyncio.exceptions.TimeoutError, concurrent.futures.TimeoutError):
        if old not in bases and not issubclass(builtins.TimeoutError, old):
            bases.append(old)
    if len(bases) == 1:
        return builtins.TimeoutError
    return type("TimeoutError", tuple(bases), {
        "__module__": "asyncio.exceptions",
        "__doc__": "The operation exceeded the given deadline.",
    })


TimeoutError = _timeout_error_class()


class BrokenBarrierError(RuntimeError):
    """Barrier is broken by barrier.abort() call."""

    __module__ = "asyncio.exceptions"
