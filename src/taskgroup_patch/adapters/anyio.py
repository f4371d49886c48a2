"""anyio's asyncio backend: cancel scopes withdraw their own cancellations.

anyio counts the ``Task.cancel()`` calls a cancel scope makes on its host
task and takes them back with ``uncancel()`` when the scope exits, comparing
with the host's ``cancelling()`` at entry to spot an outside cancellation;
it arms that bookkeeping only when ``sys.version_info >= (3, 11)``.  Two
shapes of anyio._backends._asyncio are known; the methods that hold the
decision are recompiled as they read on 3.11 (see _rederive), nothing else:

- anyio 4.8 and later (checked: 4.8.0, 4.11.0, 4.12.1, 4.16.0):
  ``CancelScope.__init__`` starts ``_pending_uncancellations`` at 0 instead
  of None, which every later step keys off.
- anyio 4.4-4.6 (checked: 4.4.0, 4.5.2, the last release for 3.8):
  ``CancelScope.__enter__`` records ``cancelling()``; ``CancelScope._uncancel``
  withdraws the counted calls (its ``< (3, 9)`` early return, for tasks that
  carry no cancel message, goes too); ``AsyncIOTaskInfo.has_pending_cancellation``
  asks ``cancelling()``.

In a task of the interpreter's own type (a foreign task factory, uvloop
imported before the patch), which has no ``cancelling()``/``uncancel()``,
anyio's pre-3.11 methods run as before.  The module-level choice of
``Runner`` (asyncio's on 3.11+, anyio's backport before) is left alone: the
backport asks ``getattr(task, "uncancel")`` and so already works with the
patched task.
"""

import asyncio

from taskgroup_patch.adapters._rederive import (
    Unrecognised, module_source, replace_methods_as_on_311, version_checks_in,
)


def _current_task(scope):
    # A scope is made in the task that enters it, in practice; made where
    # no loop runs, it is taken for the patched kind.
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def _host_task(scope):
    return scope._host_task


def _info_task(info):
    return info._task()


# (what the source contains, places comparing with 3.11,
#  methods to recompile with their checks and the task they deal with)
_SHAPES = (
    ("_pending_uncancellations", 2, (
        ("CancelScope", "__init__", [">= (3, 11)"], _current_task),
    )),
    ("self._cancelling = self._host_task.cancelling()", 3, (
        ("CancelScope", "__enter__", [">= (3, 11)"], _current_task),
        ("CancelScope", "_uncancel", ["< (3, 9)"], _host_task),
        ("AsyncIOTaskInfo", "has_pending_cancellation", [">= (3, 11)"], _info_task),
    )),
)


def adapt(module) -> str:
    source = module_source(module)
    checks = version_checks_in(source)
    for marker, count, methods in _SHAPES:
        if marker in source and checks == count:
            return replace_methods_as_on_311(module, methods) + " recompiled as on 3.11"
    raise Unrecognised("%d comparisons with 3.11 and no known cancel-scope shape" % checks)
