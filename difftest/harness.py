"""Runs one generated program on a virtual clock and returns its trace.

This file runs inside every interpreter under test (CPython 3.8-3.13), so it
uses nothing newer than 3.8 and only stdlib modules.  A generated program is
plain asyncio code that calls the few helpers defined here (``log``, ``fmt``,
``T``, ``EV``, ``TM``, ``reschedule``, ``schedule_cancel``...); repro scripts
inline this file so they run stand-alone.

Time is logical: ``VirtualLoop.time()`` is a counter that only moves when the
loop would block, by exactly the time to its next timer.  Delays are small
integers ("ticks"), so a trace never depends on the machine's speed.
"""

import asyncio
import builtins
import concurrent.futures
import contextvars
import gc
import json
import re
import selectors
import sys
import threading

TICK_LIMIT = 1000      # virtual time after which a program is a runaway
THREAD_WAIT = 5.0      # wall seconds a loop waits for its threads before a deadlock
SELECT_LIMIT = 20000   # loop iterations after which a program is a runaway
TG_MESSAGE = "unhandled errors in a TaskGroup"


class Deadlock(Exception):
    """The loop would block forever: no callback ready, no timer pending."""


class Runaway(Exception):
    """The program ran past TICK_LIMIT or SELECT_LIMIT."""


class VirtualSelector(selectors.SelectSelector):
    """A selector that never waits: select(t) moves the loop's clock by t."""

    def __init__(self):
        super().__init__()
        self.now = 0.0
        self.selects = 0

    def select(self, timeout=None):
        self.selects += 1
        if self.selects > SELECT_LIMIT:
            raise Runaway("more than %d loop iterations" % SELECT_LIMIT)
        if timeout is None:
            # A thread of the loop's may be about to call back (Runner.close()
            # shuts the default executor down in one): wait for it, a little.
            events = super().select(THREAD_WAIT) if threading.active_count() > 1 else []
            if events:
                return events
            raise Deadlock("nothing ready and no timer pending")
        if timeout > 0:
            self.now += timeout
            if self.now > TICK_LIMIT:
                raise Runaway("virtual time past %d" % TICK_LIMIT)
        return []


class JoiningExecutor(concurrent.futures.ThreadPoolExecutor):
    """The loop's default executor: each call in a thread of its own, joined at once.

    asyncio.to_thread() still runs its function in another thread, in a copy
    of the caller's context, but the outcome is there before the loop runs
    on, so that when the awaiting task resumes never depends on the machine.
    """

    def submit(self, fn, /, *args, **kwargs):
        future = concurrent.futures.Future()

        def run():
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: B036 - handed to the future
                future.set_exception(exc)
            else:
                future.set_result(result)

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return future


class VirtualLoop(asyncio.SelectorEventLoop):
    """asyncio's own selector loop on a virtual clock."""

    def __init__(self):
        self._vselector = VirtualSelector()
        super().__init__(self._vselector)
        self.set_exception_handler(_exception_handler)
        self.set_default_executor(JoiningExecutor())

    def time(self):
        return self._vselector.now


# -- the trace --------------------------------------------------------------

# Per run: events per logical coroutine, the exception handler's reports.
# Events are kept per coroutine, in that coroutine's order, each with its
# virtual time: the interleaving of coroutines within one tick is not part of
# the trace, because TaskGroup cancels its children in the order of a set of
# tasks (by address), which differs from run to run even in one process.
STATE = {}

_REPR = re.compile(r"<[^<>]*>")
# Reports that depend on when the garbage collector runs, not on the program.
_GC_MESSAGES = ("Task exception was never retrieved",
                "Future exception was never retrieved",
                "Task was destroyed but it is pending")


def _norm(text):
    # Reprs of tasks, coroutines and groups carry addresses and ids.
    return _REPR.sub("<>", text)


def tname(exc):
    cls = type(exc)
    if cls.__module__ in ("builtins", "asyncio.exceptions", "exceptiongroup",
                          "exceptiongroup._exceptions",
                          "__main__", "difftest_program", "harness"):
        return cls.__name__
    return cls.__module__ + "." + cls.__name__


