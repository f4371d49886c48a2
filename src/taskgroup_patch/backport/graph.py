"""asyncio's call graph (3.14): what a task is waiting on, and who waits for it.

3.14's tasks note, as they suspend, which future they await, and asyncio's
combinators note the task that called them; the C task of 3.8-3.10 notes
nothing, so here the graph is found when it is asked for, from what the
loop's tasks and futures show:

- a task waits for the future it is suspended on (its ``_fut_waiter``):
  another task, or any future;
- the children of a TaskGroup are awaited by the task that runs the group
  (the group's done callback on each child says which);
- the children of gather(), of shield() and of wait() are awaited by the
  tasks that wait for the future those functions made (the done callback
  asyncio.tasks put on each child holds it);
- future_add_to_awaited_by() adds an edge of its own.

3.14 tells a coroutine's frame by ``frame.f_generator``; older frames lack
it, so the code's flags tell, and format_call_graph() finds the coroutine
objects behind the frames (for their qualified names) in one pass of the
garbage collector over the frames it prints.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import sys
import types
import weakref
from typing import Optional, Tuple

import asyncio.events
import asyncio.futures
import asyncio.tasks

from taskgroup_patch.backport import taskgroups

# As 3.14's asyncio.graph; the two future_*_awaited_by functions, which are
# asyncio.futures' there, live here with the graph they feed.
__all__ = ("capture_call_graph", "format_call_graph", "print_call_graph",
           "FrameCallGraphEntry", "FutureCallGraph")

# The flags of code that runs as a generator, a coroutine (also a generator
# made one by @types.coroutine) or an async generator.
_CO_GENERATOR_KINDS = 0x20 | 0x80 | 0x100 | 0x200
_CO_ASYNC_GENERATOR = 0x200
_CO_COROUTINE = 0x80

# The done callbacks of asyncio.tasks (and of the package's gather()) that
# complete a future of their own when a child is done (gather's, shield's,
# wait's): name -> that future's variable in the callback's closure.
_COMPLETERS = {"_done_callback": "outer", "_inner_done_callback": "outer",
               "_on_completion": "waiter", "_child_done": "outer"}
_COMPLETER_MODULES = ("asyncio.tasks", "taskgroup_patch.backport.tasks")


@dataclasses.dataclass(frozen=True)
class FrameCallGraphEntry:
    """One frame of a call stack in the graph."""

    __slots__ = ("frame",)
    frame: types.FrameType


@dataclasses.dataclass(frozen=True)
class FutureCallGraph:
    """A future or task, its call stack, and the graphs of those awaiting it."""

    __slots__ = ("future", "call_stack", "awaited_by")
    future: asyncio.futures.Future
    call_stack: Tuple[FrameCallGraphEntry, ...]
    awaited_by: Tuple["FutureCallGraph", ...]


# future -> the futures future_add_to_awaited_by() said await it.  Weak
# keys: the entry goes with the future, as 3.14's attribute does.
_added_awaiters = weakref.WeakKeyDictionary()


def future_add_to_awaited_by(fut, waiter, /):
    """Record that *fut* is awaited by *waiter* (both futures; else nothing)."""
    if _is_future(fut) and _is_future(waiter):
        _added_awaiters.setdefault(fut, []).append(waiter)


def future_discard_from_awaited_by(fut, waiter, /):
    """Forget that *fut* is awaited by *waiter*."""
    if _is_future(fut) and _is_future(waiter):
        waiters = _added_awaiters.get(fut)
        if waiters is not None:
            for index, known in enumerate(waiters):
                if known is waiter:
                    del waiters[index]
                    break
            if not waiters:
                del _added_awaiters[fut]


def capture_call_graph(future=None, /, *, depth=1, limit=None) -> Optional[FutureCallGraph]:
    """Capture the async call graph of the current task or of *future*.

    Return a FutureCallGraph(future, call_stack, awaited_by): the future's
    call stack (FrameCallGraphEntry objects, innermost first) and the graphs
    of the futures that await it.  Without *future* the current task is
    captured (None if there is none); then *depth* frames are skipped from
    the top of its stack.  *limit* keeps at most abs(limit) entries of each
    stack: the innermost if it is positive, the outermost if negative; 0
    keeps none.
    """
    loop = asyncio.events._get_running_loop()
    if future is not None:
        if loop is None or future is not asyncio.tasks.current_task(loop):
            return _graph_of(future, limit)
        # The current task itself: its stack is the running one.
    else:
        if loop is None:
            raise RuntimeError("capture_call_graph() is called outside of a running "
                               "event loop and no *future* to introspect was provided")
        future = asyncio.tasks.current_task(loop)
        if future is None:
            return None
    _check_future(future)

    call_stack = []
    frame = sys._getframe(depth) if limit != 0 else None
    try:
        while frame is not None:
            call_stack.append(FrameCallGraphEntry(frame))
            caller = frame.f_back
            if _is_async(frame) and caller is not None and not _is_async(caller):
                break  # the coroutine the task runs: below it is the loop
            frame = caller
    finally:
        del frame
    awaited_by = tuple(_graph_of(waiter, limit) for waiter in _awaiters(future))
    if limit is not None:
        call_stack = call_stack[-limit:] if limit > 0 else call_stack[:-limit]
    return FutureCallGraph(future, tuple(call_stack), awaited_by)


def format_call_graph(future=None, /, *, depth=1, limit=None) -> str:
    """Return the async call graph of the current task or of *future* as text."""
    graph = capture_call_graph(future, depth=depth + 1, limit=limit)
    if graph is None:
        return ""
    lines = []
    try:
        _format(graph, _qualnames_of(graph), lines, 0)
    finally:
        # The graph holds frames: let them go now.
        del graph
    return "\n".join(lines)


def print_call_graph(future=None, /, *, file=None, depth=1, limit=None) -> None:
    """Print the async call graph of the current task or of *future*."""
    print(format_call_graph(future, depth=depth + 1, limit=limit), file=file)


def _is_future(obj):
    return isinstance(obj, asyncio.futures.Future)


def _check_future(future):
    if not _is_future(future):
        raise TypeError("%r object does not appear to be compatible with asyncio.Future"
                        % (future,))


def _is_async(frame):
    return bool(frame.f_code.co_flags & _CO_GENERATOR_KINDS)


def _graph_of(future, limit):
    """The graph of a future that is not running: read from its coroutines."""
    _check_future(future)
    get_coro = getattr(future, "get_coro", None)
    coro = get_coro() if get_coro is not None and limit != 0 else None
    stack = []
    while coro is not None:
        if hasattr(coro, "cr_await"):
            stack.append(FrameCallGraphEntry(coro.cr_frame))
            coro = coro.cr_await
        elif hasattr(coro, "ag_await"):
            stack.append(FrameCallGraphEntry(coro.ag_frame))
            coro = coro.ag_await
        else:
            break
    awaited_by = tuple(_graph_of(waiter, limit) for waiter in _awaiters(future))
    if limit is not None:
        stack = stack[:limit] if limit > 0 else stack[limit:]
    stack.reverse()
    return FutureCallGraph(future, tuple(stack), awaited_by)


def _awaiters(future):
    """The futures (mostly tasks) that await *future*, each once."""
    found = {}
    _collect_awaiters(future, found, {id(future)})
    return list(found.values())


def _collect_awaiters(future, found, seen):
    for waiter in _added_awaiters.get(future, ()):
        found.setdefault(id(waiter), waiter)
    try:
        loop = future.get_loop()
    except AttributeError:
        return
    for task in asyncio.tasks.all_tasks(loop):
        if getattr(task, "_fut_waiter", None) is future:
            found.setdefault(id(task), task)
    for callback in _done_callbacks(future):
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, taskgroups.TaskGroup):
            if owner._parent_task is not None:
                found.setdefault(id(owner._parent_task), owner._parent_task)
            continue
        completed = _future_completed_by(callback)
        if completed is not None and id(completed) not in seen:
            # Whoever awaits gather's, shield's or wait's own future.
            seen.add(id(completed))
            _collect_awaiters(completed, found, seen)


def _done_callbacks(future):
    callbacks = getattr(future, "_callbacks", None) or ()
    # Tuples (callback, context) from 3.7 on; bare callbacks from foreign futures.
    return [entry[0] if isinstance(entry, tuple) else entry for entry in callbacks]


def _future_completed_by(callback):
    """The future one of asyncio's own done callbacks completes, or None."""
    if isinstance(callback, functools.partial):
        # The interpreter's own wait_for() (3.11's, under TASKGROUP_PATCH=1).
        if (getattr(callback.func, "__name__", None) == "_release_waiter"
                and getattr(callback.func, "__module__", None) == "asyncio.tasks"
                and callback.args and _is_future(callback.args[0])):
            return callback.args[0]
        return None
    code = getattr(callback, "__code__", None)
    if (code is None or getattr(callback, "__module__", None) not in _COMPLETER_MODULES
            or code.co_name not in _COMPLETERS or not callback.__closure__):
        return None
    name = _COMPLETERS[code.co_name]
    if name not in code.co_freevars:
        return None
    try:
        value = callback.__closure__[code.co_freevars.index(name)].cell_contents
    except ValueError:  # an empty cell: gather() has not made its future yet
        return None
    return value if _is_future(value) else None


