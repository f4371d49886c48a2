"""Python 3.11+ asyncio (TaskGroup, timeout, Runner, uncancel) on CPython 3.8-3.10.

Installing the distribution is enough: a .pth file patches ``asyncio`` the
first time it is imported.  This module is imported at start-up too, so it
stays light; the typed names below are loaded only when asked for.
"""

import sys

# typing.TYPE_CHECKING without importing typing, which would cost a few
# milliseconds at every interpreter start; type checkers honour the idiom.
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
    from taskgroup_patch import _patch

    _patch.install()


def installed() -> "dict[str, str]":
    """Return what was replaced, as {"asyncio.name": "what it is now"}.

    Empty when nothing is patched in this process.
    """
    patch = sys.modules.get("taskgroup_patch._patch")
    return patch.installed() if patch is not None else {}


if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from asyncio import (
            Barrier, BrokenBarrierError, Runner, TaskGroup, Timeout, run,
            timeout, timeout_at,
        )
    else:
        from taskgroup_patch.exceptions import BrokenBarrierError
        from taskgroup_patch.locks import Barrier
        from taskgroup_patch.runners import Runner, run
        from taskgroup_patch.taskgroups import TaskGroup
        from taskgroup_patch.timeouts import Timeout, timeout, timeout_at
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