def _chain(exc):
    # Types along __context__, stopping at a CancelledError (3.9/3.10 build a
    # new CancelledError when a task's cancellation is re-raised elsewhere).
    out = []
    seen = set()
    ctx = exc.__context__
    while ctx is not None and id(ctx) not in seen and len(out) < 4:
        seen.add(id(ctx))
        out.append(tname(ctx))
        if isinstance(ctx, asyncio.CancelledError):
            break
        ctx = ctx.__context__
    return out


def _without_chains(d):
    if isinstance(d, dict):
        return {k: _without_chains(v) for k, v in d.items() if k not in ("ctx", "cause")}
    if isinstance(d, list):
        return [_without_chains(v) for v in d]
    return d


def fmt(exc):
    """A JSON-able, canonical description of an exception."""
    group = getattr(builtins, "BaseExceptionGroup", None)
    d = {"type": tname(exc)}
    if group is not None and isinstance(exc, group):
        d["msg"] = exc.message
        subs = [fmt(e) for e in exc.exceptions]
        if exc.message == TG_MESSAGE:
            # A TaskGroup collects errors in completion order, and children it
            # cancels at once wake up in the order of a set of tasks (by
            # address): sort siblings.
            # Chains are left out of the key, so that the order does not
            # change with a __context__ that an interpreter does not record.
            subs.sort(key=lambda s: json.dumps(_without_chains(s), sort_keys=True))
        d["excs"] = subs
    else:
        d["msg"] = _norm(str(exc))
    if exc.__cause__ is not None:
        d["cause"] = tname(exc.__cause__)
    chain = _chain(exc)
    if chain:
        d["ctx"] = chain
    return d


def _leaves(exc):
    group = getattr(builtins, "BaseExceptionGroup", None)
    if group is not None and isinstance(exc, group):
        return [leaf for e in exc.exceptions for leaf in _leaves(e)]
    return [{"type": tname(exc), "msg": _norm(str(exc))}]


def star(matched, current):
    """What an except* handler got: the group, its leaves, sys.exception()."""
    leaves = sorted(_leaves(matched), key=lambda d: json.dumps(d, sort_keys=True))
    return {"group": fmt(matched), "leaves": leaves,
            "exception": tname(current), "is_matched": current is matched}


def now():
    return asyncio.get_running_loop().time()


def _cancelling():
    task = asyncio.current_task()
    if task is None:
        return None
    try:
        return task.cancelling()
    except AttributeError:
        return "n/a"


def log(who, *what):
    """Record an event of coroutine *who* with the time and its cancelling()."""
    STATE["events"].setdefault(who, []).append(
        [now(), _cancelling()] + [list(w) if isinstance(w, tuple) else w for w in what])


def _exception_handler(loop, context):
    message = context.get("message", "")
    if message.startswith(_GC_MESSAGES):
        return
    exc = context.get("exception")
    STATE["handler"].append([_norm(message), fmt(exc) if exc is not None else None])


class E1(Exception):
    pass


class E2(E1):
    pass


class B1(BaseException):
    """Neither Exception nor KeyboardInterrupt/SystemExit."""


def reschedule(tm, delta):
    """TM[tm].reschedule(now + delta) (delta None: no deadline), logged."""
    timeout = TM.get(tm)
    if timeout is None:
        return "no such timeout"
    try:
        timeout.reschedule(None if delta is None else now() + delta)
    except RuntimeError as exc:
        return fmt(exc)
    return timeout.when()


def cancel(tid, who, msg=None):
    """T[tid].cancel() (with a message if given), logged."""
    task = T.get(tid)
    if task is None:
        result = "no such task"
    elif msg is None:
        result = task.cancel()
    else:
        result = task.cancel(msg)
    log(who, "cancel", tid, result)


def uncancel(tid, who):
    """T[tid].uncancel() from another task, logged."""
    task = T.get(tid)
    log(who, "uncancel", tid, "no such task" if task is None else task.uncancel())


def schedule_cancel(at, tid, msg=None):
    """loop.call_at(at, ...): cancel T[tid] from outside any task."""
    asyncio.get_running_loop().call_at(at, cancel, tid, "@loop", msg)


def schedule_set(at, ev):
    loop = asyncio.get_running_loop()
    loop.call_at(at, lambda: (EV[ev].set(), log("@loop", "set", ev)))


def thread_job(value):
    """What asyncio.to_thread() runs: in another thread, in the caller's context."""
    return [value, CV.get(None), threading.current_thread() is not threading.main_thread()]