def _qualnames_of(graph):
    """Map id(frame) and id(code) -> qualified name, for the graph's frames.

    From 3.11 the code object has it.  Before, the coroutine, generator or
    function that runs the code has it: the garbage collector finds them
    all in one pass, as what refers to the frames and their code objects.
    """
    frames = []
    _collect_frames(graph, frames)
    if not frames or hasattr(frames[0].f_code, "co_qualname"):
        return {}
    wanted = {id(frame) for frame in frames}
    codes = {id(frame.f_code): frame.f_code for frame in frames}
    wanted.update(codes)
    names = {}
    for referrer in gc.get_referrers(*frames, *codes.values()):
        if isinstance(referrer, types.FunctionType):
            named = referrer.__code__
        elif isinstance(referrer, types.CoroutineType):
            named = referrer.cr_frame
        elif isinstance(referrer, types.AsyncGeneratorType):
            named = referrer.ag_frame
        elif isinstance(referrer, types.GeneratorType):
            named = referrer.gi_frame
        else:
            continue
        # A frame's own coroutine names it; its code's function names the rest.
        if id(named) in wanted:
            names[id(named)] = referrer.__qualname__
    return names


def _collect_frames(graph, frames):
    frames.extend(entry.frame for entry in graph.call_stack if entry.frame is not None)
    for waiter in graph.awaited_by:
        _collect_frames(waiter, frames)


def _format(graph, names, lines, level):
    indent = "    " * level
    future = graph.future
    if isinstance(future, asyncio.tasks.Task):
        lines.append("%s* Task(name=%r, id=%#x)" % (indent, future.get_name(), id(future)))
    else:
        lines.append("%s* Future(id=%#x)" % (indent, id(future)))
    if graph.call_stack:
        lines.append(indent + "  + Call stack:")
        for entry in graph.call_stack:
            lines.append("%s  |   %s" % (indent, _describe(entry.frame, names)))
    if graph.awaited_by:
        lines.append(indent + "  + Awaited by:")
        for waiter in graph.awaited_by:
            _format(waiter, names, lines, level + 1)


def _describe(frame, names):
    code = frame.f_code
    qualname = (getattr(code, "co_qualname", None) or names.get(id(frame))
                or names.get(id(code)) or code.co_name)
    flags = code.co_flags
    if not flags & _CO_GENERATOR_KINDS:
        kind = ""
    elif flags & _CO_ASYNC_GENERATOR:
        kind = "async generator "
    elif flags & _CO_COROUTINE:
        kind = "async "
    else:
        kind = "generator "
    return "File %r, line %d, in %s%s()" % (code.co_filename, frame.f_lineno, kind, qualname)
