"""Python 3.11+ asyncio (TaskGroup, timeout, Runner, uncancel) on CPython 3.8-3.10.

Installing the distribution is enough: taskgroup_patch.pth imports the
start-up module (_taskgroup_patch_startup) at every interpreter start, which
patches ``asyncio`` right after its first import.  This package is imported
only then, or by a program that asks for it:

* ``install()`` patches now, where .pth files are not processed;
* ``installed()`` says what was replaced or added;
* ``TaskGroup``, ``timeout``, ``Runner``... are asyncio's own names, typed
  for type checkers that read typeshed's 3.10 stubs.

Three sub-packages do the work: ``backport`` (what newer CPythons added to
asyncio and around it), ``exceptstar`` (the 3.11 syntax) and ``adapters``
(libraries and tools that need to know); ``_patch`` knows what goes where.
"""

import sys

# typing.TYPE_CHECKING without importing typing, which costs a few
# milliseconds to the program that imports asyncio; type checkers honour it.
TYPE_CHECKING = False

__version__ = "0.1.0"

__all__ = (
    "install",
    "installed",
    "TaskGroup",
    "Timeout",
    "timeout",
    "timeout_at",
    "Runner",
    "run",
    "Barrier",
    "BrokenBarrierError",
)


def install() -> None:
    """Patch asyncio now, whatever TASKGROUP_PATCH says; idempotent.

    For programs started where .pth files are not processed (``python -S``,
    PYTHONPATH or ``--target`` installs, zipapps, embedded interpreters).
    An asyncio that is already imported is patched in place.
    """
    import _taskgroup_patch_startup

    from taskgroup_patch import _patch

    _patch.install()
    # Libraries and tools imported later get adapted, and on 3.8-3.10
    # except* compiles.
    _taskgroup_patch_startup.arm()


def installed() -> "dict[str, str]":
    """Return what was replaced or added, as {"asyncio.name": "what it is now"}.

    Names added on first use are listed from the start: asyncio's once it
    is patched, and the standard modules' (``"typing.Self":
    "typing_extensions.Self"``, ``"enum.StrEnum"``...) from start-up on.
    Empty when nothing is patched in this process.
    """
    from taskgroup_patch import _patch

    return _patch.installed()


if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from asyncio import (
            Barrier, BrokenBarrierError, Runner, TaskGroup, Timeout, run,
            timeout, timeout_at,
        )
    else:
        from taskgroup_patch.backport.locks import Barrier, BrokenBarrierError
        from taskgroup_patch.backport.runners import Runner, run
        from taskgroup_patch.backport.taskgroups import TaskGroup
        from taskgroup_patch.backport.timeouts import Timeout, timeout, timeout_at
else:
    def __getattr__(name):
        # asyncio's own names; asking for one on 3.8-3.10 is an explicit
        # opt-in, like install().
        if name in __all__:
            if sys.version_info < (3, 11):
                install()
            import asyncio

            return getattr(asyncio, name)
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