async def qput(who, value):
    """await Q[0].put(value), logged; QueueShutDown is logged, not raised."""
    try:
        await Q[0].put(value)
    except asyncio.QueueShutDown:
        log(who, "put", value, "shut down")
    else:
        log(who, "put", value, Q[0].qsize())


async def qget(who):
    """await Q[0].get(), logged; QueueShutDown is logged, not raised."""
    try:
        item = await Q[0].get()
    except asyncio.QueueShutDown:
        log(who, "got", "shut down")
    else:
        log(who, "got", item, Q[0].qsize())


def qshutdown(who, immediate):
    Q[0].shutdown(immediate)
    log(who, "shutdown", immediate, Q[0].qsize())


def qdone(who):
    try:
        Q[0].task_done()
    except ValueError as exc:
        log(who, "task_done", fmt(exc))
    else:
        log(who, "task_done")


async def qjoin(who):
    await Q[0].join()
    log(who, "joined")


async def ascompleted(who, tids, timeout, iterate):
    """Iterate asyncio.as_completed() over T[tid]... with async for or for; log each."""
    tasks = [T[tid] for tid in tids]
    ids = {id(task): tid for tid, task in zip(tids, tasks)}
    try:
        if iterate == "async":
            async for task in asyncio.as_completed(tasks, timeout=timeout):
                log(who, "completed", ids.get(id(task), "not an original"), task_state(task))
        else:
            for next_done in asyncio.as_completed(tasks, timeout=timeout):
                try:
                    log(who, "completed", {"result": await next_done})
                except Exception as exc:
                    log(who, "completed", {"raised": fmt(exc)})
    except asyncio.TimeoutError as exc:
        log(who, "as_completed", fmt(exc))


T = {}     # tasks by id (0: main)
EV = {}    # asyncio.Events
TM = {}    # timeouts by id
G = {}     # entered TaskGroups by id
CX = {}    # CX[0]: a contextvars.Context shared by some tasks
Q = {}     # Q[0]: an asyncio.Queue shared by the program
CV = contextvars.ContextVar("cv")


def task_state(task):
    if not task.done():
        return "pending"
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    if exc is not None:
        return {"raised": fmt(exc)}
    return {"result": task.result()}


def run_program(ns):
    """Run ns['main']() under asyncio.Runner on a VirtualLoop; return the trace."""
    STATE.clear()
    STATE.update(events={}, handler=[])
    for d in (T, EV, TM, G, CX, Q):
        d.clear()
    for i in range(ns.get("N_EVENTS", 0)):
        EV[i] = None  # created inside the loop (3.8/3.9 Events bind a loop)
    trace = {}
    gc.disable()
    loops = []

    def factory():
        loop = VirtualLoop()
        loops.append(loop)
        return loop

    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            try:
                trace["main"] = {"result": runner.run(ns["main"]())}
            except (Deadlock, Runaway) as exc:
                trace["main"] = {"aborted": type(exc).__name__}
            except BaseException as exc:  # noqa: B036 - the program's outcome
                trace["main"] = {"raised": fmt(exc)}
            trace["after_main"] = {str(k): task_state(t) for k, t in sorted(T.items())}
    except (Deadlock, Runaway) as exc:
        trace["close"] = {"aborted": type(exc).__name__}
    except BaseException as exc:  # noqa: B036
        trace["close"] = {"raised": fmt(exc)}
    trace["final"] = {str(k): task_state(t) for k, t in sorted(T.items())}
    trace["timeouts"] = {str(k): [tm.expired(), tm.when()] for k, tm in sorted(TM.items())}
    trace["events"] = STATE["events"]
    trace["handler"] = STATE["handler"]
    # Drop everything the program made before the next one runs.
    for loop in loops:
        if not loop.is_closed():
            loop.close()
    for d in (T, EV, TM, G, CX, Q):
        d.clear()
    STATE.clear()
    gc.enable()
    gc.collect()
    return trace


def describe():
    """What this interpreter is and whether asyncio is patched."""
    return {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "patched": "taskgroup_patch._patch" in sys.modules and sys.version_info < (3, 11),
        "has_taskgroup": hasattr(asyncio, "TaskGroup"),
    }
