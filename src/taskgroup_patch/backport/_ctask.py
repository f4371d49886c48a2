"""What the C task of CPython 3.8-3.10 keeps but does not expose.

Withdrawing a pending cancel:

3.13's ``Task.uncancel()`` clears the task's must-cancel flag when the count
of cancel requests drops back to zero, so a cancel() that was taken back (a
timeout that fired just as its block ended, say) never reaches the coroutine.
The C task of 3.8-3.10 exposes that flag only through the read-only getter
``_must_cancel``.  We find the C int behind the getter once, by watching it on
a probe task, and write it with ctypes.  If the layout is not what we expect,
nothing is written: the pending cancel is then delivered, as on 3.11/3.12.

Reading and setting the task's context (``Task.get_context()``, 3.12, and
``Task(..., context=)``, 3.11): the C task keeps the context it runs in as a
struct member without a getter, and fills it with a copy of the current
context.  We find its offset once, on a probe task whose loop is handed that
context by the task's first ``call_soon``, and read or replace it with
ctypes, keeping the reference counts right.
"""

import asyncio.futures
import asyncio.tasks

_CTask = getattr(asyncio.tasks, "_CTask", None)
_CFuture = getattr(asyncio.futures, "_CFuture", None)

# Byte offsets of the must-cancel flag and of the context inside a C task;
# None until looked for, -1 if the search or a later check failed.
_offset = None
_context_offset = None


def clear_must_cancel(task):
    """Clear *task*'s pending cancel; return True if it is cleared."""
    global _offset
    if _CTask is None or not isinstance(task, _CTask):
        return False
    if _offset is None:
        _offset = _find_offset()
    if _offset < 0:
        return False
    import ctypes

    flag = ctypes.c_int.from_address(id(task) + _offset)
    if flag.value != 1:
        _offset = -1
        return False
    flag.value = 0
    if task._must_cancel:
        flag.value = 1
        _offset = -1
        return False
    return True


def task_context(task):
    """Return the contextvars.Context *task* runs in."""
    if not knows_context_slot() or _CTask is None or not isinstance(task, _CTask):
        raise NotImplementedError("cannot read the context of %r" % (task,))
    import ctypes

    return ctypes.py_object.from_address(id(task) + _context_offset).value


def knows_context_slot():
    """Return True if the C task's context can be read and set here."""
    global _context_offset
    if _context_offset is None:
        _context_offset = _find_context_offset()
    return _context_offset >= 0


def set_task_context(task, context, current):
    """Make *task*, whose context is *current*, run in *context* instead.

    *current* is the context the task's constructor gave it (its first
    step's Handle holds it too): the slot is checked against it, and nothing
    is written if it does not hold it.  Return True if the context is set.
    """
    if not knows_context_slot() or _CTask is None or not isinstance(task, _CTask):
        return False
    import ctypes

    slot = ctypes.c_void_p.from_address(id(task) + _context_offset)
    if slot.value != id(current):
        return False
    # The slot owns a reference: give it one to *context*, then drop the
    # one it held (the caller's *current* keeps that object alive meanwhile).
    _incref(context)
    slot.value = id(context)
    _decref(current)
    return True


def _incref(obj):
    import ctypes

    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _decref(obj):
    import ctypes

    ctypes.pythonapi.Py_DecRef(ctypes.py_object(obj))


class _ProbeLoop:
    """Just enough of an event loop for the C task's constructor."""

    context = None

    def get_debug(self):
        return False

    def call_soon(self, callback, *args, context=None):
        # The task schedules its first step in the context it runs in.
        self.context = context
        return None


async def _probe():
    pass


def _probe_task(loop):
    if _CTask is None or _CFuture is None:
        return None
    coro = _probe()
    try:
        # Named: an unnamed task would take a number from the "Task-N" names.
        task = _CTask(coro, loop=loop, name="taskgroup_patch probe")
    except Exception:
        return None
    finally:
        coro.close()
    task._log_destroy_pending = False
    return task


def _find_context_offset():
    try:
        import ctypes
    except ImportError:
        return -1
    loop = _ProbeLoop()
    task = _probe_task(loop)
    if task is None or loop.context is None:
        return -1
    base = id(task)
    step = ctypes.sizeof(ctypes.c_void_p)
    span = range(_CFuture.__basicsize__, _CTask.__basicsize__ - step + 1, step)
    found = [off for off in span
             if ctypes.c_void_p.from_address(base + off).value == id(loop.context)]
    return found[0] if len(found) == 1 else -1


def _find_offset():
    try:
        import ctypes
    except ImportError:
        return -1
    task = _probe_task(_ProbeLoop())
    if task is None:
        return -1
    base = id(task)
    # The flag lives in the task's own part of the struct, past the future's.
    span = range(_CFuture.__basicsize__, _CTask.__basicsize__ - 3, 4)

    def read(offset):
        return ctypes.c_int.from_address(base + offset).value

    zero = [off for off in span if read(off) == 0]
    task.cancel()
    if not task._must_cancel:
        return -1
    found = [off for off in zero if read(off) == 1]
    if len(found) != 1:
        return -1
    offset = found[0]
    flag = ctypes.c_int.from_address(base + offset)
    flag.value = 0
    cleared = not task._must_cancel
    flag.value = 1
    restored = task._must_cancel
    flag.value = 0
    return offset if cleared and restored else -1
