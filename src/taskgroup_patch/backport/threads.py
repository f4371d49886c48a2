"""asyncio.to_thread() (3.9) on 3.8; also the module asyncio.threads there."""

import contextvars
import functools
from asyncio import events

__all__ = ("to_thread",)


async def to_thread(func, /, *args, **kwargs):
    """Run ``func(*args, **kwargs)`` in a separate thread; return its result.

    The thread runs it in a copy of the caller's contextvars.Context, so
    context variables set by the caller are visible there.  It is the
    loop's default executor that runs it.
    """
    loop = events.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await loop.run_in_executor(None, call)
